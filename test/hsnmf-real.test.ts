/**
 * hSNMF on real data (issue 5 "must show"): on osmFISH (5,328 cells, 33 genes; 0.065 µm per
 * pixel from the loom's size_um2/size_pix) and on a window of the Xenium mouse-brain run, the
 * hybrid mode gives lower CHAOS and lower PAS (more compact domains) than the feature mode at
 * the same rank and resolution, and on osmFISH the hybrid clusters agree with the published
 * region labels better (ARI) than non-spatial NMF + Leiden (no smoothing, feature graph).
 * Full-slide figures: docs/results-hsnmf.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeDataset, type Dataset } from '../src/dataset.js';
import { readXenium } from '../src/io/xenium.js';
import { selectRows } from '../src/linalg/csr.js';
import { evaluateHsnmf, hsnmf } from '../src/methods/snmf/index.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

/** The Giotto-prepared osmFISH tables: 33 genes x 5,328 cells, pixel coordinates, regions. */
function readOsmfish(): { ds: Dataset; region: string[] } {
  const ex = readFileSync(shared('osmfish-mouse-cortex/count_matrix/osmFISH_prep_expression.txt'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const cells = ex[0].slice(ex[0][0] === '' ? 1 : 0);
  const genes = ex.slice(1).map((r) => r[0]);
  const n = cells.length, p = genes.length;
  const indptr = new Int32Array(n + 1), idx: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < p; g++) { const v = +ex[g + 1][i + 1]; if (v !== 0) { idx.push(g); val.push(v); } }
    indptr[i + 1] = idx.length;
  }
  const X = { rows: n, cols: p, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  const rowsOf = (path: string) => new Map(readFileSync(shared(path), 'utf8').trim().split('\n').slice(1).map((l) => { const f = l.split('\t'); return [f[0], f] as const; }));
  const loc = rowsOf('osmfish-mouse-cortex/cell_locations/osmFISH_prep_cell_coordinates.txt');
  const meta = rowsOf('osmfish-mouse-cortex/raw_data/osmFISH_prep_cell_metadata.txt');
  const ds = makeDataset(X, cells, genes, { coordinateUnit: 'px', micronsPerUnit: 0.065, source: 'osmFISH' });
  ds.obsm.spatial = { rows: n, cols: 2, data: Float64Array.from(cells.flatMap((c) => [+loc.get(c)![1], +loc.get(c)![2]])) };
  const region = cells.map((c) => { const r = meta.get(c)![3]; return r === 'Excluded' ? '' : r; });
  return { ds, region };
}

test('osmFISH: hybrid beats feature mode on CHAOS and PAS, and beats non-spatial NMF + Leiden on region ARI', async () => {
  const { ds, region } = readOsmfish();
  assert.equal(ds.X.rows, 5328);
  assert.equal(ds.X.cols, 33);
  const hybrid = await hsnmf(ds, { rank: 10, resolution: 0.4 });
  const feature = await hsnmf(ds, { rank: 10, resolution: 0.4, mode: 'feature', snmfResult: hybrid.snmf });
  const plain = await hsnmf(ds, { rank: 10, resolution: 0.4, mode: 'feature', steps: 0 }); // Ws = W0: no spatial information
  const ev = (r: typeof hybrid) => evaluateHsnmf(r, { referenceLabels: region, skipMarkers: true }).metrics;
  const h = ev(hybrid), f = ev(feature), b = ev(plain);
  assert.ok(h.chaos < f.chaos, `CHAOS hybrid ${h.chaos} vs feature ${f.chaos}`);
  assert.ok(h.pas < f.pas, `PAS hybrid ${h.pas} vs feature ${f.pas}`);
  assert.ok(h.ari > b.ari + 0.05, `ARI hybrid ${h.ari} vs NMF + Leiden ${b.ari}`);
  assert.ok(h.moransI > h.moransIRaw, 'smoothing raises Moran of component 1');
  assert.equal(b.moransI, b.moransIRaw);
});

test('Xenium window (real run): hybrid beats feature mode on CHAOS and PAS at rank 10, resolution 0.4', async () => {
  const full = await readXenium(shared('xenium-mouse-brain'));
  assert.equal(full.meta.coordinateUnit, 'um');
  const xy = full.obsm.spatial.data;
  const keep: number[] = [];
  for (let i = 0; i < full.X.rows; i++) if (xy[2 * i] >= 1500 && xy[2 * i] < 3000 && xy[2 * i + 1] >= 1000 && xy[2 * i + 1] < 2500) keep.push(i);
  const ds = makeDataset(selectRows(full.X, keep), keep.map((i) => full.obs.index[i]), full.var.index, { coordinateUnit: 'um', source: 'xenium window' });
  ds.obsm.spatial = { rows: keep.length, cols: 2, data: Float64Array.from(keep.flatMap((i) => [xy[2 * i], xy[2 * i + 1]])) };
  const hybrid = await hsnmf(ds, { rank: 10, resolution: 0.4 });
  const feature = await hsnmf(ds, { rank: 10, resolution: 0.4, mode: 'feature', snmfResult: hybrid.snmf });
  const h = evaluateHsnmf(hybrid, { skipMarkers: true }).metrics;
  const f = evaluateHsnmf(feature, { skipMarkers: true }).metrics;
  assert.ok(keep.length > 4000, `${keep.length} cells`);
  assert.ok(h.chaos < f.chaos, `CHAOS hybrid ${h.chaos} vs feature ${f.chaos}`);
  assert.ok(h.pas < f.pas, `PAS hybrid ${h.pas} vs feature ${f.pas}`);
  assert.ok(h.moransI > 0.9, `Moran ${h.moransI}`);
  assert.equal(h.adjHybrid, h.adjRadius);
});
