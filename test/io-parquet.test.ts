// Parquet tables through hyparquet: Xenium cells.parquet (snappy, cell ids as bytes) and Visium HD
// tissue_positions.parquet (gzip pages, int64 columns). Fixtures: scripts/fixtures/make_parquet_fixtures.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPlatform, readDataset } from '../src/io/index.js';
import { readParquetColumns } from '../src/io/parquet.js';
import { csrToDense } from '../src/linalg/csr.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));

test('parquet: columns of both fixtures decode (bytes, int32, int64, double; snappy and gzip pages)', async () => {
  const c = await readParquetColumns(fixture('parquet/xenium_cells.parquet'));
  assert.deepEqual([...c.keys()], ['cell_id', 'x_centroid', 'y_centroid', 'transcript_count', 'control_probe_counts', 'cell_area']);
  assert.deepEqual(c.get('x_centroid'), [30.5, 10.25, 20.125, 99]);
  const p = await readParquetColumns(fixture('parquet/tissue_positions.parquet'));
  assert.deepEqual(p.get('barcode'), ['AAAC-1', 'AAAG-1', 'AACT-1', 'CCCC-1']);
  assert.deepEqual(p.get('array_col'), [0n, 1n, 0n, 1n]);
});

test('parquet: Xenium bundle with cells.parquet joins centroids by cell_id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-pq-'));
  try {
    copyFileSync(fixture('tenx_v3_mixed.h5'), join(dir, 'cell_feature_matrix.h5'));
    copyFileSync(fixture('parquet/xenium_cells.parquet'), join(dir, 'cells.parquet'));
    assert.match((await detectPlatform(dir)).reason, /cell_feature_matrix\.h5 \+ cells\.parquet/);
    const d = await readDataset(dir);
    assert.equal(d.meta.platform, 'xenium');
    assert.deepEqual(d.obs.index, ['AAAC-1', 'AAAG-1', 'AACT-1']);
    assert.deepEqual(Array.from(d.obsm.spatial.data), [10.25, 100.75, 20.125, 200, 30.5, 300.5]);
    const area = d.obs.columns.get('cell_area');
    assert.ok(area?.kind === 'number');
    assert.deepEqual(Array.from(area.values), [60, 42.25, 55.5]);
    const ctrl = d.obs.columns.get('control_probe_counts');
    assert.ok(ctrl?.kind === 'number');
    assert.deepEqual(Array.from(ctrl.values), [0, 0, 1]);
    assert.deepEqual(Array.from(csrToDense(d.X).data), [1, 0, 2, 0, 0, 5, 3, 4, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parquet: Visium HD bin folder with tissue_positions.parquet, in_tissue filter, µm coordinates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-pq-'));
  try {
    const bin = join(dir, 'binned_outputs', 'square_008um');
    mkdirSync(join(bin, 'spatial'), { recursive: true });
    copyFileSync(fixture('tenx_v3_mixed.h5'), join(bin, 'filtered_feature_bc_matrix.h5'));
    copyFileSync(fixture('parquet/tissue_positions.parquet'), join(bin, 'spatial', 'tissue_positions.parquet'));
    writeFileSync(join(bin, 'spatial', 'scalefactors_json.json'), JSON.stringify({ microns_per_pixel: 0.25, bin_size_um: 8 }));
    assert.equal((await detectPlatform(dir)).platform, 'visium-hd');
    const d = await readDataset(dir);
    assert.equal(d.meta.platform, 'visium-hd');
    assert.deepEqual(d.obs.index, ['AAAC-1', 'AAAG-1']); // AACT-1 has in_tissue = 0
    assert.deepEqual(d.meta.filtered.map((f) => [f.axis, f.count]), [['features', 1], ['observations', 1]]);
    assert.equal(d.meta.coordinateUnit, 'um');
    // x = pxl_col, y = pxl_row, times 0.25 µm/px.
    assert.deepEqual(Array.from(d.obsm.spatial.data), [50, 25.125, 57.4375, 25.125]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
