/**
 * Per-observation and per-feature QC numbers with scanpy's meanings
 * (`sc.pp.calculate_qc_metrics`, `filter_cells`, `filter_genes`) and the `stnmf info` summary.
 *
 * Control counts: readers keep control features out of X (Xenium control probes and codewords,
 * CosMx NegPrb / SystemControl, MERSCOPE Blank-*, 10x non-Gene-Expression features) and put
 * their per-cell totals in obs, recording the column in `meta.filtered` (`… per-cell totals in
 * obs '<column>'`). Control features still in X (an h5ad written elsewhere) are found by var
 * `feature_types` (every type other than the main one: `Gene Expression` when present, else the
 * most frequent) or, without that column, by the control name patterns of 10x / Xenium /
 * MERSCOPE / CosMx ({@link CONTROL_NAME}). The control percentage is
 * `100 * control / (counts of X + control totals kept out of X)`, i.e. scanpy's
 * `pct_counts_<qc_var>` computed on the full feature set the instrument produced.
 */
import { columnStrings, type Column, type Dataset } from '../../dataset.js';

/** Names of control features on 10x Xenium, CosMx and MERSCOPE panels. */
export const CONTROL_NAME = /^(NegControlProbe_|NegControlCodeword_|BLANK_|Blank-|UnassignedCodeword_|DeprecatedCodeword_|Intergenic_Region|NegPrb|Negative|SystemControl|FalseCode)/i;

/** Per-observation QC metrics (float64 / int32 arrays of length n_obs). */
export interface CellQc {
  /** Sum of X per observation (scanpy `total_counts`). */
  totalCounts: Float64Array;
  /** Non-zero features per observation (scanpy `n_genes_by_counts`). */
  nFeatures: Int32Array;
  /** Control counts per observation, or undefined when the data has no control features. */
  controlCounts?: Float64Array;
  /** Percentage of control counts (NaN when an observation has no counts at all, as scanpy's 0/0). */
  pctControl?: Float64Array;
  /** Where the control counts came from (obs columns and/or control features in X). */
  controlSources: string[];
}

/** Non-zero observations per feature (scanpy `n_cells_by_counts`), int32 of length n_vars. */
export function cellsPerFeature(d: Dataset): Int32Array {
  const out = new Int32Array(d.X.cols);
  const { indices, data } = d.X;
  const nz = d.X.indptr[d.X.rows];
  for (let p = 0; p < nz; p++) if (data[p] !== 0) out[indices[p]]++;
  return out;
}

/** A string or categorical column's values as strings; undefined for numbers and booleans. */
function textColumn(c: Column): string[] | undefined {
  return c.kind === 'string' || c.kind === 'category' ? columnStrings(c) : undefined;
}

/** Mask of the features of X that are controls (see the module comment), with why. */
export function controlFeaturesInX(d: Dataset): { mask: Uint8Array; why?: string } {
  const p = d.X.cols;
  const mask = new Uint8Array(p);
  const ft = d.var.columns.get('feature_types');
  const types = ft ? textColumn(ft) : undefined;
  if (types) {
    const freq = new Map<string, number>();
    for (const t of types) freq.set(t, (freq.get(t) ?? 0) + 1);
    let main = 'Gene Expression';
    if (!freq.has(main)) main = [...freq.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    let n = 0;
    for (let j = 0; j < p; j++) if (types[j] !== main) (mask[j] = 1), n++;
    return { mask, why: n > 0 ? `${n} features of X whose var feature_types is not '${main}'` : undefined };
  }
  let n = 0;
  for (let j = 0; j < p; j++) if (CONTROL_NAME.test(d.var.index[j])) (mask[j] = 1), n++;
  return { mask, why: n > 0 ? `${n} features of X named like controls (${CONTROL_NAME.source})` : undefined };
}

/** The obs columns holding per-cell totals of control features a reader kept out of X. */
export function controlTotalColumns(d: Dataset): string[] {
  const out: string[] = [];
  for (const r of d.meta.filtered) {
    if (r.axis !== 'features') continue;
    const m = /totals[^']*obs '([^']+)'/.exec(r.why);
    if (!m) continue;
    const c = d.obs.columns.get(m[1]);
    if (c && c.kind === 'number' && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Per-observation QC metrics of `d` (see {@link CellQc}). One pass over X. */
export function cellQc(d: Dataset): CellQc {
  const n = d.X.rows;
  const { indptr, indices, data } = d.X;
  const ctl = controlFeaturesInX(d);
  const cols = controlTotalColumns(d);
  const hasCtl = ctl.why !== undefined || cols.length > 0;
  const totalCounts = new Float64Array(n);
  const nFeatures = new Int32Array(n);
  const controlCounts = hasCtl ? new Float64Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    let nzf = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const v = data[p];
      s += v;
      if (v !== 0) nzf++;
      if (ctl.mask[indices[p]]) c += v;
    }
    totalCounts[i] = s;
    nFeatures[i] = nzf;
    if (controlCounts) controlCounts[i] = c;
  }
  let pctControl: Float64Array | undefined;
  if (controlCounts) {
    const outside = new Float64Array(n);
    for (const name of cols) {
      const v = (d.obs.columns.get(name) as { values: ArrayLike<number> }).values;
      for (let i = 0; i < n; i++) outside[i] += v[i];
    }
    pctControl = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      controlCounts[i] += outside[i];
      pctControl[i] = (100 * controlCounts[i]) / (totalCounts[i] + outside[i]);
    }
  }
  const controlSources = [...(ctl.why ? [ctl.why] : []), ...cols.map((c) => `obs '${c}'`)];
  return { totalCounts, nFeatures, controlCounts, pctControl, controlSources };
}

/** Minimum, median (mean of the two middle values for an even count) and maximum. */
export function minMedianMax(v: ArrayLike<number>): { min: number; median: number; max: number } {
  if (v.length === 0) return { min: NaN, median: NaN, max: NaN };
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return { min: s[0], median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, max: s[s.length - 1] };
}

/** One obs column as `stnmf info` lists it. */
export interface ObsColumnInfo {
  name: string;
  kind: Column['kind'];
  /** Number of categories (category columns) or distinct values (string columns). */
  nCategories?: number;
}

/** The QC numbers `stnmf info` reports. */
export interface QcSummary {
  nObs: number;
  nVars: number;
  countsPerObs: { min: number; median: number; max: number };
  featuresPerObs: { min: number; median: number; max: number };
  /** Observations whose X row sums to 0. */
  zeroCountObs: number;
  /** Features non-zero in no observation. */
  zeroCountVars: number;
  /** Control counts as a percentage of all counts, per observation (absent without controls). */
  pctControl?: { min: number; median: number; max: number; sources: string[] };
  obsColumns: ObsColumnInfo[];
}

/** QC summary of a dataset for `stnmf info` (counts and features per observation, obs columns). */
export function qcSummary(d: Dataset): QcSummary {
  const qc = cellQc(d);
  let zeroObs = 0;
  for (let i = 0; i < qc.totalCounts.length; i++) if (qc.totalCounts[i] === 0) zeroObs++;
  const cpf = cellsPerFeature(d);
  let zeroVars = 0;
  for (let j = 0; j < cpf.length; j++) if (cpf[j] === 0) zeroVars++;
  const obsColumns: ObsColumnInfo[] = [];
  for (const [name, c] of d.obs.columns) {
    if (c.kind === 'category') obsColumns.push({ name, kind: c.kind, nCategories: c.categories.length });
    else if (c.kind === 'string') obsColumns.push({ name, kind: c.kind, nCategories: new Set(c.values).size });
    else obsColumns.push({ name, kind: c.kind });
  }
  const out: QcSummary = {
    nObs: d.X.rows,
    nVars: d.X.cols,
    countsPerObs: minMedianMax(qc.totalCounts),
    featuresPerObs: minMedianMax(qc.nFeatures),
    zeroCountObs: zeroObs,
    zeroCountVars: zeroVars,
    obsColumns,
  };
  if (qc.pctControl) {
    const finite = qc.pctControl.filter((v) => Number.isFinite(v));
    out.pctControl = { ...minMedianMax(finite), sources: qc.controlSources };
  }
  return out;
}
