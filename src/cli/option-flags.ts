/**
 * CLI flags derived from a method's option table (src/options.ts): the flag, its help, type,
 * range, choices and default come from the one declaration the library checks against, so a
 * flag cannot default or validate differently from the option it sets.
 */
import type { OptionTable } from '../options.js';
import type { FlagSpec } from './args.js';

/** The flag specs of every option of `table`, by flag name (each entry's `flag`), in table order. */
export function optionFlags(table: OptionTable): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const spec of Object.values(table)) {
    const f: FlagSpec = { type: spec.type, help: spec.help };
    if (spec.short) f.short = spec.short;
    if (spec.choices) f.choices = spec.choices;
    if (spec.default !== undefined) f.default = spec.default;
    if (spec.source) f.defaultSource = spec.source;
    if (spec.required) f.required = true;
    if (spec.min !== undefined) f.min = spec.min;
    if (spec.max !== undefined) f.max = spec.max;
    if (spec.exclusiveMin !== undefined) f.exclusiveMin = spec.exclusiveMin;
    out[spec.flag] = f;
  }
  return out;
}
