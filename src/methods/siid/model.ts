/**
 * The SIID model in numbers (methods-spec M2.2–M2.4): the prepared problem (counts, panel,
 * mapping), the parameters (P, Q, N, M, φ), the E-step pass shared by both solvers, and the
 * objective evaluated without ever forming an n x G matrix.
 *
 * Storage: every parameter is float64. P is n x h row-major (rows on the simplex); Q is kept
 * transposed, `Qt` G x h row-major (column k of Qt is factor k's profile and sums to 1), so
 * that the fused pass reads one gene's h values contiguously.
 */
import type { Csr } from '../../linalg/csr.js';
import { Rng } from '../../linalg/rng.js';
import type { Kernels, RatioPass64 } from '../../linalg/kernels.js';
import { createTsKernels } from '../../linalg/ts-kernels.js';

/** The numeric problem both solvers work on (built by `prepareSiid` or by tests directly). */
export interface SiidProblem {
  /** Cells (Xenium-like observations). */
  n: number;
  /** Spots (Visium-like observations); every spot has at least one mapped cell. */
  m: number;
  /** Modelled genes G_V (columns of AV). */
  G: number;
  /** Cell counts on the training panel genes, n x gX. */
  AX: Csr;
  /** For column j of AX, its column in AV (gene identity). */
  panelCols: Int32Array;
  /** Spot counts, m x G. */
  AV: Csr;
  /** Mapping Γ, n x m; only the pattern is used (M lives on it). */
  gamma: Csr;
}

/** Parameters of the reparameterised model (M2.3). */
export interface SiidParams {
  /** n x h, rows on the simplex: cell → factor composition. */
  P: Float64Array;
  /** G x h (Qᵀ); column k on the simplex: factor k's expression profile over G_V. */
  Qt: Float64Array;
  /** Latent total count of each cell over G_V, length n. */
  N: Float64Array;
  /** Contribution of cell i to spot s, one value per stored entry of Γ (CSR order). */
  M: Float64Array;
  /** Platform scaling per gene, length G; 1 outside the training panel. */
  phi: Float64Array;
}

/** Totals and lookups derived once per problem. */
export interface ProblemStats {
  /** a_i = Σ_g AX_ig. */
  a: Float64Array;
  /** b_g = Σ_s AV_sg (column totals of the spot counts). */
  b: Float64Array;
  /** Spot totals Σ_g AV_sg. */
  spotTotal: Float64Array;
  /** For gene g of G_V, its column j in AX, or -1. */
  panelPos: Int32Array;
  /** Number of cells mapped to each spot. */
  cellsPerSpot: Int32Array;
}

/** Computes the totals of a problem. */
export function problemStats(p: SiidProblem): ProblemStats {
  const a = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let q = p.AX.indptr[i]; q < p.AX.indptr[i + 1]; q++) s += p.AX.data[q];
    a[i] = s;
  }
  const b = new Float64Array(p.G);
  const spotTotal = new Float64Array(p.m);
  for (let s = 0; s < p.m; s++) {
    let t = 0;
    for (let q = p.AV.indptr[s]; q < p.AV.indptr[s + 1]; q++) {
      b[p.AV.indices[q]] += p.AV.data[q];
      t += p.AV.data[q];
    }
    spotTotal[s] = t;
  }
  const panelPos = new Int32Array(p.G).fill(-1);
  for (let j = 0; j < p.panelCols.length; j++) panelPos[p.panelCols[j]] = j;
  const cellsPerSpot = new Int32Array(p.m);
  for (let q = 0; q < p.gamma.indptr[p.n]; q++) cellsPerSpot[p.gamma.indices[q]]++;
  return { a, b, spotTotal, panelPos, cellsPerSpot };
}

/** Scratch buffers of one E-step, allocated once per fit. */
export interface Work {
  h: number;
  /** Qᵀ restricted to the training panel, gX x h. */
  QXt: Float64Array;
  /** RX·Q_Xᵀ, n x h. */
  RXQ: Float64Array;
  /** Pᵀ·RX transposed, gX x h. */
  PtRX: Float64Array;
  /** U = Mᵀ P, m x h. */
  U: Float64Array;
  /** E·Qᵀ, m x h. */
  EQ: Float64Array;
  /** Uᵀ·E transposed, G x h. */
  UtE: Float64Array;
  /** The fused ratio passes over AX and AV (Kernels.ratioPass64); release with `releaseWork`. */
  passX: RatioPass64;
  passV: RatioPass64;
  /** Σ_nz AX log z (valid after an E-step with logs). */
  llX: number;
  /** Σ_nz AV log y. */
  llV: number;
}

/**
 * Allocates the E-step buffers and prepares the two ratio passes on `kernels` (default: the
 * TypeScript kernels, so tests can build a Work without a backend). Pair with `releaseWork`.
 */
export function makeWork(p: SiidProblem, h: number, kernels: Kernels = createTsKernels()): Work {
  const gX = p.panelCols.length;
  return {
    h,
    QXt: new Float64Array(gX * h),
    RXQ: new Float64Array(p.n * h),
    PtRX: new Float64Array(gX * h),
    U: new Float64Array(p.m * h),
    EQ: new Float64Array(p.m * h),
    UtE: new Float64Array(p.G * h),
    passX: kernels.ratioPass64(p.AX, h),
    passV: kernels.ratioPass64(p.AV, h),
    llX: 0,
    llV: 0,
  };
}

/** U = Mᵀ P (m x h) over the stored entries of Γ. */
export function spotFactors(p: SiidProblem, P: Float64Array, M: Float64Array, h: number, U: Float64Array): void {
  U.fill(0);
  const { indptr, indices } = p.gamma;
  for (let i = 0; i < p.n; i++) {
    const pi = i * h;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const us = indices[q] * h;
      const w = M[q];
      for (let k = 0; k < h; k++) U[us + k] += w * P[pi + k];
    }
  }
}

/**
 * The E-step (M2.4): both fused ratio passes plus U. Fills QXt, RXQ, PtRX, U, EQ, UtE and,
 * when `withLog`, the log-likelihood sums. Cost O((nnz(AX) + nnz(AV) + nnz(Γ))·h).
 */
export function eStep(p: SiidProblem, x: SiidParams, w: Work, withLog: boolean): void {
  const h = w.h;
  const gX = p.panelCols.length;
  for (let j = 0; j < gX; j++) {
    const src = p.panelCols[j] * h;
    for (let k = 0; k < h; k++) w.QXt[j * h + k] = x.Qt[src + k];
  }
  w.llX = w.passX.run(x.P, w.QXt, w.RXQ, w.PtRX, withLog);
  spotFactors(p, x.P, x.M, h, w.U);
  w.llV = w.passV.run(w.U, x.Qt, w.EQ, w.UtE, withLog);
}

/** Releases the passes of a Work (their copies of the counts in wasm memory). */
export function releaseWork(w: Work): void {
  w.passX.dispose();
  w.passV.dispose();
}

/** Factor sums used by the closed-form mean totals: qX_k, (Qφ)_k and u_k. */
export interface FactorSums {
  qX: Float64Array;
  Qphi: Float64Array;
  u: Float64Array;
}

/** qX_k = Σ_{g∈G_X} Q_kg, (Qφ)_k = Σ_g Q_kg φ_g, u_k = Σ_s U_sk. */
export function factorSums(p: SiidProblem, x: SiidParams, U: Float64Array, h: number): FactorSums {
  const qX = new Float64Array(h);
  const Qphi = new Float64Array(h);
  const u = new Float64Array(h);
  for (let j = 0; j < p.panelCols.length; j++) {
    const g = p.panelCols[j] * h;
    for (let k = 0; k < h; k++) qX[k] += x.Qt[g + k];
  }
  for (let g = 0; g < p.G; g++) {
    const f = x.phi[g];
    for (let k = 0; k < h; k++) Qphi[k] += x.Qt[g * h + k] * f;
  }
  for (let s = 0; s < p.m; s++) for (let k = 0; k < h; k++) u[k] += U[s * h + k];
  return { qX, Qphi, u };
}

/** The objective's parts (M2.3), without the count-only constant Σ log A!. */
export interface ObjectiveParts {
  /** PoiLoss(A_X; N P Q_X). */
  lossX: number;
  /** PoiLoss(A_V; Mᵀ P Q diag(φ)). */
  lossV: number;
  /** Ent(P) = −Σ P log P (summed over cells; divide by n for the per-cell mean). */
  entropy: number;
}

/**
 * Objective parts at the parameters of the last E-step (which must have run with logs).
 * Uses the closed forms Σ λX = Σ_i N_i Σ_k P_ik qX_k and Σ λV = Σ_k u_k (Qφ)_k.
 * `withEntropy` false leaves `entropy` at 0 (saves n·h logs where the entropy weight is 0).
 */
export function objectiveParts(p: SiidProblem, st: ProblemStats, x: SiidParams, w: Work, withEntropy = true): ObjectiveParts {
  const h = w.h;
  const fs = factorSums(p, x, w.U, h);
  let sumX = 0;
  let logN = 0;
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += x.P[i * h + k] * fs.qX[k];
    sumX += x.N[i] * s;
    if (st.a[i] > 0) logN += st.a[i] * Math.log(x.N[i]);
  }
  let sumV = 0;
  for (let k = 0; k < h; k++) sumV += fs.u[k] * fs.Qphi[k];
  let logPhi = 0;
  for (let j = 0; j < p.panelCols.length; j++) {
    const g = p.panelCols[j];
    if (st.b[g] > 0) logPhi += st.b[g] * Math.log(x.phi[g]);
  }
  return { lossX: sumX - logN - w.llX, lossV: sumV - logPhi - w.llV, entropy: withEntropy ? entropyOf(x.P) : 0 };
}

/** Ent(P) = −Σ P log P with 0·log 0 = 0. */
export function entropyOf(P: Float64Array): number {
  let e = 0;
  for (let t = 0; t < P.length; t++) {
    const v = P[t];
    if (v > 0) e -= v * Math.log(v);
  }
  return e;
}

/** How P and Q start. */
export type SiidInit = 'xavier' | 'random';

/**
 * Initial parameters (M2.5 "default initialization" [T]): P and Q rows are softmaxes of
 * Xavier-uniform logits (`xavier`), or uniform(0,1) entries normalised per row (`random`, a
 * Dirichlet(1) draw; the spread breaks the factor symmetry sooner); N_i = a_i·G/gX (the
 * expected panel share of a flat profile, as the reference peer does; a_i = 0 gives N_i = 0
 * for the ECM solver); M_is = (spot total)/(cells mapped to s); φ = 1.
 */
export function initParams(p: SiidProblem, st: ProblemStats, h: number, rng: Rng, init: SiidInit): SiidParams {
  const P = new Float64Array(p.n * h);
  const Qt = new Float64Array(p.G * h);
  if (init === 'xavier') {
    const aP = Math.sqrt(6 / (p.n + h));
    for (let i = 0; i < p.n; i++) softmaxInto(P, i * h, 1, h, () => (2 * rng.uniform() - 1) * aP);
    const aQ = Math.sqrt(6 / (h + p.G));
    const tmp = new Float64Array(p.G);
    for (let k = 0; k < h; k++) {
      for (let g = 0; g < p.G; g++) tmp[g] = (2 * rng.uniform() - 1) * aQ;
      softmaxInto(Qt, k, h, p.G, (g) => tmp[g]);
    }
  } else {
    for (let i = 0; i < p.n; i++) normalizeInto(P, i * h, 1, h, () => rng.uniform() + 1e-3);
    for (let k = 0; k < h; k++) normalizeInto(Qt, k, h, p.G, () => rng.uniform() + 1e-3);
  }
  const gX = Math.max(p.panelCols.length, 1);
  const N = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) N[i] = (st.a[i] * p.G) / gX;
  const M = new Float64Array(p.gamma.indptr[p.n]);
  for (let q = 0; q < M.length; q++) {
    const s = p.gamma.indices[q];
    M[q] = Math.max(st.spotTotal[s], 1e-3) / Math.max(st.cellsPerSpot[s], 1);
  }
  const phi = new Float64Array(p.G).fill(1);
  return { P, Qt, N, M, phi };
}

function softmaxInto(out: Float64Array, off: number, stride: number, len: number, logit: (t: number) => number): void {
  let mx = -Infinity;
  const vals = new Float64Array(len);
  for (let t = 0; t < len; t++) {
    vals[t] = logit(t);
    if (vals[t] > mx) mx = vals[t];
  }
  let s = 0;
  for (let t = 0; t < len; t++) s += (vals[t] = Math.exp(vals[t] - mx));
  for (let t = 0; t < len; t++) out[off + t * stride] = vals[t] / s;
}

function normalizeInto(out: Float64Array, off: number, stride: number, len: number, draw: (t: number) => number): void {
  let s = 0;
  for (let t = 0; t < len; t++) s += out[off + t * stride] = draw(t);
  for (let t = 0; t < len; t++) out[off + t * stride] /= s;
}

/** A deep copy of parameters. */
export function cloneParams(x: SiidParams): SiidParams {
  return { P: x.P.slice(), Qt: x.Qt.slice(), N: x.N.slice(), M: x.M.slice(), phi: x.phi.slice() };
}

/** ω at reference epoch t (M2.3): exp(t/λ), or its 100-epoch step version; 0 when λ is off. */
export function omegaAt(epoch: number, lambda: number | null | undefined, schedule: 'continuous' | 'step100'): number {
  if (!lambda) return 0;
  const t = schedule === 'step100' ? 100 * Math.floor(epoch / 100) : epoch;
  return Math.exp(t / lambda);
}
