/**
 * Highly variable features, Seurat v3 flavour, as scanpy's
 * `sc.pp.highly_variable_genes(adata, flavor='seurat_v3', n_top_genes=N[, batch_key])` computes
 * it on raw counts (Stuart et al. 2019):
 * 1. per batch: mean and variance (ddof = 1) of each feature;
 * 2. loess of log10 variance on log10 mean over the non-constant features (span 0.3, degree 2,
 *    dloess defaults: see loess.ts), giving the expected standard deviation
 *    σ_j = sqrt(10^fit_j) (σ = 1 for constant features, whose fit is left at 0);
 * 3. counts clipped at mean_j + σ_j·sqrt(N) (N = observations in the batch);
 * 4. normalised variance v_j = (N·mean_j² + Σ c² − 2·mean_j·Σ c) / ((N − 1)·σ_j²) of the clipped counts;
 * 5. rank per batch (0 = most variable); features ranked ≥ N_top in a batch count as missing
 *    there; the feature's rank is the median over the batches where it is ranked (NaN if none);
 *    the top N_top by (median rank ascending, number of batches where ranked descending).
 * Ties in v_j are ranked in feature order (numpy's `argsort` is not stable for ties, so scanpy
 * may order tied features differently; ties occur between features with identical counts).
 */
import type { Csr } from '../../linalg/csr.js';
import { StnmfError } from '../../errors.js';
import { loessFit } from './loess.js';

/** Per-feature output of {@link highlyVariableSeuratV3} (scanpy's var columns). */
export interface HvgResult {
  /** `means` over all observations. */
  means: Float64Array;
  /** `variances` (ddof = 1) over all observations. */
  variances: Float64Array;
  /** `variances_norm`: mean over batches of the normalised variance. */
  variancesNorm: Float64Array;
  /** `highly_variable_rank`: median rank over batches (NaN when not in any batch's top N). */
  rank: Float64Array;
  /** `highly_variable_nbatches`. */
  nBatches: Int32Array;
  /** `highly_variable`: 1 for the selected N features. */
  highlyVariable: Uint8Array;
  /** Indices of the selected features, ascending. */
  selected: Int32Array;
}

function meanVar(X: Csr, rows: Int32Array | undefined): { mean: Float64Array; variance: Float64Array; n: number } {
  // scanpy's _get_mean_var on sparse data (sparse_mean_var_minor_axis): column sums / n (so
  // features with equal sums get bit-identical means, which the loess k-d tree sees as ties),
  // then the two-pass sum of squared deviations, the zeros adding (n − nnz)·mean², / n,
  // × n / (n − 1).
  const p = X.cols;
  const n = rows ? rows.length : X.rows;
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  const nnz = new Int32Array(p);
  const each = (f: (i: number) => void): void => {
    if (rows) for (const i of rows) f(i);
    else for (let i = 0; i < X.rows; i++) f(i);
  };
  each((i) => {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) mean[X.indices[q]] += X.data[q];
  });
  for (let j = 0; j < p; j++) mean[j] /= n;
  each((i) => {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const j = X.indices[q];
      const dv = X.data[q] - mean[j];
      variance[j] += dv * dv;
      nnz[j]++;
    }
  });
  for (let j = 0; j < p; j++) variance[j] = ((variance[j] + (n - nnz[j]) * mean[j] * mean[j]) / n) * (n / (n - 1));
  return { mean, variance, n };
}

function normalisedVariance(X: Csr, rows: Int32Array | undefined): Float64Array {
  const { mean, variance, n } = meanVar(X, rows);
  const p = X.cols;
  const idx: number[] = [];
  for (let j = 0; j < p; j++) if (variance[j] > 0) idx.push(j);
  const est = new Float64Array(p);
  if (idx.length > 0) {
    const lx = Float64Array.from(idx, (j) => Math.log10(mean[j]));
    const ly = Float64Array.from(idx, (j) => Math.log10(variance[j]));
    const fit = loessFit(lx, ly, { span: 0.3, degree: 2 });
    idx.forEach((j, k) => (est[j] = fit[k]));
  }
  const sd = new Float64Array(p);
  const clip = new Float64Array(p);
  const vmax = Math.sqrt(n);
  for (let j = 0; j < p; j++) {
    sd[j] = Math.sqrt(Math.pow(10, est[j]));
    clip[j] = sd[j] * vmax + mean[j];
  }
  const s = new Float64Array(p);
  const s2 = new Float64Array(p);
  const visit = (i: number): void => {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const j = X.indices[q];
      const v = Math.min(X.data[q], clip[j]);
      s[j] += v;
      s2[j] += v * v;
    }
  };
  if (rows) for (const i of rows) visit(i);
  else for (let i = 0; i < X.rows; i++) visit(i);
  const out = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    out[j] = (1 / ((n - 1) * sd[j] * sd[j])) * (n * mean[j] * mean[j] + s2[j] - 2 * s[j] * mean[j]);
  }
  return out;
}

/** Rank of each feature by decreasing value (0 = largest), ties in feature order. */
function ranks(v: Float64Array): Int32Array {
  const order = Array.from(v.keys()).sort((a, b) => v[b] - v[a] || a - b);
  const r = new Int32Array(v.length);
  order.forEach((j, k) => (r[j] = k));
  return r;
}

/**
 * Seurat v3 highly variable features of a raw count matrix (see the module comment).
 * `batches`: optional batch label per observation (scanpy's `batch_key`).
 * @throws StnmfError('BAD_INPUT') when X holds non-integer values (seurat_v3 models counts;
 * scanpy only warns, stnmf refuses so intensities are not ranked as counts), or a batch has
 * fewer than 2 observations; BAD_OPTION for nTop < 1.
 */
export function highlyVariableSeuratV3(X: Csr, nTop: number, batches?: ArrayLike<number | string>): HvgResult {
  if (!(Number.isInteger(nTop) && nTop >= 1)) throw new StnmfError('BAD_OPTION', `--hvg must be a whole number ≥ 1, got ${nTop}`);
  for (let q = 0; q < X.data.length; q++) {
    const v = X.data[q];
    if (v !== Math.round(v)) throw new StnmfError('BAD_INPUT', `--hvg: seurat_v3 needs raw counts, but X holds non-integer values (e.g. ${v}); select features by name with --genes instead, or pass counts`);
  }
  if (X.rows < 2) throw new StnmfError('BAD_INPUT', `--hvg: needs at least 2 observations, found ${X.rows}`);
  const p = X.cols;
  const groups: (Int32Array | undefined)[] = [];
  if (batches) {
    const by = new Map<string, number[]>();
    for (let i = 0; i < X.rows; i++) {
      const k = String(batches[i]);
      let g = by.get(k);
      if (!g) by.set(k, (g = []));
      g.push(i);
    }
    for (const [k, g] of by) {
      if (g.length < 2) throw new StnmfError('BAD_INPUT', `--hvg: batch ${JSON.stringify(k)} has ${g.length} observation; each batch needs at least 2`);
      groups.push(Int32Array.from(g));
    }
  } else groups.push(undefined);
  const nv = groups.map((g) => normalisedVariance(X, g));
  const rk = nv.map(ranks);
  const variancesNorm = new Float64Array(p);
  const rank = new Float64Array(p);
  const nBatches = new Int32Array(p);
  const buf: number[] = [];
  for (let j = 0; j < p; j++) {
    let s = 0;
    buf.length = 0;
    for (let b = 0; b < groups.length; b++) {
      s += nv[b][j];
      if (rk[b][j] < nTop) buf.push(rk[b][j]);
    }
    variancesNorm[j] = s / groups.length;
    nBatches[j] = buf.length;
    if (buf.length === 0) rank[j] = NaN;
    else {
      buf.sort((a, c) => a - c);
      const m = buf.length >> 1;
      rank[j] = buf.length % 2 ? buf[m] : (buf[m - 1] + buf[m]) / 2;
    }
  }
  // pandas sort_values on [rank, nbatches], ascending [True, False], NaN last, stable.
  const order = Array.from(rank.keys()).sort((a, b) => {
    const ra = rank[a];
    const rb = rank[b];
    const na = Number.isNaN(ra);
    const nb = Number.isNaN(rb);
    if (na !== nb) return na ? 1 : -1;
    if (!na && ra !== rb) return ra - rb;
    if (nBatches[a] !== nBatches[b]) return nBatches[b] - nBatches[a];
    return a - b;
  });
  const highlyVariable = new Uint8Array(p);
  for (let k = 0; k < Math.min(nTop, p); k++) highlyVariable[order[k]] = 1;
  const all = meanVar(X, undefined);
  const sel: number[] = [];
  for (let j = 0; j < p; j++) if (highlyVariable[j]) sel.push(j);
  return { means: all.mean, variances: all.variance, variancesNorm, rank, nBatches, highlyVariable, selected: Int32Array.from(sel) };
}
