// Issue 16, Deliver 6: long 1-D HDF5 datasets are read in hyperslabs straight into the CSR. A
// tiny forced chunk size must give byte-identical matrices to whole reads for the 10x reader
// (int32 data, int64 indices/indptr) and the h5ad reader (float32 data, int32 indices), keep
// the non-integer error's entry, and a heap-limit failure must not be called a damaged file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StnmfError } from '../src/errors.js';
import { createH5, h5ReadError, openH5, readInt32, setH5ReadChunkElements } from '../src/io/h5.js';
import { readH5ad, writeH5ad } from '../src/io/h5ad.js';
import { setH5adWritePieceElements } from '../src/io/h5ad-write.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { writeTenxH5 } from '../src/io/tenx-h5-write.js';
import { makeDataset } from '../src/dataset.js';
import type { Csr } from '../src/linalg/csr.js';
import { simulateCounts } from '../src/simulate/counts.js';

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function sameCsr(a: Csr, b: Csr): void {
  assert.equal(a.rows, b.rows);
  assert.equal(a.cols, b.cols);
  assert.ok(bytes(a.indptr).equals(bytes(b.indptr)), 'indptr');
  assert.ok(bytes(a.indices).equals(bytes(b.indices)), 'indices');
  assert.ok(bytes(a.data).equals(bytes(b.data)), 'data');
}

/** Reads with the given hyperslab size, restoring the default afterwards. */
async function withChunk<T>(n: number | undefined, f: () => Promise<T>): Promise<T> {
  const prev = setH5ReadChunkElements(n);
  try {
    return await f();
  } finally {
    setH5ReadChunkElements(prev);
  }
}

async function simulatedTenx(dir: string): Promise<string> {
  const sim = simulateCounts({ cells: 900, genes: 70, nnzPerCell: 23, programs: 3, seed: 5, chunkNnz: 2000 });
  const out = join(dir, 'm.h5');
  await writeTenxH5(out, (function* () {
    for (const c of sim.chunks()) yield { rows: c.rows, indptr: c.indptr, indices: c.indices, data: c.data };
  })(), {
    barcodes: Array.from({ length: 900 }, (_, i) => `BC${String(i).padStart(4, '0')}-1`),
    featureIds: Array.from({ length: 70 }, (_, j) => `g${j}`),
    featureNames: Array.from({ length: 70 }, (_, j) => `G${j}`),
  });
  return out;
}

test('10x h5: hyperslab reads of 7 or 1000 elements give the CSR of a whole read, byte for byte', async () => {
  const file = await simulatedTenx(mkdtempSync(join(tmpdir(), 'stnmf-h5chunk-')));
  const whole = await readTenxH5(file);
  assert.equal(whole.X.indptr[900], 900 * 23);
  for (const n of [7, 1000]) {
    const part = await withChunk(n, () => readTenxH5(file));
    sameCsr(part.X, whole.X);
    assert.deepEqual(part.obs.index, whole.obs.index);
  }
});

test('h5ad: hyperslab reads give the same X as a whole read, byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5chunk-'));
  const tenx = await readTenxH5(await simulatedTenx(dir));
  const path = join(dir, 'x.h5ad');
  await writeH5ad(path, makeDataset(tenx.X, [...tenx.obs.index], [...tenx.var.index], { platform: 'simulated', source: 'test' }));
  const whole = await readH5ad(path);
  sameCsr(whole.X, tenx.X);
  const part = await withChunk(11, () => readH5ad(path));
  sameCsr(part.X, whole.X);
});

test('h5ad: long arrays written in pieces (chunked) read back byte for byte, by us and by h5py', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5piece-'));
  const tenx = await readTenxH5(await simulatedTenx(dir));
  const ds = makeDataset(tenx.X, [...tenx.obs.index], [...tenx.var.index], { platform: 'simulated', source: 'test' });
  const whole = join(dir, 'whole.h5ad'), pieces = join(dir, 'pieces.h5ad');
  await writeH5ad(whole, ds);
  const prev = setH5adWritePieceElements(1000);
  try {
    await writeH5ad(pieces, ds);
  } finally {
    setH5adWritePieceElements(prev);
  }
  // Only the layout differs: the pieced file's long arrays are chunked.
  assert.notDeepEqual(readFileSync(pieces), readFileSync(whole));
  sameCsr((await readH5ad(pieces)).X, (await readH5ad(whole)).X);
  sameCsr((await readH5ad(pieces)).X, tenx.X);
  if (existsSync('/usr/bin/python3')) {
    const py = 'import h5py, numpy as np, sys\n' +
      'a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])\n' +
      "print(a['X/data'].chunks, b['X/data'].chunks, all(np.array_equal(a['X/' + k][:], b['X/' + k][:]) and a['X/' + k].dtype == b['X/' + k].dtype for k in ('data', 'indices', 'indptr')))\n";
    const r = execFileSync('/usr/bin/python3', ['-c', py, pieces, whole], { encoding: 'utf8' }).trim();
    assert.equal(r, '(1000,) None True');
  }
});

test('int64 values beyond int32 are rejected in the chunked path as in the whole read', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stnmf-h5chunk-')), 'big.h5');
  const f = await createH5(file);
  const v = new BigInt64Array(50);
  for (let i = 0; i < 50; i++) v[i] = BigInt(i);
  v[37] = 2n ** 31n;
  f.create_dataset({ name: 'x', data: v, dtype: '<q' });
  f.close();
  const g = await openH5(file);
  try {
    for (const n of [undefined, 8]) {
      const prev = setH5ReadChunkElements(n);
      try {
        assert.throws(() => readInt32(file, g.get('x') as never), /expected integers in \[0, 2\^31\)/);
      } finally {
        setH5ReadChunkElements(prev);
      }
    }
  } finally {
    g.close();
  }
});

test('10x h5 with float64 counts: a non-integer is reported at its entry in chunked reads too', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stnmf-h5chunk-')), 'f64.h5');
  const f = await createH5(file);
  const m = f.create_group('matrix');
  const nnz = 40;
  const data = new Float64Array(nnz).fill(2);
  data[29] = 2.5;
  const indices = new BigInt64Array(nnz);
  for (let q = 0; q < nnz; q++) indices[q] = BigInt(q % 10);
  const indptr = new BigInt64Array([0n, 10n, 20n, 30n, 40n]);
  m.create_dataset({ name: 'data', data, dtype: '<d' });
  m.create_dataset({ name: 'indices', data: indices, dtype: '<q' });
  m.create_dataset({ name: 'indptr', data: indptr, dtype: '<q' });
  m.create_dataset({ name: 'shape', data: Int32Array.of(10, 4), dtype: '<i' });
  m.create_dataset({ name: 'barcodes', data: ['a', 'b', 'c', 'd'] });
  const fg = m.create_group('features');
  fg.create_dataset({ name: 'id', data: Array.from({ length: 10 }, (_, j) => `g${j}`) });
  f.close();
  for (const n of [undefined, 6]) {
    await withChunk(n, async () => {
      await assert.rejects(readTenxH5(file), (e: unknown) => e instanceof StnmfError && /found 2\.5 at entry 29 \(barcode "c"\)/.test(e.message));
    });
  }
});

test('a dataset beyond the h5wasm heap is reported as too large, not as a damaged file', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stnmf-h5chunk-')), 'one.h5');
  const f = await createH5(file);
  f.create_dataset({ name: 'x', data: new Int32Array(4), dtype: '<i' });
  f.close();
  const g = await openH5(file);
  try {
    const d = g.get('x') as never;
    const heap = h5ReadError(file, d, new Error('Requested allocation of 2800000000 bytes exceeds maximum memory of 2147483648 bytes'));
    assert.match(heap.message, /too large to read in one piece/);
    assert.doesNotMatch(heap.message, /truncated|damaged/);
    const other = h5ReadError(file, d, new Error('HDF5 error\n  minor: Read failed'));
    assert.match(other.message, /Read failed; truncated or damaged file\?/);
  } finally {
    g.close();
  }
});
