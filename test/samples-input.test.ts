// Several samples as one input (issue 18, point 1): `--samples manifest.csv` on the four ST
// breast-cancer slices joined exactly as anndata's concat(label='sample', index_unique='-')
// joins them (checked against /usr/bin/python3 + anndata), unit checks per sample, and
// `--sample-key` on one file that already holds the samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5ad } from '../src/io/h5ad.js';
import { concatSamples } from '../src/io/samples.js';
import { makeDataset } from '../src/dataset.js';
import { sampleGroups } from '../src/samples.js';
import { breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const D = new URL('../../../shared/data/st-breast-cancer-layers', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const hasData = existsSync(join(D, 'slice1.csv'));
const hasAnndata = spawnSync(PY, ['-c', 'import anndata'], { encoding: 'utf8' }).status === 0;

function stnmf(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('--samples joins the four breast slices as anndata concat does (names, genes, X, sample, condition)', { skip: !hasData || !hasAnndata }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-'));
  const m = breastManifest(dir);
  const out = join(dir, 'joined.h5ad');
  const r = stnmf('convert', '--samples', m, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const py = `
import anndata as ad, pandas as pd, numpy as np, sys, json, warnings
warnings.filterwarnings('ignore')
D = sys.argv[1]
parts = {}
for i in range(1, 5):
    df = pd.read_csv(f'{D}/slice{i}.csv', index_col=0)
    parts[f'slice{i}'] = ad.AnnData(df.values.astype(np.float32), obs=pd.DataFrame(index=df.index.astype(str)), var=pd.DataFrame(index=df.columns))
c = ad.concat(parts, label='sample', index_unique='-')
r = ad.read_h5ad(sys.argv[2])
X = r.X.toarray() if hasattr(r.X, 'toarray') else r.X
print(json.dumps({
  'obs': list(c.obs_names) == list(r.obs_names), 'var': list(c.var_names) == list(r.var_names),
  'X': bool(np.array_equal(np.asarray(c.X), X)), 'nvar': int(c.n_vars),
  'sample': list(c.obs['sample'].astype(str)) == list(r.obs['sample'].astype(str)),
  'cats': list(r.obs['sample'].cat.categories),
  'condition': r.obs['condition'].astype(str).value_counts().to_dict(),
}))`;
  const p = spawnSync(PY, ['-c', py, D, out], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const v = JSON.parse(p.stdout);
  assert.deepEqual(v, { obs: true, var: true, X: true, nvar: 6397, sample: true, cats: ['slice1', 'slice2', 'slice3', 'slice4'], condition: { early: 505, late: 526 } });
  // Coordinates are kept per sample in the slices' own unit (200 µm per unit for all four).
  const ds = await readH5ad(out);
  assert.equal(ds.obsm.spatial.rows, 1031);
  assert.equal(ds.obsm.spatial.data[0], 13.064);
});

test('--samples refuses units it cannot reconcile, naming the sample to fix', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-'));
  const m = breastManifest(dir, { mpu: false });
  const out = join(dir, 'o.h5ad');
  const r = stnmf('convert', '--samples', m, '--out', out);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /give microns_per_unit in the manifest for slice3/);
  assert.equal(existsSync(out), false);
});

test('concatSamples converts differing units to µm, keeps shared obs columns, suffixes names', () => {
  const csr = (rows: number[][]) => {
    const indptr = [0], indices: number[] = [], data: number[] = [];
    for (const r of rows) { r.forEach((v, j) => { if (v) { indices.push(j); data.push(v); } }); indptr.push(indices.length); }
    return { rows: rows.length, cols: rows[0].length, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data) };
  };
  const a = makeDataset(csr([[1, 2, 3], [4, 5, 6]]), ['c1', 'c2'], ['g1', 'g2', 'g3'], { coordinateUnit: 'um' });
  a.obsm.spatial = { rows: 2, cols: 2, data: Float64Array.from([0, 0, 10, 0]) };
  a.obs.columns.set('q', { kind: 'number', values: Float64Array.from([1, 2]) });
  a.obs.columns.set('only_a', { kind: 'number', values: Float64Array.from([1, 2]) });
  const b = makeDataset(csr([[7, 8, 9]]), ['c1'], ['g3', 'g4', 'g2'], { coordinateUnit: 'px', micronsPerUnit: 0.5 });
  b.obsm.spatial = { rows: 1, cols: 2, data: Float64Array.from([4, 6]) };
  b.obs.columns.set('q', { kind: 'number', values: Float64Array.from([3]) });
  const j = concatSamples([{ sampleId: 'A', dataset: a, columns: { condition: 'x' } }, { sampleId: 'B', dataset: b, columns: { condition: 'y' } }]);
  const d = j.dataset;
  assert.deepEqual(d.obs.index, ['c1-A', 'c2-A', 'c1-B']);
  assert.deepEqual(d.var.index, ['g2', 'g3']);
  // B's columns g3, g2 land at 1, 0: row [9, 7] once re-sorted.
  assert.deepEqual([...d.X.indices], [0, 1, 0, 1, 0, 1]);
  assert.deepEqual([...d.X.data], [2, 3, 5, 6, 9, 7]);
  assert.deepEqual([...d.obsm.spatial.data], [0, 0, 10, 0, 2, 3]);
  assert.equal(d.meta.coordinateUnit, 'um');
  assert.equal(j.coordinates, 'converted to µm');
  assert.deepEqual(j.droppedObsColumns, ['only_a']);
  assert.deepEqual([...(d.obs.columns.get('q') as { values: Float64Array }).values], [1, 2, 3]);
  const g = sampleGroups(d)!;
  assert.deepEqual(g.ids, ['A', 'B']);
  assert.deepEqual([...g.codes], [0, 0, 1]);
  const c = d.obs.columns.get('condition') as { codes: Int32Array; categories: string[] };
  assert.deepEqual([c.categories, [...c.codes]], [['x', 'y'], [0, 0, 1]]);
  // A unit without a known size cannot be converted: refused, naming the sample.
  delete b.meta.micronsPerUnit;
  assert.throws(() => concatSamples([{ sampleId: 'A', dataset: a }, { sampleId: 'B', dataset: b }]), /give microns_per_unit in the manifest for B/);
});

test('--sample-key marks the samples of one file; the joined file read back with it is the same input', { skip: !hasData }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-'));
  const m = breastManifest(dir);
  const joined = join(dir, 'joined.h5ad');
  assert.equal(stnmf('convert', '--samples', m, '--out', joined).status, 0);
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let r = stnmf('nmf', '--samples', m, '--rank', '3', '--max-iter', '20', '--out', a, '--json');
  assert.equal(r.status, 0, r.stderr);
  r = stnmf('nmf', joined, '--sample-key', 'sample', '--coordinate-unit', 'px', '--rank', '3', '--max-iter', '20', '--out', b, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).loss, JSON.parse(stnmf('nmf', '--samples', m, '--rank', '3', '--max-iter', '20', '--out', join(dir, 'c'), '--json').stdout).loss);
  r = stnmf('nmf', joined, '--sample-key', 'nope', '--rank', '3', '--out', join(dir, 'd'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sample-key nope: no such obs column/);
});

test('--normalize-per-sample: each slice is scaled to the median total of its own rows (and without it, to the median of all)', { skip: !hasData }, async () => {
  const { readSamples } = await import('../src/io/samples.js');
  const { applySelection } = await import('../src/io/select/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-norm-'));
  const ds = (await readSamples(breastManifest(dir))).dataset;
  const g = sampleGroups(ds)!;
  const totals = (X: typeof ds.X) => Array.from({ length: X.rows }, (_, i) => { let s = 0; for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) s += X.data[q]; return s; });
  const median = (v: number[]) => { const s = v.filter((x) => x > 0).sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const before = totals(ds.X);
  const own = g.ids.map((_, s) => median(before.filter((_, i) => g.codes[i] === s)));
  assert.ok(Math.max(...own) / Math.min(...own) > 1.2, `the slices' depths differ (${own.join(', ')}), so the test can tell per-sample from pooled`);
  const per = await applySelection(ds, { normalize: 'total', normalizePerSample: true });
  totals(per.dataset.X).forEach((t, i) => before[i] > 0 && assert.ok(Math.abs(t - own[g.codes[i]]) <= 1e-4 * own[g.codes[i]], `row ${i}: total ${t}, its slice's median ${own[g.codes[i]]}`));
  assert.match(per.steps.at(-1)!.note ?? '', /slice1 [\d.]+, slice2 [\d.]+, slice3 [\d.]+, slice4 [\d.]+/);
  const pooled = await applySelection(ds, { normalize: 'total' });
  const all = median(before);
  totals(pooled.dataset.X).forEach((t, i) => before[i] > 0 && assert.ok(Math.abs(t - all) <= 1e-4 * all));
  // hSNMF's log1p-median with the same rule: expm1 of a cell's values sums to its slice's median.
  const { snmfInput } = await import('../src/methods/snmf/index.js');
  const h = snmfInput(ds, { normalizePerSample: true });
  totals({ ...h.X, data: h.X.data.map(Math.expm1) }).forEach((t, i) => before[i] > 0 && assert.ok(Math.abs(t - own[g.codes[i]]) <= 1e-3 * own[g.codes[i]], `hSNMF row ${i}: ${t} vs ${own[g.codes[i]]}`));
  assert.match(h.normalization, /target per sample .*slice1 [\d.]+, slice2/);
  // The flag says what it needs.
  const one = stnmf('nmf', join(D, 'slice1.csv'), '--coords', join(D, 'slice1_coor.csv'), '--rank', '2', '--normalize', 'total', '--normalize-per-sample', '--out', join(dir, 'x'));
  assert.equal(one.status, 2);
  assert.match(one.stderr, /--normalize-per-sample: the input is one sample; give several with --samples/);
  assert.ok(!existsSync(join(dir, 'x')));
});

test('no spatial edge: the median nearest-cell distance is taken within each slice (overlapping slices would make it ~10 µm)', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-noedge-'));
  const r = stnmf('hsnmf', '--samples', breastManifest(dir), '--rank', '3', '--max-iter', '5', '--out', join(dir, 'h'));
  assert.equal(r.status, 3, r.stderr);
  const m = /nearest other cell of the same sample is ([\d.]+) coordinate units = ([\d.]+) µm/.exec(r.stderr);
  assert.ok(m, r.stderr);
  // ST spots lie on a ~1-unit array grid at 200 µm per unit: about 200 µm apart within a slice.
  assert.ok(Number(m[2]) > 150 && Number(m[2]) < 250 && Math.abs(Number(m[1]) * 200 - Number(m[2])) < 0.01 * Number(m[2]), r.stderr);
  assert.ok(!existsSync(join(dir, 'h')));
});

test('info --samples describes the joined input and each sample on its own rows (medians checked against the slice read alone)', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-info-samples-'));
  const r = stnmf('info', '--samples', breastManifest(dir), '--json');
  assert.equal(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.equal(rec.nVars, 6397);
  assert.equal(rec.sampleKey, 'sample');
  assert.deepEqual(rec.samples.map((s: { sample: string; nObs: number }) => [s.sample, s.nObs]), [['slice1', 254], ['slice2', 251], ['slice3', 264], ['slice4', 262]]);
  assert.deepEqual(rec.samples.map((s: { varsDropped: number }) => s.varsDropped), [1601, 1316, 1056, 1174]);
  // Each sample's counts per spot on the shared genes: the slice read alone, restricted to them.
  const headers = [1, 2, 3, 4].map((s) => new Set(readFileSync(join(D, `slice${s}.csv`), 'utf8').split('\n', 1)[0].split(',').slice(1)));
  const genes = new Set([...headers[0]].filter((g) => headers.every((h) => h.has(g))));
  assert.equal(genes.size, 6397);
  const lines = readFileSync(join(D, 'slice3.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const keep = head.map((g, j) => j > 0 && genes.has(g));
  const totals = lines.slice(1).map((l) => l.split(',').reduce((a, v, j) => a + (keep[j] ? Number(v) : 0), 0)).sort((a, b) => a - b);
  const m = totals.length % 2 ? totals[(totals.length - 1) / 2] : (totals[totals.length / 2 - 1] + totals[totals.length / 2]) / 2;
  assert.equal(rec.samples[2].qc.countsPerObs.median, m);
  const text = stnmf('info', '--samples', breastManifest(dir));
  assert.match(text.stdout, /^sample slice3: 264 observations; counts\/obs median 1757; .*1,056 of its features not in every sample left out$/m);
});
