// Pre-2022 (anndata <= 0.7) .h5ad layouts, formats.md §1.11 "Legacy files".
// Fixtures: /usr/bin/python3 scripts/fixtures/make_legacy_h5ad.py test/fixtures/io
// (the script's docstring lists the closed forms asserted here; anndata 0.8 reads both files
// to the same values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm from 'h5wasm/node';
import { readH5ad } from '../src/io/h5ad.js';
import { h5Ready } from '../src/io/h5.js';
import { csrToDense } from '../src/linalg/csr.js';
import type { Column, Frame } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));
const n = 5;
const p = 4;

function col(fr: Frame, k: string): Column {
  const c = fr.columns.get(k);
  assert.ok(c, `column ${k} missing; have ${[...fr.columns.keys()].join(', ')}`);
  return c;
}

/** Category labels per row (null for code -1), i.e. what pandas shows. */
function decoded(c: Column): (string | null)[] {
  assert.equal(c.kind, 'category');
  if (c.kind !== 'category') return [];
  return Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
}

function numbers(c: Column): number[] {
  assert.equal(c.kind, 'number');
  return c.kind === 'number' ? Array.from(c.values) : [];
}

test('anndata 0.6 layout: compound obs/var/obsm/varm, uns categories, h5sparse CSR X', async () => {
  const d = await readH5ad(fixture('legacy_v06.h5ad'));
  const X = (i: number, j: number) => ((i + j) % 2 === 0 ? (i + 1) * (j + 1) : 0);
  assert.equal(d.X.rows, n);
  assert.equal(d.X.cols, p);
  assert.equal(d.X.indptr[n], 10);
  const dense = csrToDense(d.X);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) assert.equal(dense.data[i * p + j], X(i, j), `X[${i},${j}]`);

  assert.deepEqual(d.obs.index, ['cell0', 'cell1', 'cell2', 'cell3', 'cell4']);
  assert.deepEqual([...d.obs.columns.keys()], ['sample', 'n_counts', 'n_genes', 'louvain']);
  assert.deepEqual(col(d.obs, 'sample'), { kind: 'string', values: ['sA', 'sA', 'sA', 'sB', 'sB'] });
  const rowSums = Array.from({ length: n }, (_, i) => Array.from({ length: p }, (_, j) => X(i, j)).reduce((a, b) => a + b, 0));
  assert.deepEqual(numbers(col(d.obs, 'n_counts')), rowSums);
  assert.deepEqual(numbers(col(d.obs, 'n_genes')), [2, 2, 2, 2, 2]);
  assert.deepEqual(decoded(col(d.obs, 'louvain')), ['T cell', 'B cell', 'NK', 'B cell', 'T cell']);

  assert.deepEqual(d.var.index, ['g0', 'g1', 'g2', 'g3']);
  assert.deepEqual(col(d.var, 'gene_ids'), { kind: 'string', values: ['ENSG0', 'ENSG1', 'ENSG2', 'ENSG3'] });
  const hv = col(d.var, 'highly_variable');
  assert.equal(hv.kind, 'bool');
  assert.deepEqual(Array.from(hv.kind === 'bool' ? hv.values : []), [1, 1, 0, 0]);
  assert.deepEqual(numbers(col(d.var, 'mean')), [0, 0.5, 1, 1.5]);

  assert.deepEqual(Object.keys(d.obsm).sort(), ['X_pca', 'spatial']);
  assert.equal(d.obsm.X_pca.rows, n);
  assert.equal(d.obsm.X_pca.cols, 2);
  assert.ok(d.obsm.X_pca.data instanceof Float32Array);
  assert.deepEqual(Array.from(d.obsm.X_pca.data), Array.from({ length: n }, (_, i) => [i, -i]).flat().map((v) => v + 0));
  assert.deepEqual([d.obsm.spatial.rows, d.obsm.spatial.cols], [n, 2]);
  assert.deepEqual(Array.from(d.obsm.spatial.data), Array.from({ length: n }, (_, i) => [10 * i, 0.5 * i]).flat());
  assert.deepEqual([d.varm.PCs.rows, d.varm.PCs.cols], [p, 2]);
  assert.deepEqual(Array.from(d.varm.PCs.data), Array.from({ length: p }, (_, j) => [j, j + 1]).flat());

  // The category list moved into the categorical, as anndata's _clean_uns does; the rest stays.
  assert.ok(!('louvain_categories' in d.uns));
  assert.deepEqual(d.uns.louvain_colors, ['#1f77b4', '#ff7f0e', '#279e68']);
  assert.deepEqual(Array.from((d.uns.pca as { variance: Float64Array }).variance), [2, 1]);
  assert.equal(d.uns.stnmf_skipped, undefined);
});

test('anndata 0.7 layout: group dataframes with categories references, dense X, plain obsm', async () => {
  const d = await readH5ad(fixture('legacy_v07.h5ad'));
  const X = (i: number, j: number) => ((i + j) % 3 !== 0 ? i + 10 * j : 0);
  assert.deepEqual([d.X.rows, d.X.cols], [n, p]);
  const dense = csrToDense(d.X);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) assert.equal(dense.data[i * p + j], X(i, j), `X[${i},${j}]`);
  let nnz = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) if (X(i, j) !== 0) nnz++;
  assert.equal(d.X.indptr[n], nnz);

  assert.deepEqual(d.obs.index, ['cell0', 'cell1', 'cell2', 'cell3', 'cell4']);
  assert.deepEqual([...d.obs.columns.keys()], ['sample', 'n_counts', 'louvain', 'grade']);
  assert.deepEqual(col(d.obs, 'sample'), { kind: 'string', values: ['sA', 'sA', 'sA', 'sB', 'sB'] });
  assert.deepEqual(numbers(col(d.obs, 'n_counts')), [30, 43, 56, 36, 52]);
  const louvain = col(d.obs, 'louvain');
  assert.deepEqual(decoded(louvain), ['2', '0', '1', '0', null]);
  assert.equal(louvain.kind === 'category' && louvain.ordered, false);
  const grade = col(d.obs, 'grade');
  assert.deepEqual(decoded(grade), ['low', 'mid', 'high', 'mid', 'low']);
  assert.equal(grade.kind === 'category' && grade.ordered, true);

  assert.deepEqual(d.var.index, ['Actb', 'Gfap', 'Snap25', 'Mbp']);
  assert.deepEqual(col(d.var, 'gene_ids'), { kind: 'string', values: ['E0', 'E1', 'E2', 'E3'] });
  assert.deepEqual(numbers(col(d.var, 'dispersion')), [0, 1.5, 3, 4.5]);

  assert.deepEqual([d.obsm.X_pca.rows, d.obsm.X_pca.cols], [n, 2]);
  assert.deepEqual(Array.from(d.obsm.X_pca.data), Array.from({ length: n }, (_, i) => [i / 2, 1]).flat());
  assert.deepEqual([d.obsm.spatial.rows, d.obsm.spatial.cols], [n, 2]);
  assert.deepEqual(Array.from(d.obsm.spatial.data), Array.from({ length: n }, (_, i) => [i, 2 * i]).flat());
  assert.deepEqual(d.uns.louvain_colors, ['#1f77b4', '#ff7f0e', '#279e68']);
  assert.deepEqual(d.uns.neighbors, { params: { n_neighbors: 15 } });
});

test('obs stored as a plain (non-compound) dataset is rejected with a one-line BAD_FILE', async () => {
  await h5Ready();
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-legacy-'));
  try {
    const path = join(dir, 'bad.h5ad');
    const f = new h5wasm.File(path, 'w');
    f.create_dataset({ name: 'obs', data: new Float64Array(3) });
    f.create_group('var');
    f.close();
    await assert.rejects(readH5ad(path), (e: unknown) => {
      assert.ok(e instanceof StnmfError);
      assert.equal(e.code, 'BAD_FILE');
      assert.match(e.message, /bad\.h5ad: 'obs': expected a dataframe group or a compound dataset .*found a plain dataset of shape \(3\)/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
