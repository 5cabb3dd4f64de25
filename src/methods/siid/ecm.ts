/**
 * Solver B (methods-spec M2.6): expectation–conditional maximisation with multiplicative,
 * simplex-exact updates. One E-step per sweep (one fused pass over A_X and one over A_V)
 * yields the expected sufficient statistics; then N, φ, M, P and Q are updated in that order,
 * each the exact maximiser of the EM surrogate given the blocks already updated, with the
 * entropy term majorised by its tangent. F therefore never increases within a sweep at fixed
 * ω (ECM theory; checked in test/siid-solvers.test.ts). Cost per sweep
 * O((nnz(A_X) + nnz(A_V) + nnz(Γ))·h + (n + G)·h·(root steps)).
 */
import type { ProblemStats, SiidParams, SiidProblem, Work } from './model.js';
import { eStep, factorSums, objectiveParts } from './model.js';

/** Floor inside log(P) of the entropy tangent (M2.6 step 4, as in the public code). */
const LOG_FLOOR = 1e-12;

/** Result of one sweep. */
export interface SweepInfo {
  /** Objective parts at the parameters *before* the sweep (only when logs were requested). */
  lossX: number;
  lossV: number;
  entropy: number;
}

/** Reusable scratch of the M-steps. */
export interface EcmScratch {
  SP: Float64Array;
  MEQ: Float64Array;
  DM: Float64Array;
  s: Float64Array;
  w: Float64Array;
}

/** Allocates M-step scratch. */
export function makeEcmScratch(p: SiidProblem, h: number): EcmScratch {
  const len = Math.max(p.G, h);
  return {
    SP: new Float64Array(p.n * h),
    MEQ: new Float64Array(p.n * h),
    DM: new Float64Array(p.gamma.indptr[p.n]),
    s: new Float64Array(len),
    w: new Float64Array(len),
  };
}

/**
 * One ECM sweep in place.
 * @param omegaEff entropy weight as it multiplies Σ_i Ent_i (ω for 'sum', ω/n for the mean).
 * @param platformScaling update φ on the training panel (else φ stays 1).
 * @param withLog evaluate the objective at the incoming parameters (costs one log per non-zero).
 */
export function ecmSweep(
  p: SiidProblem,
  st: ProblemStats,
  x: SiidParams,
  w: Work,
  sc: EcmScratch,
  omegaEff: number,
  platformScaling: boolean,
  withLog: boolean,
): SweepInfo {
  eStep(p, x, w, withLog);
  let info: SweepInfo = { lossX: NaN, lossV: NaN, entropy: NaN };
  if (withLog) info = objectiveParts(p, st, x, w);
  mStep(p, st, x, w, sc, omegaEff, platformScaling);
  return info;
}

/**
 * The conditional M-steps of one ECM sweep (N, φ, M, P, Q in that order), from the E-step
 * held in `w` (which must have been computed at `x`). Updates `x` in place.
 */
export function mStep(p: SiidProblem, st: ProblemStats, x: SiidParams, w: Work, sc: EcmScratch, omegaEff: number, platformScaling: boolean): void {
  const h = w.h;
  const { n, G } = p;

  // Expected sufficient statistics, all from the E-step at the incoming parameters.
  const { indptr: gp, indices: gi } = p.gamma;
  const { P, Qt, N, M, phi } = x;
  const { SP, MEQ, DM } = sc;
  for (let i = 0; i < n; i++) {
    const pi = i * h;
    for (let k = 0; k < h; k++) MEQ[pi + k] = 0;
    for (let q = gp[i]; q < gp[i + 1]; q++) {
      const es = gi[q] * h;
      let d = 0;
      for (let k = 0; k < h; k++) {
        const v = M[q] * w.EQ[es + k];
        MEQ[pi + k] += v;
        d += P[pi + k] * w.EQ[es + k];
      }
      DM[q] = M[q] * d;
    }
    for (let k = 0; k < h; k++) SP[pi + k] = P[pi + k] * (w.RXQ[pi + k] + MEQ[pi + k]);
  }
  // SQ overwrites UtE in place: SQt_gk = Qt_gk (UtE_gk + [g in panel] PtRX_jk).
  const SQt = w.UtE;
  for (let j = 0; j < p.panelCols.length; j++) {
    const g = p.panelCols[j] * h;
    for (let k = 0; k < h; k++) SQt[g + k] += w.PtRX[j * h + k];
  }
  for (let t = 0; t < G * h; t++) SQt[t] *= Qt[t];

  // 1. N (exact): N_i = a_i / Σ_k P_ik qX_k, with the incoming P and Q.
  let fs = factorSums(p, x, w.U, h);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += P[i * h + k] * fs.qX[k];
    N[i] = st.a[i] > 0 ? st.a[i] / s : 0;
  }
  // 2. φ (exact on the training panel): φ_g = b_g / Σ_k u_k Q_kg.
  if (platformScaling) {
    for (let j = 0; j < p.panelCols.length; j++) {
      const g = p.panelCols[j];
      let s = 0;
      for (let k = 0; k < h; k++) s += fs.u[k] * Qt[g * h + k];
      phi[g] = st.b[g] > 0 && s > 0 ? st.b[g] / s : phi[g];
    }
    fs = factorSums(p, x, w.U, h);
  }
  // 3. M on the support of Γ: M_is = DM_is / Σ_k P_ik (Qφ)_k.
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += P[i * h + k] * fs.Qphi[k];
    for (let q = gp[i]; q < gp[i + 1]; q++) {
      M[q] = s > 0 ? DM[q] / s : M[q];
      c[i] += M[q];
    }
  }
  // 4. P rows on the simplex: minimise Σ w P − Σ SP log P, w = N qX + c Qφ − ω log P_old.
  const wv = sc.w;
  for (let i = 0; i < n; i++) {
    const pi = i * h;
    for (let k = 0; k < h; k++) {
      let wk = N[i] * fs.qX[k] + c[i] * fs.Qphi[k];
      if (omegaEff > 0) wk -= omegaEff * Math.log(Math.max(P[pi + k], LOG_FLOOR));
      wv[k] = wk;
    }
    solveSimplexRow(SP, pi, 1, h, wv, P);
  }
  // 5. Q columns on the simplex: wQ_gk = [g in panel] ñ_k + φ_g u_k with the new N, P, M.
  const nTilde = new Float64Array(h);
  const u = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < h; k++) {
      nTilde[k] += N[i] * P[i * h + k];
      u[k] += c[i] * P[i * h + k];
    }
  }
  const inPanel = st.panelPos;
  for (let k = 0; k < h; k++) {
    for (let g = 0; g < G; g++) wv[g] = (inPanel[g] >= 0 ? nTilde[k] : 0) + phi[g] * u[k];
    solveSimplexRow(SQt, k, h, G, wv, Qt);
  }
}

/**
 * Exact simplex-constrained M-step for one row (M2.6 step 4): minimises
 * Σ_t w_t x_t − Σ_t s_t log x_t subject to Σ x = 1, x ≥ 0. The solution is
 * x_t = s_t / (w_t + η) with η the unique root of Σ s_t/(w_t + η) = 1 on
 * (−min_{s_t>0} w_t, ∞). Newton started at η₀ = max_t (s_t − w_t), where the sum is ≥ 1,
 * climbs monotonically to the root because the function is convex and decreasing.
 * The row of `S` and `out` is `off, off + stride, …` (len entries); `w` is contiguous.
 * A row with no mass (all s_t = 0) is left unchanged.
 */
export function solveSimplexRow(S: Float64Array, off: number, stride: number, len: number, w: Float64Array, out: Float64Array): void {
  // η is written as η₀ + δ with η₀ = s* − w* at the maximising coordinate, and every
  // denominator as (w_t − w*) + s* + δ: forming η₀ itself would cancel catastrophically when
  // s* ≪ w* (then w* + η₀ can round to 0 and the row to Inf/NaN).
  let best = -Infinity;
  let tStar = -1;
  for (let t = 0; t < len; t++) {
    const s = S[off + t * stride];
    if (s > 0 && s - w[t] > best) {
      best = s - w[t];
      tStar = t;
    }
  }
  if (tStar < 0) return;
  const ws = w[tStar];
  const ss = S[off + tStar * stride];
  // The Newton loop runs over the positive s_t only, packed contiguously with their base
  // denominators (w_t − w*) + s*, so the strided Q columns are read once.
  if (packS.length < len) {
    packS = new Float64Array(len);
    packB = new Float64Array(len);
  }
  const ps = packS, pb = packB;
  let c = 0;
  for (let t = 0; t < len; t++) {
    const s = S[off + t * stride];
    if (s > 0) {
      ps[c] = s;
      pb[c++] = w[t] - ws + ss;
    }
  }
  let delta = 0;
  for (let it = 0; it < 100; it++) {
    let f = -1;
    let d = 0;
    for (let u = 0; u < c; u++) {
      const s = ps[u];
      let q = pb[u] + delta;
      if (q < s) q = s; // mathematically q >= s_t at δ >= 0; guards round-off
      const r = s / q;
      f += r;
      d += r / q;
    }
    if (!(d > 0) || !(f > 0)) break;
    const step = f / d;
    delta += step;
    if (!(step > 1e-15 * (Math.abs(delta) + ss))) break;
  }
  let sum = 0;
  for (let t = 0; t < len; t++) {
    const s = S[off + t * stride];
    let v = 0;
    if (s > 0) {
      let q = w[t] - ws + ss + delta;
      if (q < s) q = s;
      v = s / q;
    }
    out[off + t * stride] = v;
    sum += v;
  }
  // One renormalisation for round-off, as the spec asks.
  for (let t = 0; t < len; t++) out[off + t * stride] /= sum;
}

/** Packed positive entries of the row being solved, and their base denominators (grown on demand). */
let packS = new Float64Array(64);
let packB = new Float64Array(64);
