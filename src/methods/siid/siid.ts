/**
 * SIID — joint imputation and deconvolution by paired Poisson NMF (Zheng, Sarkar & Raphael,
 * Genome Research 2025; methods-spec M2). `siid()` fits the model to a single-cell slide and a
 * spot slide linked by Γ, with restarts keeping the lowest objective; `imputeGenes`,
 * `spotProportions` and `cellClusters` read the derived results (M2.7).
 */
import { checkOptions, optionDefault } from '../../options.js';
import { SIID_OPTIONS } from './options.js';
import { convergenceWarning } from '../../warnings.js';
import { checkpoint, StnmfError, throwIfAborted } from '../../errors.js';
import { Rng } from '../../linalg/rng.js';
import { createKernels } from '../../linalg/backend.js';
import type { Kernels } from '../../linalg/kernels.js';
import { adamFit } from './adam.js';
import { makeEcmScratch, mStep } from './ecm.js';
import type { ObjectiveParts, ProblemStats, SiidParams, SiidProblem } from './model.js';
import { cloneParams, entropyOf, eStep, initParams, makeWork, objectiveParts, omegaAt, problemStats, releaseWork, type Work } from './model.js';
export { omegaAt } from './model.js';
import { prepareSiid, type PreparedSiid, type SiidInputs } from './prepare.js';
import type { RestartRecord, SiidFit, SiidOptions } from './types.js';
export type { SiidProgress, SiidOptions, RestartRecord, SiidFit } from './types.js';

/** The full result of `siid` on Datasets: the fit plus the names that map it back. */
export interface SiidResult extends SiidFit {
  prepared: PreparedSiid;
}

/** Defaults applied by `siidFit` (exported so the CLI records them in run.json). */
export function resolveSiidOptions(o: SiidOptions): Required<Omit<SiidOptions, 'onProgress' | 'signal' | 'imputeGenes' | 'mappingDistance' | 'kernels' | 'threads'>> & SiidOptions {
  // Types, ranges and choices as declared once in SIID_OPTIONS (the CLI's flags come from it).
  checkOptions(SIID_OPTIONS, o, 'siid');
  const d = <T extends number | string>(name: keyof typeof SIID_OPTIONS): T => optionDefault<T>(SIID_OPTIONS, name);
  const solver = o.solver ?? d<'mu' | 'adam'>('solver');
  return {
    ...o,
    rank: o.rank ?? d<number>('rank'),
    solver,
    maxIter: o.maxIter ?? (solver === 'mu' ? 100 : 5000),
    tol: o.tol ?? 1e-7,
    restarts: o.restarts ?? d<number>('restarts'),
    seed: o.seed ?? d<number>('seed'),
    init: o.init ?? (solver === 'mu' ? 'random' : 'xavier'),
    // 0 (the default) and null both turn the entropy term off; null is what is recorded.
    entropyLambda: (o.entropyLambda === undefined ? d<number>('entropyLambda') : o.entropyLambda) || null,
    entropyReduction: o.entropyReduction ?? d<'sum' | 'meanOverCells'>('entropyReduction'),
    entropySchedule: o.entropySchedule ?? d<'continuous' | 'step100'>('entropySchedule'),
    scheduleEpochs: o.scheduleEpochs ?? 5000,
    platformScaling: o.platformScaling ?? true,
    acceleration: o.acceleration ?? true,
    restartScreening: o.restartScreening ?? d<number>('restartScreening'),
    learningRate: o.learningRate ?? d<number>('learningRate'),
    l2: o.l2 ?? 1e-5,
    visiumGenes: o.visiumGenes ?? 'panelOnly',
    missingGenes: o.missingGenes ?? 'error',
  };
}

/**
 * Fits SIID to two Datasets (cells, spots) with Γ from coordinates (nearest spot within
 * `mappingDistance`, default 100 µm) or the given mapping. See `SiidOptions`.
 */
export async function siid(inputs: SiidInputs, options: SiidOptions): Promise<SiidResult> {
  const prepared = prepareSiid(inputs, options);
  const fit = await siidFit(prepared.problem, options);
  return { ...fit, prepared };
}


/** Fits SIID to a prepared numeric problem (restarts, either solver). */
export async function siidFit(problem: SiidProblem, options: SiidOptions): Promise<SiidFit> {
  const o0 = resolveSiidOptions(options);
  validate(problem, o0);
  const kernels = options.kernels ?? (await createKernels({ threads: options.threads }));
  try {
    return await fitRestarts(problem, { ...o0, kernels });
  } finally {
    if (!options.kernels) kernels.dispose();
  }
}

async function fitRestarts(problem: SiidProblem, o: ReturnType<typeof resolveSiidOptions> & { kernels: Kernels }): Promise<SiidFit> {
  const h = o.rank;
  const st = problemStats(problem);
  const root = new Rng(o.seed);
  let best: SiidFit | undefined;
  const records: RestartRecord[] = [];
  let eStepsTotal = 0;
  const screen = o.solver === 'mu' && o.restarts > 1 && o.restartScreening > 0 && o.restartScreening < o.maxIter ? o.restartScreening : 0;
  for (let r = 0; r < o.restarts; r++) {
    throwIfAborted(o.signal, 'siid');
    const rng = root.fork(r);
    const x0 = initParams(problem, st, h, rng, o.init);
    const fit =
      o.solver === 'adam'
        ? await adamFit(problem, st, x0, o, (it, obj) => o.onProgress?.({ restart: r, restarts: o.restarts, iteration: it, maxIter: o.maxIter, objective: obj }))
        : await ecmFit(problem, st, x0, o, r, 0, screen || o.maxIter);
    eStepsTotal += fit.eSteps ?? 0;
    records.push({ restart: r, objective: fit.objective, lossX: fit.lossX, lossV: fit.lossV, entropy: fit.entropy, iterations: fit.iterations, converged: fit.converged });
    if (!best || fit.objective < best.objective || !Number.isFinite(best.objective)) best = fit;
  }
  if (screen) {
    // Screened restarts: only the best start after `screen` sweeps runs to the end.
    const first = best!;
    const idx = records.findIndex((x) => x.objective === first.objective);
    const rest = await ecmFit(problem, st, first.params, o, idx, first.iterations, o.maxIter);
    rest.history = [...first.history, ...rest.history];
    rest.iterations += first.iterations;
    records[idx] = { restart: idx, objective: rest.objective, lossX: rest.lossX, lossV: rest.lossV, entropy: rest.entropy, iterations: rest.iterations, converged: rest.converged };
    eStepsTotal += rest.eSteps ?? 0;
    best = rest;
  }
  if (o.solver === 'mu') best!.eSteps = eStepsTotal;
  best!.restarts = records;
  // Adam, and ECM with the entropy term (whose ω schedule runs to maxIter), have no tolerance
  // stop; only plain ECM can stop short of converging.
  best!.warnings = o.solver === 'mu' && !o.entropyLambda ? convergenceWarning('SIID', best!.converged, o.maxIter, o.tol) : [];
  return best!;
}

function validate(p: SiidProblem, o: ReturnType<typeof resolveSiidOptions>): void {
  const gX = p.panelCols.length;
  if (!Number.isInteger(o.rank) || o.rank < 1) throw new StnmfError('BAD_OPTION', `siid: rank must be a positive integer, got ${o.rank}`);
  if (o.rank > gX) throw new StnmfError('BAD_OPTION', `siid: rank ${o.rank} is larger than the ${gX} training panel genes`);
  if (!Number.isInteger(o.maxIter) || o.maxIter < 1) throw new StnmfError('BAD_OPTION', `siid: maxIter must be a positive integer, got ${o.maxIter}`);
  if (!Number.isInteger(o.restarts) || o.restarts < 1) throw new StnmfError('BAD_OPTION', `siid: restarts must be a positive integer, got ${o.restarts}`);
  if (o.entropyLambda !== null && !(o.entropyLambda >= 0)) throw new StnmfError('BAD_OPTION', `siid: entropyLambda must be >= 0 (0 = off), got ${o.entropyLambda}`);
  if (p.m === 0) throw new StnmfError('BAD_INPUT', 'siid: no spot has a mapped cell');
}

async function ecmFit(
  p: SiidProblem,
  st: ProblemStats,
  x: SiidParams,
  o: ReturnType<typeof resolveSiidOptions> & { kernels: Kernels },
  restart: number,
  startIter: number,
  endIter: number,
): Promise<SiidFit> {
  const w = makeWork(p, o.rank, o.kernels);
  try {
    return await ecmLoop(p, st, x, o, restart, startIter, endIter, w);
  } finally {
    releaseWork(w);
  }
}

async function ecmLoop(
  p: SiidProblem,
  st: ProblemStats,
  x: SiidParams,
  o: ReturnType<typeof resolveSiidOptions>,
  restart: number,
  startIter: number,
  endIter: number,
  w: Work,
): Promise<SiidFit> {
  const h = o.rank;
  const sc = makeEcmScratch(p, h);
  const T = o.maxIter;
  const entropyOn = Boolean(o.entropyLambda);
  const perCell = o.entropyReduction === 'meanOverCells' ? 1 / p.n : 1;
  const accel = o.acceleration;
  const history: Array<[number, number]> = [];
  const objAt = (parts: ObjectiveParts, omega: number) => parts.lossX + parts.lossV + omega * perCell * parts.entropy;
  let converged = false;
  let omega = 0;
  let eta = 1;
  let accepted = 0;
  let eSteps = 1;
  eStep(p, x, w, true);
  let parts = objectiveParts(p, st, x, w, entropyOn);
  const prev = cloneParams(x);
  const em = cloneParams(x);
  const fHist: number[] = [];
  let it = startIter;
  for (; it < endIter; it++) {
    omega = entropyOn ? omegaAt((it * o.scheduleEpochs) / T, o.entropyLambda, o.entropySchedule) : 0;
    const F = objAt(parts, omega);
    if (it % 10 === 0) {
      history.push([it, F]);
      o.onProgress?.({ restart, restarts: o.restarts, iteration: it, maxIter: T, objective: F });
    }
    await checkpoint(o.signal, 'siid');
    if (!Number.isFinite(F)) throw new StnmfError('BAD_INPUT', `siid: the objective became ${F} at sweep ${it} (restart ${restart}); the data may contain a spot or cell the model cannot fit`);
    fHist.push(F);
    if (!entropyOn && fHist.length > 10 && fHist[fHist.length - 11] - F < o.tol * Math.abs(F)) {
      converged = true;
      break;
    }
    if (accel) copyParams(x, prev);
    mStep(p, st, x, w, sc, omega * perCell, o.platformScaling);
    if (accel && eta > 1) {
      // Adaptive over-relaxation (Salakhutdinov & Roweis 2003): step further along the EM
      // direction in log space; keep it only if F went down, else fall back to the EM point.
      copyParams(x, em);
      extrapolate(prev, em, eta, h, x);
      eStep(p, x, w, true);
      eSteps++;
      const tryParts = objectiveParts(p, st, x, w, entropyOn);
      const Ftry = objAt(tryParts, omega);
      if (Number.isFinite(Ftry) && Ftry <= F) {
        parts = tryParts;
        eta = Math.min(eta * ACCEL_GROW, ACCEL_MAX);
        accepted++;
        continue;
      }
      copyParams(em, x);
      eta = 1;
    } else if (accel) eta = ACCEL_GROW;
    eStep(p, x, w, true);
    eSteps++;
    parts = objectiveParts(p, st, x, w, entropyOn);
  }
  const fin = objAt(parts, omega);
  if (!entropyOn) parts = { ...parts, entropy: entropyOf(x.P) };
  history.push([it, fin]);
  it -= startIter;
  return {
    h,
    params: cloneParams(x),
    objective: fin,
    lossX: parts.lossX,
    lossV: parts.lossV,
    entropy: parts.entropy,
    omega,
    iterations: it,
    converged,
    restarts: [],
    history,
    solver: 'mu',
    eSteps,
    acceptedExtrapolations: accepted,
  };
}

/** Growth of the over-relaxation step after an accepted extrapolation, and its cap. */
const ACCEL_GROW = 1.5;
const ACCEL_MAX = 16;

function copyParams(src: SiidParams, dst: SiidParams): void {
  dst.P.set(src.P);
  dst.Qt.set(src.Qt);
  dst.N.set(src.N);
  dst.M.set(src.M);
  dst.phi.set(src.phi);
}

/**
 * out = a^(1−η)·b^η entrywise (log-space extrapolation; per-entry factor clamped), with P
 * rows and Q columns renormalised onto the simplex.
 */
function extrapolate(a: SiidParams, b: SiidParams, eta: number, h: number, out: SiidParams): void {
  // y·(y/x)^(η−1), the step factor clamped to [1e-4, 1e4] so that no entry underflows to a
  // sticky zero or overflows in one step (a zero stays zero).
  const lo = Math.log(1e-4), hi = Math.log(1e4);
  const geo = (x: number, y: number) => (x > 0 && y > 0 ? y * Math.exp(Math.min(hi, Math.max(lo, (eta - 1) * Math.log(y / x)))) : y);
  const n = a.N.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += out.P[i * h + k] = geo(a.P[i * h + k], b.P[i * h + k]);
    if (s > 0) for (let k = 0; k < h; k++) out.P[i * h + k] /= s;
    else for (let k = 0; k < h; k++) out.P[i * h + k] = b.P[i * h + k];
    out.N[i] = geo(a.N[i], b.N[i]);
  }
  const G = a.phi.length;
  const colSum = new Float64Array(h);
  for (let t = 0; t < G * h; t++) colSum[t % h] += out.Qt[t] = geo(a.Qt[t], b.Qt[t]);
  for (let t = 0; t < G * h; t++) out.Qt[t] /= colSum[t % h];
  for (let q = 0; q < a.M.length; q++) out.M[q] = geo(a.M[q], b.M[q]);
  for (let g = 0; g < G; g++) out.phi[g] = geo(a.phi[g], b.phi[g]);
}

/** Objective parts at x (runs one E-step with logs). */
export function finalObjective(p: SiidProblem, st: ProblemStats, x: SiidParams, w: Work, omegaEff: number): { objective: number; lossX: number; lossV: number; entropy: number } {
  eStep(p, x, w, true);
  const parts = objectiveParts(p, st, x, w);
  return { objective: parts.lossX + parts.lossV + omegaEff * parts.entropy, ...parts };
}

/**
 * Imputed counts Â_ig = N_i Σ_k P_ik Q_kg (M2.7) for the given modelled genes (indices into
 * G_V or names when `genes` of the result are known). Returns a dense n x |genes| float32
 * matrix, row-major; only these genes are ever densified.
 */
export function imputeGenes(fit: SiidFit | SiidResult, genes: ArrayLike<number> | string[]): { rows: number; cols: number; data: Float32Array } {
  const h = fit.h;
  const { P, Qt, N } = fit.params;
  const n = N.length;
  const G = Qt.length / h;
  let idx: number[];
  if (Array.isArray(genes) && genes.length > 0 && typeof genes[0] === 'string') {
    const names = (fit as SiidResult).prepared?.genes;
    if (!names) throw new StnmfError('BAD_OPTION', 'imputeGenes: gene names need a result of siid() (with gene names); pass indices instead');
    const pos = new Map(names.map((g, j) => [g, j]));
    idx = (genes as string[]).map((g) => {
      const j = pos.get(g);
      if (j === undefined) throw new StnmfError('BAD_OPTION', `imputeGenes: gene '${g}' was not modelled (add it with imputeGenes / visiumGenes: 'all')`);
      return j;
    });
  } else idx = Array.from(genes as ArrayLike<number>);
  for (const j of idx) if (!(j >= 0 && j < G)) throw new StnmfError('BAD_OPTION', `imputeGenes: gene index ${j} outside 0..${G - 1}`);
  const c = idx.length;
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const pi = i * h;
    for (let t = 0; t < c; t++) {
      const g = idx[t] * h;
      let s = 0;
      for (let k = 0; k < h; k++) s += P[pi + k] * Qt[g + k];
      out[i * c + t] = N[i] * s;
    }
  }
  return { rows: n, cols: c, data: out };
}

/** Spot proportions π_s = rownormalize((Mᵀ P)_s) (M2.7), m x h row-major float64. */
export function spotProportions(fit: SiidFit, problem: SiidProblem): Float64Array {
  const h = fit.h;
  const U = new Float64Array(problem.m * h);
  const { P, M } = fit.params;
  for (let i = 0; i < problem.n; i++) {
    for (let q = problem.gamma.indptr[i]; q < problem.gamma.indptr[i + 1]; q++) {
      const s = problem.gamma.indices[q];
      for (let k = 0; k < h; k++) U[s * h + k] += M[q] * P[i * h + k];
    }
  }
  for (let s = 0; s < problem.m; s++) {
    let t = 0;
    for (let k = 0; k < h; k++) t += U[s * h + k];
    if (t > 0) for (let k = 0; k < h; k++) U[s * h + k] /= t;
  }
  return U;
}

/** Cell clusters argmax_k P_ik (M2.7). */
export function cellClusters(fit: SiidFit): Int32Array {
  const h = fit.h;
  const P = fit.params.P;
  const n = P.length / h;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < h; k++) if (P[i * h + k] > P[i * h + best]) best = k;
    out[i] = best;
  }
  return out;
}
