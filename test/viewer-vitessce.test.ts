/**
 * Vitessce export: the AnnData-zarr stores decode back (zarr v2 metadata, zlib chunks,
 * vlen-utf8 strings) to the result's W, coordinates, names and clusters, and the view config
 * references the stores with the documented file type and options (formats.md §1.13).
 * Debian's python3 anndata (0.8, with zarr 2.13) opens both stores and sees the same obs
 * names, obsm.spatial, X_nmf and factor matrix (skipped with a note when /usr/bin/python3
 * lacks them); the config's keys, grid, coordination scopes (including the spatialBeta spot
 * layer's meta-coordination) and file URLs are checked against formats.md §1.13. Whether the
 * real Vitessce app loads and draws the export is tested in viewer-vitessce-app.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  const c = config as {
    version: string;
    datasets: { uid: string; name: string; files: { fileType: string; url: string; options: Record<string, unknown>; coordinationValues: Record<string, string> }[] }[];
    coordinationSpace: Record<string, Record<string, unknown>>;
    layout: { component: string; x: number; y: number; w: number; h: number; coordinationScopes: Record<string, string | string[]> }[];
  };
  assert.equal(c.version, '1.0.16');
  // formats.md §1.13: the top-level keys, {uid, name, files} datasets, {fileType, url, options, coordinationValues} files.
  assert.deepEqual(Object.keys(c).sort(), ['coordinationSpace', 'datasets', 'description', 'initStrategy', 'layout', 'name', 'version']);
  assert.equal((config as { initStrategy: string }).initStrategy, 'auto');
  for (const d of c.datasets) {
    assert.ok(d.uid && d.name);
    for (const f of d.files) {
      assert.deepEqual(Object.keys(f).sort(), ['coordinationValues', 'fileType', 'options', 'url']);
      assert.deepEqual(Object.keys(f.coordinationValues).sort(), ['featureType', 'featureValueType', 'obsType']);
    }
  }
  // Views on the 12-column grid; every coordination scope names a value of coordinationSpace
  // (meta scopes, lists of scopes for multi-layer types, included).
  const space = c.coordinationSpace;
  const hasScope = (type: string, scope: unknown): boolean => (Array.isArray(scope) ? scope : [scope]).every((s) => space[type] !== undefined && typeof s === 'string' && s in space[type]);
  const resolved = (scopes: Record<string, unknown>, type: string): unknown => space[type]?.[scopes[type] as string];
  // A matrix file for the obs/feature/value types a view or layer resolves to.
  const checkMatrix = (what: string, scopes: Record<string, unknown>): void => {
    const want = { obsType: resolved(scopes, 'obsType'), featureType: resolved(scopes, 'featureType'), featureValueType: resolved(scopes, 'featureValueType') };
    assert.ok(
      c.datasets[0].files.some((f) => f.options.obsFeatureMatrix && f.coordinationValues.obsType === want.obsType && f.coordinationValues.featureType === want.featureType && f.coordinationValues.featureValueType === want.featureValueType),
      `${what}: no file with a feature matrix for ${JSON.stringify(want)}`,
    );
  };
  for (const l of c.layout) {
    assert.ok(l.x >= 0 && l.w > 0 && l.x + l.w <= 12 && l.y >= 0 && l.h > 0, `${l.component} at x=${l.x} w=${l.w}`);
    for (const [type, scope] of Object.entries(l.coordinationScopes)) assert.ok(hasScope(type, scope), `${l.component}: scope ${type}=${JSON.stringify(scope)} not in coordinationSpace`);
    // Views that colour or list features find a file with a matrix for their obs/feature/value types.
    if (l.coordinationScopes.featureType) checkMatrix(l.component, l.coordinationScopes);
    if (l.component === 'scatterplot') {
      const emb = (c.datasets[0].files[0].options.obsEmbedding as { embeddingType: string; path: string }[])[0];
      assert.equal(resolved(l.coordinationScopes, 'embeddingType'), emb.embeddingType);
      assert.ok(main.has(`${emb.path}/.zarray`), `embedding ${emb.path} not in the store`);
    }
  }
  // The spatial view is spatialBeta (the legacy 'spatial' view ignores obsSpots and drew nothing in
  // Vitessce 4.0.8; see viewer-vitessce-app.test.ts) with one spot layer declared through meta-
  // coordination, coloured by the factor the factor list selects.
  const spatial = c.layout.find((l) => l.component === 'spatialBeta');
  assert.ok(spatial, 'no spatialBeta view');
  assert.deepEqual(spatial.coordinationScopes.metaCoordinationScopes, ['A']);
  const metaScopes = space.metaCoordinationScopes.A as { spotLayer: string[] };
  const metaBy = space.metaCoordinationScopesBy.A as { spotLayer: Record<string, Record<string, string>> };
  assert.deepEqual(metaScopes.spotLayer, ['A']);
  const layer = Object.fromEntries(Object.entries(metaBy.spotLayer).map(([type, byLayer]) => [type, byLayer.A]));
  for (const [type, scope] of Object.entries(layer)) assert.ok(hasScope(type, scope), `spot layer: ${type}=${scope} not in coordinationSpace`);
  checkMatrix('spot layer', layer);
  assert.equal(resolved(layer, 'featureType'), 'factor');
  const factorList = c.layout.find((l) => l.component === 'featureList' && l.coordinationScopes.featureType === 'factor');
  assert.ok(factorList);
  for (const type of ['featureSelection', 'obsColorEncoding', 'obsSetSelection', 'obsSetColor']) {
    assert.equal(layer[type], factorList.coordinationScopes[type], `spot layer and factor list share ${type}`);
  }
  assert.equal(resolved(layer, 'obsColorEncoding'), 'geneSelection');
  // Spot radius: half the median nearest-neighbour distance of the Xenium centroids, in µm.
  const radius = resolved(layer, 'spatialSpotRadius') as number;
  assert.ok(radius > 3 && radius < 10, `spot radius ${radius}`);
  // The initial factor selection is a var name of the factor store.
  assert.deepEqual(c.coordinationSpace.featureSelection.factor, ['Factor_1']);
  assert.ok(main.has('obsm/spatial/.zarray') && factors.has('obsm/spatial/.zarray'));
  const files = c.datasets[0].files;
  assert.deepEqual(files.map((f) => f.url), ['http://localhost:8000/result.zarr', 'http://localhost:8000/factors.zarr']);
  assert.ok(files.every((f) => f.fileType === 'anndata.zarr'));
  assert.deepEqual(files[0].options.obsSpots, { path: 'obsm/spatial' });
  // Spots come from the main store only: Vitessce matches obsSpots files on obsType alone.
  assert.equal(files[1].options.obsSpots, undefined);
  assert.deepEqual(files[0].options.obsSets, [{ name: 'dominant_factor', path: 'obs/dominant_factor' }]);
  assert.equal(files[1].coordinationValues.featureType, 'factor');

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
  const xy = new Float64Array(2 * fx.n);
  for (let i = 0; i < fx.n; i++) (xy[2 * i] = fx.x[i]), (xy[2 * i + 1] = fx.y[i]);
  writeFileSync(join(dir, 'xy.bin'), new Uint8Array(xy.buffer));
  writeFileSync(join(dir, 'obs_names.txt'), fx.obsNames.join('\n') + '\n');
  // The stores sit where the config's URLs point, relative to the served folder.
  for (const f of c.datasets[0].files) assert.ok(f.url.startsWith('http://localhost:8000/') && existsSync(join(dir, f.url.slice('http://localhost:8000/'.length), '.zmetadata')), f.url);
  const py = `
import anndata, numpy as np, sys
d = sys.argv[1]
f = anndata.read_zarr(d + '/factors.zarr')
a = anndata.read_zarr(d + '/result.zarr')
W = np.fromfile(d + '/W.bin', dtype='<f4').reshape(f.shape)
names = open(d + '/obs_names.txt').read().split()
xy = np.fromfile(d + '/xy.bin', dtype='<f8').reshape(-1, 2)
assert list(f.obs_names) == names and list(a.obs_names) == names
assert list(f.var_names) == ['Factor_%d' % (i + 1) for i in range(W.shape[1])], list(f.var_names)
assert np.array_equal(f.X, W)
assert np.array_equal(a.obsm['X_nmf'], W)
assert np.array_equal(a.obsm['spatial'], xy) and np.array_equal(f.obsm['spatial'], xy)
assert list(a.obs['dominant_factor'].cat.categories) == ['F%d' % (i + 1) for i in range(W.shape[1])], list(a.obs['dominant_factor'].cat.categories)
assert a.obsm['spatial'].shape == (W.shape[0], 2)
assert len(a.uns['dominant_factor_colors']) == W.shape[1]
print('ok', f.shape, a.shape)
`;
  const res = spawnSync('/usr/bin/python3', ['-c', py, dir], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^ok/);
});
