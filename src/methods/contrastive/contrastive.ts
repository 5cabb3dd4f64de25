/**
 * `contrastiveNmf`: the public entry of bcNMF (methods-spec M4). Converts between the toolkit's
 * observations x features orientation and the solver's layout, aligns feature lists, validates,
 * runs the engine and derives the per-factor target-enrichment score.
 */
import type { Csr } from '../../linalg/csr.js';
import { selectCols } from '../../linalg/csr.js';
import type { Dense } from '../../linalg/dense.js';
import type { Kernels } from '../../linalg/kernels.js';
import { createKernels } from '../../linalg/backend.js';
import { nmf, type NmfInit, type NmfSolver } from '../../nmf/index.js';
import { topFeatureIndices } from '../../nmf/top-features.js';
import { StnmfError } from '../../errors.js';
import { convergenceWarning } from '../../warnings.js';
import type { ContrastiveInput, ContrastiveNmfOptions, ContrastiveNmfResult } from './model.js';
import { checkMatrix, describeFeatureDifference, isCsr, isDataset, resolveOptions } from './model.js';
import { prepareSide, runEngine, uniformInit } from './solver.js';

/** The matrices of two inputs over one common, identically ordered feature list. */
export interface AlignedInputs {
  target: Csr | Dense;
  background: Csr | Dense;
  featureNames?: string[];
}

/**
 * Puts target and background on the same features. Datasets are matched by feature name: the
 * background is reordered to the target's order; different feature sets fail with the
 * difference listed, unless `intersect` keeps the common features (target order). Bare matrices
 * must have the same number of columns.
 * @throws StnmfError('BAD_INPUT') on a feature mismatch.
 */
export function alignFeatures(target: ContrastiveInput, background: ContrastiveInput, intersect = false): AlignedInputs {
  if (isDataset(target) !== isDataset(background)) {
    throw new StnmfError('BAD_INPUT', 'contrastiveNmf: target and background must both be Datasets or both be matrices');
  }
  if (!isDataset(target) || !isDataset(background)) {
    const t = target as Csr | Dense, b = background as Csr | Dense;
    if (t.cols !== b.cols) {
      throw new StnmfError('BAD_INPUT', `contrastiveNmf: target has ${t.cols} features (columns) but background has ${b.cols}; both must share the same features`);
    }
    return { target: t, background: b };
  }
  const tn = target.var.index, bn = background.var.index;
  const bPos = new Map<string, number>();
  bn.forEach((f, j) => bPos.set(f, j));
  if (bPos.size !== bn.length) throw new StnmfError('BAD_INPUT', 'contrastiveNmf: background has duplicated feature names');
  if (new Set(tn).size !== tn.length) throw new StnmfError('BAD_INPUT', 'contrastiveNmf: target has duplicated feature names');
  const same = tn.length === bn.length && tn.every((f) => bPos.has(f));
  if (same) {
    const order = tn.map((f) => bPos.get(f)!);
    const identity = order.every((j, i) => j === i);
    return { target: target.X, background: identity ? background.X : selectCols(background.X, order), featureNames: tn.slice() };
  }
  if (!intersect) {
    throw new StnmfError(
      'BAD_INPUT',
      `contrastiveNmf: target and background have different features — ${describeFeatureDifference(tn, bn)}; use intersect (--intersect) to keep the common features`,
    );
  }
  const keepT: number[] = [], keepB: number[] = [];
  tn.forEach((f, j) => {
    const jb = bPos.get(f);
    if (jb !== undefined) {
      keepT.push(j);
      keepB.push(jb);
    }
  });
  if (keepT.length === 0) throw new StnmfError('BAD_INPUT', `contrastiveNmf: target and background share no feature — ${describeFeatureDifference(tn, bn)}`);
  return { target: selectCols(target.X, keepT), background: selectCols(background.X, keepB), featureNames: keepT.map((j) => tn[j]) };
}

/**
 * Background-contrastive NMF (bcNMF; Li, Yang, Li 2026; methods-spec M4). Finds a shared
 * non-negative basis whose factors describe the target but not the background: it descends
 * J = D(target ‖ H_target·basis) − α·D(background ‖ H_background·basis) with the original
 * multiplicative updates (per sweep: target coefficients, background coefficients, basis),
 * where D is the squared error (`loss: 'frobenius'`) or the generalised KL / Poisson divergence.
 *
 * Orientation: `target` is n_target x p and `background` n_background x p (observations x
 * features, stnmf's convention). The original code takes features x samples; the results here
 * are the transposes of its W, H_X, H_Y (see `ContrastiveNmfResult`).
 *
 * Defaults (methods-spec M4.6): `loss` frobenius, `maxIter` 200, `tol` 0 (fixed sweeps, as the
 * original), seeded uniform [0,1) initialisation, ε = 1e-10 (frobenius) / 1e-16 (poisson),
 * factors floored at 1e-16, basis rows normalised to unit L2 norm (frobenius) or unit sum
 * (poisson) in the result (`normalize`).
 *
 * @throws StnmfError for bad options (alpha < 0, rank), empty or negative inputs, feature mismatch,
 *   and a non-finite objective (α too strong).
 */
export async function contrastiveNmf(
  target: ContrastiveInput,
  background: ContrastiveInput,
  options: ContrastiveNmfOptions,
): Promise<ContrastiveNmfResult> {
  const aligned = alignFeatures(target, background, options?.intersect ?? false);
  const X = aligned.target, Y = aligned.background;
  checkMatrix(X, 'target');
  checkMatrix(Y, 'background');
  const p = X.cols;
  const o = resolveOptions(options, X.rows, p);
  const k = o.rank;
  const alphaEffective = o.alphaScale === 'perSample' ? (o.alpha * X.rows) / Y.rows : o.alpha;
  const kernels = options.kernels ?? (await createKernels());
  const tSide = prepareSide(X, o.loss, o.batchSize, k, kernels);
  const bSide = prepareSide(Y, o.loss, o.batchSize, k, kernels);
  const W: Dense = { rows: p, cols: k, data: kernels.allocF32(p * k) };
  try {
  if (options.init) {
    const { basis, hTarget, hBackground } = options.init;
    const want = (m: Dense | undefined, r: number, c: number, name: string) => {
      if (!m || m.rows !== r || m.cols !== c) {
        throw new StnmfError('BAD_OPTION', `contrastiveNmf: init.${name} must be ${r} x ${c}, got ${m ? `${m.rows} x ${m.cols}` : 'nothing'}`);
      }
      for (let q = 0; q < m.data.length; q++) {
        if (!(m.data[q] >= 0) || m.data[q] === Infinity) throw new StnmfError('BAD_OPTION', `contrastiveNmf: init.${name} has value ${m.data[q]}; expected finite non-negative values`);
      }
    };
    want(basis, k, p, 'basis');
    want(hTarget, X.rows, k, 'hTarget');
    want(hBackground, Y.rows, k, 'hBackground');
    for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) W.data[j * k + t] = basis.data[t * p + j];
    tSide.A.data.set(hTarget.data);
    bSide.A.data.set(hBackground.data);
  } else {
    uniformInit(W, tSide.A, bSide.A, o.seed);
  }

  const out = await runEngine({
    target: tSide,
    background: bSide,
    W,
    p,
    k,
    alpha: o.alpha,
    alphaEffective,
    options: o,
    kernels,
    onProgress: options.onProgress,
    signal: options.signal,
  });

  // Per-factor scale (J does not depend on it; reconstructions are unchanged).
  const scale = new Float64Array(k).fill(1);
  if (o.normalize !== 'none') {
    scale.fill(0);
    for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) scale[t] += o.normalize === 'l1' ? W.data[j * k + t] : W.data[j * k + t] ** 2;
    if (o.normalize === 'l2') for (let t = 0; t < k; t++) scale[t] = Math.sqrt(scale[t]);
    for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) W.data[j * k + t] /= scale[t];
    for (const F of [tSide.A, bSide.A]) for (let i = 0; i < F.rows; i++) for (let t = 0; t < k; t++) F.data[i * k + t] *= scale[t];
  }
  const { enrichment, targetMean, backgroundMean, order } = enrichmentScores(tSide.A, bSide.A);
  const basis: Dense = { rows: k, cols: p, data: new Float32Array(p * k) };
  for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) basis.data[t * p + j] = W.data[j * k + t];
  const last = out.history[out.history.length - 1];
  return {
    basis,
    // Copied out of kernel memory, which is released below.
    hTarget: { rows: tSide.A.rows, cols: k, data: tSide.A.data.slice() },
    hBackground: { rows: bSide.A.rows, cols: k, data: bSide.A.data.slice() },
    objective: last.objective,
    targetTerm: last.targetTerm,
    backgroundTerm: last.backgroundTerm,
    alphaEffective,
    history: out.history,
    iterations: out.iterations,
    converged: out.converged,
    warnings: convergenceWarning('bcNMF', out.converged, o.maxIter, o.tol),
    enrichment,
    targetMean,
    backgroundMean,
    enrichmentOrder: order,
    featureNames: aligned.featureNames,
    parameters: { ...o, kernels: kernels.name, nTarget: X.rows, nBackground: Y.rows, nFeatures: p, targetSparse: isCsr(X), backgroundSparse: isCsr(Y) },
  };
  } finally {
    tSide.release();
    bSide.release();
    kernels.free(W.data);
    if (!options.kernels) kernels.dispose();
  }
}

/**
 * Per-factor target-enrichment score [T] (the source defines none; M4.2 only says target-enriched
 * factors arise because W avoids background directions):
 * `enrichment[t] = log2((meanTarget[t] + δ) / (meanBackground[t] + δ))`, the means taken over the
 * rows of the n x k coefficient matrices, δ = 1e-9 × the mean of all coefficients (keeps the score
 * finite for unused factors). The ratio does not depend on the factor's scale. `order` lists the
 * factors from most to least target-enriched.
 */
export function enrichmentScores(
  hTarget: Dense,
  hBackground: Dense,
): { enrichment: Float64Array; targetMean: Float64Array; backgroundMean: Float64Array; order: Int32Array } {
  const k = hTarget.cols;
  const mean = (F: Dense): Float64Array => {
    const m = new Float64Array(k);
    for (let i = 0; i < F.rows; i++) for (let t = 0; t < k; t++) m[t] += F.data[i * k + t];
    for (let t = 0; t < k; t++) m[t] /= Math.max(1, F.rows);
    return m;
  };
  const targetMean = mean(hTarget), backgroundMean = mean(hBackground);
  let all = 0;
  for (let t = 0; t < k; t++) all += targetMean[t] + backgroundMean[t];
  const delta = Math.max((1e-9 * all) / (2 * k), Number.MIN_VALUE);
  const enrichment = new Float64Array(k);
  for (let t = 0; t < k; t++) enrichment[t] = Math.log2((targetMean[t] + delta) / (backgroundMean[t] + delta));
  const order = Int32Array.from({ length: k }, (_, t) => t).sort((s, t) => enrichment[t] - enrichment[s] || s - t);
  return { enrichment, targetMean, backgroundMean, order };
}

/**
 * The `n` features with the largest weight in factor `factor` of a k x p basis, as
 * `{ feature, index, weight }` (feature = name when `names` is given, else the column number).
 */
export function topFeatures(basis: Dense, factor: number, n: number, names?: string[]): { feature: string; index: number; weight: number }[] {
  const p = basis.cols;
  return topFeatureIndices(basis, factor, n).map((j) => ({ feature: names ? names[j] : String(j), index: j, weight: basis.data[factor * p + j] }));
}

/** Options of `targetNmfBaseline`. */
export interface TargetNmfBaselineOptions {
  rank: number;
  /** Default frobenius. */
  loss?: 'frobenius' | 'poisson';
  /** Passed to the core engine (defaults there: HALS for frobenius, MU for poisson, NNDSVDa init). */
  solver?: NmfSolver;
  init?: NmfInit;
  /** Default 200 (the engine's). */
  maxIter?: number;
  /** Default 1e-4 (the engine's). */
  tol?: number;
  seed?: number;
  /** Same meaning and default as in `contrastiveNmf`. */
  normalize?: 'l1' | 'l2' | 'none';
  kernels?: Kernels;
  signal?: AbortSignal;
}

/**
 * The plain-NMF baseline bcNMF is compared with (M4.8): NMF of the target alone through the core
 * engine (`nmf`), returned in `contrastiveNmf`'s shapes and scale (`basis` k x p, `hTarget`
 * n x k, basis rows normalised per `normalize`) so the same evaluation applies to both.
 */
export async function targetNmfBaseline(
  target: ContrastiveInput,
  options: TargetNmfBaselineOptions,
): Promise<{ basis: Dense; hTarget: Dense; loss: number; iterations: number }> {
  const X = isDataset(target) ? target.X : target;
  const loss = options.loss ?? 'frobenius';
  const r = await nmf(X, {
    rank: options.rank,
    loss,
    solver: options.solver,
    // The baseline is the reference's scikit-learn NMF: cd with one sweep per half-step.
    halsAlpha: 0,
    init: options.init,
    maxIter: options.maxIter,
    tol: options.tol,
    seed: options.seed,
    kernels: options.kernels,
    signal: options.signal,
  });
  const k = r.H.rows, p = r.H.cols;
  const mode = options.normalize ?? (loss === 'frobenius' ? 'l2' : 'l1');
  if (mode !== 'none') {
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += mode === 'l1' ? r.H.data[t * p + j] : r.H.data[t * p + j] ** 2;
      s = mode === 'l2' ? Math.sqrt(s) : s;
      if (!(s > 0)) continue;
      for (let j = 0; j < p; j++) r.H.data[t * p + j] /= s;
      for (let i = 0; i < r.W.rows; i++) r.W.data[i * k + t] *= s;
    }
  }
  return { basis: r.H, hTarget: r.W, loss: r.loss, iterations: r.iterations };
}
