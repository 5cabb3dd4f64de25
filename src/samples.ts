/**
 * The samples of a multi-sample Dataset (issue 18): which observations belong to which
 * section. Core (layer 0) so that graphs, metrics and methods can keep samples apart without
 * importing io. The sample column is named by `meta.sampleKey` (set by `readSamples` /
 * `useSampleKey` in src/io/samples.ts).
 */
import type { Column, Dataset } from './dataset.js';
import { StnmfError } from './errors.js';

/** Each observation's sample as a code into `ids` (ids in category order). */
export interface SampleGroups {
  /** The obs column the groups come from. */
  key: string;
  /** Sample names; `codes[i]` indexes this list. */
  ids: string[];
  /** n codes, each in [0, ids.length). */
  codes: Int32Array;
}

/**
 * The samples of `ds` as codes, or undefined when `ds` is one sample (`meta.sampleKey` unset).
 * @throws StnmfError('BAD_INPUT') when the key names no obs column or an observation has no
 *   sample (a missing category).
 */
export function sampleGroups(ds: Dataset): SampleGroups | undefined {
  const key = ds.meta.sampleKey;
  if (key === undefined) return undefined;
  const c = ds.obs.columns.get(key);
  if (!c) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: the sample column '${key}' is not in obs`);
  return groupsOfColumn(c, key, ds.X.rows, ds.meta.source);
}

/**
 * Codes of any obs column (categories in their order; strings, numbers and booleans in sorted
 * order of their distinct values).
 * @throws StnmfError('BAD_INPUT') for a missing value (category code -1, empty string, NaN).
 */
export function groupsOfColumn(c: Column, key: string, n: number, source = 'input'): SampleGroups {
  const codes = new Int32Array(n);
  let ids: string[];
  if (c.kind === 'category') {
    ids = c.categories.map(String);
    for (let i = 0; i < n; i++) {
      if (c.codes[i] < 0) throw new StnmfError('BAD_INPUT', `${source}: obs '${key}' has no value for observation ${i}; every observation needs a sample`);
      codes[i] = c.codes[i];
    }
  } else {
    const vals: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = c.values[i];
      const s = c.kind === 'bool' ? (v ? 'True' : 'False') : String(v ?? '');
      if (s === '' || s === 'NaN') throw new StnmfError('BAD_INPUT', `${source}: obs '${key}' has no value for observation ${i}; every observation needs a sample`);
      vals[i] = s;
    }
    ids = [...new Set(vals)].sort();
    const at = new Map(ids.map((s, k) => [s, k]));
    for (let i = 0; i < n; i++) codes[i] = at.get(vals[i])!;
  }
  // Categories nobody uses (after a selection) are kept: outputs then still list every sample.
  return { key, ids, codes };
}

/** The observation indices of each sample, in row order. */
export function sampleRows(g: SampleGroups): Int32Array[] {
  const counts = new Int32Array(g.ids.length);
  for (let i = 0; i < g.codes.length; i++) counts[g.codes[i]]++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(g.ids.length);
  for (let i = 0; i < g.codes.length; i++) out[g.codes[i]][fill[g.codes[i]]++] = i;
  return out;
}

/** The rows of samples stacked in order with `sizes[s]` observations each: sample s is rows at … at+sizes[s]−1. */
export function contiguousRows(sizes: ArrayLike<number>): Int32Array[] {
  const out: Int32Array[] = [];
  for (let s = 0, at = 0; s < sizes.length; at += sizes[s], s++) out.push(Int32Array.from({ length: sizes[s] }, (_, i) => at + i));
  return out;
}

/** Median of the positive values (0 when there are none): scanpy's `normalize_total` target. */
function positiveMedian(values: number[]): number {
  const v = values.filter((t) => t > 0).sort((a, b) => a - b);
  const m = v.length;
  return m === 0 ? 0 : m % 2 === 1 ? v[(m - 1) >> 1] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/**
 * The target total each observation is scaled to by median normalisation: the median of the
 * positive totals over all observations (scanpy `normalize_total(target_sum=None)`), or, with
 * `groups`, the median over the observation's own sample, so that every section is scaled to
 * its own depth, as normalising each slide before joining them would (`--normalize-per-sample`).
 * @returns the target of every observation and of every group (one entry without `groups`);
 *   0 where a group has no observation with counts
 */
export function medianTargets(totals: ArrayLike<number>, groups?: SampleGroups): { perObs: Float64Array; perGroup: number[] } {
  const n = totals.length;
  const perObs = new Float64Array(n);
  if (!groups) {
    const t = positiveMedian(Array.from(totals));
    perObs.fill(t);
    return { perObs, perGroup: [t] };
  }
  const members: number[][] = groups.ids.map(() => []);
  for (let i = 0; i < n; i++) members[groups.codes[i]].push(totals[i]);
  const perGroup = members.map(positiveMedian);
  for (let i = 0; i < n; i++) perObs[i] = perGroup[groups.codes[i]];
  return { perObs, perGroup };
}
