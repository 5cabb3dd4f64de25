import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readH5ad, writeH5ad } from '../src/io/h5ad.js';
import { lookup3 } from '../src/io/h5bool.js';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { csrToDense } from '../src/linalg/csr.js';
import type { Column, Dataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));
const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const PY = '/usr/bin/python3';

function anndataAvailable(): string | undefined {
  const r = spawnSync(PY, ['-c', 'import anndata'], { encoding: 'utf8' });
  if (r.error) return `${PY} not found`;
  if (r.status !== 0) return `${PY} cannot import anndata (${r.stderr.trim().split('\n').pop()})`;
  return undefined;
}
const skipReason = anndataAvailable();
if (skipReason) console.log(`# skipping anndata interop: ${skipReason} (install Debian python3-anndata)`);

/** A small dataset exercising every element kind the writer supports. */
function demo(): Dataset {
  const n = 5, p = 3;
  const dense = new Float32Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) dense[i * p + j] = (i + 2 * j) % 3 === 0 ? 0 : i + j + 0.5;
  const X = { rows: n, cols: p, ...(() => {
    const indptr = new Int32Array(n + 1); const idx: number[] = []; const val: number[] = [];
    for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) if (dense[i * p + j] !== 0) { idx.push(j); val.push(dense[i * p + j]); } indptr[i + 1] = idx.length; }
    return { indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  })() };
  return {
    X,
    obs: {
      index: ['c0', 'c1', 'c2', 'c3', 'c4'],
      columns: new Map([
        ['leiden', { kind: 'category' as const, codes: Int32Array.of(0, 1, 0, 2, -1), categories: ['0', '1', '2'] }],
        ['total', { kind: 'number' as const, values: Float64Array.of(1.5, 2.5, 3.5, 4.5, 5.5) }],
        ['count', { kind: 'number' as const, values: Int32Array.of(1, 2, 3, 4, 5) }],
        ['label', { kind: 'string' as const, values: ['a', 'b', 'c', 'd', 'é'] }],
        ['in_tissue', { kind: 'bool' as const, values: Uint8Array.of(1, 0, 1, 1, 0) }],
        ['grade', { kind: 'category' as const, codes: Int32Array.of(0, 1, 2, 1, 0), categories: ['low', 'mid', 'high'], ordered: true }],
      ]),
    },
    var: {
      index: ['Actb', 'Gfap', 'Snap25'],
      columns: new Map<string, Column>([
        ['gene_ids', { kind: 'string' as const, values: ['E1', 'E2', 'E3'] }],
        ['hv', { kind: 'bool' as const, values: Uint8Array.of(0, 1, 1) }],
      ]),
    },
    obsm: {
      spatial: { rows: n, cols: 2, data: Float64Array.from({ length: 2 * n }, (_, t) => t * 1.25) },
      X_nmf: { rows: n, cols: 2, data: Float32Array.from({ length: 2 * n }, (_, t) => t / 4) },
    },
    varm: { nmf: { rows: p, cols: 2, data: Float32Array.from({ length: 2 * p }, (_, t) => t + 0.25) } },
    obsp: { spatial_connectivities: { rows: n, cols: n, indptr: Int32Array.of(0, 1, 2, 3, 4, 5), indices: Int32Array.of(1, 2, 3, 4, 0), data: Float32Array.of(1, 1, 1, 1, 1) } },
    layers: { counts: X },
    uns: {
      nmf: { params: { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: true }, reconstruction_err: 12.5 },
      leiden_colors: ['#1f77b4', '#ff7f0e', '#279e68'],
      history: Float64Array.of(3, 2, 1),
      flags: [true, false, true],
    },
    meta: { platform: 'xenium', source: '/data/x', coordinateUnit: 'um', micronsPerUnit: 1, filtered: [{ axis: 'features', what: 'Blank Codeword', count: 3, why: 'controls' }] },
  };
}

test('h5ad: stnmf writes, anndata (python) reads X, obs, var, obsm, varm, obsp, layers, uns', { skip: skipReason }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5ad-'));
  try {
    const out = join(dir, 'demo.h5ad');
    const d = demo();
    await writeH5ad(out, d);
    assert.deepEqual(readdirSync(dir), ['demo.h5ad']); // atomic: no temp left behind
    const script = `
import json, sys, anndata, numpy as np
a = anndata.read_h5ad(sys.argv[1])
X = a.X.toarray()
o = {
 'shape': list(a.shape), 'X': X.ravel().tolist(), 'xdtype': str(a.X.dtype), 'xformat': a.X.format,
 'obs_names': list(a.obs_names), 'var_names': list(a.var_names),
 'leiden': [None if v != v else v for v in a.obs['leiden'].tolist()], 'leiden_dtype': a.obs['leiden'].dtype.name,
 'leiden_cats': a.obs['leiden'].cat.categories.tolist(), 'leiden_ordered': bool(a.obs['leiden'].cat.ordered),
 'grade_dtype': a.obs['grade'].dtype.name, 'grade_ordered': bool(a.obs['grade'].cat.ordered), 'grade_cats': a.obs['grade'].cat.categories.tolist(),
 'grade_lt': bool((a.obs['grade'] < 'high').iloc[0]), 'in_tissue_dtype': str(a.obs['in_tissue'].dtype), 'hv_dtype': str(a.var['hv'].dtype),
 'shuffle_type': type(a.uns['nmf']['params']['shuffle']).__name__, 'flags': [bool(v) for v in a.uns['flags']], 'flags_dtype': str(a.uns['flags'].dtype),
 'total': a.obs['total'].tolist(), 'count': a.obs['count'].tolist(), 'label': a.obs['label'].tolist(),
 'in_tissue': [int(v) for v in a.obs['in_tissue']], 'gene_ids': a.var['gene_ids'].tolist(),
 'spatial': a.obsm['spatial'].ravel().tolist(), 'spatial_dtype': str(a.obsm['spatial'].dtype),
 'X_nmf': a.obsm['X_nmf'].ravel().tolist(), 'nmf': a.varm['nmf'].ravel().tolist(),
 'conn': a.obsp['spatial_connectivities'].toarray().ravel().tolist(), 'counts': a.layers['counts'].toarray().ravel().tolist(),
 'params': {k: (v.item() if hasattr(v, 'item') else v) for k, v in a.uns['nmf']['params'].items()},
 'err': float(a.uns['nmf']['reconstruction_err']), 'colors': list(a.uns['leiden_colors']), 'history': list(map(float, a.uns['history'])),
 'unit': a.uns['stnmf_meta']['coordinate_unit'], 'filtered_what': list(a.uns['stnmf_meta']['filtered']['what']),
}
print(json.dumps(o))
`;
    const r = spawnSync(PY, ['-c', script, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.deepEqual(o.shape, [5, 3]);
    assert.deepEqual(o.X, Array.from(csrToDense(d.X).data));
    assert.equal(o.xdtype, 'float32');
    assert.equal(o.xformat, 'csr');
    assert.deepEqual(o.obs_names, d.obs.index);
    assert.deepEqual(o.var_names, d.var.index);
    // Real pandas categoricals (scanpy's cluster plots need them), missing code -1 -> NaN.
    assert.equal(o.leiden_dtype, 'category');
    assert.deepEqual(o.leiden, ['0', '1', '0', '2', null]);
    assert.deepEqual(o.leiden_cats, ['0', '1', '2']);
    assert.equal(o.leiden_ordered, false);
    assert.equal(o.grade_dtype, 'category');
    assert.equal(o.grade_ordered, true);
    assert.deepEqual(o.grade_cats, ['low', 'mid', 'high']);
    assert.equal(o.grade_lt, true); // ordered comparison works: 'low' < 'high'
    assert.equal(o.in_tissue_dtype, 'bool');
    assert.equal(o.hv_dtype, 'bool');
    assert.equal(o.shuffle_type, 'bool_');
    assert.deepEqual(o.flags, [true, false, true]);
    assert.equal(o.flags_dtype, 'bool');
    assert.deepEqual(o.total, [1.5, 2.5, 3.5, 4.5, 5.5]);
    assert.deepEqual(o.count, [1, 2, 3, 4, 5]);
    assert.deepEqual(o.label, ['a', 'b', 'c', 'd', 'é']);
    assert.deepEqual(o.in_tissue, [1, 0, 1, 1, 0]);
    assert.deepEqual(o.gene_ids, ['E1', 'E2', 'E3']);
    assert.deepEqual(o.spatial, Array.from(d.obsm.spatial.data));
    assert.equal(o.spatial_dtype, 'float64');
    assert.deepEqual(o.X_nmf, Array.from(d.obsm.X_nmf.data));
    assert.deepEqual(o.nmf, Array.from(d.varm.nmf.data));
    assert.deepEqual(o.conn, [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    assert.deepEqual(o.counts, o.X);
    assert.deepEqual(o.params, { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: true });
    assert.equal(o.err, 12.5);
    assert.deepEqual(o.colors, ['#1f77b4', '#ff7f0e', '#279e68']);
    assert.deepEqual(o.history, [3, 2, 1]);
    assert.equal(o.unit, 'um');
    assert.deepEqual(o.filtered_what, ['Blank Codeword']);

    // And stnmf reads its own file back losslessly.
    const back = await readH5ad(out);
    assert.deepEqual(Array.from(back.X.data), Array.from(d.X.data));
    assert.deepEqual(back.obs.index, d.obs.index);
    for (const [k, c] of d.obs.columns) {
      const b = back.obs.columns.get(k);
      if (c.kind === 'category') {
        assert.ok(b?.kind === 'category', k);
        assert.deepEqual([Array.from(b.codes), b.categories, Boolean(b.ordered)], [Array.from(c.codes), c.categories, Boolean(c.ordered)], k);
      } else assert.deepEqual(b, c, k);
    }
    assert.deepEqual(back.obsm.spatial, d.obsm.spatial);
    assert.deepEqual(back.meta.filtered, d.meta.filtered);
    assert.equal(back.meta.coordinateUnit, 'um');
    assert.deepEqual((back.uns.nmf as Record<string, unknown>).params, { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: true });
    assert.deepEqual(back.uns.flags, [true, false, true]);
    assert.deepEqual(back.var.columns.get('hv'), d.var.columns.get('hv'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h5ad: reads a file written by anndata 0.8 (scripts/fixtures/make_h5ad.py)', async () => {
  const d = await readH5ad(fixture('anndata_written.h5ad'));
  assert.equal(d.X.rows, 6);
  assert.equal(d.X.cols, 4);
  const X = csrToDense(d.X).data;
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) assert.equal(X[i * 4 + j], (i + j) % 2 === 0 ? (i + 1) * (j + 1) : 0);
  assert.deepEqual(d.obs.index, ['cell0', 'cell1', 'cell2', 'cell3', 'cell4', 'cell5']);
  assert.deepEqual(d.var.index, ['g0', 'g1', 'g2', 'g3']);
  const leiden = d.obs.columns.get('leiden');
  assert.ok(leiden?.kind === 'category');
  assert.deepEqual(Array.from(leiden.codes), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(leiden.categories, ['0', '1', '2']);
  const nc = d.obs.columns.get('n_counts');
  assert.ok(nc?.kind === 'number');
  for (let i = 0; i < 6; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += X[i * 4 + j];
    assert.equal(nc.values[i], s);
  }
  const sample = d.obs.columns.get('sample');
  assert.ok(sample?.kind === 'category' && sample.categories.join() === 'sA,sB');
  const flag = d.obs.columns.get('flag');
  assert.ok(flag?.kind === 'bool');
  assert.deepEqual(Array.from(flag.values), [1, 0, 1, 0, 1, 0]);
  const batch = d.obs.columns.get('batch');
  assert.ok(batch?.kind === 'number');
  assert.deepEqual(Array.from(batch.values).slice(0, 5), [1, 2, 1, 2, 1]);
  assert.ok(Number.isNaN(batch.values[5]));
  const hv = d.var.columns.get('highly_variable');
  assert.ok(hv?.kind === 'bool');
  assert.deepEqual(Array.from(hv.values), [1, 1, 0, 0]);
  const gid = d.var.columns.get('gene_ids');
  assert.ok(gid?.kind === 'string' && gid.values[3] === 'ENSG3');
  assert.deepEqual(Array.from(d.obsm.spatial.data, (v) => v + 0), [0, 0, 10, -5, 20, -10, 30, -15, 40, -20, 50, -25]);
  assert.deepEqual(Array.from(d.obsm.X_nmf.data), [0, 1, 0.5, 1.5, 1, 2, 1.5, 2.5, 2, 3, 2.5, 3.5]);
  assert.deepEqual(Array.from(d.varm.nmf.data), [0, -1, 1, 0, 2, 1, 3, 2]);
  const conn = csrToDense(d.obsp.spatial_connectivities).data;
  for (let i = 0; i < 6; i++) assert.equal(conn[i * 6 + ((i + 1) % 6)], 1);
  const counts = d.layers.counts;
  assert.ok('indptr' in counts);
  assert.deepEqual(Array.from(csrToDense(counts).data), Array.from(X, (v) => v * 2));
  const nmf = d.uns.nmf as { params: Record<string, unknown>; reconstruction_err: number };
  assert.deepEqual(nmf.params, { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: true });
  assert.equal(nmf.reconstruction_err, 1.25);
  assert.deepEqual(d.uns.leiden_colors, ['#1f77b4', '#ff7f0e', '#279e68']);
  assert.deepEqual(Array.from(d.uns.arr as Float64Array), [1, 2, 3]);
  assert.equal(d.uns.title, 'demo');
});

test('h5ad: real Xenium data survive stnmf -> h5ad -> anndata with the same totals', { skip: skipReason }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5ad-'));
  try {
    const d = await readTenxH5(shared('xenium-mouse-brain/cell_feature_matrix.h5'));
    const out = join(dir, 'x.h5ad');
    await writeH5ad(out, d);
    const r = spawnSync(PY, ['-c', `
import sys, anndata, json
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps([a.n_obs, a.n_vars, float(a.X.sum()), int(a.X.nnz), float(a.obs['control_probe_counts'].sum()), sorted(set(a.var['feature_types']))]))
`, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [n, p, s, nnz, ctrl, ft] = JSON.parse(r.stdout);
    assert.equal(n, 36602);
    assert.equal(p, 248);
    assert.equal(s, 9028172);
    assert.equal(nnz, d.X.indptr[d.X.rows]);
    assert.ok(ctrl > 0);
    assert.deepEqual(ft, ['Gene Expression']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h5ad: bad files give one-line errors', async () => {
  await assert.rejects(readH5ad(fixture('tenx_v3_mixed.h5')), (e: unknown) => e instanceof StnmfError && /tenx_v3_mixed\.h5: missing 'obs': not an AnnData file/.test(e.message));
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5ad-'));
  try {
    const d = demo();
    d.obsm['bad/key'] = d.obsm.spatial;
    await assert.rejects(writeH5ad(join(dir, 'x.h5ad'), d), (e: unknown) => e instanceof StnmfError && /obsm key "bad\/key" contains '\/'/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
    const d2 = demo();
    d2.obsm.spatial = { rows: 4, cols: 2, data: new Float64Array(8) };
    await assert.rejects(writeH5ad(join(dir, 'y.h5ad'), d2), /obsm "spatial" has 4 rows, expected 5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h5bool: lookup3 matches Jenkins test vectors', () => {
  const k = new TextEncoder().encode('Four score and seven years ago');
  assert.equal(lookup3(k, 0), 0x17770551);
  assert.equal(lookup3(k, 1), 0xcd628161);
  assert.equal(lookup3(new Uint8Array(0), 0), 0xdeadbeef);
});

test('h5ad: many categorical and bool columns (object-header continuation chunks) stay categorical/bool', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-h5ad-'));
  try {
    const n = 3000;
    const cols = new Map<string, Column>();
    for (let c = 0; c < 24; c++) {
      const k = 1 + ((c * 37) % 300); // up to 300 categories: int8 and int16 codes
      cols.set(`cat${c}`, { kind: 'category', codes: Int32Array.from({ length: n }, (_, i) => (i * 31 + c) % k), categories: Array.from({ length: k }, (_, j) => `c${j}`), ordered: c % 3 === 0 });
      cols.set(`b${c}`, { kind: 'bool', values: Uint8Array.from({ length: n }, (_, i) => (i + c) % 2) });
    }
    const d: Dataset = {
      X: { rows: n, cols: 1, indptr: Int32Array.from({ length: n + 1 }, (_, i) => i), indices: new Int32Array(n), data: Float32Array.from({ length: n }, (_, i) => i) },
      obs: { index: Array.from({ length: n }, (_, i) => `c${i}`), columns: cols },
      var: { index: ['g'], columns: new Map() },
      obsm: {}, varm: {}, obsp: {}, layers: {},
      uns: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`flag${i}`, i % 2 === 0])),
      meta: { platform: 'memory', source: '(memory)', filtered: [] },
    };
    const out = join(dir, 'many.h5ad');
    await writeH5ad(out, d, { gzip: 4 });
    // h5wasm (HDF5 1.14, which verifies every metadata checksum) reads the patched types back.
    const back = await readH5ad(out);
    for (const [k, c] of cols) {
      const b = back.obs.columns.get(k)!;
      if (c.kind === 'category') {
        assert.ok(b.kind === 'category', k);
        assert.deepEqual([Array.from(b.codes), b.categories, Boolean(b.ordered)], [Array.from(c.codes), c.categories, Boolean(c.ordered)], k);
      } else assert.deepEqual(b, c, k);
    }
    for (let i = 0; i < 12; i++) assert.equal(back.uns[`flag${i}`], i % 2 === 0);
    if (!skipReason) {
      const r = spawnSync(PY, ['-c', `
import sys, json, anndata
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps([a.obs.dtypes.astype(str).value_counts().to_dict(), [bool(a.obs[f'cat{c}'].cat.ordered) for c in range(24)], int(a.obs['b1'].sum()), [type(a.uns[f'flag{i}']).__name__ for i in range(12)]]))
`, out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const [dtypes, ordered, b1, flagTypes] = JSON.parse(r.stdout);
      assert.deepEqual(dtypes, { category: 24, bool: 24 });
      assert.deepEqual(ordered, Array.from({ length: 24 }, (_, c) => c % 3 === 0));
      assert.equal(b1, n / 2);
      assert.ok(flagTypes.every((t: string) => t === 'bool_'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
