// `stnmf info` and `stnmf convert` as a user runs them: JSON keys and values on real data,
// an h5ad that stnmf and anndata read back, and one-line errors with exit 3 and no output file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readH5ad } from '../src/io/h5ad.js';
import { checkRadius } from '../src/io/index.js';
import { makeDataset } from '../src/dataset.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const PY = '/usr/bin/python3';

function stnmf(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('stnmf info --json on the Xenium bundle: platform, shape, feature types, extent in µm, 293 controls', () => {
  const r = stnmf('info', shared('xenium-mouse-brain'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  for (const k of ['platform', 'nObs', 'nVars', 'featureTypes', 'coordinateUnit', 'extent', 'filtered']) assert.ok(k in o, `missing key ${k}`);
  assert.equal(o.platform, 'xenium');
  assert.equal(o.nObs, 36602);
  assert.equal(o.nVars, 248);
  assert.deepEqual(o.featureTypes, { 'Gene Expression': 248 });
  assert.equal(o.coordinateUnit, 'um');
  // README: x 234-5,447, y 181-3,534 µm.
  assert.equal(Math.floor(o.extent.xMin), 234);
  assert.equal(Math.round(o.extent.xMax), 5447);
  assert.equal(Math.floor(o.extent.yMin), 181);
  assert.equal(Math.round(o.extent.yMax), 3534);
  assert.deepEqual(o.filtered.map((f: { what: string; count: number }) => [f.what, f.count]), [
    ['Negative Control Probe', 27],
    ['Negative Control Codeword', 41],
    ['Blank Codeword', 225],
  ]);
  assert.match(o.detected, /cell_feature_matrix\.h5/);
});

test('stnmf info (text) on Visium and CODEX names the platform, unit and filter reason', () => {
  const v = stnmf('info', shared('visium-mouse-brain-seurat'));
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^platform: +visium \(Space Ranger folder/m);
  assert.match(v.stdout, /^shape: +2,695 observations x 100 features$/m);
  assert.match(v.stdout, /^coordinates: +px_fullres; x .* \(1 px_fullres = 0\.726\d µm\)$/m);
  const c = stnmf('info', shared('codex-crc-reg009/imaging_data.csv'));
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /^shape: +2,434 observations x 56 features$/m);
  assert.match(c.stdout, /^feature types: Protein 56$/m);
  assert.match(c.stdout, /^ {2}2 features \(HOECHST1, DRAQ5\): nuclear stain/m);
  // A text matrix without coordinates: the orientation is decided on evidence and stated.
  const seq = shared('seqfish-mouse-hippocampus/mmc6_counts.csv');
  const guess = stnmf('info', seq);
  assert.equal(guess.status, 0, guess.stderr);
  assert.match(guess.stdout, /^note: +orientation var-rows \(columns = observations, moderate\): row names look like gene symbols/m);
  const given = stnmf('info', seq, '--orientation', 'var-rows', '--json');
  assert.equal(given.status, 0, given.stderr);
  const g = JSON.parse(given.stdout);
  assert.deepEqual([g.nObs, g.nVars, g.coordinateUnit], [3585, 249, null]); // README: 3,585 cells x 249 genes
});

test('stnmf convert writes an h5ad that stnmf and anndata read with the same content', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cli-io-'));
  try {
    const out = join(dir, 'st.h5ad');
    const r = stnmf('convert', shared('st-mouse-olfactory-bulb/counts.csv.gz'), '--coords', shared('st-mouse-olfactory-bulb/positions.csv'), '--coordinate-unit', 'um', '--out', out, '--json');
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.nObs, 262);
    assert.equal(o.nVars, 15928);
    assert.deepEqual(readdirSync(dir), ['st.h5ad']);
    const d = await readH5ad(out);
    assert.deepEqual([d.X.rows, d.X.cols], [262, 15928]);
    let s = 0;
    for (const v of d.X.data) s += v;
    assert.equal(s, 4160648); // total of the input (io-readers test)
    assert.equal(d.meta.coordinateUnit, 'um');
    // A second convert refuses to overwrite without --force (exit 4), and replaces with it.
    const again = stnmf('convert', shared('xenium-mouse-brain'), '--out', out);
    assert.equal(again.status, 4, again.stderr);
    assert.match(again.stderr.trim(), /^stnmf convert: error: .*st\.h5ad: file exists \(use --force to overwrite\)$/);
    const forced = stnmf('convert', shared('xenium-mouse-brain'), '--out', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    const py = spawnSync(PY, ['-c', `
import sys, json, anndata
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps([a.n_obs, a.n_vars, float(a.X.sum()), a.var['feature_types'].dtype.name, list(a.obsm['spatial'][0]), int(a.uns['stnmf_meta']['filtered']['count'].sum())]))
`, out], { encoding: 'utf8' });
    if (py.error || (py.status !== 0 && /No module named/.test(py.stderr))) return; // anndata missing: the stnmf read above still checked
    assert.equal(py.status, 0, py.stderr);
    const [n, p, total, ftDtype, xy0, nFiltered] = JSON.parse(py.stdout);
    assert.deepEqual([n, p, total], [36602, 248, 9028172]);
    assert.equal(ftDtype, 'category');
    assert.ok(Math.abs(xy0[0] - 1898.8149169921874) < 1e-9);
    assert.equal(nFiltered, 293);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stnmf info/convert bad inputs: one-line errors, exit 3, no output file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cli-io-'));
  try {
    const out = join(dir, 'o.h5ad');
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const notH5 = join(dir, 'fake.h5');
    writeFileSync(notH5, 'not an hdf5 file\n');
    const neg = join(dir, 'neg.csv');
    writeFileSync(neg, ',g1,g2\nc1,1,-2\nc2,0,3\n');
    const folder = join(dir, 'folder');
    spawnSync('mkdir', [folder]);
    const cases: Array<[string[], number, RegExp]> = [
      [['convert', join(dir, 'missing'), '--out', out], 3, /missing: no such file or folder/],
      [['convert', empty, '--out', out], 3, /empty\.csv: file is empty/],
      [['convert', notH5, '--out', out], 3, /fake\.h5: not an HDF5 file/],
      [['convert', neg, '--out', out], 3, /neg\.csv: values: expected non-negative values, found -2/],
      [['convert', folder, '--out', out], 3, /folder: folder not recognised/],
      [['info', join(dir, 'missing')], 3, /missing: no such file or folder/],
      [['info', notH5, '--json'], 3, /fake\.h5: not an HDF5 file/],
      [['convert', neg, '--out', join(dir, 'x.csv')], 2, /--out must name a \.h5ad file/],
      [['convert', neg], 2, /--out is required/],
      [['info'], 2, /an input path is required/],
      [['info', neg, '--platform', 'merfish-v9'], 2, /--platform must be one of/],
    ];
    for (const [args, code, re] of cases) {
      const r = stnmf(...args);
      assert.equal(r.status, code, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: expected one line, got ${r.stderr}`);
      assert.match(lines[0], /^stnmf (info|convert): error: /);
      assert.match(lines[0], re);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(out), 'output written despite the error');
    }
    assert.deepEqual(readdirSync(dir).sort(), ['empty.csv', 'fake.h5', 'folder', 'neg.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkRadius warns when a radius is far outside the coordinate extent', () => {
  // 100 x 100 grid at 10 px spacing, 0.5 µm per px.
  const n = 10000;
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = (i % 100) * 10;
    xy[2 * i + 1] = Math.floor(i / 100) * 10;
  }
  const d = makeDataset({ rows: n, cols: 1, indptr: new Int32Array(n + 1), indices: new Int32Array(0), data: new Float32Array(0) }, Array.from({ length: n }, String), ['g'], { coordinateUnit: 'px', micronsPerUnit: 0.5 });
  d.obsm.spatial = { rows: n, cols: 2, data: xy };
  assert.equal(checkRadius(d, 30, '--radius'), undefined);
  assert.equal(checkRadius(d, 2, '--radius'), undefined);
  const big = checkRadius(d, 5000, '--radius');
  assert.match(big ?? '', /^--radius 5000 is larger than the whole coordinate extent \(990 x 990 px\).*1 px = 0\.500 µm, so a radius of 5000 µm is 10000 px$/);
  const small = checkRadius(d, 0.5, '--radius');
  assert.match(small ?? '', /^--radius 0\.500 is below a tenth of the typical spacing between observations \(9\.90 px\)/);
  const none = makeDataset(d.X, d.obs.index, ['g']);
  assert.equal(checkRadius(none, 1e9, '--radius'), undefined); // no coordinates: nothing to check
});
