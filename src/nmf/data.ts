/**
 * The data side of a factorization, seen from either factor. NMF alternates between
 * "update W given H" and "update H given W"; with H stored transposed (Ht, p x k) both halves
 * are the same problem M ≈ F·Gᵀ with (M, F, G) = (X, W, Ht) or (Xᵀ, Ht, W). `DataSide` offers
 * the products the solvers need in one orientation.
 *
 * Sparse X is held once, by row: the Xᵀ side runs its products as scatters over X's rows
 * (`spmmT`; the Poisson numerator by `ratioSpmmT`, which forms each row's ratios and scatters
 * them in one pass). Both read W in order and write only the small p x k output at random, where a
 * gather over Xᵀ's rows reads W at random — at a million cells that gather no longer hits any
 * cache and cost 4.6 s of a 5.3 s iteration (issue 16; the scatter costs about 1 s) — and X is
 * never transposed (no second copy of 8 B per non-zero, no transposition pass).
 *
 * X may be held in row blocks, each in the memory of its own kernels (`prepareShardedData`,
 * issue 16): one WebAssembly memory holds at most 4 GiB, a Visium HD slide's X alone is more.
 * The W side's products are row-local, so each block writes its own rows of the output; the H
 * side's p x k products are summed over the blocks in block order in float64, so a run is
 * bit-identical for a given block count and thread count. With one block every product is the
 * same kernel call as without blocks.
 */
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { transposeDense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { createKernels } from '../linalg/backend.js';
import { StnmfError } from '../errors.js';

/** One orientation (X or Xᵀ) of the data, resident in kernel memory. */
export interface DataSide {
  readonly rows: number;
  readonly cols: number;
  /** Entries a product with this side visits: the stored non-zeros (CSR) or rows x cols (dense). */
  readonly entries: number;
  /** out (rows x k) = M · G for G (cols x k). */
  times(G: Dense, out: Dense): void;
  /** out (rows x k) = (M ⊘ max(F·Gᵀ, eps) at M's non-zeros) · G — the KL numerator. */
  ratioTimes(F: Dense, G: Dense, eps: number, out: Dense): void;
}

/** Rows `row0 ..` of X (as `X.rows` rows), in the memory of the kernels that run its products. */
export interface CsrBlock {
  kernels: Kernels;
  /** The block's rows as CSR in `kernels`' memory. */
  X: Csr;
  /** Index of the block's first row in X. */
  row0: number;
}

/** Both orientations of X plus the figures the losses need. */
export interface DataPair {
  /** X itself (n x p): updates W. */
  byRow: DataSide;
  /** Xᵀ (p x n): updates Ht. */
  byCol: DataSide;
  /** The sparse products whatever the input: X·G (n x k) by `spmm`, Xᵀ·G (p x k) by `spmmT` over X's rows. */
  sparse: { byRow: DataSide; byCol: DataSide };
  /** X as CSR row blocks in kernel memory, in row order (one block unless sharded). */
  blocks: CsrBlock[];
  /** Loss terms at the non-zeros of X for W (n x k) and Ht (p x k), as `Kernels.nzLossTerms`. */
  lossTerms(W: Dense, Ht: Dense, eps: number): { kl: number; cross: number };
  /** Σ X_ij (float64). */
  sum: number;
  /** Σ X_ij² (float64). */
  sumSquares: number;
  /** Frees kernel memory (and disposes the kernels of shards). */
  release(): void;
}

/** A copy of `a` in kernel memory (the caller frees its three arrays with `kernels.free`). */
export function importCsr(kernels: Kernels, a: Csr): Csr {
  const indptr = kernels.allocI32(a.indptr.length);
  indptr.set(a.indptr);
  const indices = kernels.allocI32(a.indices.length);
  indices.set(a.indices);
  const data = kernels.allocF32(a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, indptr, indices, data };
}

function importDense(kernels: Kernels, a: Dense): Dense {
  const data = kernels.allocF32(a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, data };
}

/** Rows row0 .. row0 + rows of F (a view; F itself when that is all of it). */
function rowsOf(F: Dense, row0: number, rows: number): Dense {
  if (row0 === 0 && rows === F.rows) return F;
  return { rows, cols: F.cols, data: F.data.subarray(row0 * F.cols, (row0 + rows) * F.cols) };
}

/** X by row: each block writes its own rows of out (n x k). */
function csrSide(blocks: CsrBlock[], n: number, p: number, nnz: number): DataSide {
  return {
    rows: n,
    cols: p,
    entries: nnz,
    times(G, out) {
      for (const b of blocks) b.kernels.spmm(b.X, G, rowsOf(out, b.row0, b.X.rows));
    },
    ratioTimes(F, G, eps, out) {
      for (const b of blocks) b.kernels.ratioSpmm(b.X, rowsOf(F, b.row0, b.X.rows), G, eps, rowsOf(out, b.row0, b.X.rows));
    },
  };
}

/**
 * Xᵀ as seen through X's rows: out (p x k) = Xᵀ·G by `spmmT`, and the Poisson numerator
 * (Xᵀ ⊘ max(F·Gᵀ, eps))·G by `ratioSpmmT`, which computes each row's ratios and scatters them
 * in one pass (no float per non-zero stored between the model values and the scatter).
 * Over several blocks each block's p x k product goes to a scratch in its own memory and the
 * products are summed in block order in float64.
 */
function scatterSide(blocks: CsrBlock[], n: number, p: number, nnz: number, owned: Owned): DataSide {
  const parts: Array<Dense | undefined> = blocks.map(() => undefined);
  const summed = (out: Dense, product: (b: CsrBlock, into: Dense) => void): void => {
    if (blocks.length === 1) {
      product(blocks[0], out);
      return;
    }
    const acc = new Float64Array(out.data.length);
    blocks.forEach((b, index) => {
      let part = parts[index];
      if (!part || part.rows !== out.rows || part.cols !== out.cols) {
        part = { rows: out.rows, cols: out.cols, data: b.kernels.allocF32(out.data.length) };
        parts[index] = part;
        owned.push([b.kernels, part.data]);
      }
      product(b, part);
      const d = part.data;
      for (let q = 0; q < d.length; q++) acc[q] += d[q];
    });
    out.data.set(acc);
  };
  return {
    rows: p,
    cols: n,
    entries: nnz,
    times: (G, out) => summed(out, (b, into) => b.kernels.spmmT(b.X, rowsOf(G, b.row0, b.X.rows), into)),
    ratioTimes: (F, G, eps, out) => summed(out, (b, into) => b.kernels.ratioSpmmT(b.X, rowsOf(G, b.row0, b.X.rows), F, eps, into)),
  };
}

/** Kernel arrays a DataPair frees on release, with the kernels they came from. */
type Owned = Array<[Kernels, Float32Array | Int32Array]>;

/**
 * Dense data used with dense kernels (Frobenius on dense input). The KL ratio still runs on
 * the CSR copy: zeros of X contribute nothing to the KL numerator, so skipping them is exact.
 */
function denseSide(kernels: Kernels, m: Dense, ratioTimes: DataSide['ratioTimes'], owned: Owned): DataSide {
  let gt: Dense | undefined;
  return {
    rows: m.rows,
    cols: m.cols,
    entries: m.rows * m.cols,
    times(G, out) {
      // denseXBt wants the factor as k x cols; transposing G is O(cols·k), negligible next to the product.
      if (!gt || gt.rows !== G.cols || gt.cols !== G.rows) {
        if (gt) kernels.free(gt.data);
        gt = { rows: G.cols, cols: G.rows, data: kernels.allocF32(G.rows * G.cols) };
        owned.push([kernels, gt.data]);
      }
      gt.data.set(transposeDense(G).data);
      kernels.denseXBt(m, gt, out);
    },
    ratioTimes,
  };
}

/** The DataPair over X's row blocks (already in kernel memory); `dense` adds dense sides. */
function pairOf(blocks: CsrBlock[], n: number, p: number, owned: Owned, dense: { kernels: Kernels; X: Dense } | undefined, ownKernels: Kernels[]): DataPair {
  let nnz = 0, sum = 0, sumSquares = 0;
  for (const b of blocks) {
    const d = b.X.data;
    nnz += b.X.indptr[b.X.rows];
    for (let q = 0; q < d.length; q++) sum += d[q];
    sumSquares += b.kernels.sumSquares(d);
  }
  const rowSide = csrSide(blocks, n, p, nnz);
  const colSide = scatterSide(blocks, n, p, nnz, owned);
  let byRow = rowSide, byCol = colSide;
  if (dense) {
    const { kernels } = dense;
    const d = importDense(kernels, dense.X);
    const dt = importDense(kernels, transposeDense(dense.X));
    owned.push([kernels, d.data], [kernels, dt.data]);
    byRow = denseSide(kernels, d, rowSide.ratioTimes, owned);
    byCol = denseSide(kernels, dt, colSide.ratioTimes, owned);
  }
  return {
    byRow,
    byCol,
    sparse: { byRow: rowSide, byCol: colSide },
    blocks,
    lossTerms(W, Ht, eps) {
      let kl = 0, cross = 0;
      for (const b of blocks) {
        const t = b.kernels.nzLossTerms(b.X, rowsOf(W, b.row0, b.X.rows), Ht, eps);
        kl += t.kl;
        cross += t.cross;
      }
      return { kl, cross };
    },
    sum,
    sumSquares,
    release() {
      for (const [k, a] of owned) k.free(a);
      owned.length = 0;
      for (const k of ownKernels) k.dispose();
    },
  };
}

/**
 * Moves X into kernel memory once, by row, with both sides' products over it. Sparse input
 * stays sparse (one CSR copy); dense input keeps dense copies in both orientations for the Frobenius products plus
 * the CSR copy for the non-zero terms.
 */
export function prepareData(kernels: Kernels, X: Csr | Dense, denseInput: Dense | undefined): DataPair {
  const csr = importCsr(kernels, X as Csr);
  const owned: Owned = [[kernels, csr.indptr], [kernels, csr.indices], [kernels, csr.data]];
  return pairOf([{ kernels, X: csr, row0: 0 }], X.rows, X.cols, owned, denseInput ? { kernels, X: denseInput } : undefined, []);
}

/**
 * Row boundaries of `shards` blocks of X with about equal non-zeros: block s holds rows
 * bounds[s] .. bounds[s + 1], cut at the first row where the running count reaches s·nnz/shards.
 */
export function shardBounds(indptr: ArrayLike<number>, rows: number, shards: number): number[] {
  const nnz = indptr[rows];
  const bounds = [0];
  for (let s = 1; s < shards; s++) {
    const target = Math.round((s * nnz) / shards);
    let lo = bounds[s - 1], hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indptr[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    bounds.push(lo);
  }
  bounds.push(rows);
  return bounds;
}

/**
 * X (CSR) as `shards` row blocks, each copied into the memory of its own kernels (same backend
 * and thread count as `kernels`), created here and disposed by `release()`. One shard is
 * `prepareData` itself. `kernels` keeps the factors; the blocks receive their rows of W and all
 * of Ht with each call (copies of n·k and p·k floats, small next to the non-zeros).
 * @throws StnmfError('BAD_OPTION') when `shards` is not a whole number from 1 to X's rows.
 */
export async function prepareShardedData(kernels: Kernels, X: Csr, shards: number): Promise<DataPair> {
  if (!Number.isInteger(shards) || shards < 1 || shards > Math.max(1, X.rows)) {
    throw new StnmfError('BAD_OPTION', `shards: must be a whole number from 1 to the ${X.rows} observations; got ${shards}`);
  }
  if (shards === 1) return prepareData(kernels, X, undefined);
  const bounds = shardBounds(X.indptr, X.rows, shards);
  const blocks: CsrBlock[] = [];
  const owned: Owned = [];
  const created: Kernels[] = [];
  try {
    for (let s = 0; s < shards; s++) {
      const k = await createKernels({ backend: kernels.name === 'ts' ? 'ts' : 'wasm', threads: kernels.threads });
      created.push(k);
      const r0 = bounds[s], r1 = bounds[s + 1], from = X.indptr[r0], to = X.indptr[r1];
      const indptr = new Int32Array(r1 - r0 + 1);
      for (let i = r0; i <= r1; i++) indptr[i - r0] = X.indptr[i] - from;
      const block = importCsr(k, { rows: r1 - r0, cols: X.cols, indptr, indices: X.indices.subarray(from, to), data: X.data.subarray(from, to) });
      owned.push([k, block.indptr], [k, block.indices], [k, block.data]);
      blocks.push({ kernels: k, X: block, row0: r0 });
    }
  } catch (e) {
    for (const k of created) k.dispose();
    throw e;
  }
  return pairOf(blocks, X.rows, X.cols, owned, undefined, created);
}
