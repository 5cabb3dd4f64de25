// stnmf simulate counts (issue 16, Deliver 1): the streamed 10x h5 and Visium HD folder read
// back through readDataset with exactly the generated matrix, h5py agrees, the programs are
// recoverable, and the library is deterministic per seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../src/io/index.js';
import { openH5, readFloat32 } from '../src/io/h5.js';
import { nmf } from '../src/nmf/index.js';
import { simulateCounts } from '../src/simulate/counts.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const PY = '/usr/bin/python3';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** The whole simulated matrix from the library's chunks, concatenated (the expected file content). */
function concatenate(sim: ReturnType<typeof simulateCounts>): { indptr: number[]; indices: Int32Array; data: Int32Array } {
  const indices = new Int32Array(sim.nnz), data = new Int32Array(sim.nnz);
  const indptr = [0];
  let o = 0;
  for (const c of sim.chunks()) {
    indices.set(c.indices, o);
    data.set(c.data, o);
    for (let i = 1; i <= c.rows; i++) indptr.push(o + c.indptr[i]);
    o += c.indptr[c.rows];
  }
  return { indptr, indices, data };
}

test('simulate counts --layout 10x-h5: the file reads back with the exact generated matrix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-simcounts-'));
  const out = join(dir, 'sim.h5');
  // chunkNnz is the library default (2²²); 3,000 x 60 = 180,000 non-zeros fit one chunk, so a
  // second run with 2,500-non-zero chunks below checks the multi-chunk path of the writer.
  const r = run(['simulate', 'counts', '--cells', '3000', '--genes', '400', '--nnz-per-cell', '60', '--programs', '5', '--seed', '7', '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.nnz, 3000 * 60);
  const ds = await readDataset(out);
  assert.equal(ds.meta.platform, '10x-h5');
  assert.equal(ds.X.rows, 3000);
  assert.equal(ds.X.cols, 400);
  assert.equal(ds.X.indptr[3000], 180000);
  const want = concatenate(simulateCounts({ cells: 3000, genes: 400, nnzPerCell: 60, programs: 5, seed: 7 }));
  assert.deepEqual(Array.from(ds.X.indptr), want.indptr);
  assert.deepEqual(ds.X.indices, want.indices);
  assert.deepEqual(Array.from(ds.X.data), Array.from(want.data));
  // Every row: exactly 60 distinct, increasing genes with counts ≥ 1.
  for (let i = 0; i < 3000; i++) {
    for (let q = ds.X.indptr[i] + 1; q < ds.X.indptr[i + 1]; q++) assert.ok(ds.X.indices[q] > ds.X.indices[q - 1]);
  }
  assert.ok(ds.X.data.every((v) => v >= 1 && Number.isInteger(v)));
  assert.equal(ds.obs.index[0], 'cell0000000-1');
  // The truth lies beside /matrix: usage rows and program rows sum to 1.
  const f = await openH5(out);
  try {
    const usage = readFloat32(out, f.get('truth/usage') as never);
    const programs = readFloat32(out, f.get('truth/programs') as never);
    assert.equal(usage.length, 3000 * 5);
    assert.equal(programs.length, 5 * 400);
    for (let i = 0; i < 3000; i++) {
      let s = 0;
      for (let t = 0; t < 5; t++) s += usage[i * 5 + t];
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
  } finally {
    f.close();
  }
});

test('the writer streams many chunks: a small chunk size gives the same CSR as the chunks', async () => {
  const { writeTenxH5 } = await import('../src/io/tenx-h5-write.js');
  const sim = simulateCounts({ cells: 500, genes: 90, nnzPerCell: 25, programs: 3, seed: 2, chunkNnz: 1000 });
  assert.ok(Math.ceil(500 / sim.chunkRows) >= 10, 'expected many chunks');
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-simcounts-')), 'chunks.h5');
  const chunks = (function* () {
    for (const c of sim.chunks()) yield { rows: c.rows, indptr: c.indptr, indices: c.indices, data: c.data };
  })();
  const res = await writeTenxH5(out, chunks, {
    barcodes: Array.from({ length: 500 }, (_, i) => `b${i}`),
    featureIds: Array.from({ length: 90 }, (_, j) => `g${j}`),
    featureNames: Array.from({ length: 90 }, (_, j) => `G${j}`),
    h5ChunkElements: 333,
  });
  assert.equal(res.nnz, 500 * 25);
  const ds = await readDataset(out);
  const want = concatenate(sim);
  assert.deepEqual(Array.from(ds.X.indptr), want.indptr);
  assert.deepEqual(ds.X.indices, want.indices);
  assert.deepEqual(Array.from(ds.X.data), Array.from(want.data));
});

test('Debian h5py reads the generated file: shape, nnz, dtypes and totals agree', { skip: spawnSync(PY, ['-c', 'import h5py']).status === 0 ? false : 'needs python3-h5py' }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-simcounts-')), 'py.h5');
  assert.equal(run(['simulate', 'counts', '--cells', '700', '--genes', '150', '--nnz-per-cell', '30', '--programs', '4', '--out', out]).status, 0);
  const py = spawnSync(PY, ['-c', `
import h5py, json
f = h5py.File(${JSON.stringify(out)}, 'r'); m = f['matrix']
print(json.dumps({'shape': [int(x) for x in m['shape'][:]], 'nnz': int(m['indptr'][-1]), 'sum': int(m['data'][:].sum()),
  'isum': int(m['indices'][:].sum()), 'dtypes': [str(m[k].dtype) for k in ('data', 'indices', 'indptr')],
  'name0': m['features/name'][0].decode(), 'tags': [t.decode() for t in m['features/_all_tag_keys'][:]]}))
`], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const p = JSON.parse(py.stdout);
  const ds = await readDataset(out);
  let sum = 0, isum = 0;
  for (let q = 0; q < ds.X.data.length; q++) {
    sum += ds.X.data[q];
    isum += ds.X.indices[q];
  }
  assert.deepEqual(p.shape, [150, 700]);
  assert.equal(p.nnz, 700 * 30);
  assert.equal(p.sum, sum);
  assert.equal(p.isum, isum);
  assert.deepEqual(p.dtypes, ['int32', 'int64', 'int64']);
  assert.equal(p.name0, ds.var.index[0]);
  assert.deepEqual(p.tags, ['genome']);
});

test('simulate counts --layout visium-hd writes a Visium HD folder the reader takes, with µm positions', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-simcounts-')), 'hd');
  const r = run(['simulate', 'counts', '--layout', 'visium-hd', '--cells', '900', '--genes', '120', '--nnz-per-cell', '20', '--programs', '3', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(out, 'binned_outputs/square_008um/spatial/tissue_positions.parquet')));
  const ds = await readDataset(out);
  assert.equal(ds.meta.platform, 'visium-hd');
  assert.equal(ds.X.rows, 900);
  assert.equal(ds.X.indptr[900], 900 * 20);
  // 30 x 30 grid of 8 µm bins: bin (row 0, col 1) is centred at x = 12 µm, y = 4 µm.
  const xy = ds.obsm.spatial!.data;
  const k = ds.obs.index.indexOf('s_008um_00000_00001-1');
  assert.ok(k >= 0);
  assert.ok(Math.abs(xy[2 * k] - 12) < 1e-9 && Math.abs(xy[2 * k + 1] - 4) < 1e-9, `got ${xy[2 * k]}, ${xy[2 * k + 1]}`);
});

test('simulate counts: the programs are known — Poisson NMF at the true rank recovers them', async () => {
  const sim = simulateCounts({ cells: 2000, genes: 200, nnzPerCell: 80, programs: 4, seed: 1, depth: 3 });
  const all = concatenate(sim);
  const X = { rows: 2000, cols: 200, indptr: Int32Array.from(all.indptr), indices: all.indices, data: Float32Array.from(all.data) };
  const fit = await nmf(X, { rank: 4, loss: 'poisson', maxIter: 300, tol: 0, threads: 1 });
  // Best cosine of each true program with a fitted one.
  for (let t = 0; t < 4; t++) {
    let best = 0;
    for (let s = 0; s < 4; s++) {
      let dot = 0, a = 0, b = 0;
      for (let j = 0; j < 200; j++) {
        const x = sim.programMatrix[t * 200 + j], y = fit.H.data[s * 200 + j];
        dot += x * y;
        a += x * x;
        b += y * y;
      }
      best = Math.max(best, dot / Math.sqrt(a * b));
    }
    assert.ok(best > 0.9, `program ${t}: best cosine ${best.toFixed(3)}`);
  }
});

test('simulate counts rejects --nnz-per-cell above --genes with a one-line error', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-simcounts-')), 'bad.h5');
  const r = run(['simulate', 'counts', '--cells', '10', '--genes', '5', '--nnz-per-cell', '6', '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim().split('\n').pop()!, /--nnz-per-cell must be a whole number from 1 to 5/);
  assert.ok(!existsSync(out));
});
