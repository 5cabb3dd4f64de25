/**
 * Vitessce export: the AnnData-zarr stores decode back (zarr v2 metadata, zlib chunks,
 * vlen-utf8 strings) to the result's W, coordinates, names, clusters and, with the counts, the
 * gene matrix, and the view config references the stores with the documented file type and
 * options (formats.md §1.13). Debian's python3 anndata (0.8, with zarr 2.13) opens both stores
 * and sees the same obs names, obsm.spatial, X_nmf and factor matrix (skipped with a note when
 * /usr/bin/python3 lacks them); the config's keys, grid, coordination scopes (the spatialBeta
 * maps' spot layers declared by meta-coordination, the factor map driven by the factor list and
 * cell sets, the gene map by the gene list) and cell-set colours (= the uns colours) are
 * checked without and with genes. Whether the real Vitessce app loads and draws the export is
 * tested in viewer-vitessce-app.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';
import { readResult, type ExpressionByFeature } from '../src/io/result.js';
import { vitessceExport } from '../src/plot/vitessce.js';
import { writeStore } from '../src/io/store.js';
import { parseHex } from '../src/plot/color.js';
import { XENIUM_H5, xeniumResult } from './viewer-helpers.js';

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

type Config = {
  version: string;
  datasets: { uid: string; name: string; files: { fileType: string; url: string; options: Record<string, unknown>; coordinationValues: Record<string, string> }[] }[];
  coordinationSpace: Record<string, Record<string, unknown>>;
  layout: { component: string; x: number; y: number; w: number; h: number; props?: Record<string, unknown>; coordinationScopes: Record<string, string | string[]> }[];
};

/**
 * The config's structure (formats.md §1.13) and its coordination: every scope a view or spot layer
 * names exists, views and layers that colour by a feature find a matrix for their types, the factor
 * map's layer is driven by the factor list (and the cell sets), and, when the main store has
 * genes, a second map's layer by the gene list, with pan/zoom linked. Cell-set colours are the
 * store's uns colours.
 */
function checkConfig(config: Record<string, unknown>, main: Map<string, Uint8Array>, want: { k: number; genes: string[] | null }): void {
  const c = config as Config;
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
  // Views on the 12-column grid, not overlapping; every coordination scope names a value of
  // coordinationSpace (meta scopes, lists of scopes for multi-layer types, included).
  const space = c.coordinationSpace;
  const hasScope = (type: string, scope: unknown): boolean => (Array.isArray(scope) ? scope : [scope]).every((s) => space[type] !== undefined && typeof s === 'string' && s in space[type]);
  const resolved = (scopes: Record<string, unknown>, type: string): unknown => space[type]?.[scopes[type] as string];
  // A matrix file for the obs/feature/value types a view or layer resolves to.
  const checkMatrix = (what: string, scopes: Record<string, unknown>): void => {
    const types = { obsType: resolved(scopes, 'obsType'), featureType: resolved(scopes, 'featureType'), featureValueType: resolved(scopes, 'featureValueType') };
    assert.ok(
      c.datasets[0].files.some((f) => f.options.obsFeatureMatrix && f.coordinationValues.obsType === types.obsType && f.coordinationValues.featureType === types.featureType && f.coordinationValues.featureValueType === types.featureValueType),
      `${what}: no file with a feature matrix for ${JSON.stringify(types)}`,
    );
  };
  const cells = new Set<string>();
  for (const l of c.layout) {
    assert.ok(l.x >= 0 && l.w > 0 && l.x + l.w <= 12 && l.y >= 0 && l.h > 0, `${l.component} at x=${l.x} w=${l.w}`);
    for (let x = l.x; x < l.x + l.w; x++) for (let y = l.y; y < l.y + l.h; y++) {
      assert.ok(!cells.has(`${x},${y}`), `${l.component} overlaps another view at grid cell ${x},${y}`);
      cells.add(`${x},${y}`);
    }
    for (const [type, scope] of Object.entries(l.coordinationScopes)) assert.ok(hasScope(type, scope), `${l.component}: scope ${type}=${JSON.stringify(scope)} not in coordinationSpace`);
    // Views that colour or list features find a file with a matrix for their obs/feature/value types.
    if (l.coordinationScopes.featureType) checkMatrix(l.component, l.coordinationScopes);
    if (l.component === 'scatterplot') {
      const emb = (c.datasets[0].files[0].options.obsEmbedding as { embeddingType: string; path: string }[])[0];
      assert.equal(resolved(l.coordinationScopes, 'embeddingType'), emb.embeddingType);
      assert.ok(main.has(`${emb.path}/.zarray`), `embedding ${emb.path} not in the store`);
    }
  }
  // Spatial maps are spatialBeta views (the legacy 'spatial' view ignores obsSpots and drew
  // nothing in Vitessce 4.0.8; see viewer-vitessce-app.test.ts), each with one spot layer declared
  // through meta-coordination.
  const maps = c.layout.filter((l) => l.component === 'spatialBeta');
  assert.equal(maps.length, want.genes ? 2 : 1, 'one map for factors, one more for genes when the export has them');
  const metaScopes = space.metaCoordinationScopes as Record<string, { spotLayer: string[] }>;
  const metaBy = space.metaCoordinationScopesBy as Record<string, { spotLayer: Record<string, Record<string, string>> }>;
  /** The single spot layer of a map, as type → scope. */
  const layerOf = (view: (typeof c.layout)[number]): Record<string, string> => {
    const [meta] = view.coordinationScopes.metaCoordinationScopes as string[];
    const [by] = view.coordinationScopes.metaCoordinationScopesBy as string[];
    assert.equal(metaScopes[meta]?.spotLayer.length, 1, `${meta}: one spot layer per map`);
    const name = metaScopes[meta].spotLayer[0];
    assert.ok(hasScope('spotLayer', name), `spot layer ${name} not in coordinationSpace.spotLayer`);
    const layer = Object.fromEntries(Object.entries(metaBy[by].spotLayer).map(([type, byLayer]) => [type, byLayer[name]]));
    for (const [type, scope] of Object.entries(layer)) assert.ok(hasScope(type, scope), `spot layer ${name}: ${type}=${scope} not in coordinationSpace`);
    checkMatrix(`spot layer ${name}`, layer);
    return layer;
  };
  const listOf = (featureType: string) => c.layout.find((l) => l.component === 'featureList' && l.coordinationScopes.featureType === featureType);
  const factorLayer = layerOf(maps[0]);
  assert.equal(resolved(factorLayer, 'featureType'), 'factor');
  const factorList = listOf('factor');
  const obsSets = c.layout.find((l) => l.component === 'obsSets');
  assert.ok(factorList && obsSets);
  for (const type of ['featureSelection', 'obsColorEncoding', 'obsSetSelection', 'obsSetColor']) {
    assert.equal(factorLayer[type], factorList.coordinationScopes[type], `factor layer and factor list share ${type}`);
  }
  for (const type of ['obsColorEncoding', 'obsSetSelection', 'obsSetColor']) assert.equal(factorLayer[type], obsSets.coordinationScopes[type], `factor layer and cell sets share ${type}`);
  assert.equal(resolved(factorLayer, 'obsColorEncoding'), 'geneSelection');
  // Spot radius: half the median nearest-neighbour distance of the Xenium centroids, in µm.
  const radius = resolved(factorLayer, 'spatialSpotRadius') as number;
  assert.ok(radius > 3 && radius < 10, `spot radius ${radius}`);
  // The initial factor selection is a var name of the factor store.
  assert.deepEqual(resolved(factorList.coordinationScopes, 'featureSelection'), ['Factor_1']);
  // Cell-set colours: our uns colours per category, as [r, g, b].
  const unsColors = decodeVlen(main.get('uns/dominant_factor_colors/0') as Uint8Array);
  assert.equal(unsColors.length, want.k);
  const setColors = resolved(obsSets.coordinationScopes, 'obsSetColor') as { path: string[]; color: number[] }[];
  const cats = decodeVlen(main.get('obs/dominant_factor/categories/0') as Uint8Array);
  for (let f = 0; f < want.k; f++) {
    const e = setColors.find((s) => s.path.join('/') === `dominant_factor/${cats[f]}`);
    assert.deepEqual(e?.color, parseHex(unsColors[f]), `obsSetColor of ${cats[f]}`);
  }
  const layerController = c.layout.find((l) => l.component === 'layerControllerBeta');
  assert.ok(layerController);
  const controlled = (layerController.coordinationScopes.metaCoordinationScopes as string[]).flatMap((m) => metaScopes[m].spotLayer);
  if (want.genes) {
    // The gene map: its layer follows the gene list's selection and colour encoding, and neither
    // the factor list nor the cell sets (separate scopes); pan and zoom are linked to the factor map.
    const geneLayer = layerOf(maps[1]);
    const geneList = listOf('gene');
    assert.ok(geneList);
    assert.equal(resolved(geneLayer, 'featureType'), 'gene');
    for (const type of ['featureSelection', 'obsColorEncoding']) {
      assert.equal(geneLayer[type], geneList.coordinationScopes[type], `gene layer and gene list share ${type}`);
      assert.notEqual(geneLayer[type], factorLayer[type], `gene and factor layers have separate ${type}`);
    }
    assert.equal(resolved(geneLayer, 'obsColorEncoding'), 'geneSelection');
    const firstGene = resolved(geneList.coordinationScopes, 'featureSelection') as string[];
    assert.equal(firstGene.length, 1);
    assert.ok(want.genes.includes(firstGene[0]), `initial gene ${firstGene[0]} not in the main store's var`);
    for (const type of ['spatialZoom', 'spatialTargetX', 'spatialTargetY']) assert.equal(maps[0].coordinationScopes[type], maps[1].coordinationScopes[type], `maps share ${type}`);
    assert.deepEqual(maps.map((m) => m.props?.title), ['Spatial: factors', 'Spatial: genes']);
    // The layer controller lists both layers, labelled.
    assert.deepEqual(controlled.sort(), [metaScopes[(maps[0].coordinationScopes.metaCoordinationScopes as string[])[0]].spotLayer[0], metaScopes[(maps[1].coordinationScopes.metaCoordinationScopes as string[])[0]].spotLayer[0]].sort());
    assert.deepEqual([resolved(factorLayer, 'spatialLayerLabel'), resolved(geneLayer, 'spatialLayerLabel')], ['Factors', 'Genes']);
    assert.ok(main.has('X/.zarray'), 'main store without X');
  } else {
    assert.equal(listOf('gene'), undefined, 'a gene list without genes');
    assert.deepEqual(controlled, [metaScopes[(maps[0].coordinationScopes.metaCoordinationScopes as string[])[0]].spotLayer[0]]);
  }
  const files = c.datasets[0].files;
  assert.deepEqual(files.map((f) => f.url), ['http://localhost:8000/result.zarr', 'http://localhost:8000/factors.zarr']);
  assert.ok(files.every((f) => f.fileType === 'anndata.zarr'));
  assert.deepEqual(files[0].options.obsSpots, { path: 'obsm/spatial' });
  assert.deepEqual(files[0].options.obsFeatureMatrix, want.genes ? { path: 'X' } : undefined);
  // Spots come from the main store only: Vitessce matches obsSpots files on obsType alone.
  assert.equal(files[1].options.obsSpots, undefined);
  assert.deepEqual(files[0].options.obsSets, [{ name: 'dominant_factor', path: 'obs/dominant_factor' }]);
  assert.equal(files[1].coordinationValues.featureType, 'factor');
  assert.ok(main.has('obsm/spatial/.zarray'));
}

test('Vitessce export of the Xenium NMF result round-trips and has a valid config', async (t) => {
  const fx = await xeniumResult(1);
  const r = await readResult(fx.dir);
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

  checkConfig(config, main, { k: fx.k, genes: null });

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
  for (const f of (config as Config).datasets[0].files) assert.ok(f.url.startsWith('http://localhost:8000/') && existsSync(join(dir, f.url.slice('http://localhost:8000/'.length), '.zmetadata')), f.url);
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

test('Vitessce export with the Xenium counts: a gene map driven by the gene list, X = the counts', async () => {
  const fx = await xeniumResult(1);
  const r = await readResult(fx.dir, { data: XENIUM_H5 });
  assert.ok(r.expression, 'no counts loaded');
  const e: ExpressionByFeature = r.expression;
  const { main, config } = vitessceExport(r, 'http://localhost:8000/');
  checkConfig(config, main, { k: fx.k, genes: e.names });
  assert.deepEqual(decodeVlen(main.get('var/_index/0') as Uint8Array), e.names);
  // X is dense and column-chunked (what Vitessce fetches per gene): a marker's column is its counts.
  const xa = JSON.parse(new TextDecoder().decode(main.get('X/.zarray'))) as { shape: number[]; chunks: number[]; dtype: string };
  assert.deepEqual(xa.shape, [fx.n, e.names.length]);
  assert.equal(xa.dtype, '<f4');
  for (const g of ['Prox1', 'Slc17a7']) {
    const j = e.names.indexOf(g);
    assert.ok(j >= 0, `${g} not in the panel`);
    const cw = xa.chunks[1];
    const chunk = new Float32Array(unzlibSync(main.get(`X/0.${Math.floor(j / cw)}`) as Uint8Array).buffer);
    const want = new Float32Array(fx.n);
    for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) want[e.indices[q]] = e.data[q];
    const got = Float32Array.from({ length: fx.n }, (_, i) => chunk[i * cw + (j % cw)]);
    assert.deepEqual(got, want, `X column of ${g}`);
  }
  // The gene map starts on Factor_1's top gene.
  const space = (config as Config).coordinationSpace;
  const top = JSON.parse(new TextDecoder().decode(main.get('uns/.zattrs'))).nmf_top_features.Factor_1 as string[];
  assert.deepEqual(space.featureSelection.gene, [top.find((g) => e.names.includes(g))]);
});
