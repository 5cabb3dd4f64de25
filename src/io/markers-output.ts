/**
 * Marker statistics as outputs: `markers.csv` (scanpy's `rank_genes_groups_df` long format) and
 * `uns['rank_genes_groups']` in scanpy's structured layout, so `sc.pl.rank_genes_groups(adata)`
 * and `sc.get.rank_genes_groups_df(adata, None)` work on a result.h5ad written by stnmf:
 * `names` (strings), `scores` and `logfoldchanges` (float32), `pvals` and `pvals_adj` (float64)
 * as record arrays with one field per group (row i = the group's i-th gene by score), `pts` and
 * `pts_rest` as genes x groups data frames, and `params`. `markerOutputs` runs in browsers;
 * `writeMarkerOutputs` writes the file (Node).
 */
import type { Dataset, Frame } from '../dataset.js';
import type { Csr } from '../linalg/csr.js';
import { KEYS } from '../keys.js';
import { runStepsCancellable, StnmfError } from '../errors.js';
import { markersCsv, rankGenesGroupsSteps, type RankGenesOptions, type RankGenesResult } from '../metrics/rank-genes.js';
import { writeFileAtomic } from './atomic.js';
import type { H5adRecArray } from './h5ad.js';

/** scanpy's `uns['rank_genes_groups']` for a {@link RankGenesResult}. */
export function rankGenesUns(r: RankGenesResult, geneNames: string[]): Record<string, unknown> {
  const p = r.p;
  const rec = (pick: (g: number, j: number) => number, kind: 'f4' | 'f8'): H5adRecArray => ({
    length: p,
    recArray: r.groups.map((name, g) => {
      const v = kind === 'f4' ? new Float32Array(p) : new Float64Array(p);
      r.order[g].forEach((j, i) => (v[i] = pick(g, j)));
      return { name, values: v };
    }),
  });
  const pts = (a: Float64Array): Frame => ({
    index: geneNames.slice(),
    columns: new Map(r.groups.map((name, g) => [name, { kind: 'number' as const, values: a.slice(g * p, (g + 1) * p) }])),
  });
  return {
    params: { ...r.params },
    names: { length: p, recArray: r.groups.map((name, g) => ({ name, values: Array.from(r.order[g], (j) => geneNames[j]) })) } satisfies H5adRecArray,
    scores: rec((g, j) => r.scores[g * p + j], 'f4'),
    pvals: rec((g, j) => r.pvals[g * p + j], 'f8'),
    pvals_adj: rec((g, j) => r.pvalsAdj[g * p + j], 'f8'),
    logfoldchanges: rec((g, j) => r.logfoldchanges[g * p + j], 'f4'),
    pts: pts(r.pctGroup),
    pts_rest: pts(r.pctRest),
  };
}

/** Options of {@link writeMarkerOutputs}. */
export interface MarkerOutputOptions extends RankGenesOptions {
  /** Rank only features `[start, end)` (one modality of a stacked matrix). Default all. */
  columns?: [number, number];
  /** Stops the test (StnmfError 'ABORTED') when it fires: the test is seconds on large data. */
  signal?: AbortSignal;
}

/**
 * Marker statistics of the groups in obs column `key` (categorical, or integer codes in a numeric
 * column) on `ds.X` (counts; log1p-median normalised unless `options.normalize` says otherwise):
 * writes `markersCsvPath` and sets `ds.uns.rank_genes_groups` (call before writing result.h5ad).
 * Returns undefined and writes nothing when fewer than two groups have ≥ 2 cells (no test exists).
 * @throws StnmfError('BAD_INPUT') when the column is missing or not group labels
 */
export async function writeMarkerOutputs(markersCsvPath: string, ds: Dataset, key: string, options: MarkerOutputOptions = {}): Promise<RankGenesResult | undefined> {
  const m = await markerOutputs(ds, key, options);
  if (!m) return undefined;
  writeFileAtomic(markersCsvPath, m.csv);
  return m.result;
}

/**
 * {@link writeMarkerOutputs} without the file (a browser can offer `csv` as a download): sets
 * `ds.uns.rank_genes_groups` and returns the statistics and markers.csv's text, or undefined
 * when fewer than two groups have ≥ 2 cells.
 * @throws StnmfError('BAD_INPUT') when the column is missing or not group labels
 */
export async function markerOutputs(ds: Dataset, key: string, options: MarkerOutputOptions = {}): Promise<{ result: RankGenesResult; csv: string } | undefined> {
  const col = ds.obs.columns.get(key);
  if (!col) throw new StnmfError('BAD_INPUT', `markers: obs has no column ${key}`);
  let codes: ArrayLike<number>;
  let categories: string[];
  if (col.kind === 'category') {
    codes = col.codes;
    categories = col.categories;
  } else if (col.kind === 'number') {
    const v = col.values;
    let max = -1;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i])) throw new StnmfError('BAD_INPUT', `markers: obs column ${key} has the non-integer value ${v[i]}; pass a categorical column`);
      max = Math.max(max, v[i]);
    }
    codes = v;
    categories = Array.from({ length: max + 1 }, (_, c) => String(c));
  } else {
    throw new StnmfError('BAD_INPUT', `markers: obs column ${key} is ${col.kind}; expected categorical group labels`);
  }
  const sizes = new Int32Array(categories.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) sizes[codes[i]]++;
  if (sizes.filter((s) => s >= 2).length < 2) return undefined;
  const [start, end] = options.columns ?? [0, ds.X.cols];
  const X = start === 0 && end === ds.X.cols ? ds.X : columnSlice(ds.X, start, end);
  const names = ds.var.index.slice(start, end);
  const { signal, columns: _columns, ...rankOptions } = options;
  const r = await runStepsCancellable(rankGenesGroupsSteps(X, codes, categories, { groupby: key, ...rankOptions }), signal, 'markers');
  ds.uns[KEYS.rankGenes.uns] = rankGenesUns(r, names);
  return { result: r, csv: markersCsv(r, names) };
}

/** Columns [start, end) of a CSR matrix, renumbered from 0. */
function columnSlice(X: Csr, start: number, end: number): Csr {
  if (!(start >= 0 && end <= X.cols && start < end)) throw new StnmfError('BAD_OPTION', `markers: column range [${start}, ${end}) outside 0..${X.cols}`);
  const indptr = new Int32Array(X.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const j = X.indices[q];
      if (j >= start && j < end) (idx.push(j - start), val.push(X.data[q]));
    }
    indptr[i + 1] = idx.length;
  }
  return { rows: X.rows, cols: end - start, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
}
