/**
 * The bcNMF multiplicative-update engine (methods-spec M4.3–M4.4), full batch and block-wise.
 *
 * Internal layout (why): W is kept p x k row-major, which is the original's M x K basis and
 * also the "thin right factor" every sparse kernel wants (`spmm(X, W)`, `ratioSpmm(X, A, W)`);
 * coefficients are kept n x k (A = H_Xᵀ for the target, C = H_Yᵀ for the background). In that
 * layout one sweep (original order: H_X, then H_Y, then W) is
 *
 *   frobenius  A ← A ⊙ (X W) ⊘ (A WᵀW)            (and C likewise with Y)
 *              W ← W ⊙ (XᵀA + α W CᵀC) ⊘ (W AᵀA + α YᵀC)
 *   poisson    A ← A ⊙ (R_X W) ⊘ (1ᵀW),  R_X = X ⊘ (A Wᵀ) at X's non-zeros only
 *              W ← W ⊙ (R_XᵀA + α 1 1ᵀC) ⊘ (1 1ᵀA + α R_YᵀC)
 *
 * Rows of A (and C) are independent given W and W changes once per sweep, so the data can be
 * processed in row blocks: each block updates its coefficient rows and adds its share to the
 * W-step statistics (XᵀA, AᵀA, column sums). One block = the full-batch rule; any block size
 * gives the same result up to float rounding (this is the original's minibatch scheme, M4.4).
 * Hot products go through `Kernels`; the O((n+p)·k) glue is plain TypeScript.
 */
import type { Csr } from '../../linalg/csr.js';
import { csrFromDense, selectRows, transposeCsr } from '../../linalg/csr.js';
import type { Dense } from '../../linalg/dense.js';
import type { Kernels } from '../../linalg/kernels.js';
import { Rng } from '../../linalg/rng.js';
import { checkpoint, StnmfError } from '../../errors.js';
import type { ContrastiveHistoryEntry, ContrastiveProgress, ResolvedOptions } from './model.js';
import { isCsr } from './model.js';

/** ε added (as a floor) to every multiplicative-update denominator: 1e-10 squared error, 1e-16 Poisson (M4.3). */
export const EPS_FROBENIUS = 1e-10;
export const EPS_POISSON = 1e-16;
/** Factors are floored here after each update so no entry locks at zero (M4.6 [T]). */
export const FACTOR_FLOOR = 1e-16;

interface Block {
  rows: number;
  /** First row of the block in the side's coefficient matrix. */
  start: number;
  /** Rows of the data: Dense (frobenius on dense input) or CSR. */
  X: Csr | Dense;
  /** Transpose of a CSR block (p x rows), for gathered XᵀA / R_XᵀA products. */
  XT?: Csr;
  /** Σ x² (frobenius) or Σ x (poisson) of the block, float64. */
  sum: number;
  /** Σ (x log x − x) at the non-zeros (poisson legacy monitor). */
  xlogx: number;
}

/** One data side (target or background) prepared for the sweeps. */
export interface Side {
  n: number;
  blocks: Block[];
  /** Coefficients, n x k. */
  A: Dense;
  /** Σ x² (frobenius) or Σ x (poisson). */
  total: number;
  xlogx: number;
  /** Frees the kernel memory of the blocks and of `A`. */
  release(): void;
}

/** Everything the engine needs; built by `prepareSide` and the caller. */
export interface EngineInput {
  target: Side;
  background: Side;
  /** Basis p x k (the original's W). */
  W: Dense;
  p: number;
  k: number;
  alpha: number;
  alphaEffective: number;
  options: ResolvedOptions;
  kernels: Kernels;
  onProgress?: (e: ContrastiveProgress) => void;
  signal?: AbortSignal;
}

/** What the engine returns (factors are updated in place in the input). */
export interface EngineOutput {
  history: ContrastiveHistoryEntry[];
  iterations: number;
  converged: boolean;
  terms: { target: number; background: number };
}

/**
 * Splits a data matrix into row blocks of `batchSize` (CSR blocks get their transpose) and
 * copies the blocks and the coefficient matrix into the kernels' memory once, so no kernel
 * call has to copy them again (the wasm backend copies foreign arrays on every call).
 * `Side.release()` returns that memory.
 */
export function prepareSide(X: Csr | Dense, loss: 'frobenius' | 'poisson', batchSize: number, k: number, K: Kernels): Side {
  const n = X.rows, p = X.cols;
  const owned: Array<Float32Array | Int32Array> = [];
  // Poisson works at the non-zeros only, so dense input becomes CSR (zeros add nothing to R).
  const M: Csr | Dense = loss === 'poisson' && !isCsr(X) ? csrFromDense(X) : X;
  const blocks: Block[] = [];
  let total = 0, xlogx = 0;
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    let Xb: Csr | Dense;
    if (isCsr(M)) {
      if (rows === n) Xb = M;
      else {
        const ids = new Int32Array(rows);
        for (let i = 0; i < rows; i++) ids[i] = start + i;
        Xb = selectRows(M, ids);
      }
    } else {
      Xb = { rows, cols: p, data: M.data.subarray(start * p, (start + rows) * p) };
    }
    const vals = isCsr(Xb) ? Xb.data.subarray(0, Xb.indptr[Xb.rows]) : Xb.data;
    let s = 0, xl = 0;
    if (loss === 'frobenius') for (let q = 0; q < vals.length; q++) s += vals[q] * vals[q];
    else {
      for (let q = 0; q < vals.length; q++) {
        const x = vals[q];
        s += x;
        if (x > 0) xl += x * Math.log(x) - x;
      }
    }
    total += s;
    xlogx += xl;
    blocks.push({ rows, start, X: toKernel(K, Xb, owned), XT: isCsr(Xb) ? (toKernel(K, transposeCsr(Xb), owned) as Csr) : undefined, sum: s, xlogx: xl });
  }
  const A: Dense = { rows: n, cols: k, data: K.allocF32(n * k) };
  owned.push(A.data);
  return { n, blocks, A, total, xlogx, release: () => owned.forEach((a) => K.free(a)) };
}

function copyIn<T extends Float32Array | Int32Array>(K: Kernels, a: T, owned: Array<Float32Array | Int32Array>): T {
  const out = (a instanceof Float32Array ? K.allocF32(a.length) : K.allocI32(a.length)) as T;
  out.set(a);
  owned.push(out);
  return out;
}

function toKernel(K: Kernels, M: Csr | Dense, owned: Array<Float32Array | Int32Array>): Csr | Dense {
  if (isCsr(M)) {
    const nz = M.indptr[M.rows];
    return { rows: M.rows, cols: M.cols, indptr: copyIn(K, M.indptr, owned), indices: copyIn(K, M.indices.subarray(0, nz), owned), data: copyIn(K, M.data.subarray(0, nz), owned) };
  }
  return { rows: M.rows, cols: M.cols, data: copyIn(K, M.data, owned) };
}

/** Uniform [0,1) initial factors drawn in the original's order: W, then H_X, then H_Y (M4.6). */
export function uniformInit(W: Dense, A: Dense, C: Dense, seed: number): void {
  const rng = new Rng(seed);
  for (let q = 0; q < W.data.length; q++) W.data[q] = rng.uniform();
  // H_X is K x N_X in the original; fill A = H_Xᵀ column by column to follow that order.
  for (const F of [A, C]) for (let t = 0; t < F.cols; t++) for (let i = 0; i < F.rows; i++) F.data[i * F.cols + t] = rng.uniform();
}

function view(M: Dense, start: number, rows: number): Dense {
  return { rows, cols: M.cols, data: M.data.subarray(start * M.cols, (start + rows) * M.cols) };
}

function floorFactor(F: Dense): void {
  const d = F.data;
  for (let q = 0; q < d.length; q++) if (!(d[q] >= FACTOR_FLOOR)) d[q] = d[q] >= 0 ? FACTOR_FLOOR : d[q];
}

function transposeInto(W: Dense, out: Dense): void {
  const p = W.rows, k = W.cols, w = W.data, o = out.data;
  for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) o[t * p + j] = w[j * k + t];
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let q = 0; q < a.length; q++) s += a[q] * b[q];
  return s;
}

/** Runs the sweeps; updates `input.W`, `input.target.A`, `input.background.A` in place. */
export async function runEngine(input: EngineInput): Promise<EngineOutput> {
  const { target, background, W, p, k, alphaEffective: a, options: o, kernels: K } = input;
  const frob = o.loss === 'frobenius';
  const eps = frob ? EPS_FROBENIUS : EPS_POISSON;
  const maxRows = Math.max(...target.blocks.map((b) => b.rows), ...background.blocks.map((b) => b.rows));
  // Scratch lives in kernel memory so the wasm backend works on it in place.
  const scratch: Float32Array[] = [];
  const f32 = (n: number): Float32Array => {
    const a = K.allocF32(n);
    scratch.push(a);
    return a;
  };
  const bufNK = f32(maxRows * k);
  const bufNK2 = f32(maxRows * k);
  const PK: Dense = { rows: p, cols: k, data: f32(p * k) };
  const KP: Dense = { rows: k, cols: p, data: f32(p * k) };
  const Wt: Dense = { rows: k, cols: p, data: f32(p * k) };
  const GW: Dense = { rows: k, cols: k, data: f32(k * k) };
  const Gtmp: Dense = { rows: k, cols: k, data: f32(k * k) };
  const colW = new Float64Array(k);
  const colWf = f32(k);
  const colTmp = new Float64Array(k);
  const needDenseT = [target, background].some((s) => s.blocks.some((b) => !isCsr(b.X)));
  let staleBuf = new Float32Array(0);
  if (o.staleRatio) {
    let maxNnz = 0;
    for (const s of [target, background]) for (const b of s.blocks) maxNnz = Math.max(maxNnz, (b.X as Csr).indptr[b.rows]);
    staleBuf = new Float32Array(maxNnz);
  }
  // W-step statistics: S = XᵀA (p x k) in float64, G = AᵀA (k x k), col = 1ᵀA.
  const stats = [target, background].map(() => ({ S: new Float64Array(p * k), G: new Float64Array(k * k), col: new Float64Array(k) }));

  /** One pass over a side: coefficient update per block + W-step statistics; returns the term D (if evalNow). */
  const halfSweep = (side: Side, st: (typeof stats)[number], evalNow: boolean, update: boolean): { term: number; legacy: number } => {
    st.S.fill(0);
    st.G.fill(0);
    st.col.fill(0);
    let term = 0, legacy = 0;
    for (const b of side.blocks) {
      const Ab = view(side.A, b.start, b.rows);
      const P: Dense = { rows: b.rows, cols: k, data: bufNK.subarray(0, b.rows * k) };
      const D: Dense = { rows: b.rows, cols: k, data: bufNK2.subarray(0, b.rows * k) };
      if (frob) {
        if (isCsr(b.X)) K.spmm(b.X, W, P);
        else K.denseXBt(b.X, Wt, P);
        if (evalNow) {
          K.gram(Ab, Gtmp);
          term += b.sum - 2 * dot(Ab.data, P.data) + dot(Gtmp.data, GW.data);
        }
        if (!update) continue;
        K.denseAB(Ab, GW, D);
        K.muApply(Ab, P, D, eps);
        floorFactor(Ab);
        if (isCsr(b.X)) {
          K.spmm(b.XT!, Ab, PK);
          for (let q = 0; q < p * k; q++) st.S[q] += PK.data[q];
        } else {
          K.denseAtX(Ab, b.X, KP);
          const kp = KP.data;
          for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) st.S[j * k + t] += kp[t * p + j];
        }
        K.gram(Ab, Gtmp);
        for (let q = 0; q < k * k; q++) st.G[q] += Gtmp.data[q];
      } else {
        const X = b.X as Csr;
        if (evalNow) {
          const { kl } = K.nzLossTerms(X, Ab, W, eps);
          K.colSums(Ab, colTmp);
          let mass = 0;
          for (let t = 0; t < k; t++) mass += colTmp[t] * colW[t];
          term += kl - b.sum + mass;
          // Σ x log m − Σ m = Σ (x log x − x) − D, the original's log-likelihood without log x!.
          legacy += b.xlogx - (kl - b.sum + mass);
        }
        if (!update) continue;
        const nz = X.indptr[X.rows];
        if (o.staleRatio) K.sddmm(X, Ab, W, staleBuf);
        K.ratioSpmm(X, Ab, W, eps, P);
        K.muApply(Ab, P, colWf, eps);
        floorFactor(Ab);
        if (o.staleRatio) {
          const r = staleBuf.subarray(0, nz);
          for (let q = 0; q < nz; q++) r[q] = X.data[q] / Math.max(r[q], eps);
          K.spmmT({ rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data: r }, Ab, PK);
        } else {
          K.ratioSpmm(b.XT!, W, Ab, eps, PK);
        }
        for (let q = 0; q < p * k; q++) st.S[q] += PK.data[q];
        K.colSums(Ab, colTmp);
        for (let t = 0; t < k; t++) st.col[t] += colTmp[t];
      }
    }
    return { term, legacy };
  };

  const prepareW = (): void => {
    if (frob) {
      K.gram(W, GW);
      if (needDenseT) transposeInto(W, Wt);
    } else {
      K.colSums(W, colW);
      for (let t = 0; t < k; t++) colWf[t] = colW[t];
    }
  };

  const num: Dense = { rows: p, cols: k, data: f32(p * k) };
  const den: Dense = { rows: p, cols: k, data: f32(p * k) };
  const GA: Dense = { rows: k, cols: k, data: f32(k * k) };
  const GC: Dense = { rows: k, cols: k, data: f32(k * k) };
  const updateW = (): void => {
    const [sx, sy] = stats;
    if (frob) {
      GA.data.set(sx.G);
      GC.data.set(sy.G);
      K.denseAB(W, GC, num); // α W CᵀC, scaled below
      K.denseAB(W, GA, den); // W AᵀA
      const nu = num.data, de = den.data;
      for (let q = 0; q < p * k; q++) {
        nu[q] = sx.S[q] + a * nu[q];
        de[q] = de[q] + a * sy.S[q];
      }
    } else {
      const nu = num.data, de = den.data;
      for (let j = 0; j < p; j++) {
        for (let t = 0; t < k; t++) {
          const q = j * k + t;
          nu[q] = sx.S[q] + a * sy.col[t];
          de[q] = sx.col[t] + a * sy.S[q];
        }
      }
    }
    K.muApply(W, num, den, eps);
    floorFactor(W);
  };

  const history: ContrastiveHistoryEntry[] = [];
  const nX = target.n, nY = background.n;
  const record = (iteration: number, tx: { term: number; legacy: number }, ty: { term: number; legacy: number }): ContrastiveHistoryEntry => {
    const objective = tx.term - a * ty.term;
    const legacyMonitor = frob
      ? tx.term / (p * nX) + input.alpha * (ty.term / (p * nY))
      : tx.legacy / (p * nX) - input.alpha * (ty.legacy / (p * nY));
    const e = { iteration, objective, targetTerm: tx.term, backgroundTerm: ty.term, legacyMonitor };
    history.push(e);
    if (!Number.isFinite(objective)) {
      throw new StnmfError(
        'BAD_OPTION',
        `contrastiveNmf: the objective became non-finite after ${iteration} sweeps (alpha = ${input.alpha}, loss ${o.loss}); ` +
          (o.alphaScale === 'perSample' ? 'lower alpha' : "lower alpha or use alphaScale 'perSample'"),
      );
    }
    return e;
  };

  let converged = false;
  let it = 0;
  let lastJ = NaN;
  try {
  for (; it < o.maxIter; it++) {
    await checkpoint(input.signal, 'contrastiveNmf');
    const evalNow = it % o.evalEvery === 0;
    prepareW();
    const tx = halfSweep(target, stats[0], evalNow, true);
    const ty = halfSweep(background, stats[1], evalNow, true);
    if (evalNow) {
      const e = record(it, tx, ty);
      input.onProgress?.({ iteration: it, maxIter: o.maxIter, objective: e.objective });
      if (o.tol > 0 && it > 0 && Math.abs(lastJ - e.objective) / Math.max(Math.abs(e.objective), 1e-300) < o.tol) {
        converged = true;
        // The factors already received this sweep's coefficient updates; finish it with W.
        updateW();
        it++;
        break;
      }
      lastJ = e.objective;
    }
    updateW();
  }
  // Final objective of the returned factors (no update).
  prepareW();
  const fx = halfSweep(target, stats[0], true, false);
  const fy = halfSweep(background, stats[1], true, false);
  if (history.length === 0 || history[history.length - 1].iteration !== it) record(it, fx, fy);
  input.onProgress?.({ iteration: it, maxIter: o.maxIter, objective: fx.term - a * fy.term });
  return { history, iterations: it, converged, terms: { target: fx.term, background: fy.term } };
  } finally {
    for (const a of scratch) K.free(a);
  }
}
