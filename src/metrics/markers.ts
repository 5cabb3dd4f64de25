/**
 * Cluster marker genes and marker-based scores (methods-spec G4.12, used by hSNMF's M1.5 items
 * 6–9): Wilcoxon rank-sum markers with scanpy semantics, the top-mean fallback, marker coherence
 * (CMC, "MarkerFraction"), its size-weighted form, the marker exclusion rate (MER), the
 * marker-zero count and specificity.
 *
 * Markers that come from the clusters they then score make CMC and specificity optimistic
 * (discrepancy register item 8). Layer 1 (metrics): imports linalg only; no Node APIs.
 */
import { runSteps, type Steps } from '../errors.js';
import { transposeCsr, type Csr } from '../linalg/index.js';

/** Options of {@link clusterMarkers} (defaults M1.4). */
export interface MarkerOptions {
  /** Clusters with at least this many cells get Wilcoxon markers (default 100). */
  minClusterSize?: number;
  /** Wilcoxon markers per cluster (default 5). */
  nMarkers?: number;
  /** Fallback markers (top mean expression) per small cluster (default 50). */
  nFallback?: number;
}

/** Marker genes of each cluster (gene column indices), in cluster-id order. */
export interface ClusterMarkers {
  /** `markers[c]` = gene indices of cluster c (length 5 for Wilcoxon, ≤ 50 for the fallback). */
  markers: Int32Array[];
  /** `wilcoxon` or `fallback` per cluster. */
  method: ('wilcoxon' | 'fallback')[];
}

/** Observations per cluster: `sizes[c]` = number of labels equal to c, for codes 0 … nClusters−1. */
export function clusterSizes(labels: Int32Array, nClusters: number): Int32Array {
  const s = new Int32Array(nClusters);
  for (let i = 0; i < labels.length; i++) s[labels[i]]++;
  return s;
}

function countClusters(labels: Int32Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m + 1;
}

/**
 * Wilcoxon rank-sum scores of every gene for each cluster vs all other *included* cells
 * (scanpy `rank_genes_groups(method='wilcoxon')`, no tie correction; G4.12):
 * `(R1 − n1(N+1)/2) / √(n1 n2 (N+1)/12)` with average ranks over the included cells.
 * Sparse: the implicit zeros of a gene share one average rank.
 * @param include cells to rank (1) or ignore (0); all when absent
 * @returns scores as `nClusters x p` row-major (NaN for clusters without included cells)
 */
export function wilcoxonScores(X: Csr, labels: Int32Array, nClusters: number, include?: Uint8Array): Float64Array {
  return runSteps(wilcoxonScoresSteps(X, labels, nClusters, include));
}

/** {@link wilcoxonScores} as cancellable steps (errors.ts `Steps`), yielding after every gene. */
export function* wilcoxonScoresSteps(X: Csr, labels: Int32Array, nClusters: number, include?: Uint8Array): Steps<Float64Array> {
  const n = X.rows;
  const p = X.cols;
  const inc = include ?? new Uint8Array(n).fill(1);
  let N = 0;
  const n1 = new Float64Array(nClusters);
  for (let i = 0; i < n; i++) if (inc[i]) { N++; n1[labels[i]]++; }
  const Xt = transposeCsr(X);
  const rankSum = new Float64Array(nClusters * p);
  const nzInCluster = new Float64Array(nClusters);
  const vals: number[] = [];
  const cells: number[] = [];
  const order: number[] = [];
  for (let g = 0; g < p; g++) {
    yield;
    vals.length = 0;
    cells.length = 0;
    for (let q = Xt.indptr[g]; q < Xt.indptr[g + 1]; q++) {
      const i = Xt.indices[q];
      if (!inc[i] || Xt.data[q] === 0) continue;
      vals.push(Xt.data[q]);
      cells.push(i);
    }
    const m = vals.length;
    const zeros = N - m;
    order.length = m;
    for (let t = 0; t < m; t++) order[t] = t;
    order.sort((a, b) => vals[a] - vals[b]);
    nzInCluster.fill(0);
    // Ranks are 1-based; the zero block sits between the negative and the positive values.
    let negatives = 0;
    while (negatives < m && vals[order[negatives]] < 0) negatives++;
    let t = 0;
    while (t < m) {
      let u = t;
      while (u + 1 < m && vals[order[u + 1]] === vals[order[t]]) u++;
      const shift = t >= negatives ? zeros : 0;
      const avg = (t + 1 + u + 1) / 2 + shift;
      for (let r = t; r <= u; r++) {
        const c = labels[cells[order[r]]];
        rankSum[c * p + g] += avg;
        nzInCluster[c]++;
      }
      t = u + 1;
    }
    if (zeros > 0) {
      const zeroRank = negatives + (zeros + 1) / 2;
      for (let c = 0; c < nClusters; c++) rankSum[c * p + g] += zeroRank * (n1[c] - nzInCluster[c]);
    }
  }
  const out = new Float64Array(nClusters * p);
  for (let c = 0; c < nClusters; c++) {
    const a = n1[c];
    const b = N - a;
    const sd = Math.sqrt((a * b * (N + 1)) / 12);
    for (let g = 0; g < p; g++) out[c * p + g] = a === 0 ? NaN : (rankSum[c * p + g] - (a * (N + 1)) / 2) / sd;
  }
  return out;
}

/** Indices of the `k` largest values (NaN last), ties by smaller index. */
function topK(values: ArrayLike<number>, k: number): Int32Array {
  const idx = Array.from({ length: values.length }, (_, j) => j);
  idx.sort((a, b) => {
    const va = values[a], vb = values[b];
    const na = Number.isNaN(va), nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return vb - va || a - b;
  });
  return Int32Array.from(idx.slice(0, Math.min(k, idx.length)));
}

/**
 * Marker genes per cluster (M1.5 item 6): clusters with ≥ `minClusterSize` cells get the top
 * `nMarkers` genes by Wilcoxon score against the other cells of such clusters (cells of small
 * clusters are left out of the test); the others, and all clusters when fewer than two are
 * large enough (the reference's test then fails), get the `nFallback` genes of highest mean
 * expression within the cluster. Ties by gene index [T].
 */
export function clusterMarkers(X: Csr, labels: Int32Array, options: MarkerOptions = {}): ClusterMarkers {
  return runSteps(clusterMarkersSteps(X, labels, options));
}

/** {@link clusterMarkers} as cancellable steps (errors.ts `Steps`). */
export function* clusterMarkersSteps(X: Csr, labels: Int32Array, options: MarkerOptions = {}): Steps<ClusterMarkers> {
  const minSize = options.minClusterSize ?? 100;
  const nMarkers = options.nMarkers ?? 5;
  const nFallback = options.nFallback ?? 50;
  const C = countClusters(labels);
  const sizes = clusterSizes(labels, C);
  const big = new Uint8Array(C);
  let nBig = 0;
  for (let c = 0; c < C; c++) if (sizes[c] >= minSize && sizes[c] > 0) { big[c] = 1; nBig++; }
  const markers: Int32Array[] = new Array(C);
  const method: ('wilcoxon' | 'fallback')[] = new Array(C);
  const p = X.cols;
  if (nBig >= 2) {
    const include = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) include[i] = big[labels[i]];
    const scores = yield* wilcoxonScoresSteps(X, labels, C, include);
    for (let c = 0; c < C; c++) {
      if (!big[c]) continue;
      markers[c] = topK(scores.subarray(c * p, (c + 1) * p), nMarkers);
      method[c] = 'wilcoxon';
    }
  }
  const sums = new Float64Array(C * p);
  for (let i = 0; i < X.rows; i++) {
    const b = labels[i] * p;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) sums[b + X.indices[q]] += X.data[q];
  }
  for (let c = 0; c < C; c++) {
    if (markers[c]) continue;
    // Mean = sum / size; the ordering within a cluster only needs the sums.
    markers[c] = topK(sums.subarray(c * p, (c + 1) * p), nFallback);
    method[c] = 'fallback';
  }
  return { markers, method };
}

/** The marker-based scores of M1.5 items 7–9. */
export interface MarkerScores {
  /** CMC ("MarkerFraction"): unweighted mean over clusters of the mean marker detection fraction. */
  cmc: number;
  /** Size-weighted CMC (`WeightedMF`). */
  weightedMF: number;
  /** Per-cluster detection fractions f_c. */
  perCluster: Float64Array;
  /** Marker exclusion rate: reassigned marker-positive cells / all cells. */
  mer: number;
  /** Number of cells without any marker signal (a count, as the reference's "MarkerZeroRate"). */
  markerZero: number;
  /** Mean over clusters of mean over markers of (in-cluster − out-of-cluster detection). */
  specificity: number;
}

/**
 * CMC, weighted MF, MER, marker-zero count and specificity (M1.5 items 7–9) for given labels
 * and markers, from the expression matrix the markers were found on. "Detected" = X > 0.
 * MER reassigns a cell to the cluster c* with the largest marker sum when that beats its own
 * cluster's sum by more than `reassignThreshold` (default 0.1); c* is the first cluster in id
 * order on ties.
 */
export function markerScores(X: Csr, labels: Int32Array, markers: ClusterMarkers, reassignThreshold = 0.1): MarkerScores {
  return runSteps(markerScoresSteps(X, labels, markers, reassignThreshold));
}

/** {@link markerScores} as cancellable steps (errors.ts `Steps`), yielding every 4096 cells. */
export function* markerScoresSteps(X: Csr, labels: Int32Array, markers: ClusterMarkers, reassignThreshold = 0.1): Steps<MarkerScores> {
  const n = X.rows;
  const p = X.cols;
  const C = markers.markers.length;
  const sizes = clusterSizes(labels, C);
  // gene -> clusters having it as a marker
  const geneClusters: number[][] = Array.from({ length: p }, () => []);
  for (let c = 0; c < C; c++) for (const g of markers.markers[c]) geneClusters[g].push(c);
  const detectedIn = new Float64Array(C * p); // cells of cluster c with X_g > 0
  const detectedAll = new Float64Array(p);
  const fracSum = new Float64Array(C);
  const score = new Float64Array(C);
  let mer = 0;
  let zero = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    const li = labels[i];
    score.fill(0);
    let own = 0;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const g = X.indices[q];
      const v = X.data[q];
      if (v > 0) {
        detectedIn[li * p + g]++;
        detectedAll[g]++;
      }
      for (const c of geneClusters[g]) {
        score[c] += v;
        if (c === li && v > 0) own++;
      }
    }
    const m = markers.markers[li].length;
    if (m > 0) fracSum[li] += own / m;
    let best = 0;
    for (let c = 1; c < C; c++) if (score[c] > score[best]) best = c;
    const positive = score[best] > 0;
    if (!positive) zero++;
    else if (best !== li && score[best] - score[li] > reassignThreshold) mer++;
  }
  const perCluster = new Float64Array(C);
  let cmcSum = 0, cmcN = 0, weighted = 0;
  let specSum = 0, specN = 0;
  for (let c = 0; c < C; c++) {
    const mk = markers.markers[c];
    if (sizes[c] === 0 || mk.length === 0) {
      perCluster[c] = NaN;
      continue;
    }
    perCluster[c] = fracSum[c] / sizes[c];
    cmcSum += perCluster[c];
    cmcN++;
    weighted += perCluster[c] * sizes[c];
    let s = 0;
    const out = n - sizes[c];
    for (const g of mk) s += detectedIn[c * p + g] / sizes[c] - (out > 0 ? (detectedAll[g] - detectedIn[c * p + g]) / out : NaN);
    specSum += s / mk.length;
    specN++;
  }
  return {
    cmc: cmcN ? cmcSum / cmcN : NaN,
    weightedMF: weighted / n,
    perCluster,
    mer: mer / n,
    markerZero: zero,
    specificity: specN ? specSum / specN : 0,
  };
}
