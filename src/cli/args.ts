/**
 * A small, strict argument parser for stnmf subcommands: long flags (`--rank 10`,
 * `--rank=10`), boolean switches, short aliases, positionals. Unknown flags and bad values are
 * usage errors that list what is allowed (formats.md §4.1: validate early, list allowed values).
 */
import { StnmfError } from '../errors.js';

/** Declaration of one flag. */
export interface FlagSpec {
  /** `string`, `number`, `int` or `boolean` (a switch that takes no value). */
  type: 'string' | 'number' | 'int' | 'boolean';
  /** Help text. */
  help: string;
  /** Short alias without the dash, e.g. `o`. */
  short?: string;
  /** Allowed values for string flags. */
  choices?: readonly string[];
  /** Default shown in help and returned when absent. */
  default?: string | number | boolean;
  /** Where the default comes from, shown beside it in help (`(default 200: scikit-learn)`). */
  defaultSource?: string;
  /** Whether the flag must be given. */
  required?: boolean;
  /** Repeatable (`--obs-meta a.csv --obs-meta b.csv`): the value comes back as string[] in order. */
  array?: boolean;
  /** Smallest allowed value of a number/int flag (inclusive). */
  min?: number;
  /** Largest allowed value of a number/int flag (inclusive). */
  max?: number;
  /** Value a number flag must be strictly greater than (e.g. 0 for a positive length). */
  exclusiveMin?: number;
  /**
   * The value names an input: `file` must be a regular file, `dataset` a regular file or a
   * folder. Checked before the command runs, so a FIFO or device never blocks a reader.
   */
  input?: 'file' | 'dataset';
  /** Values starting with this prefix are not paths (e.g. `obs:` for a column reference). */
  notPathPrefix?: string;
  /**
   * The value is a run's output folder: checked before the command runs (pseudo file systems,
   * a non-empty folder without `--force`), so nothing is read or computed for a run that could
   * not write its results (output.ts `checkRunFolder`).
   */
  output?: 'folder';
}

/** A parsed flag value: string[] for `array` flags. */
export type FlagValue = string | number | boolean | string[] | undefined;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  flags: Record<string, FlagValue>;
  positionals: string[];
  /** The flags the command line gave (the others in `flags` are defaults), so a flag that only applies beside another can be refused when given alone. */
  given?: ReadonlySet<string>;
}

/**
 * Parses `argv` (without the subcommand) against `spec`. Flag names in `spec` are the long
 * names without dashes (`max-iter`); values come back under the same names.
 * @throws StnmfError('USAGE') for unknown flags, missing values, bad numbers or choices.
 */
export function parseArgs(command: string, argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) byShort.set(s.short, name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      name = byShort.get(a.slice(1));
      if (!name) throw new StnmfError('USAGE', `unknown option '${a}' (see 'stnmf ${command} --help')`);
    } else {
      positionals.push(a);
      continue;
    }
    const s = spec[name];
    if (!s) throw new StnmfError('USAGE', `unknown option '--${name}' (see 'stnmf ${command} --help')`);
    if (s.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') {
        throw new StnmfError('USAGE', `--${name} is a switch and takes no value, got '${inline}'`);
      }
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new StnmfError('USAGE', `--${name} needs a value`);
    if (s.array) {
      const v = convert(command, name, s, raw);
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), String(v)];
    } else flags[name] = convert(command, name, s, raw);
  }
  const given = new Set(Object.keys(flags));
  for (const [name, s] of Object.entries(spec)) {
    if (flags[name] === undefined) {
      if (s.required) throw new StnmfError('USAGE', `--${name} is required (${s.help})`);
      if (s.default !== undefined) flags[name] = s.array ? [String(s.default)] : s.default;
    }
  }
  return { flags, positionals, given };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function convert(command: string, name: string, s: FlagSpec, raw: string): string | number {
  if (s.type === 'string') {
    if (s.choices && !s.choices.includes(raw)) {
      throw new StnmfError('USAGE', `--${name} must be one of ${s.choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  }
  // Decimal notation only: Number() would also take '0x1F', '0b1', '' and ' 1 '.
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(v)) throw new StnmfError('USAGE', `--${name} needs a number, got '${raw}'`);
  if (s.type === 'int' && !Number.isInteger(v)) throw new StnmfError('USAGE', `--${name} needs a whole number, got '${raw}'`);
  checkRange(name, s, v, raw);
  return v;
}

/** The allowed range of a numeric flag in words (`≥ 1`, `in [0, 1]`, `> 0`), or ''. */
export function rangeText(s: FlagSpec): string {
  const lo = s.exclusiveMin !== undefined ? `> ${s.exclusiveMin}` : s.min !== undefined ? `>= ${s.min}` : '';
  if (s.max === undefined) return lo;
  if (s.min !== undefined && s.exclusiveMin === undefined) return `in [${s.min}, ${s.max}]`;
  return lo ? `${lo} and <= ${s.max}` : `<= ${s.max}`;
}

function checkRange(name: string, s: FlagSpec, v: number, raw: string): void {
  const low = (s.min !== undefined && v < s.min) || (s.exclusiveMin !== undefined && !(v > s.exclusiveMin));
  const high = s.max !== undefined && v > s.max;
  if (low || high) throw new StnmfError('USAGE', `--${name} must be ${rangeText(s)}, got ${raw}`);
}

/** Help text for a command from its spec. */
export function formatHelp(command: string, usage: string, summary: string, spec: Record<string, FlagSpec>, examples: string[] = []): string {
  const lines = [`Usage: ${usage}`, '', summary, ''];
  if (examples.length) lines.push('Examples:', ...examples.map((e) => `  ${e}`), '');
  lines.push('Options:');
  for (const [name, s] of Object.entries(spec)) {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'boolean' ? '' : ` <${s.choices ? s.choices.join('|') : s.type}>`}${s.array ? ' ...' : ''}`;
    const def = s.default !== undefined ? ` (default ${s.default}${s.defaultSource ? `: ${s.defaultSource}` : ''})` : s.required ? ' (required)' : '';
    const range = rangeText(s);
    const help = range ? `${s.help}; ${range}` : s.help;
    lines.push(`  ${flag.padEnd(40)} ${help}${def}`);
  }
  void command;
  return lines.join('\n');
}
