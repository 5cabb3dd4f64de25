/**
 * Feature lists by name (`--genes`, `--exclude-genes`): parsing the CLI value (a comma list or
 * a file with one name a line) and resolving names against var names with a "did you mean".
 */
import { nodeVfs } from '../node-vfs.js';
import type { Vfs } from '../vfs.js';
import { StnmfError } from '../../errors.js';
import { forEachLine, unquote } from '../text.js';
import { badFile } from '../util.js';
import { suggestName } from './suggest.js';

/**
 * Parses a `--genes` style value: when `value` names an existing file, its lines (one name a
 * line; blank lines and `#` comments skipped; surrounding quotes and a trailing delimiter-
 * separated remainder such as `Gad1,0.8` ignored, so a one-column CSV works); otherwise a
 * comma-separated list (blanks trimmed). A value containing `/` that is not a file is an error
 * (it was meant as a path). Duplicates are kept here; {@link resolveFeatures} drops them.
 * @param files  where a list file is looked for (default the disk)
 */
export async function parseNameList(value: string, label = '--genes', files: Vfs = nodeVfs): Promise<string[]> {
  if (files.stat(value)?.kind === 'file') {
    const names: string[] = [];
    await forEachLine(value, (line) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return;
      const first = t.split(/[\t,;]/)[0];
      const name = unquote(first);
      if (name !== '') names.push(name);
    }, files);
    if (names.length === 0) throw badFile(value, `${label}: the file lists no names (one name a line expected)`);
    return names;
  }
  if (value.includes('/')) throw badFile(value, `${label}: file not found (give a comma-separated list of names or a file with one name a line)`);
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new StnmfError('USAGE', `${label}: no names given (write ${label} Gad1,Sst or ${label} genes.txt)`);
  return names;
}

/**
 * Column indices of `names` in `varNames`, in var order (a selection keeps the data's feature
 * order; repeated names count once). Matching is exact.
 * @throws StnmfError('USAGE') naming the first unknown name, with a case-insensitive or
 * edit-distance suggestion (`'gad1' is not a feature; did you mean 'Gad1'?`) and how many of the
 * names are unknown.
 */
export function resolveFeatures(varNames: readonly string[], names: readonly string[], label = '--genes'): Int32Array {
  const at = new Map<string, number>();
  varNames.forEach((v, j) => {
    if (!at.has(v)) at.set(v, j);
  });
  const unknown: string[] = [];
  const hit = new Uint8Array(varNames.length);
  for (const n of names) {
    const j = at.get(n);
    if (j === undefined) {
      if (!unknown.includes(n)) unknown.push(n);
    } else hit[j] = 1;
  }
  if (unknown.length > 0) {
    const first = unknown[0];
    const hint = suggestName(first, varNames);
    const uniq = new Set(names).size;
    const more = unknown.length > 1 ? ` (${unknown.length} of ${uniq} names are not features: ${unknown.slice(0, 5).map((s) => `'${s}'`).join(', ')}${unknown.length > 5 ? ', …' : ''})` : '';
    throw new StnmfError('USAGE', `${label}: '${first}' is not a feature${hint ? `; did you mean '${hint}'?` : ` (features: ${varNames.slice(0, 8).join(', ')}${varNames.length > 8 ? ', …' : ''})`}${more}`);
  }
  const out: number[] = [];
  for (let j = 0; j < hit.length; j++) if (hit[j]) out.push(j);
  return Int32Array.from(out);
}

/** Indices `0..n-1` not in `drop` (sorted ascending). */
export function complement(n: number, drop: ArrayLike<number>): Int32Array {
  const m = new Uint8Array(n);
  for (let k = 0; k < drop.length; k++) m[drop[k]] = 1;
  const out: number[] = [];
  for (let j = 0; j < n; j++) if (!m[j]) out.push(j);
  return Int32Array.from(out);
}
