import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDataset, detectPlatform, readDataset } from '../src/io/index.js';
import { StnmfError } from '../src/errors.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

test('codex-crc-reg009 reads as 2,434 x 56 with HOECHST1 and DRAQ5 kept out of X (README)', async () => {
  const p = shared('codex-crc-reg009/imaging_data.csv');
  assert.equal((await detectPlatform(p)).platform, 'codex');
  const d = await readDataset(p);
  assert.equal(d.X.rows, 2434);
  assert.equal(d.X.cols, 56);
  assert.equal(d.var.index[0], 'CD44');
  assert.ok(!d.var.index.some((v) => /HOECHST|DRAQ/i.test(v)));
  assert.deepEqual(d.meta.filtered.map((f) => [f.what, f.count]), [['HOECHST1, DRAQ5', 2]]);
  assert.ok(d.obs.columns.has('HOECHST1') && d.obs.columns.has('DRAQ5'));
  const cn = d.obs.columns.get('ClusterName');
  assert.ok(cn?.kind === 'string');
  const count = (s: string) => cn.values.filter((v) => v === s).length;
  assert.equal(new Set(cn.values).size, 18);
  assert.equal(count('smooth muscle'), 773);
  assert.equal(count('CD4+ T cells CD45RO+'), 306);
  assert.equal(count('granulocytes'), 151);
  const info = describeDataset(d);
  assert.equal(info.coordinateUnit, 'px');
  // README: X 0-1,919, Y 0-1,439 pixels.
  assert.ok(info.extent!.xMin >= 0 && info.extent!.xMax <= 1919 && info.extent!.xMax > 1800);
  assert.ok(info.extent!.yMin >= 0 && info.extent!.yMax <= 1439 && info.extent!.yMax > 1300);
  // First data row: X=31, Y=949, CD44 = 104.7285538.
  assert.equal(d.obsm.spatial.data[0], 31);
  assert.equal(d.obsm.spatial.data[1], 949);
  assert.ok(Math.abs(d.X.data[0] - 104.7285538) < 1e-4);
});

test('detectPlatform and describeDataset on platform folders', async () => {
  assert.equal((await detectPlatform(shared('xenium-mouse-brain'))).platform, 'xenium');
  assert.equal((await detectPlatform(shared('visium-mouse-brain-seurat'))).platform, 'visium');
  assert.equal((await detectPlatform(shared('visium-mouse-brain-mex-spaniel'))).platform, 'visium');
  assert.equal((await detectPlatform(shared('visium-mouse-brain-mex-spaniel/filtered_feature_bc_matrix'))).platform, 'mex');
  assert.equal((await detectPlatform(shared('xenium-mouse-brain/cell_feature_matrix.h5'))).platform, '10x-h5');
  assert.equal((await detectPlatform(shared('st-breast-cancer-layers/slice1.csv'))).platform, 'csv');
  const info = describeDataset(await readDataset(shared('xenium-mouse-brain')));
  assert.equal(info.platform, 'xenium');
  assert.equal(info.nObs, 36602);
  assert.equal(info.nVars, 248);
  assert.deepEqual(info.featureTypes, { 'Gene Expression': 248 });
  assert.equal(info.coordinateUnit, 'um');
  assert.equal(info.filtered.reduce((s, f) => s + f.count, 0), 293);
  assert.ok(JSON.stringify(info).length > 0);
});

test('bad inputs: missing columns, unmatched barcodes, duplicate features, negative values, empty files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bad-'));
  const expectErr = async (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof StnmfError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  try {
    const w = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const counts = w('counts.csv', ',g1,g2,g1\nc1,1,0,2\nc2,0,3,1\n');
    await expectErr(readDataset(counts), /counts\.csv: column names \(header\): duplicate name "g1"/);
    const neg = w('neg.csv', ',g1,g2\nc1,1,-2\nc2,0,3\n');
    await expectErr(readDataset(neg), /neg\.csv: values: expected non-negative values, found -2/);
    const frac = w('frac.csv', ',g1,g2\nc1,1,2.5\nc2,0,3\n');
    await expectErr(readDataset(frac, { counts: true }), /frac\.csv: values: expected integer counts/);
    const good = w('good.csv', ',g1,g2\nc1,1,2\nc2,0,3\nc3,4,0\n');
    const pos = w('pos.csv', 'cell,x,y\nc1,1,2\nc2,3,4\n');
    await expectErr(readDataset(good, { coords: pos }), /pos\.csv: 1 of 3 observations of .*good\.csv have no row in this positions file \(first: "c3"\)/);
    const noxy = w('noxy.csv', 'cell,a\nc1,q\nc2,r\nc3,s\n');
    await expectErr(readDataset(good, { coords: noxy }), /noxy\.csv: missing columns: expected x and y/);
    const empty = w('empty.csv', '');
    await expectErr(readDataset(empty), /empty\.csv: file is empty/);
    const headerOnly = w('header.csv', ',g1,g2\n');
    await expectErr(readDataset(headerOnly), /header\.csv: header only, no data rows/);
    const text = w('text.csv', ',g1,g2\nc1,1,x\n');
    await expectErr(readDataset(text), /text\.csv: line 2, column "g2": expected a number, found "x"/);
    const ragged = w('ragged.csv', ',g1,g2\nc1,1,2\nc2,1\n');
    await expectErr(readDataset(ragged), /ragged\.csv: line 3: expected 3 fields, found 2/);
    const fakeH5 = w('fake.h5ad', 'not hdf5');
    await expectErr(readDataset(fakeH5), /fake\.h5ad: not an HDF5 file/);
    // Visium: barcodes of the matrix absent from the positions file.
    const mex = join(dir, 'mex');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(mex);
    writeFileSync(join(mex, 'matrix.mtx'), '%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 3\n2 2 -1\n');
    writeFileSync(join(mex, 'features.tsv'), 'E1\tA\tGene Expression\nE2\tB\tGene Expression\n');
    writeFileSync(join(mex, 'barcodes.tsv'), 'AAA-1\nCCC-1\n');
    await expectErr(readDataset(mex), /matrix\.mtx: line 4: expected non-negative counts, found "-1"/);
    writeFileSync(join(mex, 'matrix.mtx'), '%%MatrixMarket matrix coordinate integer general\n2 2 3\n1 1 3\n2 2 1\n');
    await expectErr(readDataset(mex), /matrix\.mtx: size line declares 3 entries, found 2 \(truncated file\?\)/);
    writeFileSync(join(mex, 'matrix.mtx'), '%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 3\n2 2 1\n');
    const vis = join(dir, 'vis');
    mkdirSync(join(vis, 'spatial'), { recursive: true });
    const { cpSync } = await import('node:fs');
    cpSync(mex, join(vis, 'filtered_feature_bc_matrix'), { recursive: true });
    writeFileSync(join(vis, 'spatial', 'tissue_positions.csv'), 'barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres\nAAA-1,1,0,0,10,20\n');
    await expectErr(readDataset(vis), /tissue_positions\.csv: 1 of 2 barcodes of .* are absent from this positions file \(first: "CCC-1"\)/);
    writeFileSync(join(vis, 'spatial', 'tissue_positions.csv'), 'barcode,in_tissue,array_row,array_col,pxl_row_in_fullres\nAAA-1,1,0,0,10\n');
    await expectErr(readDataset(vis), /tissue_positions\.csv: missing column 'pxl_col_in_fullres' in header/);
    writeFileSync(join(vis, 'spatial', 'tissue_positions.csv'), 'barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres\nAAA-1,1,0,0,10,20\nCCC-1,0,1,1,30.5,40.5\nGGG-1,1,2,2,1,1\n');
    const v = await readDataset(vis);
    // Header detected by 'barcode'; in_tissue = 0 spot dropped and recorded; x = pxl_col.
    assert.equal(v.X.rows, 1);
    assert.deepEqual(Array.from(v.obsm.spatial.data), [20, 10]);
    assert.deepEqual(v.meta.filtered.map((f) => [f.axis, f.count]), [['observations', 1]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
