import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Dataset } from '../src/dataset.js';
import { readXenium } from '../src/io/xenium.js';
import { readVisium } from '../src/io/visium.js';
import { readMex } from '../src/io/mex.js';
import { readCoordinates, readCsvDataset } from '../src/io/csv.js';
import { rowSums } from '../src/io/util.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

function total(d: Dataset): number {
  let s = 0;
  for (let p = 0; p < d.X.data.length; p++) s += d.X.data[p];
  return s;
}
function at(d: Dataset, i: number, j: number): number {
  for (let p = d.X.indptr[i]; p < d.X.indptr[i + 1]; p++) if (d.X.indices[p] === j) return d.X.data[p];
  return 0;
}
function range(d: Dataset, axis: 0 | 1): [number, number] {
  const s = d.obsm.spatial;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < s.rows; i++) {
    lo = Math.min(lo, s.data[2 * i + axis]);
    hi = Math.max(hi, s.data[2 * i + axis]);
  }
  return [lo, hi];
}
function numCol(d: Dataset, name: string): ArrayLike<number> {
  const c = d.obs.columns.get(name);
  assert.ok(c && c.kind === 'number', `obs column ${name}`);
  return c.values;
}

test('xenium bundle: h5 + cells.csv.gz -> 36,602 x 248, centroids in µm, control totals agree with cells.csv', async () => {
  const d = await readXenium(shared('xenium-mouse-brain'));
  assert.equal(d.meta.platform, 'xenium');
  assert.equal(d.X.rows, 36602);
  assert.equal(d.X.cols, 248);
  assert.equal(d.meta.coordinateUnit, 'um');
  const [x0, x1] = range(d, 0);
  const [y0, y1] = range(d, 1);
  // README: x 234-5,447, y 181-3,534 µm.
  assert.ok(Math.round(x0) === 234 || Math.floor(x0) === 234, `x min ${x0}`);
  assert.ok(Math.floor(x1) === 5447 || Math.round(x1) === 5447, `x max ${x1}`);
  assert.ok(Math.floor(y0) === 181 || Math.round(y0) === 181, `y min ${y0}`);
  assert.ok(Math.floor(y1) === 3534 || Math.round(y1) === 3534, `y max ${y1}`);
  // First cell of cells.csv.gz: cell 1 at (1898.81, 2540.96).
  assert.ok(Math.abs(d.obsm.spatial.data[0] - 1898.8149169921874) < 1e-9);
  assert.ok(Math.abs(d.obsm.spatial.data[1] - 2540.963146972656) < 1e-9);
  // The matrix's per-cell gene totals equal cells.csv transcript_counts, and the control totals
  // computed from the h5 equal cells.csv's control columns.
  const cells = await readCoordinates(shared('xenium-mouse-brain/cells.csv.gz'));
  const tc = cells.extra.get('transcript_counts');
  const cp = cells.extra.get('control_probe_counts');
  const cc = cells.extra.get('control_codeword_counts');
  assert.ok(tc?.kind === 'number' && cp?.kind === 'number' && cc?.kind === 'number');
  const rs = rowSums(d.X);
  const probe = numCol(d, 'control_probe_counts');
  const code = numCol(d, 'control_codeword_counts');
  let diffT = 0, diffP = 0, diffC = 0;
  for (let i = 0; i < d.X.rows; i++) {
    diffT += Math.abs(rs[i] - tc.values[i]);
    diffP += Math.abs(probe[i] - cp.values[i]);
    diffC += Math.abs(code[i] - cc.values[i]);
  }
  assert.equal(diffT, 0);
  assert.equal(diffP, 0);
  assert.equal(diffC, 0);
  // Cells-table columns reach obs.
  assert.ok(d.obs.columns.has('cell_area'));
  assert.ok(d.obs.columns.has('total_counts'));
});

test('visium (h5, Space Ranger 1 positions without header): Seurat test values', async () => {
  const d = await readVisium(shared('visium-mouse-brain-seurat'));
  assert.equal(d.meta.platform, 'visium');
  assert.equal(d.X.rows, 2695);
  assert.equal(d.X.cols, 100);
  assert.equal(d.X.indptr[d.X.rows], 50355);
  assert.equal(total(d), 132231);
  // README: column 151 AATGCAACCGGGTACC-1 count 1 in gene row 1; 9 AAACCGTTCGTCCAGG-1 row 5; 2328 TCTCGAGGAGGTTCGC-1 row 99.
  assert.equal(d.obs.index[150], 'AATGCAACCGGGTACC-1');
  assert.equal(at(d, 150, 0), 1);
  assert.equal(d.obs.index[8], 'AAACCGTTCGTCCAGG-1');
  assert.equal(at(d, 8, 4), 1);
  assert.equal(d.obs.index[2327], 'TCTCGAGGAGGTTCGC-1');
  assert.equal(at(d, 2327, 98), 1);
  assert.equal(d.var.index[0], 'Xkr4');
  assert.equal(d.meta.coordinateUnit, 'px_fullres');
  // µm per pixel from the array lattice (100 µm pitch, formats.md §1.3) agrees within 0.1 % with
  // Space Ranger's spot_diameter_fullres, which spans a "theoretical 65 µm spot".
  assert.ok(Math.abs(d.meta.micronsPerUnit! / (65 / 89.47248494250101) - 1) < 1e-3, String(d.meta.micronsPerUnit));
  const sf = (d.uns.spatial as Record<string, { scalefactors: Record<string, number> }>);
  const lib = Object.values(sf)[0];
  assert.equal(lib.scalefactors.tissue_hires_scalef, 0.17211704);
  const inT = numCol(d, 'in_tissue');
  assert.ok(Array.from(inT).every((v) => v === 1));
  // spatial = [pxl_col, pxl_row]: check against the positions file for one barcode.
  const i = d.obs.index.indexOf('AATGCAACCGGGTACC-1');
  const line = readFileSync(shared('visium-mouse-brain-seurat/spatial/tissue_positions_list.csv'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('AATGCAACCGGGTACC-1,'))!
    .split(',');
  assert.equal(d.obsm.spatial.data[2 * i], Number(line[5])); // x = pxl_col_in_fullres
  assert.equal(d.obsm.spatial.data[2 * i + 1], Number(line[4])); // y = pxl_row_in_fullres
  // µm conversion.
  const um = await readVisium(shared('visium-mouse-brain-seurat'), { coordinates: 'um' });
  assert.equal(um.meta.coordinateUnit, 'um');
  assert.ok(Math.abs(um.obsm.spatial.data[0] - d.obsm.spatial.data[0] * d.meta.micronsPerUnit!) < 1e-9);
});

test('visium (MEX with %metadata_json) and plain MEX reader: 3,352 x 815, 19,582 entries, 34,895 counts', async () => {
  const m = await readMex(shared('visium-mouse-brain-mex-spaniel/filtered_feature_bc_matrix'));
  assert.equal(m.X.rows, 3352);
  assert.equal(m.X.cols, 815);
  assert.equal(m.X.indptr[m.X.rows], 19582);
  assert.equal(total(m), 34895);
  assert.equal(Math.max(...m.X.data), 14);
  assert.deepEqual(m.uns.mex_metadata, { software_version: 'spaceranger-1.0.0', format_version: 2 });
  for (const g of ['Ighmbp2', 'Mrpl21', 'Ndufs8', 'Ndufv1', 'Pitpnm1', 'Prdx3']) assert.ok(m.var.index.includes(g), g);
  const v = await readVisium(shared('visium-mouse-brain-mex-spaniel'));
  assert.equal(v.X.rows, 3352);
  assert.equal(total(v), 34895);
  assert.ok(Math.abs(v.meta.micronsPerUnit! / (65 / 89.52) - 1) < 1e-3, String(v.meta.micronsPerUnit));
  assert.equal(v.meta.filtered.length, 0);
});

test('csv: seqFISH genes x cells without header, quoted gene names, BOM, positions with header', async () => {
  const d = await readCsvDataset(shared('seqfish-mouse-hippocampus/mmc6_counts.csv'), { coords: shared('seqfish-mouse-hippocampus/mmc6_pos.csv') });
  assert.equal(d.X.rows, 3585);
  assert.equal(d.X.cols, 249);
  assert.equal(total(d), 13125965);
  assert.equal(d.var.index[0], 'Tal1');
  assert.ok(d.var.index.includes('gja1'));
  assert.equal((d.uns.reader as { orientation: string }).orientation, 'var-rows');
  assert.ok(Math.abs(d.X.indptr[d.X.rows] / (3585 * 249) - 0.937) < 0.001);
  const [x0, x1] = range(d, 0);
  assert.equal(x0, 2);
  assert.equal(x1, 1021);
  const z = numCol(d, 'z');
  assert.equal(Math.min(...Array.from(z)), 1);
  assert.equal(Math.max(...Array.from(z)), 30);
  const rs = rowSums(d.X);
  assert.equal(Math.min(...rs), 54);
  assert.equal(Math.max(...rs), 15088);
});

test('csv: ST breast slices (spots x genes) with header-less coordinates', async () => {
  const totals = [762301, 737686, 703076, 792320];
  const shapes = [[254, 7998], [251, 7713], [264, 7453], [262, 7571]];
  for (let s = 1; s <= 4; s++) {
    const d = await readCsvDataset(shared(`st-breast-cancer-layers/slice${s}.csv`), { coords: shared(`st-breast-cancer-layers/slice${s}_coor.csv`) });
    assert.deepEqual([d.X.rows, d.X.cols], shapes[s - 1]);
    assert.equal(total(d), totals[s - 1]);
    assert.equal((d.uns.reader as { orientation: string }).orientation, 'obs-rows');
    if (s === 1) {
      const [x0, x1] = range(d, 0);
      assert.equal(Math.round(x0 * 10) / 10, 5.8);
      assert.equal(Math.round(x1 * 10) / 10, 25.2);
    }
  }
});

test('csv: ST mouse olfactory bulb, gzip genes x spots, positions joined by spot, layer annotation', async () => {
  const d = await readCsvDataset(shared('st-mouse-olfactory-bulb/counts.csv.gz'), {
    coords: shared('st-mouse-olfactory-bulb/positions.csv'),
    annotations: [shared('st-mouse-olfactory-bulb/annotation.csv')],
  });
  assert.equal(d.X.rows, 262);
  assert.equal(d.X.cols, 15928);
  assert.equal(total(d), 4160648);
  assert.ok(Math.abs(d.X.indptr[d.X.rows] / (262 * 15928) - 0.341) < 0.001);
  const layer = d.obs.columns.get('layer');
  assert.ok(layer?.kind === 'category');
  const counts = new Map<string, number>();
  let missing = 0;
  for (const c of layer.codes) {
    if (c < 0) missing++;
    else counts.set(layer.categories[c], (counts.get(layer.categories[c]) ?? 0) + 1);
  }
  assert.equal(missing, 2);
  assert.equal(counts.get('1: Granular Cell Layer'), 66);
  assert.equal(counts.get('5: Olfactory Nerve Layer'), 47);
  const [x0, x1] = range(d, 0);
  assert.equal(Math.round(x0 * 10) / 10, 7.9);
  assert.equal(Math.round(x1 * 10) / 10, 28.0);
});

test('csv: osmFISH tab-separated genes x cells (header without corner) + coordinates', async () => {
  const d = await readCsvDataset(shared('osmfish-mouse-cortex/count_matrix/osmFISH_prep_expression.txt'), {
    coords: shared('osmfish-mouse-cortex/cell_locations/osmFISH_prep_cell_coordinates.txt'),
    coordinateUnit: 'px',
  });
  assert.equal(d.X.rows, 5328);
  assert.equal(d.X.cols, 33);
  assert.equal(total(d), 971494);
  assert.equal(d.obs.index[0], 'cell_778');
  assert.ok(Math.abs(d.obsm.spatial.data[0] - 18171.230942376) < 1e-6);
});

test('csv: MERFISH and Visium vignette tables (genes x cells, quoted headers, labelled coordinates)', async () => {
  const m = await readCsvDataset(shared('merfish-hypothalamus-scrna-ref/SpatialRNA/MerfishVignette/counts.csv'), {
    coords: shared('merfish-hypothalamus-scrna-ref/SpatialRNA/MerfishVignette/coords.csv'),
    coordinateUnit: 'um',
  });
  assert.deepEqual([m.X.rows, m.X.cols], [750, 134]);
  assert.equal(m.obs.index[0], 'f4e9c023-f3db-4f6d-9212-72b4dc77a3e3');
  assert.equal(m.obsm.spatial.data[1], -3825.694732);
  const v = await readCsvDataset(shared('visium-hippocampus-scrna-ref/SpatialRNA/VisiumVignette/counts.csv'), {
    coords: shared('visium-hippocampus-scrna-ref/SpatialRNA/VisiumVignette/coords.csv'),
  });
  assert.deepEqual([v.X.rows, v.X.cols], [313, 276]);
  assert.ok(v.obs.index[0].endsWith('-1'));
  const r = await readCsvDataset(shared('visium-hippocampus-scrna-ref/Reference/Visium_Ref/counts.csv'), { orientation: 'var-rows', counts: true });
  assert.deepEqual([r.X.rows, r.X.cols], [510, 307]);
});
