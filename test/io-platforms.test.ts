// Readers of CosMx, loom (osmFISH), MERSCOPE, Slide-seq, Stereo-seq GEM and IMC steinbock:
// shapes, control features kept out of X, keys, coordinates and values from the data READMEs
// (shared data) or from the hand-written fixtures (scripts/fixtures/make_platform_fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { describeDataset, detectPlatform, readDataset } from '../src/io/index.js';
import { readCosmx } from '../src/io/cosmx.js';
import { readLoom } from '../src/io/loom.js';
import { rowSums } from '../src/io/util.js';
import { csrToDense } from '../src/linalg/csr.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
function num(d: Dataset, c: string): ArrayLike<number> {
  const col = d.obs.columns.get(c);
  assert.ok(col?.kind === 'number', `obs ${c}`);
  return col.values;
}
function row(d: Dataset, name: string): Record<string, number> {
  const i = d.obs.index.indexOf(name);
  assert.ok(i >= 0, `observation ${name}`);
  const out: Record<string, number> = {};
  for (let p = d.X.indptr[i]; p < d.X.indptr[i + 1]; p++) out[d.var.index[d.X.indices[p]]] = d.X.data[p];
  return out;
}
function xy(d: Dataset, name: string): [number, number] {
  const i = d.obs.index.indexOf(name);
  return [d.obsm.spatial.data[2 * i], d.obsm.spatial.data[2 * i + 1]];
}
async function rejects(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StnmfError, String(e));
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

test('CosMx Lung9 exprMat + metadata: 453 cells x 20 genes, cell_ID = 0 row dropped, key <cell_ID>_<fov>, global px', async () => {
  const dir = shared('cosmx-lung-mini/Lung9_Rep1');
  assert.equal((await detectPlatform(dir)).platform, 'cosmx');
  const d = await readDataset(dir);
  assert.equal(d.meta.platform, 'cosmx');
  assert.deepEqual([d.X.rows, d.X.cols], [453, 20]); // README: 453 cells x 20 genes (+ one cell_ID = 0 row)
  assert.deepEqual(d.meta.filtered.map((f) => [f.axis, f.what, f.count]), [['observations', 'cell_ID = 0', 1]]);
  assert.equal(d.var.index[0], 'TGFB2');
  assert.equal(d.obs.index[0], '5001_1');
  assert.deepEqual(row(d, '5002_1'), { DUSP1: 3, ACE: 1, HSP90B1: 1 }); // second data row of the file
  assert.deepEqual(xy(d, '5001_1'), [5229.333333, 137685.5556]); // CenterX/Y_global_px
  assert.deepEqual(Array.from(d.obsm.spatial_fov.data.subarray(0, 2)), [3496, 930]); // local
  assert.equal(d.meta.coordinateUnit, 'px');
  assert.equal(d.meta.micronsPerUnit, 0.12);
  assert.equal(num(d, 'Area')[0], 3347);
  const fov = num(d, 'fov');
  assert.deepEqual([...new Set(Array.from(fov))].sort(), [1, 2]);
});

test('CosMx Lung12 tx file: 120 cells (67 + 53), 960 genes, 20 NegPrb kept out, every transcript accounted for', async () => {
  const d = await readCosmx(shared('cosmx-lung-mini/Lung12'));
  assert.equal(d.X.rows, 120);
  assert.equal(d.X.cols, 960); // README: 980 targets = 960 genes + 20 NegPrb
  assert.ok(!d.var.index.some((g) => g.startsWith('NegPrb')));
  const fov = num(d, 'fov');
  assert.equal(Array.from(fov).filter((v) => v === 2).length, 67);
  assert.equal(Array.from(fov).filter((v) => v === 3).length, 53);
  const f = new Map(d.meta.filtered.map((r) => [r.what, r.count]));
  assert.equal(f.get('NegPrb'), 20);
  const unassigned = f.get('transcripts with cell_ID = 0')!;
  const reader = d.uns.reader as { transcripts: number; assigned: number };
  assert.equal(reader.transcripts, 25825); // README: 25,825 transcripts
  assert.ok(Math.abs(reader.assigned / 25825 - 0.73) < 0.005); // README: 73 % assigned
  // Genes in X + negative probes of cells + unassigned transcripts = all transcripts.
  assert.equal(sum(d.X.data) + sum(num(d, 'negprb_counts')) + unassigned, 25825);
  assert.equal(d.meta.coordinateUnit, 'px');
  // Centroids lie inside the FOV crops (global px; FOV 2 offset x 494, FOV 3 x 5967).
  const info = describeDataset(d);
  assert.ok(info.extent!.xMin > 494 && info.extent!.xMax < 5967 + 6000);
  assert.ok(info.extent!.yMin > -160234 && info.extent!.yMax < -150000);
});

test('loom (osmFISH): 6,471 cells x 33 genes, totals equal Total_molecules, labels as categoricals', async () => {
  const p = shared('osmfish-mouse-cortex/raw_data/osmFISH_SScortex_mouse_all_cells.loom');
  assert.equal((await detectPlatform(p)).platform, 'loom');
  const d = await readLoom(p);
  assert.deepEqual([d.X.rows, d.X.cols], [6471, 33]);
  assert.equal(d.var.index[0], 'Gad2');
  assert.equal(d.obs.index[0], '778');
  assert.deepEqual(Array.from(rowSums(d.X)), Array.from(num(d, 'Total_molecules')));
  const cl = d.obs.columns.get('ClusterName');
  const rg = d.obs.columns.get('Region');
  assert.ok(cl?.kind === 'category' && rg?.kind === 'category');
  assert.equal(cl.categories.length, 32); // README: 32 cluster names incl. "Excluded"
  assert.equal(rg.categories.length, 12); // README: 12 regions
  assert.equal(Array.from(num(d, 'Valid')).filter((v) => v === 1).length, 4839); // README: 4,839 valid cells
  assert.ok(Math.abs(d.obsm.spatial.data[0] - 18171.23094238) < 1e-6); // same cell_778 x as the Giotto table
  assert.equal(d.meta.coordinateUnit, 'px');
  assert.equal(d.X.indptr[d.X.rows] > 0, true);
});

test('MERSCOPE fixture: int64 EntityIDs kept as text, Blank-* out of X, center_x/center_y in µm', async () => {
  const dir = fixture('merscope');
  assert.equal((await detectPlatform(dir)).platform, 'merscope');
  const d = await readDataset(dir);
  assert.deepEqual([d.X.rows, d.X.cols], [5, 3]);
  assert.deepEqual(d.var.index, ['Gad1', 'Slc17a7', 'Sst']);
  assert.equal(d.obs.index[0], '110883424764611924400221639916314253469');
  assert.deepEqual(row(d, '135188247894899244046039873973964001182'), { Slc17a7: 5, Sst: 1 });
  assert.deepEqual(Array.from(num(d, 'blank_counts')), [1, 2, 0, 0, 2]);
  assert.deepEqual(d.meta.filtered.map((f) => [f.what, f.count]), [['Blank', 2]]);
  assert.deepEqual(xy(d, '164198480123981238472398472398472398001'), [1020.75, 1990]);
  assert.equal(d.meta.coordinateUnit, 'um');
  assert.deepEqual(Array.from(num(d, 'transcript_count')), [4, 8, 1, 0, 8]); // Blanks included, as documented
});

test('Slide-seq fixture: genes x beads DGE (gzip) + bead locations joined by barcode', async () => {
  const dir = fixture('slideseq');
  assert.equal((await detectPlatform(dir)).platform, 'slide-seq');
  const d = await readDataset(dir, { micronsPerPixel: 0.65 });
  assert.deepEqual([d.X.rows, d.X.cols], [4, 3]);
  assert.deepEqual(d.obs.index, ['AAACCTGA', 'AAACGGTT', 'TTTGCAGC', 'GGGATCCA']);
  assert.deepEqual(row(d, 'GGGATCCA'), { Malat1: 1, Mbp: 7 });
  assert.deepEqual(xy(d, 'TTTGCAGC'), [5000, 100.25]);
  assert.equal(d.meta.coordinateUnit, 'px');
  assert.equal(d.meta.micronsPerUnit, 0.65);
  assert.equal((d.uns.reader as { orientation: string }).orientation, 'var-rows');
});

test('Stereo-seq GEM fixture: bin 50 sums DNBs; cellbin GEM sums per CellID and drops CellID 0', async () => {
  const p = fixture('stereoseq/SS200000135TL_D1.tissue.gem.gz');
  assert.equal((await detectPlatform(p)).platform, 'stereo-seq');
  const d = await readDataset(p);
  assert.deepEqual(d.obs.index, ['0_0', '1_0', '2_3']);
  assert.deepEqual(d.var.index, ['Actb', 'Gapdh', 'Mbp']);
  assert.deepEqual(row(d, '0_0'), { Actb: 4, Gapdh: 2 });
  assert.deepEqual(row(d, '1_0'), { Actb: 4 });
  assert.deepEqual(row(d, '2_3'), { Mbp: 5, Gapdh: 1 });
  assert.deepEqual(xy(d, '2_3'), [125, 175]); // bin centre in DNBs
  assert.equal(d.meta.coordinateUnit, 'dnb');
  assert.equal((d.uns.reader as { annotations: Record<string, string> }).annotations.STOmicsChip, 'SS200000135TL_D1');
  const b20 = await readDataset(p, { binSize: 20 });
  assert.equal(b20.X.rows, 5);
  assert.equal(sum(b20.X.data), 16);
  const c = await readDataset(fixture('stereoseq/SS200000135TL_D1.cellbin.gem'));
  assert.deepEqual(c.obs.index, ['1', '2']);
  assert.deepEqual(row(c, '1'), { ENSMUSG01: 4, ENSMUSG02: 2 });
  assert.deepEqual(c.meta.filtered.map((f) => [f.what, f.count]), [['CellID = 0', 4]]);
  // Count-weighted centroid of cell 1: x = (3*10 + 1*49 + 2*10) / 6.
  assert.ok(Math.abs(xy(c, '1')[0] - 99 / 6) < 1e-12);
});

test('IMC steinbock fixture: images joined on Object, centroid-0/1 swapped to [x, y], DNA channels out of X', async () => {
  const dir = fixture('steinbock');
  assert.equal((await detectPlatform(dir)).platform, 'imc');
  const d = await readDataset(dir);
  assert.deepEqual(d.obs.index, ['Patient1_001_1', 'Patient1_001_2', 'Patient1_001_3', 'Patient1_002_1', 'Patient1_002_5']);
  assert.deepEqual(d.var.index, ['CD3', 'CD20', 'PanCK']);
  assert.deepEqual(Array.from(csrToDense(d.X).data.subarray(0, 3)), [0.5, 0, 2.25]);
  assert.deepEqual(xy(d, 'Patient1_001_1'), [20.25, 10.5]); // [centroid-1, centroid-0]
  assert.deepEqual(xy(d, 'Patient1_002_5'), [99, 15.5]);
  assert.deepEqual(d.meta.filtered.map((f) => [f.what, f.count]), [['DNA1, DNA2', 2]]);
  assert.deepEqual(Array.from(num(d, 'DNA1')), [12, 8, 10, 5, 3]);
  assert.deepEqual(Array.from(num(d, 'area')), [100, 80, 120, 90, 70]);
  const img = d.obs.columns.get('image');
  assert.ok(img?.kind === 'category' && img.categories.join() === 'Patient1_001,Patient1_002');
  assert.deepEqual(describeDataset(d).featureTypes, { Protein: 3 });
});

test('platform readers: bad inputs give one-line errors naming file and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-plat-'));
  try {
    // CosMx: a cell of the matrix without a metadata row.
    const cx = join(dir, 'cosmx');
    cpSync(shared('cosmx-lung-mini/Lung9_Rep1'), cx, { recursive: true });
    const metaPath = join(cx, 'small_Lung9_Rep1_metadata_file.csv');
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(metaPath, 'utf8').split('\n');
    writeFileSync(metaPath, [lines[0], ...lines.slice(2)].join('\n'));
    await rejects(readDataset(cx), /metadata_file\.csv: 1 of 453 cells of .*exprMat_file\.csv have no row in this metadata file \(first: fov "1", cell_ID "5001"\)/);
    writeFileSync(join(cx, 'small_Lung9_Rep1_exprMat_file.csv'), 'fov,cell_ID,A,B\n1,1,2,-1\n');
    await rejects(readDataset(cx), /exprMat_file\.csv: line 2, column "B": expected a non-negative integer count, found "-1"/);
    // GEM without a count column.
    const gem = join(dir, 'bad.gem');
    writeFileSync(gem, '#FileFormat=GEMv0.1\ngeneID\tx\ty\tExonCount\nG1\t1\t2\t3\n');
    const { readStereoSeq } = await import('../src/io/stereoseq.js');
    await rejects(readStereoSeq(gem), /bad\.gem: missing columns: a GEM header needs geneID, x, y and MIDCount/);
    // steinbock: an object without regionprops.
    const sb = join(dir, 'steinbock');
    cpSync(fixture('steinbock'), sb, { recursive: true });
    writeFileSync(join(sb, 'regionprops', 'Patient1_002.csv'), 'Object,area,centroid-0,centroid-1\n1,90,1,2\n');
    await rejects(readDataset(sb), /regionprops\/Patient1_002\.csv: object "5" of .*intensities\/Patient1_002\.csv has no row here/);
    writeFileSync(join(sb, 'regionprops', 'Patient1_002.csv'), 'Object,area,centroid-1\n1,90,2\n5,70,99\n');
    await rejects(readDataset(sb), /Patient1_002\.csv: missing column 'centroid-0'/);
    // MERSCOPE: metadata missing a cell, and negative counts.
    const mer = join(dir, 'merscope');
    cpSync(fixture('merscope'), mer, { recursive: true });
    const m = readFileSync(join(mer, 'cell_metadata.csv'), 'utf8').split('\n');
    writeFileSync(join(mer, 'cell_metadata.csv'), m.filter((l) => !l.startsWith('7,')).join('\n'));
    await rejects(readDataset(mer), /cell_metadata\.csv: 1 of 5 observations of .*cell_by_gene\.csv have no row in this positions file \(first: "7"\)/);
    // loom: a non-loom HDF5 forced through the loom reader.
    await rejects(readLoom(fixture('tenx_legacy.h5')), /tenx_legacy\.h5: not a loom file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MIBI ark and MCMICRO fixtures: markers between the layout columns, nuclear stains out, centroid axes', async () => {
  const mibi = fixture('mibi/cell_table_size_normalized.csv');
  assert.equal((await detectPlatform(mibi)).platform, 'mibi');
  const m = await readDataset(mibi);
  assert.deepEqual(m.obs.index, ['fov0_1', 'fov0_2', 'fov1_1']); // key (fov, label)
  assert.deepEqual(m.var.index, ['CD45', 'Ki67']);
  assert.deepEqual(m.meta.filtered.map((f) => [f.what, f.count]), [['dsDNA', 1]]);
  assert.deepEqual(xy(m, 'fov0_1'), [200.25, 10.5]); // [centroid-1, centroid-0]
  assert.deepEqual(row(m, 'fov0_2'), { Ki67: 1.25 });
  const mc = fixture('mcmicro/quantification/sample1--unmicst_cell.csv');
  assert.equal((await detectPlatform(mc)).platform, 'mcmicro');
  const q = await readDataset(mc);
  assert.deepEqual(q.obs.index, ['1', '2']);
  assert.deepEqual(q.var.index, ['CD3', 'KERATIN']);
  assert.deepEqual(q.meta.filtered.map((f) => [f.what, f.count]), [['Hoechst', 1]]);
  assert.deepEqual(xy(q, '2'), [220, 60]);
  assert.deepEqual(row(q, '1'), { CD3: 120.5, KERATIN: 3 });
  assert.equal(num(q, 'Area')[1], 410);
});
