/**
 * The shared set-up of the sample-aware joint fits (src/nmf/inmf.ts, src/nmf/scaled-joint.ts):
 * the common option checks, each sample's rows of X in kernel memory (with both sides' products, src/nmf/data.ts) with
 * its W_s and scratch, the start on the stacked samples, and the stacked W / H at the end.
 *
 * Layer 1 (nmf): no Node APIs.
 */
import { StnmfError } from '../errors.js';
import { selectRows, type Csr } from '../linalg/csr.js';
import { transposeDense, type Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { checkOptions, optionDefault } from '../options.js';
import { sampleRows, type SampleGroups } from '../samples.js';
import { prepareData, type DataPair } from './data.js';
import type { NmfInit } from './init.js';
import { initialize, validateMatrix } from './nmf.js';
import { SAMPLE_FIT_OPTIONS } from './options.js';

/** The NMF options every sample-aware fit takes (SAMPLE_FIT_OPTIONS, NMF's declarations). */
export interface SampleFitOptions {
  /** Number of factors k (1 ≤ k ≤ min(n, p)). */
  rank: number;
  /** Start of W and H on the stacked samples (default nndsvd, as `nmf`'s HALS). */
  init?: Exclude<NmfInit, 'custom'>;
  /** Iterations (default 200, NMF's). */
  maxIter?: number;
  /** Stopping tolerance of the violation ratio (default 1e-4, NMF's; 0 = every iteration). */
  tol?: number;
  /** Seed of the start (default 0). */
  seed?: number;
}

/** {@link SampleFitOptions} with every default filled. */
export type ResolvedSampleFit = Required<SampleFitOptions>;

/**
 * Checks the common options against NMF_OPTIONS and X against the samples; fills defaults.
 * @param what  the function, named in messages
 * @throws StnmfError('BAD_OPTION') for an option out of range, init custom, a rank above
 *   min(n, p), codes that do not cover X, or fewer than two samples with observations
 */
export function resolveSampleFit(X: Csr, groups: SampleGroups, o: SampleFitOptions, what: string): ResolvedSampleFit {
  checkOptions(SAMPLE_FIT_OPTIONS, o, what);
  if ((o.init as string | undefined) === 'custom') throw new StnmfError('BAD_OPTION', `${what}: init custom is not available; use nndsvd, nndsvda, nndsvdar or random`);
  validateMatrix(X, true);
  const n = X.rows, p = X.cols, k = o.rank;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, p)) throw new StnmfError('BAD_OPTION', `${what}: rank must be a whole number from 1 to min(observations, features) = ${Math.min(n, p)}; got ${k}`);
  if (groups.codes.length !== n) throw new StnmfError('BAD_OPTION', `${what}: ${groups.codes.length} sample codes for ${n} observations`);
  const present = sampleRows(groups).filter((r) => r.length > 0).length;
  if (present < 2) throw new StnmfError('BAD_OPTION', `${what}: needs observations of at least two samples (${groups.key} has ${present}); fit one sample with plain NMF`);
  return {
    rank: k,
    // HALS sweeps, so HALS's start (nmf's resolveOptions; docs/defaults-evidence.md).
    init: o.init ?? 'nndsvd',
    maxIter: o.maxIter ?? optionDefault<number>(SAMPLE_FIT_OPTIONS, 'maxIter'),
    tol: o.tol ?? optionDefault<number>(SAMPLE_FIT_OPTIONS, 'tol'),
    seed: o.seed ?? optionDefault<number>(SAMPLE_FIT_OPTIONS, 'seed'),
  };
}

/** One sample in kernel memory: its rows of X both ways, W_s and the per-iteration products. */
export interface SampleBlock {
  /** Index into `groups.ids`. */
  sample: number;
  /** The sample's rows of X (and of the stacked W). */
  rows: Int32Array;
  data: DataPair;
  /** W_s (rows x k). */
  W: Dense;
  /** Scratch for X_s · (something)ᵀ (rows x k). */
  numW: Dense;
  /** X_sᵀ W_s (p x k), of the current W_s once computed in an iteration. */
  XtW: Dense;
  /** W_sᵀ W_s (k x k). */
  WtW: Dense;
}

/** The samples of a fit in kernel memory, Hᵀ, and an allocator whose arrays `release` frees. */
export interface SampleBlocks {
  blocks: SampleBlock[];
  /** Hᵀ (p x k), started from the stacked samples. */
  Ht: Dense;
  /** A zero-filled kernel-memory matrix, freed by `release`. */
  alloc(rows: number, cols: number): Dense;
  release(): void;
}

/**
 * Every sample with observations in kernel memory, with W_s and Hᵀ started by `initialize` on
 * the stacked X (what the plain joint NMF starts from). The caller must call `release`.
 */
export async function startSampleBlocks(K: Kernels, X: Csr, groups: SampleGroups, o: ResolvedSampleFit): Promise<SampleBlocks> {
  const k = o.rank, p = X.cols;
  const owned: (Float32Array | Int32Array)[] = [];
  const datas: DataPair[] = [];
  const alloc = (r: number, c: number): Dense => {
    const d = { rows: r, cols: c, data: K.allocF32(r * c) };
    owned.push(d.data);
    return d;
  };
  const release = () => {
    for (const d of datas) d.release();
    for (const a of owned) K.free(a);
  };
  try {
    const start = await initialize(X, { rank: k, init: o.init, seed: o.seed, kernels: K });
    const Ht = alloc(p, k);
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) Ht.data[j * k + t] = start.H.data[t * p + j];
    const blocks: SampleBlock[] = [];
    sampleRows(groups).forEach((rows, sample) => {
      if (rows.length === 0) return;
      const data = prepareData(K, selectRows(X, rows), undefined);
      datas.push(data);
      const b: SampleBlock = { sample, rows, data, W: alloc(rows.length, k), numW: alloc(rows.length, k), XtW: alloc(p, k), WtW: alloc(k, k) };
      for (let a = 0; a < rows.length; a++) b.W.data.set(start.W.data.subarray(rows[a] * k, (rows[a] + 1) * k), a * k);
      blocks.push(b);
    });
    return { blocks, Ht, alloc, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** The stacked W (n x k, X's row order) and H (k x p) of a fit, copied out of kernel memory. */
export function stackedFactors(blocks: SampleBlock[], Ht: Dense, n: number): { W: Dense; H: Dense } {
  const k = Ht.cols;
  const W: Dense = { rows: n, cols: k, data: new Float32Array(n * k) };
  for (const b of blocks) for (let i = 0; i < b.rows.length; i++) W.data.set(b.W.data.subarray(i * k, (i + 1) * k), b.rows[i] * k);
  return { W, H: transposeDense(Ht) };
}
