/**
 * Evaluation of imputation by k-fold gene holdout (methods-spec M2.8): the panel genes are
 * split into k folds; for each fold those genes are removed from the cell counts, SIID is
 * trained on the rest and the held-out genes are imputed. Per gene, R² = squared Pearson
 * correlation across cells between imputation and the held-out counts; the score is the mean
 * over genes with a defined R². The baselines A–D of M2.8 are scored on the same folds.
 */
import { runSteps, runStepsCancellable, StnmfError, throwIfAborted, type Steps } from '../../errors.js';
import type { Csr } from '../../linalg/csr.js';
import { createKernels } from '../../linalg/backend.js';
import { Rng } from '../../linalg/rng.js';
import { knnQuerySteps } from '../../spatial/index.js';
import type { SiidProblem } from './model.js';
import { restrictPanel } from './prepare.js';
import { imputeGenes, resolveSiidOptions, siidFit, type SiidOptions, type SiidProgress } from './siid.js';

/**
 * k-fold split of panel positions 0..gX-1 (M2.8 [T]): a seeded permutation (the toolkit's
 * Rng) cut into k consecutive parts whose sizes differ by at most one (the first gX mod k
 * folds are one larger, as numpy.array_split), each sorted.
 */
export function geneFolds(gX: number, k: number, seed: number): Int32Array[] {
  if (!Number.isInteger(k) || k < 2 || k > gX) throw new StnmfError('BAD_OPTION', `siid holdout: folds must be an integer in 2..${gX} (the panel size), got ${k}`);
  const perm = new Rng(seed).permutation(gX);
  const out: Int32Array[] = [];
  const base = Math.floor(gX / k);
  const extra = gX % k;
  let at = 0;
  for (let f = 0; f < k; f++) {
    const len = base + (f < extra ? 1 : 0);
    out.push(perm.slice(at, at + len).sort());
    at += len;
  }
  return out;
}

/**
 * Squared Pearson correlation per column between a dense prediction (n x c, row-major) and
 * columns `cols` of a sparse count matrix, over the cells in `rows` (all when undefined).
 * NaN where either side is constant (M2.8, G4.10: cov²/(σx² σy²)).
 */
export function r2PerColumn(pred: Float32Array | Float64Array, c: number, X: Csr, cols: ArrayLike<number>, rows?: Uint8Array): Float64Array {
  const n = X.rows;
  const colPos = new Map<number, number>();
  for (let t = 0; t < cols.length; t++) colPos.set(cols[t], t);
  const sx = new Float64Array(c), sxx = new Float64Array(c), sy = new Float64Array(c), syy = new Float64Array(c), sxy = new Float64Array(c);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (rows && !rows[i]) continue;
    count++;
    for (let t = 0; t < c; t++) {
      const v = pred[i * c + t];
      sx[t] += v;
      sxx[t] += v * v;
    }
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const t = colPos.get(X.indices[q]);
      if (t === undefined) continue;
      const y = X.data[q];
      sy[t] += y;
      syy[t] += y * y;
      sxy[t] += y * pred[i * c + t];
    }
  }
  const out = new Float64Array(c);
  for (let t = 0; t < c; t++) {
    const cov = sxy[t] - (sx[t] * sy[t]) / count;
    const vx = sxx[t] - (sx[t] * sx[t]) / count;
    const vy = syy[t] - (sy[t] * sy[t]) / count;
    out[t] = vx > 1e-12 * Math.max(sxx[t], 1e-300) && vy > 0 ? (cov * cov) / (vx * vy) : NaN;
  }
  return out;
}

/** Per-gene R² of one method, with its summary. */
export interface R2Summary {
  /** R² per panel gene (NaN when undefined). */
  r2: Float64Array;
  /** Mean over the genes with a defined R². */
  mean: number;
  /** Mean counting undefined genes as 0. */
  meanNanAsZero: number;
  nNaN: number;
}

/** Summary of a per-gene R² vector. */
export function summarizeR2(r2: Float64Array): R2Summary {
  let s = 0, c = 0;
  for (const v of r2) if (Number.isFinite(v)) {
    s += v;
    c++;
  }
  return { r2, mean: c ? s / c : NaN, meanNanAsZero: r2.length ? s / r2.length : NaN, nNaN: r2.length - c };
}

/** Options of `siidHoldout`. */
export interface HoldoutOptions extends SiidOptions {
  /** Number of folds (default 10 [P]). */
  folds?: number;
  /** Seed of the gene permutation (default 0). */
  foldSeed?: number;
  /** Explicit folds (panel positions); overrides `folds`/`foldSeed` (e.g. the peer's split). */
  foldList?: ArrayLike<number>[];
  /** Cell coordinates (n x 2 flat) for baselines C and D; without them C and D are NaN. */
  cellXY?: ArrayLike<number>;
  /** Neighbours of the kNN smoothing of baselines C/D, self included (default 10 [P]). */
  knn?: number;
  /** Also score the baselines (default true). */
  baselines?: boolean;
  /** Keep the out-of-fold predictions (n x gX) in the result (default false). */
  keepPredictions?: boolean;
  /** Called when a fold starts (`fold` is 0-based, of `folds`) and with the fold's fit progress. */
  onFold?: (fold: number, folds: number, progress?: SiidProgress) => void;
}

/** Result of `siidHoldout`. */
export interface HoldoutResult {
  /** Fold of each panel gene. */
  fold: Int32Array;
  folds: Int32Array[];
  siid: R2Summary;
  /** Baselines A–D (M2.8), scored over mapped cells. */
  baselines?: Record<'A' | 'B' | 'C' | 'D', R2Summary>;
  /** Cells left out of the baselines' R² (unmapped). */
  baselineExcludedCells: number;
  /** Best objective per fold. */
  objectives: number[];
  /** Out-of-fold SIID predictions, n x gX row-major, when asked. */
  predictions?: Float32Array;
  seconds: number;
}

/** k-fold gene holdout of SIID (and the baselines) on a prepared problem. */
export async function siidHoldout(problem: SiidProblem, options: HoldoutOptions): Promise<HoldoutResult> {
  const t0 = performance.now();
  const gX = problem.panelCols.length;
  const folds = options.foldList ? options.foldList.map((f) => Int32Array.from(f)) : geneFolds(gX, options.folds ?? 10, options.foldSeed ?? 0);
  const fold = new Int32Array(gX).fill(-1);
  folds.forEach((f, k) => f.forEach((j) => (fold[j] = k)));
  if (fold.some((v) => v < 0)) throw new StnmfError('BAD_OPTION', 'siid holdout: the folds do not cover every panel gene');
  const o = resolveSiidOptions(options);
  const minTrain = gX - Math.max(...folds.map((f) => f.length));
  if (o.rank > minTrain) throw new StnmfError('BAD_OPTION', `siid holdout: rank ${o.rank} is larger than the ${minTrain} panel genes left for training in a fold`);
  const r2 = new Float64Array(gX).fill(NaN);
  const objectives: number[] = [];
  const keep = options.keepPredictions ?? false;
  const predictions = keep ? new Float32Array(problem.n * gX) : undefined;
  // One backend for every fold, so worker threads start once.
  const kernels = options.kernels ?? (await createKernels({ threads: options.threads }));
  try {
    await fitFolds(problem, folds, { ...options, kernels }, r2, objectives, predictions);
  } finally {
    if (!options.kernels) kernels.dispose();
  }
  const res: HoldoutResult = {
    fold,
    folds,
    siid: summarizeR2(r2),
    baselineExcludedCells: 0,
    objectives,
    predictions,
    seconds: 0,
  };
  if (options.baselines ?? true) {
    const b = await runStepsCancellable(baselineHoldoutSteps(problem, folds, { cellXY: options.cellXY, knn: options.knn ?? 10 }), options.signal, 'siid holdout');
    res.baselines = b.summaries;
    res.baselineExcludedCells = b.excluded;
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

/** Fits every fold on its training genes and scores the held-out ones into `r2` / `predictions`. */
async function fitFolds(
  problem: SiidProblem,
  folds: Int32Array[],
  options: HoldoutOptions,
  r2: Float64Array,
  objectives: number[],
  predictions: Float32Array | undefined,
): Promise<void> {
  const gX = problem.panelCols.length;
  for (let k = 0; k < folds.length; k++) {
    throwIfAborted(options.signal, 'siid holdout');
    const held = folds[k];
    const heldSet = new Set(held);
    const train: number[] = [];
    for (let j = 0; j < gX; j++) if (!heldSet.has(j)) train.push(j);
    const sub = restrictPanel(problem, train);
    options.onFold?.(k, folds.length);
    const fit = await siidFit(sub, { ...options, onProgress: (p) => options.onFold?.(k, folds.length, p) });
    objectives.push(fit.objective);
    const genes = Array.from(held, (j) => problem.panelCols[j]);
    const pred = imputeGenes(fit, genes);
    const rr = r2PerColumn(pred.data, held.length, problem.AX, held);
    held.forEach((j, t) => (r2[j] = rr[t]));
    if (predictions) for (let i = 0; i < problem.n; i++) held.forEach((j, t) => (predictions[i * gX + j] = pred.data[i * held.length + t]));
  }
}

/**
 * Baselines of M2.8 on the given folds, scored over mapped cells:
 * A: the mapped spot's counts; B: A rescaled by the cell's depth over the fold's training genes,
 * a_i·A_V,s(i)g / Σ_{g'∈train} A_V,s(i)g'; C, D: A and B averaged over the cell's `knn` nearest
 * cells in space (self included). A cell mapped to several spots uses their mean profile.
 */
export function baselineHoldout(problem: SiidProblem, folds: Int32Array[], opts: BaselineOptions): BaselineHoldout {
  return runSteps(baselineHoldoutSteps(problem, folds, opts));
}

/** Options of {@link baselineHoldout}: cell coordinates for C/D and their kNN size. */
export interface BaselineOptions {
  cellXY?: ArrayLike<number>;
  knn?: number;
}

/** What {@link baselineHoldout} returns: each baseline's R² summary and the unmapped cells. */
export interface BaselineHoldout {
  summaries: Record<'A' | 'B' | 'C' | 'D', R2Summary>;
  excluded: number;
}

/** {@link baselineHoldout} as cancellable steps (errors.ts `Steps`): seconds on a Xenium panel. */
function* baselineHoldoutSteps(problem: SiidProblem, folds: Int32Array[], opts: BaselineOptions): Steps<BaselineHoldout> {
  const { n, AX, AV, gamma, panelCols } = problem;
  const gX = panelCols.length;
  // Spot profiles on the panel genes, m x gX dense (spots x panel is small).
  const SV = new Float64Array(problem.m * gX);
  const vPos = new Int32Array(problem.G).fill(-1);
  panelCols.forEach((g, j) => (vPos[g] = j));
  for (let s = 0; s < problem.m; s++) {
    for (let q = AV.indptr[s]; q < AV.indptr[s + 1]; q++) {
      const j = vPos[AV.indices[q]];
      if (j >= 0) SV[s * gX + j] = AV.data[q];
    }
  }
  // Each cell's spot profile (mean over its spots), n x gX would be dense: keep per-cell spot lists instead.
  const mapped = new Uint8Array(n);
  let excluded = 0;
  for (let i = 0; i < n; i++) {
    mapped[i] = gamma.indptr[i + 1] > gamma.indptr[i] ? 1 : 0;
    if (!mapped[i]) excluded++;
  }
  const k = opts.knn ?? 10;
  let nbr: Int32Array | undefined;
  if (opts.cellXY && k > 1 && n > k) {
    const q = yield* knnQuerySteps(opts.cellXY, 2, k - 1);
    nbr = q.indices;
  }
  const r2 = { A: new Float64Array(gX).fill(NaN), B: new Float64Array(gX).fill(NaN), C: new Float64Array(gX).fill(NaN), D: new Float64Array(gX).fill(NaN) };
  const cellTotalsTrain = new Float64Array(n);
  for (const held of folds) {
    yield;
    const heldMask = new Uint8Array(gX);
    held.forEach((j) => (heldMask[j] = 1));
    // a_i over training genes and the spot totals over training genes.
    cellTotalsTrain.fill(0);
    for (let i = 0; i < n; i++) for (let q = AX.indptr[i]; q < AX.indptr[i + 1]; q++) if (!heldMask[AX.indices[q]]) cellTotalsTrain[i] += AX.data[q];
    const spotTrain = new Float64Array(problem.m);
    for (let s = 0; s < problem.m; s++) for (let j = 0; j < gX; j++) if (!heldMask[j]) spotTrain[s] += SV[s * gX + j];
    const c = held.length;
    const A = new Float64Array(n * c);
    const B = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      const a = gamma.indptr[i], b = gamma.indptr[i + 1];
      if (a === b) continue;
      let tot = 0;
      for (let q = a; q < b; q++) tot += spotTrain[gamma.indices[q]];
      tot /= b - a;
      const scale = tot > 0 ? cellTotalsTrain[i] / tot : 0;
      for (let t = 0; t < c; t++) {
        let v = 0;
        for (let q = a; q < b; q++) v += SV[gamma.indices[q] * gX + held[t]];
        v /= b - a;
        A[i * c + t] = v;
        B[i * c + t] = v * scale;
      }
    }
    const put = (dst: Float64Array, pred: Float64Array) => {
      const rr = r2PerColumn(pred, c, AX, held, mapped);
      held.forEach((j, t) => (dst[j] = rr[t]));
    };
    yield;
    put(r2.A, A);
    put(r2.B, B);
    yield;
    if (nbr) {
      const smooth = (src: Float64Array) => {
        const out = new Float64Array(n * c);
        for (let i = 0; i < n; i++) {
          for (let t = 0; t < c; t++) out[i * c + t] = src[i * c + t];
          for (let r = 0; r < k - 1; r++) {
            const jn = nbr![i * (k - 1) + r];
            for (let t = 0; t < c; t++) out[i * c + t] += src[jn * c + t];
          }
          for (let t = 0; t < c; t++) out[i * c + t] /= k;
        }
        return out;
      };
      put(r2.C, smooth(A));
      yield;
      put(r2.D, smooth(B));
    }
  }
  return { summaries: { A: summarizeR2(r2.A), B: summarizeR2(r2.B), C: summarizeR2(r2.C), D: summarizeR2(r2.D) }, excluded };
}
