import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readH5ad, writeH5ad } from '../src/io/h5ad.js';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { csrToDense } from '../src/linalg/csr.js';
import type { Dataset } from '../src/dataset.js';
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
      ]),
    },
    var: { index: ['Actb', 'Gfap', 'Snap25'], columns: new Map([['gene_ids', { kind: 'string' as const, values: ['E1', 'E2', 'E3'] }]]) },
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
 'leiden': a.obs['leiden'].tolist(), 'leiden_cats': sorted(set(a.obs['leiden'].tolist()) - {''}),
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
    assert.deepEqual(o.leiden, ['0', '1', '0', '2', '']); // categoricals are written as text (see h5ad.ts)
    assert.deepEqual(o.leiden_cats, ['0', '1', '2']);
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
    // h5wasm cannot write HDF5 enums, so a bool in uns reaches anndata as the integer 1.
    assert.deepEqual(o.params, { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: 1 });
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
        assert.deepEqual([Array.from(b.codes), b.categories], [Array.from(c.codes), c.categories], k);
      } else assert.deepEqual(b, c, k);
    }
    assert.deepEqual(back.obsm.spatial, d.obsm.spatial);
    assert.deepEqual(back.meta.filtered, d.meta.filtered);
    assert.equal(back.meta.coordinateUnit, 'um');
    assert.deepEqual((back.uns.nmf as Record<string, unknown>).params, { n_components: 2, solver: 'mu', tol: 1e-4, shuffle: true });
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
