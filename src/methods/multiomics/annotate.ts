/**
 * Factor annotation from a marker table (methods-spec M3.5, both variants) and cell assignment
 * by the argmax factor (M3.6).
 */
import type { Csr } from '../../linalg/csr.js';
import type { Dense } from '../../linalg/dense.js';
import type { ResolvedMarkers } from './markers.js';

/** The label of factors and cells no reference type fits. */
export const UNKNOWN = 'Unknown';

/** Annotation of one factor. */
export interface FactorAnnotation {
  factor: number;
  /** Assigned reference type, or `Unknown`. */
  cellType: string;
  /** Winning combined score (overlap fraction for variant A, weighted Pearson r for variant B). */
  score: number;
  /** Gene part of the winning score (NaN when the type has no gene markers in the data). */
  geneScore: number;
  /** Protein part of the winning score (NaN when the type has no protein markers in the data). */
  proteinScore: number;
  /** Top transcript columns by loading (largest first); empty for variant B. */
  topGenes: number[];
  /** Top protein columns by loading (largest first); empty for variant B. */
  topProteins: number[];
}

/** Result of a factor annotation: one entry per factor plus the full factor x type score table. */
export interface AnnotationResult {
  factors: FactorAnnotation[];
  /** Combined score of every (factor, type), row-major k x T. */
  scores: Float64Array;
  types: string[];
}

/** Options of {@link annotateOverlap}. */
export interface OverlapOptions {
  /** Top genes per factor; default 10 (M3.5, paper Methods 2.4). */
  nTopGenes?: number;
  /** Top proteins per factor; default 5 (M3.5, paper). */
  nTopProteins?: number;
  /** Weight of the gene score; default 1.0 (paper). */
  geneWeight?: number;
  /** Weight of the protein score; default 1.5 (paper). */
  proteinWeight?: number;
  /**
   * Tie rule: `first` = first type in reference order (M3.5 [T], default); `mostMarkers` = the
   * tied type with more matched markers first, then reference order (toolkit extension for
   * hierarchical priors whose parent rows, e.g. "immune cells" = {CD45}, would otherwise win
   * every tie with their children).
   */
  tieBreak?: 'first' | 'mostMarkers';
}

/**
 * Top `n` columns of row `r` of `H` by value (largest first, ties by column order); only
 * positive loadings count as "top".
 */
export function topColumns(H: Dense, r: number, n: number): number[] {
  const p = H.cols;
  const base = r * p;
  const idx: number[] = [];
  for (let j = 0; j < p; j++) if (H.data[base + j] > 0) idx.push(j);
  idx.sort((a, b) => H.data[base + b] - H.data[base + a] || a - b);
  return idx.slice(0, n);
}

/**
 * Variant A, set overlap (M3.5, paper Methods 2.4): for factor k take the top genes and proteins
 * by loading; gene score = |MG_T ∩ top genes| / |MG_T|, protein score likewise (0 for an empty
 * set), combined = (w_g·gene + w_p·protein)/(w_g + w_p); best type wins; all-zero → Unknown.
 * @param Htx factors x genes loadings (k x G; may have 0 columns)
 * @param Hprot factors x proteins loadings (k x P; may have 0 columns)
 */
export function annotateOverlap(Htx: Dense, Hprot: Dense, markers: ResolvedMarkers, options: OverlapOptions = {}): AnnotationResult {
  const nG = options.nTopGenes ?? 10;
  const nP = options.nTopProteins ?? 5;
  const wg = options.geneWeight ?? 1.0;
  const wp = options.proteinWeight ?? 1.5;
  const tieBreak = options.tieBreak ?? 'first';
  const k = Math.max(Htx.rows, Hprot.rows);
  const T = markers.types.length;
  const scores = new Float64Array(k * T);
  const factors: FactorAnnotation[] = [];
  for (let f = 0; f < k; f++) {
    const topG = Htx.cols > 0 ? topColumns(Htx, f, nG) : [];
    const topP = Hprot.cols > 0 ? topColumns(Hprot, f, nP) : [];
    const setG = new Set(topG);
    const setP = new Set(topP);
    let best = -1;
    let bestScore = 0;
    let bestMatched = 0;
    let bestG = NaN, bestP = NaN;
    for (let t = 0; t < T; t++) {
      const mg = markers.genes[t];
      const mp = markers.proteins[t];
      let hg = 0, hp = 0;
      for (const j of mg) if (setG.has(j)) hg++;
      for (const j of mp) if (setP.has(j)) hp++;
      const gs = mg.length ? hg / mg.length : 0;
      const ps = mp.length ? hp / mp.length : 0;
      const s = (wg * gs + wp * ps) / (wg + wp);
      scores[f * T + t] = s;
      const matched = hg + hp;
      const better = s > bestScore || (tieBreak === 'mostMarkers' && s === bestScore && s > 0 && matched > bestMatched);
      if (better) {
        best = t;
        bestScore = s;
        bestMatched = matched;
        bestG = mg.length ? gs : NaN;
        bestP = mp.length ? ps : NaN;
      }
    }
    factors.push({
      factor: f,
      cellType: best >= 0 ? markers.types[best] : UNKNOWN,
      score: bestScore,
      geneScore: bestG,
      proteinScore: bestP,
      topGenes: topG,
      topProteins: topP,
    });
  }
  return { factors, scores, types: markers.types.slice() };
}

/** Options of {@link annotateCorrelation}. */
export interface CorrelationOptions {
  /** Include protein markers (weight `proteinWeight`); default true [T] (M3.5 option; the skill ignores proteins). */
  includeProteins?: boolean;
  /** Weight of the gene correlation; default 1.0 (as variant A). */
  geneWeight?: number;
  /** Weight of the protein correlation; default 1.5 (as variant A). */
  proteinWeight?: number;
  /** A factor is Unknown unless its best combined r exceeds this; default 0 (M3.5 [T]). */
  threshold?: number;
}

/**
 * Variant B, activity correlation (M3.5, skill, corrected): for factor k and type T, Pearson r
 * between the factor activity W[:,k] and the per-cell mean of T's marker genes (and, by
 * default, proteins) in the normalised data; combined = weighted mean of the modality
 * correlations that exist for T; the largest signed r wins if it exceeds `threshold`.
 * @param W usage, n x k
 * @param Xtx normalised transcripts, n x G (log1p or min–max, before block scaling)
 * @param Xprot normalised proteins, n x P
 */
export function annotateCorrelation(
  W: Dense,
  Xtx: Csr,
  Xprot: Csr,
  markers: ResolvedMarkers,
  options: CorrelationOptions = {},
): AnnotationResult {
  const includeProteins = options.includeProteins ?? true;
  const wg = options.geneWeight ?? 1.0;
  const wp = options.proteinWeight ?? 1.5;
  const threshold = options.threshold ?? 0;
  const n = W.rows;
  const k = W.cols;
  const T = markers.types.length;
  const meanG = markers.genes.map((g) => (g.length ? markerMean(Xtx, g) : null));
  const meanP = markers.proteins.map((p) => (includeProteins && p.length ? markerMean(Xprot, p) : null));
  const col = new Float64Array(n);
  const scores = new Float64Array(k * T);
  const factors: FactorAnnotation[] = [];
  for (let f = 0; f < k; f++) {
    for (let i = 0; i < n; i++) col[i] = W.data[i * k + f];
    let best = -1;
    let bestScore = -Infinity;
    let bestG = NaN, bestP = NaN;
    for (let t = 0; t < T; t++) {
      const rg = meanG[t] ? pearson(col, meanG[t]!) : NaN;
      const rp = meanP[t] ? pearson(col, meanP[t]!) : NaN;
      let num = 0, den = 0;
      if (Number.isFinite(rg)) {
        num += wg * rg;
        den += wg;
      }
      if (Number.isFinite(rp)) {
        num += wp * rp;
        den += wp;
      }
      const s = den > 0 ? num / den : NaN;
      scores[f * T + t] = s;
      if (Number.isFinite(s) && s > bestScore) {
        best = t;
        bestScore = s;
        bestG = rg;
        bestP = rp;
      }
    }
    const ok = best >= 0 && bestScore > threshold;
    factors.push({
      factor: f,
      cellType: ok ? markers.types[best] : UNKNOWN,
      score: best >= 0 ? bestScore : NaN,
      geneScore: bestG,
      proteinScore: bestP,
      topGenes: [],
      topProteins: [],
    });
  }
  return { factors, scores, types: markers.types.slice() };
}

/** Per-row mean of the listed columns of a CSR matrix. */
export function markerMean(X: Csr, cols: Int32Array): Float64Array {
  const want = new Uint8Array(X.cols);
  for (const j of cols) want[j] = 1;
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) if (want[X.indices[p]]) s += X.data[p];
    out[i] = s / cols.length;
  }
  return out;
}

/** Pearson correlation; NaN when either vector is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Cell assignment (M3.6): each observation gets the label of its argmax factor (ties → lower
 * factor; an all-zero row → Unknown).
 * @returns per-cell factor index (-1 for all-zero rows) and label
 */
export function assignCells(W: Dense, factorTypes: readonly string[]): { factor: Int32Array; labels: string[] } {
  const { rows: n, cols: k } = W;
  const factor = new Int32Array(n);
  const labels: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bv = 0;
    for (let f = 0; f < k; f++) {
      const v = W.data[i * k + f];
      if (v > bv) {
        bv = v;
        best = f;
      }
    }
    factor[i] = best;
    labels[i] = best >= 0 ? factorTypes[best] : UNKNOWN;
  }
  return { factor, labels };
}
