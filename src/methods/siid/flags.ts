/**
 * SIID's options from `stnmf siid`'s flags, for the CLI and the browser app alike (a separate
 * file from the table, options.ts, which the solvers import, so that no import cycle forms).
 */
import { optionsFromFlags } from '../../options.js';
import { SIID_OPTIONS } from './options.js';
import type { SiidOptions } from './types.js';

/**
 * SIID's options from parsed `stnmf siid` flags (or the app's form): the SIID_OPTIONS table's,
 * plus the switches that are not plain values. The CLI and the app both call this.
 */
export function siidOptionsFromFlags(f: Readonly<Record<string, unknown>>): SiidOptions {
  return {
    ...optionsFromFlags<SiidOptions>(SIID_OPTIONS, f),
    threads: f.threads as number | undefined,
    platformScaling: !f['no-platform-scaling'],
    missingGenes: f.intersect ? 'intersect' : 'error',
    visiumGenes: f['visium-genes'] === 'all' ? 'all' : 'panelOnly',
    imputeGenes: f.impute ? String(f.impute).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  };
}
