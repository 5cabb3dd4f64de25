/**
 * Solver A (methods-spec M2.5): full-batch Adam on the unconstrained parameterisation
 * P = softmax(rows of a), Q = softmax(rows of b), N = exp(ν), M = exp(μ) on Γ, φ = exp(ψ) on the
 * training panel, with the closed-form gradients of M2.5 (no autograd). One epoch is one
 * E-step (two fused passes) plus O((n + m + G)·h) work.
 */
import { checkpoint } from '../../errors.js';
import type { ProblemStats, SiidParams, SiidProblem } from './model.js';
import { eStep, factorSums, makeWork, objectiveParts, omegaAt, releaseWork, type Work } from './model.js';
import type { SiidFit, SiidOptions } from './types.js';

/** Offsets of the blocks inside the flat parameter vector θ. */
export interface ThetaLayout {
  n: number;
  G: number;
  h: number;
  /** a: n x h logits of P. */
  a: number;
  /** b: G x h logits of Q (column k over genes is softmaxed). */
  b: number;
  /** ν: n log N. */
  nu: number;
  /** μ: nnz(Γ) log M. */
  mu: number;
  /** ψ: gX log φ on the training panel. */
  psi: number;
  length: number;
}

/** The layout of θ for a problem and rank. */
export function thetaLayout(p: SiidProblem, h: number): ThetaLayout {
  const a = 0;
  const b = a + p.n * h;
  const nu = b + p.G * h;
  const mu = nu + p.n;
  const psi = mu + p.gamma.indptr[p.n];
  return { n: p.n, G: p.G, h, a, b, nu, mu, psi, length: psi + p.panelCols.length };
}

/** θ from natural parameters (logits = log of the simplex rows; zero N / M floored at 1e-300). */
export function thetaFromParams(p: SiidProblem, x: SiidParams, L: ThetaLayout): Float64Array {
  const th = new Float64Array(L.length);
  const lg = (v: number) => Math.log(Math.max(v, 1e-300));
  for (let t = 0; t < p.n * L.h; t++) th[L.a + t] = lg(x.P[t]);
  for (let t = 0; t < p.G * L.h; t++) th[L.b + t] = lg(x.Qt[t]);
  for (let i = 0; i < p.n; i++) th[L.nu + i] = lg(Math.max(x.N[i], 1e-3));
  for (let q = 0; q < x.M.length; q++) th[L.mu + q] = lg(x.M[q]);
  for (let j = 0; j < p.panelCols.length; j++) th[L.psi + j] = lg(x.phi[p.panelCols[j]]);
  return th;
}

/** Natural parameters from θ (writes into x). */
export function paramsFromTheta(p: SiidProblem, th: Float64Array, L: ThetaLayout, x: SiidParams, platformScaling: boolean): void {
  const h = L.h;
  for (let i = 0; i < p.n; i++) {
    const o = i * h;
    let mx = -Infinity;
    for (let k = 0; k < h; k++) mx = Math.max(mx, th[L.a + o + k]);
    let s = 0;
    for (let k = 0; k < h; k++) s += x.P[o + k] = Math.exp(th[L.a + o + k] - mx);
    for (let k = 0; k < h; k++) x.P[o + k] /= s;
  }
  for (let k = 0; k < h; k++) {
    let mx = -Infinity;
    for (let g = 0; g < p.G; g++) mx = Math.max(mx, th[L.b + g * h + k]);
    let s = 0;
    for (let g = 0; g < p.G; g++) s += x.Qt[g * h + k] = Math.exp(th[L.b + g * h + k] - mx);
    for (let g = 0; g < p.G; g++) x.Qt[g * h + k] /= s;
  }
  for (let i = 0; i < p.n; i++) x.N[i] = Math.exp(th[L.nu + i]);
  for (let q = 0; q < x.M.length; q++) x.M[q] = Math.exp(th[L.mu + q]);
  x.phi.fill(1);
  if (platformScaling) for (let j = 0; j < p.panelCols.length; j++) x.phi[p.panelCols[j]] = Math.exp(th[L.psi + j]);
}

/** Settings of the objective as Solver A sees it. */
export interface AdamObjectiveSettings {
  /** Entropy weight multiplying Σ_i Ent_i (ω, or ω/n for the per-cell mean). */
  omegaEff: number;
  /** ℓ2 weight on θ. */
  l2: number;
  platformScaling: boolean;
}

/**
 * Objective F(θ) = L_X + L_V + ω_eff·Ent(P) + l2·‖θ‖² and its gradient with respect to θ
 * (closed forms of M2.5). `x` and `w` are scratch (filled with the natural parameters and the
 * E-step of θ). With `wantValue` false the logarithms are skipped and `value` is NaN.
 */
export function objectiveAndGradient(
  p: SiidProblem,
  st: ProblemStats,
  th: Float64Array,
  L: ThetaLayout,
  s: AdamObjectiveSettings,
  x: SiidParams,
  w: Work,
  grad: Float64Array,
  wantValue = true,
): number {
  const h = L.h;
  const { n, G } = p;
  paramsFromTheta(p, th, L, x, s.platformScaling);
  eStep(p, x, w, wantValue);
  const fs = factorSums(p, x, w.U, h);
  const { P, Qt, N, M, phi } = x;
  let value = NaN;
  let ent = 0;
  if (wantValue) {
    const parts = objectiveParts(p, st, x, w);
    ent = parts.entropy;
    let l2 = 0;
    for (let t = 0; t < th.length; t++) if (s.platformScaling || t < L.psi) l2 += th[t] * th[t];
    value = parts.lossX + parts.lossV + s.omegaEff * ent + s.l2 * l2;
  }
  grad.fill(0);
  // Cells: gP, gν, gμ.
  const { indptr: gp, indices: gi } = p.gamma;
  const gP = new Float64Array(h);
  const nTilde = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    const pi = i * h;
    let c = 0;
    for (let q = gp[i]; q < gp[i + 1]; q++) c += M[q];
    let pq = 0;
    for (let k = 0; k < h; k++) {
      gP[k] = N[i] * fs.qX[k] - w.RXQ[pi + k] + c * fs.Qphi[k];
      pq += P[pi + k] * fs.qX[k];
      nTilde[k] += N[i] * P[pi + k];
    }
    for (let q = gp[i]; q < gp[i + 1]; q++) {
      const es = gi[q] * h;
      let d = 0;
      for (let k = 0; k < h; k++) {
        gP[k] -= M[q] * w.EQ[es + k];
        d += P[pi + k] * (fs.Qphi[k] - w.EQ[es + k]);
      }
      grad[L.mu + q] = M[q] * d;
    }
    grad[L.nu + i] = N[i] * pq - st.a[i];
    // Softmax chain rule, plus the entropy gradient on the logits.
    let dot = 0;
    let ei = 0;
    for (let k = 0; k < h; k++) {
      dot += P[pi + k] * gP[k];
      const v = P[pi + k];
      if (v > 0) ei -= v * Math.log(v);
    }
    for (let k = 0; k < h; k++) {
      let g = P[pi + k] * (gP[k] - dot);
      if (s.omegaEff > 0) g -= s.omegaEff * P[pi + k] * (Math.log(Math.max(P[pi + k], 1e-12)) + ei);
      grad[L.a + pi + k] = g;
    }
  }
  // Genes: gQ and the softmax over genes per factor.
  const u = fs.u;
  const gQ = new Float64Array(G * h);
  for (let g = 0; g < G; g++) for (let k = 0; k < h; k++) gQ[g * h + k] = phi[g] * u[k] - w.UtE[g * h + k];
  for (let j = 0; j < p.panelCols.length; j++) {
    const g = p.panelCols[j];
    for (let k = 0; k < h; k++) gQ[g * h + k] += nTilde[k] - w.PtRX[j * h + k];
    if (s.platformScaling) {
      let y = 0;
      for (let k = 0; k < h; k++) y += u[k] * Qt[g * h + k];
      grad[L.psi + j] = phi[g] * y - st.b[g];
    }
  }
  for (let k = 0; k < h; k++) {
    let dot = 0;
    for (let g = 0; g < G; g++) dot += Qt[g * h + k] * gQ[g * h + k];
    for (let g = 0; g < G; g++) grad[L.b + g * h + k] = Qt[g * h + k] * (gQ[g * h + k] - dot);
  }
  if (s.l2 > 0) {
    const end = s.platformScaling ? th.length : L.psi;
    for (let t = 0; t < end; t++) grad[t] += 2 * s.l2 * th[t];
  }
  return value;
}

/** Runs Adam from x0 (one restart) and returns the fit. */
export async function adamFit(
  p: SiidProblem,
  st: ProblemStats,
  x0: SiidParams,
  o: Required<Pick<SiidOptions, 'rank' | 'maxIter' | 'learningRate' | 'l2' | 'platformScaling' | 'entropyReduction' | 'entropySchedule'>> & SiidOptions,
  progress: (iteration: number, objective: number) => void,
): Promise<SiidFit> {
  const w = makeWork(p, o.rank, o.kernels);
  try {
    return await adamLoop(p, st, x0, o, progress, w);
  } finally {
    releaseWork(w);
  }
}

async function adamLoop(
  p: SiidProblem,
  st: ProblemStats,
  x0: SiidParams,
  o: Required<Pick<SiidOptions, 'rank' | 'maxIter' | 'learningRate' | 'l2' | 'platformScaling' | 'entropyReduction' | 'entropySchedule'>> & SiidOptions,
  progress: (iteration: number, objective: number) => void,
  w: Work,
): Promise<SiidFit> {
  const h = o.rank;
  const L = thetaLayout(p, h);
  const th = thetaFromParams(p, x0, L);
  const x: SiidParams = { P: x0.P.slice(), Qt: x0.Qt.slice(), N: x0.N.slice(), M: x0.M.slice(), phi: x0.phi.slice() };
  const grad = new Float64Array(L.length);
  const m1 = new Float64Array(L.length);
  const m2 = new Float64Array(L.length);
  const b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = o.learningRate;
  const perCell = o.entropyReduction === 'meanOverCells' ? 1 / p.n : 1;
  const history: Array<[number, number]> = [];
  const T = o.maxIter;
  let omega = 0;
  let b1t = 1, b2t = 1;
  for (let t = 0; t < T; t++) {
    omega = omegaAt(t, o.entropyLambda, o.entropySchedule);
    const withValue = t % 50 === 0;
    const v = objectiveAndGradient(p, st, th, L, { omegaEff: omega * perCell, l2: o.l2, platformScaling: o.platformScaling }, x, w, grad, withValue);
    if (withValue) {
      history.push([t, v]);
      progress(t, v);
    }
    await checkpoint(o.signal, 'siid');
    b1t *= b1;
    b2t *= b2;
    const end = o.platformScaling ? L.length : L.psi;
    for (let q = 0; q < end; q++) {
      const g = grad[q];
      m1[q] = b1 * m1[q] + (1 - b1) * g;
      m2[q] = b2 * m2[q] + (1 - b2) * g * g;
      th[q] -= (lr * (m1[q] / (1 - b1t))) / (Math.sqrt(m2[q] / (1 - b2t)) + eps);
    }
  }
  const settings = { omegaEff: omega * perCell, l2: o.l2, platformScaling: o.platformScaling };
  const value = objectiveAndGradient(p, st, th, L, settings, x, w, grad, true);
  const parts = objectiveParts(p, st, x, w);
  history.push([T, value]);
  return {
    h,
    params: x,
    objective: value,
    lossX: parts.lossX,
    lossV: parts.lossV,
    entropy: parts.entropy,
    omega,
    iterations: T,
    converged: false,
    restarts: [],
    history,
    solver: 'adam',
  };
}
