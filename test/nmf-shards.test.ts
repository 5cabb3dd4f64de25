// X held in row-block shards, each in its own kernel memory (issue 16, item 2): one WebAssembly
// memory holds 4 GiB, a Visium HD slide's X alone is more. Tiny shard limits force the sharded
// path on small data; it must give the in-memory fit (bit-identical with one shard, to float32
// rounding of the H step's block sums otherwise), repeat itself bit for bit, and the CLI must
// report the shards and give the same loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/linalg/index.js';
import type { Csr } from '../src/linalg/csr.js';
import { nmf, shardCount, SHARD_MEMORY_BYTES } from '../src/nmf/nmf.js';
import { prepareData, prepareShardedData, shardBounds } from '../src/nmf/data.js';
import { truncatedSvd } from '../src/nmf/svd.js';
import { simulateCounts } from '../src/simulate/counts.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const H5 = new URL('../../../shared/data/xenium-mouse-brain/cell_feature_matrix.h5', import.meta.url).pathname;

/** The generator's counts (6 known programs) as one CSR. */
function programCounts(cells: number, genes: number, perCell: number): Csr {
  const sim = simulateCounts({ cells, genes, nnzPerCell: perCell, programs: 6, seed: 1 });
  const indptr = new Int32Array(cells + 1), indices = new Int32Array(sim.nnz), data = new Float32Array(sim.nnz);
  for (const c of sim.chunks()) {
    const off = c.start * perCell;
    for (let i = 0; i <= c.rows; i++) indptr[c.start + i] = off + c.indptr[i];
    indices.set(c.indices, off);
    data.set(c.data, off);
  }
  return { rows: cells, cols: genes, indptr, indices, data };
}

/** max |a − b| over max |a|. */
function relativeGap(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  return d / m;
}

const X = programCounts(4000, 300, 40);
const NNZ = X.indptr[X.rows];

test('shard bounds cover every row once and split the non-zeros evenly', () => {
  // Rows of uneven length: 1..40 non-zeros.
  const indptr = new Int32Array(1001);
  for (let i = 0; i < 1000; i++) indptr[i + 1] = indptr[i] + 1 + ((i * 7) % 40);
  for (const shards of [1, 2, 3, 7]) {
    const b = shardBounds(indptr, 1000, shards);
    assert.equal(b.length, shards + 1);
    assert.equal(b[0], 0);
    assert.equal(b[shards], 1000);
    for (let s = 0; s < shards; s++) {
      assert.ok(b[s + 1] > b[s], `shard ${s} is empty: ${b.join(',')}`);
      const nnz = indptr[b[s + 1]] - indptr[b[s]];
      assert.ok(Math.abs(nnz - indptr[1000] / shards) <= 40, `shard ${s} holds ${nnz} of ${indptr[1000]} non-zeros`);
    }
  }
});

test('the automatic rule shards only what does not fit one memory', () => {
  // shardCount reads only the shape and the non-zero count.
  const shape = (rows: number, cols: number, nnz: number): Csr => {
    const indptr = new Int32Array(rows + 1);
    indptr[rows] = nnz;
    return { rows, cols, indptr, indices: new Int32Array(0), data: new Float32Array(0) };
  };
  // The 1M-cell Xenium 5K case (200 M non-zeros) and half a Visium HD slide (350 M) fit one
  // memory (8 B per non-zero); a whole slide (700 M non-zeros, 5.6 GB) does not.
  assert.equal(shardCount('wasm-simd128', shape(1_000_000, 5000, 200_000_000), 20), 1);
  assert.equal(shardCount('wasm-simd128', shape(500_000, 18_000, 350_000_000), 20), 1);
  const whole = shardCount('wasm-simd128', shape(700_000, 18_000, 700_000_000), 20);
  assert.equal(whole, 2);
  assert.ok((8 * 700_000_000 + (4 + 8 * 20) * 700_000) / whole <= SHARD_MEMORY_BYTES);
  assert.equal(shardCount('wasm-simd128', shape(2_000_000, 18_000, 2_000_000_000), 20), 6);
  // The TypeScript kernels' arrays have no 4 GiB cap; a given limit always applies.
  assert.equal(shardCount('ts', shape(700_000, 18_000, 700_000_000), 20), 1);
  assert.equal(shardCount('ts', shape(100, 10, 1000), 5, 300), 4);
  assert.equal(shardCount('wasm-simd128', shape(3, 10, 1000), 5, 1), 3, 'at most one shard per row');
});

for (const [loss, solver] of [['poisson', 'mu'], ['frobenius', 'hals'], ['frobenius', 'mu']] as const) {
  test(`${loss}/${solver} over 3 shards gives the in-memory fit; one shard is the in-memory fit`, async () => {
    const kernels = await createKernels({ threads: 2 });
    try {
      const common = { rank: 6, loss, solver, maxIter: 20, tol: 0, kernels } as const;
      const whole = await nmf(X, common);
      const one = await nmf(X, { ...common, shardNonZeros: NNZ });
      assert.equal(one.parameters.shards, 1);
      assert.deepEqual(one.W.data, whole.W.data);
      assert.deepEqual(one.H.data, whole.H.data);
      const three = await nmf(X, { ...common, shardNonZeros: Math.ceil(NNZ / 3) });
      assert.equal(three.parameters.shards, 3);
      assert.equal(whole.parameters.shards, 1);
      // Measured after 20 iterations: loss within 5e-8; W and H within 3e-6 of their largest
      // entry, 2e-5 for Frobenius MU (the start's 5e-7 difference grows for some iterations
      // under MU, then shrinks again: 5e-6 after 50).
      assert.ok(Math.abs(three.loss - whole.loss) / whole.loss < 1e-6, `loss ${three.loss} vs ${whole.loss}`);
      assert.ok(relativeGap(whole.W.data, three.W.data) < 1e-4, `W differs by ${relativeGap(whole.W.data, three.W.data)}`);
      assert.ok(relativeGap(whole.H.data, three.H.data) < 1e-4, `H differs by ${relativeGap(whole.H.data, three.H.data)}`);
      // Same shards, same threads: the same bits.
      const again = await nmf(X, { ...common, shardNonZeros: Math.ceil(NNZ / 3) });
      assert.deepEqual(again.W.data, three.W.data);
      assert.deepEqual(again.H.data, three.H.data);
    } finally {
      kernels.dispose();
    }
  });
}

test('from the same start, the sharded W step is the in-memory one bit for bit, the H step equal to rounding', async () => {
  const kernels = await createKernels({ threads: 2 });
  try {
    const start = await nmf(X, { rank: 6, loss: 'poisson', maxIter: 1, tol: 0, kernels });
    const common = { rank: 6, loss: 'poisson', maxIter: 1, tol: 0, kernels, W0: start.W, H0: start.H } as const;
    const whole = await nmf(X, common);
    const three = await nmf(X, { ...common, shardNonZeros: Math.ceil(NNZ / 3) });
    // W is updated first, row by row, from the same H: each shard computes its own rows.
    assert.deepEqual(three.W.data, whole.W.data);
    // H's numerator sums the shards' p x k products in float64 instead of one float32 scatter.
    const gap = relativeGap(whole.H.data, three.H.data);
    assert.ok(gap > 0 && gap < 2e-6, `H differs by ${gap}`);
  } finally {
    kernels.dispose();
  }
});

test('the sampled large-n SVD over shards gives the in-memory singular values', async () => {
  const kernels = await createKernels({ threads: 2 });
  const whole = prepareData(kernels, X, undefined);
  const sharded = await prepareShardedData(kernels, X, 4);
  try {
    assert.equal(sharded.blocks.length, 4);
    const opts = { seed: 3, sampleAbove: 1000, sampleRows: 800 };
    const a = truncatedSvd(kernels, whole, 6, opts), b = truncatedSvd(kernels, sharded, 6, opts);
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(a.s[j] - b.s[j]) / a.s[j] < 1e-5, `σ${j + 1}: ${b.s[j]} vs ${a.s[j]}`);
    assert.equal(sharded.sum, whole.sum);
    assert.equal(sharded.sumSquares, whole.sumSquares);
  } finally {
    whole.release();
    sharded.release();
    kernels.dispose();
  }
});

test('the TypeScript kernels shard the same way', async () => {
  const small = programCounts(600, 80, 12);
  const nnz = small.indptr[small.rows];
  const kernels = await createKernels({ backend: 'ts' });
  const common = { rank: 4, loss: 'poisson', maxIter: 10, tol: 0, kernels } as const;
  const whole = await nmf(small, common);
  const two = await nmf(small, { ...common, shardNonZeros: Math.ceil(nnz / 2) });
  assert.equal(two.parameters.shards, 2);
  assert.ok(Math.abs(two.loss - whole.loss) / whole.loss < 1e-6, `loss ${two.loss} vs ${whole.loss}`);
});

test('shardNonZeros is refused for dense X and below 1', async () => {
  const dense = { rows: 4, cols: 3, data: new Float32Array(12).fill(1) };
  await assert.rejects(nmf(dense, { rank: 2, shardNonZeros: 5 }), /shardNonZeros: applies to sparse X only/);
  await assert.rejects(nmf(X, { rank: 2, shardNonZeros: 0 }), /shardNonZeros/);
});

test('stnmf nmf --shard-nnz: the Xenium fit over 4 shards, reported, at the in-memory loss', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-shards-'));
  const run = (out: string, ...extra: string[]) =>
    spawnSync(process.execPath, [CLI, 'nmf', H5, '--rank', '8', '--loss', 'poisson', '--max-iter', '20', '--tol', '0', '--threads', '2', '--out', join(dir, out), ...extra], { encoding: 'utf8' });
  const whole = run('whole');
  assert.equal(whole.status, 0, whole.stderr);
  // 36,602 cells and 2.6 M non-zeros: at most 700,000 per shard gives 4 shards.
  const sharded = run('sharded', '--shard-nnz', '700000');
  assert.equal(sharded.status, 0, sharded.stderr);
  assert.match(sharded.stderr, /held in 4 row-block shards/);
  const a = JSON.parse(readFileSync(join(dir, 'whole', 'summary.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(dir, 'sharded', 'summary.json'), 'utf8'));
  assert.equal(a.shards, 1);
  assert.equal(b.shards, 4);
  assert.equal(JSON.parse(readFileSync(join(dir, 'sharded', 'run.json'), 'utf8')).parameters.shardNonZeros, 700000);
  assert.ok(Math.abs(b.loss - a.loss) / a.loss < 1e-6, `loss ${b.loss} vs ${a.loss}`);
});
