/**
 * Marker statistics per group vs the rest, as scanpy's
 * `sc.tl.rank_genes_groups(adata, groupby, method='wilcoxon', tie_correct=True, pts=True)`
 * computes them on `log1p(counts × median total / cell total)`:
 *
 * - scores: the Wilcoxon rank-sum z of each gene, `(R₁ − n₁(N+1)/2) / √(T·n₁n₂(N+1)/12)` with
 *   average ranks over all labelled cells and T the tie correction `1 − Σ(t³−t)/(N³−N)`
 *   (scanpy `_tiecorrect`); no continuity correction; NaN scores become 0 (scanpy).
 * - pvals: two-sided normal p-values `2·P(Z > |z|)`; pvals_adj: Benjamini–Hochberg within each
 *   group across genes (statsmodels `multipletests(method='fdr_bh')`, which scanpy calls).
 * - logfoldchanges: `log2((expm1(mean_in) + 1e-9) / (expm1(mean_out) + 1e-9))` of the means of
 *   the log-normalised values (scanpy's formula).
 * - pct_nz_group / pct_nz_reference: fraction of cells with a non-zero value in / outside the group.
 *
 * Sparse-aware: the implicit zeros of a gene form one tied block with one average rank, so the
 * cost is O(nnz log nnz + groups·p) and nothing is densified. Layer 1: linalg only, browser-safe.
 */
import { runSteps, StnmfError, type Steps } from '../errors.js';
import { transposeCsr, type Csr } from '../linalg/csr.js';
import { twoSidedNormalP } from './autocorrelation.js';
import { benjaminiHochberg } from './enrichment.js';

/** Options of {@link rankGenesGroups}. */
export interface RankGenesOptions {
  /**
   * `log1p-median` (default): log1p(counts × median cell total / cell total), scanpy's
   * `normalize_total()` (median of the non-zero totals) + `log1p`; `none`: X is used as given
   * (already log-normalised; fold changes then assume natural-log values, as scanpy does).
   */
  normalize?: 'log1p-median' | 'none';
  /** Name of what was ranked, stored as `params.layer` (default none: X). */
  layer?: string;
  /** obs column the groups came from, stored as `params.groupby`. Default `group`. */
  groupby?: string;
}

/** Statistics of every gene for every group; arrays are `groups.length x p` row-major in gene order. */
export interface RankGenesResult {
  /** Group names (categories with at least 2 cells, in category order). */
  groups: string[];
  /** Category index of each group. */
  groupCodes: number[];
  /** Cells per group. */
  sizes: number[];
  scores: Float64Array;
  pvals: Float64Array;
  pvalsAdj: Float64Array;
  logfoldchanges: Float64Array;
  pctGroup: Float64Array;
  pctRest: Float64Array;
  /** Gene indices of each group sorted by score, highest first (ties by gene index). */
  order: Int32Array[];
  /** Number of genes. */
  p: number;
  /** scanpy's `uns['rank_genes_groups']['params']`. */
  params: { groupby: string; reference: 'rest'; method: 'wilcoxon'; use_raw: false; layer?: string; corr_method: 'benjamini-hochberg'; tie_correct: true };
  /** Categories left out because they have fewer than 2 cells (scanpy refuses them). */
  skipped: string[];
}

/**
 * scanpy's normalisation for marker statistics: each row scaled to the median of the non-zero
 * row totals, then log1p. Rows with zero total stay zero. Returns a new CSR (float32 values).
 */
export function log1pMedianNormalize(X: Csr): Csr {
  const n = X.rows;
  const totals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) s += X.data[q];
    totals[i] = s;
  }
  const nz = Array.from(totals).filter((t) => t > 0).sort((a, b) => a - b);
  const h = nz.length >> 1;
  const median = nz.length === 0 ? 1 : nz.length % 2 ? nz[h] : 0.5 * (nz[h - 1] + nz[h]);
  const data = new Float32Array(X.indptr[n]);
  for (let i = 0; i < n; i++) {
    const f = totals[i] > 0 ? median / totals[i] : 0;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) data[q] = Math.log1p(X.data[q] * f);
  }
  return { rows: n, cols: X.cols, indptr: X.indptr, indices: X.indices, data };
}

// Benjamini–Hochberg lives with the enrichment test; re-exported for this module's users.
export { benjaminiHochberg };

/**
 * Wilcoxon rank-sum marker statistics of every gene for each group vs all other labelled cells.
 *
 * @param X       counts (or, with `normalize: 'none'`, log-normalised values), cells x genes
 * @param codes   group code of each cell, −1 = unlabelled (left out of every test)
 * @param categories names of the codes
 * @throws StnmfError('BAD_INPUT') for a length mismatch or fewer than two usable groups
 */
export function rankGenesGroups(X: Csr, codes: ArrayLike<number>, categories: string[], options: RankGenesOptions = {}): RankGenesResult {
  return runSteps(rankGenesGroupsSteps(X, codes, categories, options));
}

/** {@link rankGenesGroups} as cancellable steps (errors.ts `Steps`), yielding after every gene. */
export function* rankGenesGroupsSteps(X: Csr, codes: ArrayLike<number>, categories: string[], options: RankGenesOptions = {}): Steps<RankGenesResult> {
  const n = X.rows, p = X.cols;
  if (codes.length !== n) throw new StnmfError('BAD_INPUT', `rankGenesGroups: ${codes.length} labels for ${n} observations`);
  const Y = (options.normalize ?? 'log1p-median') === 'log1p-median' ? log1pMedianNormalize(X) : X;
  const C = categories.length;
  const size = new Int32Array(C);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c >= C) throw new StnmfError('BAD_INPUT', `rankGenesGroups: label code ${c} at observation ${i} has no category (${C} categories)`);
    if (c >= 0) size[c]++;
  }
  const groupCodes: number[] = [];
  const skipped: string[] = [];
  for (let c = 0; c < C; c++) {
    if (size[c] >= 2) groupCodes.push(c);
    else if (size[c] > 0) skipped.push(categories[c]);
  }
  if (groupCodes.length < 2) throw new StnmfError('BAD_INPUT', `rankGenesGroups: need at least two groups with ≥ 2 cells; got ${groupCodes.length}`);
  // Cells in the test: labelled cells of usable groups. slot[c] = row of group c in the outputs.
  const slot = new Int32Array(C).fill(-1);
  groupCodes.forEach((c, g) => (slot[c] = g));
  const G = groupCodes.length;
  const cellGroup = new Int32Array(n);
  let N = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    cellGroup[i] = c >= 0 ? slot[c] : -1;
    if (cellGroup[i] >= 0) N++;
  }
  const nG = new Float64Array(G);
  for (let g = 0; g < G; g++) nG[g] = size[groupCodes[g]];

  const T = transposeCsr(Y); // genes x cells: one gene's values are contiguous
  const rankSum = new Float64Array(G * p);
  const sum = new Float64Array(G * p);
  const nnzIn = new Float64Array(G * p);
  const tie = new Float64Array(p);
  const vals: number[] = [];
  const cells: number[] = [];
  yield;
  for (let j = 0; j < p; j++) {
    yield;
    vals.length = 0;
    cells.length = 0;
    for (let q = T.indptr[j]; q < T.indptr[j + 1]; q++) {
      const g = cellGroup[T.indices[q]];
      if (g < 0 || T.data[q] === 0) continue;
      vals.push(T.data[q]);
      cells.push(g);
    }
    const m = vals.length;
    const zeros = N - m;
    // Zeros (non-negative data: all below the stored values) share ranks 1..zeros.
    const zeroRank = (zeros + 1) / 2;
    let tsum = zeros > 1 ? zeros * zeros * zeros - zeros : 0;
    const ord = Array.from({ length: m }, (_, a) => a).sort((a, b) => vals[a] - vals[b]);
    const zeroIn = new Float64Array(G);
    for (let g = 0; g < G; g++) zeroIn[g] = nG[g];
    for (let a = 0; a < m; a++) {
      const g = cells[a];
      zeroIn[g]--;
      sum[g * p + j] += vals[a];
      nnzIn[g * p + j]++;
    }
    for (let a = 0; a < m; ) {
      let b = a + 1;
      while (b < m && vals[ord[b]] === vals[ord[a]]) b++;
      const t = b - a;
      const r = zeros + (a + 1 + b) / 2; // average of ranks zeros+a+1 .. zeros+b
      if (t > 1) tsum += t * t * t - t;
      for (let c = a; c < b; c++) rankSum[cells[ord[c]] * p + j] += r;
      a = b;
    }
    for (let g = 0; g < G; g++) rankSum[g * p + j] += zeroIn[g] * zeroRank;
    tie[j] = N > 1 ? 1 - tsum / (N * N * N - N) : 1;
  }

  const scores = new Float64Array(G * p);
  const pvals = new Float64Array(G * p);
  const pvalsAdj = new Float64Array(G * p);
  const lfc = new Float64Array(G * p);
  const pctGroup = new Float64Array(G * p);
  const pctRest = new Float64Array(G * p);
  const totalSum = new Float64Array(p);
  const totalNnz = new Float64Array(p);
  for (let g = 0; g < G; g++) for (let j = 0; j < p; j++) {
    totalSum[j] += sum[g * p + j];
    totalNnz[j] += nnzIn[g * p + j];
  }
  const order: Int32Array[] = [];
  for (let g = 0; g < G; g++) {
    const n1 = nG[g], n2 = N - n1;
    for (let j = 0; j < p; j++) {
      const q = g * p + j;
      const sd = Math.sqrt((tie[j] * n1 * n2 * (N + 1)) / 12);
      let z = (rankSum[q] - (n1 * (N + 1)) / 2) / sd;
      if (Number.isNaN(z)) z = 0;
      scores[q] = z;
      pvals[q] = twoSidedNormalP(z);
      const meanIn = sum[q] / n1;
      const meanOut = n2 > 0 ? (totalSum[j] - sum[q]) / n2 : 0;
      lfc[q] = Math.log2((Math.expm1(meanIn) + 1e-9) / (Math.expm1(meanOut) + 1e-9));
      pctGroup[q] = nnzIn[q] / n1;
      pctRest[q] = n2 > 0 ? (totalNnz[j] - nnzIn[q]) / n2 : 0;
    }
    pvalsAdj.set(benjaminiHochberg(pvals.subarray(g * p, (g + 1) * p)), g * p);
    const s = scores.subarray(g * p, (g + 1) * p);
    order.push(Int32Array.from(Array.from({ length: p }, (_, j) => j).sort((a, b) => s[b] - s[a] || a - b)));
  }
  const params: RankGenesResult['params'] = { groupby: options.groupby ?? 'group', reference: 'rest', method: 'wilcoxon', use_raw: false, corr_method: 'benjamini-hochberg', tie_correct: true };
  if (options.layer !== undefined) params.layer = options.layer;
  return {
    groups: groupCodes.map((c) => categories[c]), groupCodes, sizes: Array.from(nG), scores, pvals, pvalsAdj, logfoldchanges: lfc, pctGroup, pctRest, order, p, params, skipped,
  };
}

/** The top `n` gene indices of each group (the short marker list): a view of {@link rankGenesGroups}'s order. */
export function topMarkers(r: RankGenesResult, n = 5): Int32Array[] {
  return r.order.map((o) => o.slice(0, Math.min(n, o.length)));
}

/**
 * `markers.csv` in scanpy's `sc.get.rank_genes_groups_df` long format: one row per group and
 * gene, genes of each group by descending score; columns
 * `group,names,scores,logfoldchanges,pvals,pvals_adj,pct_nz_group,pct_nz_reference`.
 */
export function markersCsv(r: RankGenesResult, geneNames: string[]): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['group,names,scores,logfoldchanges,pvals,pvals_adj,pct_nz_group,pct_nz_reference'];
  r.groups.forEach((name, g) => {
    for (const j of r.order[g]) {
      const q = g * r.p + j;
      lines.push(`${quote(name)},${quote(geneNames[j])},${r.scores[q]},${r.logfoldchanges[q]},${r.pvals[q]},${r.pvalsAdj[q]},${r.pctGroup[q]},${r.pctRest[q]}`);
    }
  });
  return lines.join('\n') + '\n';
}
