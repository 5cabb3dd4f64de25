/**
 * Vitessce export: the AnnData-zarr stores decode back (zarr v2 metadata, zlib chunks,
 * vlen-utf8 strings) to the result's W, coordinates, names and clusters, and the view config
 * references the stores with the documented file type and options (formats.md §1.13).
 * The stores were also opened with anndata 0.8 + zarr 2.13 (python3-anndata, python3-zarr)
 * during development; that check runs here when /usr/bin/python3 has both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';
import { loadResult } from '../src/cli/commands/view.js';
import { vitessceExport, writeStore } from '../src/cli/commands/export-vitessce.js';
import { xeniumResult } from './viewer-helpers.js';

function decodeVlen(b: Uint8Array): string[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0, true);
  const out: string[] = [];
  let o = 4;
  for (let i = 0; i < n; i++) {
    const len = dv.getUint32(o, true);
    out.push(new TextDecoder().decode(b.subarray(o + 4, o + 4 + len)));
    o += 4 + len;
  }
  return out;
}

test('Vitessce export of the Xenium NMF result round-trips and has a valid config', async (t) => {
  const fx = await xeniumResult(1);
  const r = await loadResult(fx.dir);
  const { main, factors, config } = vitessceExport(r, 'http://localhost:8000/');
  const meta = JSON.parse(new TextDecoder().decode(factors.get('.zmetadata'))).metadata;
  assert.deepEqual(meta['.zattrs'], { 'encoding-type': 'anndata', 'encoding-version': '0.1.0' });
  const xa = meta['X/.zarray'];
  assert.deepEqual(xa.shape, [fx.n, fx.k]);
  assert.equal(xa.dtype, '<f4');
  // X = W, from its chunks.
  const X = new Float32Array(fx.n * fx.k);
  for (let c0 = 0, cc = 0; c0 < fx.k; c0 += xa.chunks[1], cc++) {
    const chunk = new Float32Array(unzlibSync(factors.get(`X/0.${cc}`) as Uint8Array).buffer);
    for (let i = 0; i < fx.n; i++) for (let j = 0; j < xa.chunks[1] && c0 + j < fx.k; j++) X[i * fx.k + c0 + j] = chunk[i * xa.chunks[1] + j];
  }
  assert.deepEqual(X, fx.W);
  assert.deepEqual(decodeVlen(factors.get('obs/_index/0') as Uint8Array), fx.obsNames);
  assert.deepEqual(decodeVlen(factors.get('var/_index/0') as Uint8Array), Array.from({ length: fx.k }, (_, f) => `Factor_${f + 1}`));
  const sp = new Float64Array(unzlibSync(main.get('obsm/spatial/0.0') as Uint8Array).buffer);
  assert.equal(sp[0], fx.x[0]);
  assert.equal(sp[2 * 100 + 1], fx.y[100]);
  const cats = decodeVlen(main.get('obs/dominant_factor/categories/0') as Uint8Array);
  const codes = new Int8Array(unzlibSync(main.get('obs/dominant_factor/codes/0') as Uint8Array).buffer);
  for (const i of [0, 17, fx.n - 1]) assert.equal(cats[codes[i]], `F${fx.clusters[i] + 1}`);

  const c = config as { version: string; datasets: { files: { fileType: string; url: string; options: Record<string, unknown>; coordinationValues: Record<string, string> }[] }[]; layout: { component: string }[] };
  assert.equal(c.version, '1.0.16');
  const files = c.datasets[0].files;
  assert.deepEqual(files.map((f) => f.url), ['http://localhost:8000/result.zarr', 'http://localhost:8000/factors.zarr']);
  assert.ok(files.every((f) => f.fileType === 'anndata.zarr'));
  assert.deepEqual(files[0].options.obsSpots, { path: 'obsm/spatial' });
  assert.deepEqual(files[0].options.obsSets, [{ name: 'dominant_factor', path: 'obs/dominant_factor' }]);
  assert.equal(files[1].coordinationValues.featureType, 'factor');
  assert.ok(c.layout.some((l) => l.component === 'spatial'));

  // anndata itself, when the Debian Python has it.
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import anndata, zarr'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.diagnostic('python3 anndata/zarr not available: skipped the anndata read-back');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-vitessce-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeStore(join(dir, 'factors.zarr'), factors);
  writeStore(join(dir, 'result.zarr'), main);
  writeFileSync(join(dir, 'W.bin'), new Uint8Array(fx.W.buffer));
  const py = `
import anndata, numpy as np, sys
d = sys.argv[1]
f = anndata.read_zarr(d + '/factors.zarr')
a = anndata.read_zarr(d + '/result.zarr')
W = np.fromfile(d + '/W.bin', dtype='<f4').reshape(f.shape)
assert np.array_equal(f.X, W)
assert np.array_equal(a.obsm['X_nmf'], W)
assert list(a.obs['dominant_factor'].cat.categories) == ['F%d' % (i + 1) for i in range(W.shape[1])], list(a.obs['dominant_factor'].cat.categories)
assert a.obsm['spatial'].shape == (W.shape[0], 2)
assert len(a.uns['dominant_factor_colors']) == W.shape[1]
print('ok', f.shape, a.shape)
`;
  const res = spawnSync('/usr/bin/python3', ['-c', py, dir], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^ok/);
});
