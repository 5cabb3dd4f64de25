/**
 * Per-sample files of a multi-sample factorisation (issue 18, point 2): one NMF of the stacked
 * samples is a shared H (features x k) with a W per sample — the rows of W that belong to the
 * sample. Sent beside the combined W.npy as `W_<sample>.npy` (or another prefix: consensus
 * usages are `usages_<sample>.npy`) with `obs_names_<sample>.txt`, so a per-slide step can pick
 * up its own usage without the sample column.
 *
 * Layer 4 (outputs): no Node APIs; files go to a `RunFileSink`.
 */
import type { Dataset } from '../dataset.js';
import { StnmfError } from '../errors.js';
import type { Dense } from '../linalg/dense.js';
import { sampleGroups, sampleRows } from '../samples.js';
import type { RunFileSink } from './hsnmf.js';

/** A sample id as a file-name part: letters, digits, `.`, `_`, `-` kept; others become `_`. */
export function sampleFilePart(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The file-name part of every sample id.
 * @throws StnmfError('BAD_INPUT') when two ids give the same part (named with `prefix`'s file).
 */
function sampleFileParts(ids: string[], prefix: string): string[] {
  const names = ids.map(sampleFilePart);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash !== undefined) throw new StnmfError('BAD_INPUT', `sample ids ${ids.filter((_, i) => names[i] === clash).join(' and ')} give the same file name ${prefix}_${clash}.npy; rename one`);
  return names;
}

/**
 * Sends `<prefix>_<sample>.npy` (the sample's rows of `W`, same dtype) and
 * `obs_names_<sample>.txt` for each sample of `ds`; returns the file names (none for a
 * one-sample input).
 * @throws StnmfError('BAD_INPUT') when two sample ids map to the same file name.
 */
export async function perSampleFiles(sink: RunFileSink, ds: Dataset, W: Dense, prefix = 'W'): Promise<string[]> {
  const g = sampleGroups(ds);
  return g ? sampleBlockFiles(sink, g.ids, sampleRows(g), ds.obs.index, W, prefix) : [];
}

/** {@link perSampleFiles} for samples given as row lists (the streamed fit holds no Dataset). */
export async function sampleBlockFiles(sink: RunFileSink, ids: string[], rows: ArrayLike<number>[], obsNames: string[], W: Dense, prefix = 'W'): Promise<string[]> {
  const names = sampleFileParts(ids, prefix);
  const written: string[] = [];
  for (let s = 0; s < ids.length; s++) {
    const r = rows[s];
    if (r.length === 0) continue;
    const data = new (W.data.constructor as { new (n: number): Float32Array })(r.length * W.cols);
    for (let a = 0; a < r.length; a++) data.set(W.data.subarray(r[a] * W.cols, (r[a] + 1) * W.cols), a * W.cols);
    await sink.npy(`${prefix}_${names[s]}.npy`, { rows: r.length, cols: W.cols, data });
    await sink.text(`obs_names_${names[s]}.txt`, Array.from(r, (i) => obsNames[i]).join('\n') + '\n');
    written.push(`${prefix}_${names[s]}.npy`, `obs_names_${names[s]}.txt`);
  }
  return written;
}

/**
 * Sends one matrix per sample as `<prefix>_<sample>.npy` (iNMF's V_s); returns the file names.
 * @throws StnmfError('BAD_INPUT') when two sample ids map to the same file name.
 */
export async function sampleMatrixFiles(sink: RunFileSink, ids: string[], matrices: Dense[], prefix: string): Promise<string[]> {
  const names = sampleFileParts(ids, prefix);
  for (let s = 0; s < ids.length; s++) await sink.npy(`${prefix}_${names[s]}.npy`, matrices[s]);
  return names.map((n) => `${prefix}_${n}.npy`);
}
