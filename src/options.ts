/**
 * A method's options, declared once: each option's type, constraint, default and where the
 * default comes from, with the CLI flag it is set by. The library fills its defaults and checks
 * given values from the table (`checkOptions`, `optionDefault`); the CLI derives its flags, help
 * and range checks from the same table (`src/cli/option-flags.ts`), and the CLI and the browser
 * app map parsed flags to options with `optionsFromFlags`, so the layers cannot disagree (as
 * scikit-learn declares `_parameter_constraints` once per estimator).
 *
 * Layer 0: imports only errors, runs in browsers.
 */
import { StnmfError } from './errors.js';

/** One option of a method. */
export interface OptionSpec {
  /** `int`, `number`, `string` or `boolean`. */
  type: 'int' | 'number' | 'string' | 'boolean';
  /** The CLI flag that sets it, without dashes (`max-iter`). */
  flag: string;
  /** What it does (the CLI's help text). */
  help: string;
  /** The default; absent = no default (the option is optional or required). */
  default?: number | string | boolean;
  /** Where the default comes from (a paper, a peer's default, a measurement in docs/). */
  source?: string;
  /** Inclusive lower bound of a number. */
  min?: number;
  /** Inclusive upper bound of a number. */
  max?: number;
  /** Exclusive lower bound of a number (a length must be > 0). */
  exclusiveMin?: number;
  /** Allowed values of a string. */
  choices?: readonly string[];
  /** One-letter CLI alias. */
  short?: string;
  /** The option must be given (no default). */
  required?: boolean;
}

/**
 * A method's options by their library name. A dotted name (`nmf.maxIter`) is an option of a
 * nested options object (hSNMF's `nmf: { maxIter }`).
 */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The default of option `name` of `table`, typed by the caller. */
export function optionDefault<T extends number | string | boolean>(table: OptionTable, name: string): T {
  const spec = table[name];
  if (!spec || spec.default === undefined) throw new Error(`options: ${name} has no declared default`);
  return spec.default as T;
}

/** Why `value` breaks `spec`, or undefined when it fits. */
export function optionProblem(spec: OptionSpec, value: unknown): string | undefined {
  if (spec.type === 'boolean') return typeof value === 'boolean' ? undefined : `must be true or false, got ${String(value)}`;
  if (spec.type === 'string') {
    if (typeof value !== 'string') return `must be a string, got ${String(value)}`;
    if (spec.choices && !spec.choices.includes(value)) return `must be one of ${spec.choices.join(', ')}, got ${value}`;
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, got ${String(value)}`;
  if (spec.type === 'int' && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
  if (spec.min !== undefined && value < spec.min) return `must be >= ${spec.min}, got ${value}`;
  if (spec.max !== undefined && value > spec.max) return `must be <= ${spec.max}, got ${value}`;
  if (spec.exclusiveMin !== undefined && !(value > spec.exclusiveMin)) return `must be > ${spec.exclusiveMin}, got ${value}`;
  return undefined;
}

/** The value at a dotted path of an options object. */
function valueAt(o: Record<string, unknown>, path: string): unknown {
  let v: unknown = o;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * Checks every option of `table` that `options` gives (undefined = use the default, null =
 * none) against
 * its declaration, at the library's edge.
 * @param what  the function, named in the message (`nmf`, `hsnmf`)
 * @throws StnmfError('BAD_OPTION') naming the option (`nmf: maxIter must be >= 1, got 0`)
 */
export function checkOptions(table: OptionTable, options: object, what: string): void {
  for (const [name, spec] of Object.entries(table)) {
    const v = valueAt(options as Record<string, unknown>, name);
    // null is "none" where an option allows it (SIID's entropyLambda: null = off).
    if (v === undefined || v === null) continue;
    const problem = optionProblem(spec, v);
    if (problem) throw new StnmfError('BAD_OPTION', `${what}: ${name} ${problem}`);
  }
}

/**
 * Options from parsed CLI flags (or the app's form, which parses as the CLI does): each option
 * of `table` whose flag is set, under its library name (dotted names build nested objects).
 * Flags left unset stay unset, so the library's defaults — the table's — apply.
 */
export function optionsFromFlags<T = Record<string, unknown>>(table: OptionTable, flags: Readonly<Record<string, unknown>>): T {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const raw = flags[spec.flag];
    if (raw === undefined || raw === '') continue;
    const v = spec.type === 'int' || spec.type === 'number' ? (typeof raw === 'number' ? raw : Number(raw)) : spec.type === 'boolean' ? raw === true || raw === 'true' : String(raw);
    const parts = name.split('.');
    let o = out;
    for (const part of parts.slice(0, -1)) o = (o[part] ??= {}) as Record<string, unknown>;
    o[parts[parts.length - 1]] = v;
  }
  // The caller names the options type the table declares (checked by the library on use).
  return out as T;
}
