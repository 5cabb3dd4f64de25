// Reruns are byte-identical (issue 15): the same input and options give the same bytes in
// every file of a result folder, result.h5ad included, except run.json, whose wall-clock fields
// (seconds, timings, finishedAt) are the only ones allowed to differ. HDF5 stamps object
// headers with the time of writing; src/io/h5-times.ts zeroes those stamps, and the files must
// still open in h5py, anndata and our own reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readH5ad } from '../src/io/h5ad.js';
import { zeroObjectTimesIn } from '../src/io/h5-times.js';
import { lookup3 } from '../src/io/h5bool.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const PY = '/usr/bin/python3';

function stnmf(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `stnmf ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** HDF5 counts object-header times in whole seconds: wait until the clock has moved on. */
function nextSecond(): void {
  const until = (Math.floor(Date.now() / 1000) + 1) * 1000 + 50;
  while (Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, until - Date.now());
}

function rerunTwice(dir: string, args: string[]): [string, string] {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  stnmf(...args, '--out', a);
  nextSecond();
  stnmf(...args, '--out', b);
  return [a, b];
}

function assertSameFolders(a: string, b: string): void {
  const fa = files(a).map((p) => relative(a, p)).sort();
  const fb = files(b).map((p) => relative(b, p)).sort();
  assert.deepEqual(fa, fb, 'same file list');
  assert.ok(fa.includes('result.h5ad'), 'the run wrote result.h5ad');
  for (const f of fa) {
    const x = readFileSync(join(a, f));
    const y = readFileSync(join(b, f));
    if (f === 'run.json') {
      const strip = (buf: Buffer) => {
        const j = JSON.parse(buf.toString('utf8'));
        assert.equal(typeof j.seconds, 'number', 'run.json keeps the wall time');
        assert.match(j.finishedAt, /^\d{4}-\d\d-\d\dT/);
        delete j.seconds;
        delete j.timings;
        delete j.finishedAt;
        return j;
      };
      assert.deepEqual(strip(x), strip(y), 'run.json differs only in seconds/timings/finishedAt');
      continue;
    }
    assert.ok(x.equals(y), `${f} differs between two identical runs`);
  }
  const summary = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8'));
  assert.ok(!('seconds' in summary), 'summary.json holds no wall time');
}

/** h5py reads every object (which verifies every object header's checksum) and anndata opens it. */
function checkWithPython(path: string): { mtimes: number[] } | undefined {
  if (!existsSync(PY)) return undefined;
  const script = `
import sys, json, h5py, anndata
f = h5py.File(sys.argv[1], 'r')
mt = [h5py.h5g.get_objinfo(f.id, b'/').mtime]
def visit(name, obj):
    mt.append(h5py.h5g.get_objinfo(f.id, name.encode()).mtime)
    if isinstance(obj, h5py.Dataset): obj[()]
f.visititems(visit)
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps({'mtimes': mt, 'shape': list(a.shape)}))
`;
  const r = spawnSync(PY, ['-c', script, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('stnmf nmf twice: every output file byte-identical, result.h5ad included, and still readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-rerun-'));
  try {
    const sim = join(dir, 'sim');
    stnmf('simulate', 'siid', '--cells', '300', '--genes', '120', '--panel', '40', '--types', '3', '--grid', '4', '--out', sim);
    const [a, b] = rerunTwice(dir, ['nmf', join(sim, 'cells.h5ad'), '--rank', '3', '--max-iter', '30']);
    assertSameFolders(a, b);
    const ds = await readH5ad(join(a, 'result.h5ad'));
    assert.deepEqual([ds.obsm.X_nmf.rows, ds.obsm.X_nmf.cols], [300, 3]);
    const py = checkWithPython(join(a, 'result.h5ad'));
    if (py) {
      assert.ok(py.mtimes.length > 10, 'h5py visited the objects');
      assert.deepEqual([...new Set(py.mtimes)], [0], 'every object-header time is 0');
    }
    // The pass is idempotent and found nothing left to change.
    assert.equal(zeroObjectTimesIn(new Uint8Array(readFileSync(join(a, 'result.h5ad')))), 0);
    // The simulator's own h5ad files too (same seed, other folder name: only run.json's "out" differs).
    const sim2 = join(dir, 'sim2');
    nextSecond();
    stnmf('simulate', 'siid', '--cells', '300', '--genes', '120', '--panel', '40', '--types', '3', '--grid', '4', '--out', sim2);
    for (const f of ['cells.h5ad', 'spots.h5ad', 'cells_full.h5ad', 'summary.json']) {
      assert.ok(readFileSync(join(sim, f)).equals(readFileSync(join(sim2, f))), `simulate siid ${f} differs`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stnmf hsnmf twice: every output file byte-identical (categorical and bool columns, markers in uns)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-rerun-'));
  try {
    const sim = join(dir, 'sim');
    stnmf('simulate', 'siid', '--cells', '300', '--genes', '120', '--panel', '40', '--types', '3', '--grid', '4', '--out', sim);
    const [a, b] = rerunTwice(dir, ['hsnmf', join(sim, 'cells.h5ad'), '--rank', '3', '--max-iter', '30']);
    assertSameFolders(a, b);
    const run = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8'));
    assert.deepEqual(Object.keys(run.timings.stageSeconds).sort(), ['features', 'leiden', 'snmf']);
    const ds = await readH5ad(join(a, 'result.h5ad'));
    assert.ok(ds.obs.columns.has('hsnmf'), 'obs hsnmf read back');
    const py = checkWithPython(join(a, 'result.h5ad'));
    if (py) assert.deepEqual([...new Set(py.mtimes)], [0], 'every object-header time is 0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zeroObjectTimesIn leaves bytes that are not a checksummed object header alone', () => {
  // "OHDR", version 2, flags 0x20 (times), four times, a 1-byte size: but a wrong checksum.
  const fake = Uint8Array.from([0x4f, 0x48, 0x44, 0x52, 2, 0x20, ...new Array(16).fill(7), 0, 0, 0, 0, 0]);
  const copy = Uint8Array.from(fake);
  assert.equal(zeroObjectTimesIn(copy), 0);
  assert.deepEqual(copy, fake);
});

test('zeroObjectTimesIn zeroes the times of a checksummed version-2 header and recomputes its checksum', () => {
  const body = Uint8Array.from([0x4f, 0x48, 0x44, 0x52, 2, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0]);
  const withSum = new Uint8Array(body.length + 4);
  withSum.set(body);
  new DataView(withSum.buffer).setUint32(body.length, lookup3(body), true);
  assert.equal(zeroObjectTimesIn(withSum), 1);
  assert.deepEqual([...withSum.subarray(6, 22)], new Array(16).fill(0));
  assert.equal(new DataView(withSum.buffer).getUint32(body.length, true), lookup3(withSum.subarray(0, body.length)));
});
