import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { StnmfError } from '../src/errors.js';
import { csrToDense } from '../src/linalg/csr.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));
const XENIUM_H5 = shared('xenium-mouse-brain/cell_feature_matrix.h5');

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

test('tenx-h5: Xenium cell_feature_matrix.h5 reads as 36,602 x 248 with 293 controls filtered (README)', async () => {
  const d = await readTenxH5(XENIUM_H5);
  assert.equal(d.X.rows, 36602);
  assert.equal(d.X.cols, 248);
  assert.equal(d.obs.index.length, 36602);
  assert.equal(d.obs.index[0], '1');
  assert.equal(d.obs.index[36601], '36602');
  assert.equal(sum(d.X.data), 9028172); // README: 9,028,172 gene counts
  let zeroCells = 0;
  for (let i = 0; i < d.X.rows; i++) if (d.X.indptr[i + 1] === d.X.indptr[i]) zeroCells++;
  assert.equal(zeroCells, 49); // README: 49 cells have zero gene counts
  // 28.8 % non-zero (README)
  assert.ok(Math.abs(d.X.indptr[d.X.rows] / (36602 * 248) - 0.288) < 0.0005);

  const f = new Map(d.meta.filtered.map((r) => [r.what, r.count]));
  assert.equal(f.get('Negative Control Probe'), 27);
  assert.equal(f.get('Negative Control Codeword'), 41);
  assert.equal(f.get('Blank Codeword'), 225);
  assert.equal(sum([...f.values()]), 293);
  for (const r of d.meta.filtered) assert.equal(r.axis, 'features');

  // Every count is accounted for: genes + per-cell control totals = 9,037,670 (README total).
  const ctrlCols = ['control_probe_counts', 'control_codeword_counts', 'unassigned_codeword_counts'];
  let ctrl = 0;
  for (const c of ctrlCols) {
    const col = d.obs.columns.get(c);
    assert.ok(col && col.kind === 'number', `obs column ${c}`);
    ctrl += sum(col.values);
  }
  assert.equal(sum(d.X.data) + ctrl, 9037670);

  const ft = d.var.columns.get('feature_types');
  assert.ok(ft && ft.kind === 'category');
  assert.deepEqual(ft.categories, ['Gene Expression']);
  const genome = d.var.columns.get('genome');
  assert.ok(genome && genome.kind === 'category');
  const ids = d.var.columns.get('gene_ids');
  assert.ok(ids && ids.kind === 'string' && ids.values[0].startsWith('ENSMUSG'));
  assert.equal(new Set(d.var.index).size, 248);
  assert.equal(d.meta.platform, '10x-h5');
  assert.deepEqual((d.uns.tenx_attrs as Record<string, unknown>).library_ids, ['0000000_0000000']);
  // Rows are canonical: sorted, in-range column indices.
  for (let i = 0; i < d.X.rows; i++) {
    for (let p = d.X.indptr[i] + 1; p < d.X.indptr[i + 1]; p++) assert.ok(d.X.indices[p] > d.X.indices[p - 1]);
  }
});

// Read throughput (issue 3: >= 200 MB/s of file size) is measured by bench/io.ts (`npm run bench`),
// never asserted in a unit test: timings on a shared machine are not a pass/fail property.

test('tenx-h5: gexOnly=false keeps every feature; totals match the filtered read', async () => {
  const all = await readTenxH5(XENIUM_H5, { gexOnly: false });
  assert.equal(all.X.cols, 541);
  assert.equal(sum(all.X.data), 9037670);
  assert.equal(all.meta.filtered.length, 0);
  const ft = all.var.columns.get('feature_types');
  assert.ok(ft && ft.kind === 'category');
  assert.equal(ft.categories.length, 4);
});

test('tenx-h5: v3 fixture with uint32 data, int64 indices, vlen strings, probe ids, antibody feature', async () => {
  const d = await readTenxH5(fixture('tenx_v3_mixed.h5'));
  // Features x barcodes M = [[1,0,3],[0,0,4],[2,5,0],[7,0,1]]; GEX = first 3 rows.
  assert.equal(d.X.rows, 3);
  assert.equal(d.X.cols, 3);
  assert.deepEqual(Array.from(csrToDense(d.X).data), [1, 0, 2, 0, 0, 5, 3, 4, 0]);
  assert.deepEqual(d.obs.index, ['AAAC-1', 'AAAG-1', 'AACT-1']);
  assert.deepEqual(d.var.index, ['Actb', 'Actb-1', 'Gfap']);
  const ab = d.obs.columns.get('antibody_capture_counts');
  assert.ok(ab && ab.kind === 'number');
  assert.deepEqual(Array.from(ab.values), [7, 0, 1]);
  const gid = d.var.columns.get('gene_ids');
  const pid = d.var.columns.get('probe_ids');
  assert.ok(gid?.kind === 'string' && pid?.kind === 'string');
  assert.deepEqual(gid.values, ['ENSMUSG1', 'ENSMUSG1', 'ENSMUSG2']);
  assert.deepEqual(pid.values, ['PRB1', 'PRB2', 'PRB3']);
  assert.deepEqual(d.meta.filtered.map((r) => [r.what, r.count]), [['Antibody Capture', 1]]);
  assert.equal((d.uns.tenx_attrs as Record<string, unknown>).chemistry_description, "Spatial 3' v1");

  const all = await readTenxH5(fixture('tenx_v3_mixed.h5'), { gexOnly: false, makeUnique: false });
  assert.deepEqual(all.var.index, ['Actb', 'Actb', 'Gfap', 'CD3']);
  assert.deepEqual(Array.from(csrToDense(all.X).data), [1, 0, 2, 7, 0, 0, 5, 0, 3, 4, 0, 1]);
});

test('tenx-h5: Cell Ranger 2 legacy layout, genome choice required with two genomes', async () => {
  await assert.rejects(readTenxH5(fixture('tenx_legacy.h5')), (e: unknown) => {
    assert.ok(e instanceof StnmfError);
    assert.match(e.message, /tenx_legacy\.h5.*several genomes \(hg19, mm10\)/);
    return true;
  });
  const d = await readTenxH5(fixture('tenx_legacy.h5'), { genome: 'mm10' });
  assert.deepEqual(d.var.index, ['Sym1', 'Sym2', 'Sym3']);
  assert.deepEqual(Array.from(csrToDense(d.X).data), [10, 0, 20, 0, 0, 50, 30, 40, 0]);
  const g = d.var.columns.get('genome');
  assert.ok(g?.kind === 'category' && g.categories[0] === 'mm10');
  const gid = d.var.columns.get('gene_ids');
  assert.ok(gid?.kind === 'string' && gid.values[2] === 'G3');
});

test('tenx-h5: bad input gives one-line errors naming file and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-io-'));
  try {
    const check = async (p: string, code: string, re: RegExp) => {
      await assert.rejects(readTenxH5(p), (e: unknown) => {
        assert.ok(e instanceof StnmfError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      });
    };
    await check(fixture('tenx_negative.h5'), 'BAD_INPUT', /tenx_negative\.h5: data: expected non-negative counts, found -3/);
    await check(fixture('tenx_float.h5'), 'BAD_INPUT', /tenx_float\.h5: data: expected integer counts, found 2\.5/);
    const trunc = join(dir, 'trunc.h5');
    writeFileSync(trunc, readFileSync(XENIUM_H5).subarray(0, 1_000_000));
    await check(trunc, 'BAD_FILE', /trunc\.h5: cannot open as HDF5.*truncated/);
    const empty = join(dir, 'empty.h5');
    writeFileSync(empty, '');
    await check(empty, 'BAD_FILE', /empty\.h5: file is empty/);
    const text = join(dir, 'text.h5');
    copyFileSync(shared('xenium-mouse-brain/README.md'), text);
    await check(text, 'BAD_FILE', /text\.h5: not an HDF5 file/);
    await check(join(dir, 'missing.h5'), 'BAD_FILE', /missing\.h5: file not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
