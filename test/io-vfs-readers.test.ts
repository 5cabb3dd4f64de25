// Every reader runs over any Vfs (issue 14, "readers that run anywhere"): each platform folder or
// file below is read once from disk (the default, nodeVfs) and once from a memoryVfs holding the
// same bytes under another root ('/vfs-copy/...', which does not exist on disk, so a reader that
// still touched node:fs would fail here). The two Datasets must be deep-equal once the memory
// root is mapped back to the disk root in the strings that name paths (meta.source, uns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPlatform, readDataset, readNpy, encodeH5ad, readH5ad, writeH5ad, type ReadOptions } from '../src/io/index.js';
import { memoryVfs, type Vfs } from '../src/io/vfs.js';
import type { Dataset } from '../src/dataset.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));
const MEM = '/vfs-copy';

/** Every file under `p` (or `p` itself), keyed by MEM + its disk path. */
function load(paths: string[], into = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  for (const p of paths) {
    if (statSync(p).isDirectory()) load(readdirSync(p).map((n) => join(p, n)), into);
    else into.set(MEM + p, new Uint8Array(readFileSync(p)));
  }
  return into;
}

/** `v` with every string that contains MEM spelled with the disk path again. */
function unmap(v: unknown): unknown {
  if (typeof v === 'string') return v.split(MEM).join('');
  if (Array.isArray(v)) return v.map(unmap);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmap(x)]));
  }
  return v;
}

function comparable(d: Dataset): Dataset {
  return { ...d, meta: unmap(d.meta) as Dataset['meta'], uns: unmap(d.uns) as Dataset['uns'] };
}

async function same(path: string, opts: ReadOptions = {}, extra: string[] = []): Promise<Dataset> {
  const files: Vfs = memoryVfs(load([path, ...extra, ...(opts.coords ? [opts.coords] : []), ...(opts.annotations ?? [])]));
  const memOpts: ReadOptions = { ...opts, files, coords: opts.coords && MEM + opts.coords, annotations: opts.annotations?.map((a) => MEM + a) };
  const [diskDet, memDet] = [await detectPlatform(path), await detectPlatform(MEM + path, { files })];
  assert.deepEqual(unmap(memDet), diskDet, `${path}: detectPlatform`);
  const disk = await readDataset(path, opts);
  const mem = await readDataset(MEM + path, memOpts);
  assert.deepEqual(comparable(mem), disk, path);
  return disk;
}

test('readDataset over a memoryVfs equals readDataset from disk: instrument folders', async () => {
  const x = await same(shared('xenium-mouse-brain'));
  assert.deepEqual([x.meta.platform, x.X.rows, x.X.cols], ['xenium', 36602, 248]);
  assert.equal((await same(shared('visium-mouse-brain-seurat'))).meta.platform, 'visium');
  assert.equal((await same(shared('visium-mouse-brain-mex-spaniel'))).meta.platform, 'visium');
  assert.equal((await same(shared('visium-mouse-brain-mex-spaniel/filtered_feature_bc_matrix'))).meta.platform, 'mex');
  assert.equal((await same(shared('cosmx-lung-mini/Lung9_Rep1'))).meta.platform, 'cosmx');
  assert.equal((await same(shared('cosmx-lung-mini/Lung12'))).meta.platform, 'cosmx');
  for (const [dir, platform] of [['merscope', 'merscope'], ['slideseq', 'slide-seq'], ['steinbock', 'imc'], ['mcmicro', 'mcmicro']] as const) {
    assert.equal((await same(fixture(dir))).meta.platform, platform, dir);
  }
});

test('readDataset over a memoryVfs equals readDataset from disk: files and tables', async () => {
  assert.equal((await same(shared('xenium-mouse-brain/cell_feature_matrix.h5'))).meta.platform, '10x-h5');
  for (const f of ['anndata_written.h5ad', 'legacy_v06.h5ad', 'legacy_v07.h5ad', 'tenx_v3_mixed.h5']) await same(fixture(f));
  assert.equal((await same(shared('osmfish-mouse-cortex/raw_data/osmFISH_SScortex_mouse_all_cells.loom'))).meta.platform, 'loom');
  // gzip CSV (genes in rows) + positions joined by id + annotations, and the same as a folder.
  const ob = shared('st-mouse-olfactory-bulb');
  const csv = await same(join(ob, 'counts.csv.gz'), { coords: join(ob, 'positions.csv'), annotations: [join(ob, 'annotation.csv')] });
  assert.ok(csv.obsm.spatial && csv.X.rows === 262);
  await same(ob);
  await same(shared('seqfish-mouse-hippocampus/mmc6_counts.csv'), { coords: shared('seqfish-mouse-hippocampus/mmc6_pos.csv') });
  assert.equal((await same(shared('codex-crc-reg009'))).meta.platform, 'codex');
  assert.equal((await same(fixture('mibi/cell_table_size_normalized.csv'))).meta.platform, 'mibi');
  for (const f of ['stereoseq/SS200000135TL_D1.tissue.gem.gz', 'stereoseq/SS200000135TL_D1.cellbin.gem']) {
    assert.equal((await same(fixture(f))).meta.platform, 'stereo-seq', f);
  }
});

test('parquet over a Vfs: Xenium cells.parquet bundle and a Visium HD bin with tissue_positions.parquet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-vfs-pq-'));
  try {
    const xen = join(dir, 'xenium');
    mkdirSync(xen);
    copyFileSync(fixture('tenx_v3_mixed.h5'), join(xen, 'cell_feature_matrix.h5'));
    copyFileSync(fixture('parquet/xenium_cells.parquet'), join(xen, 'cells.parquet'));
    assert.equal((await same(xen)).meta.platform, 'xenium');
    const bin = join(dir, 'hd', 'binned_outputs', 'square_008um');
    mkdirSync(join(bin, 'spatial'), { recursive: true });
    copyFileSync(fixture('tenx_v3_mixed.h5'), join(bin, 'filtered_feature_bc_matrix.h5'));
    copyFileSync(fixture('parquet/tissue_positions.parquet'), join(bin, 'spatial', 'tissue_positions.parquet'));
    writeFileSync(join(bin, 'spatial', 'scalefactors_json.json'), JSON.stringify({ microns_per_pixel: 0.25, bin_size_um: 8 }));
    assert.equal((await same(join(dir, 'hd'))).meta.platform, 'visium-hd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readNpy over a memoryVfs, and reader errors name the path as given', async () => {
  const p = fixture('npy_f8_2x3_fortran.npy');
  assert.deepEqual(readNpy(MEM + p, memoryVfs(load([p]))), readNpy(p));
  const files = memoryVfs({ 'in/empty.csv': new Uint8Array(0), 'in/x.h5ad': new TextEncoder().encode('not hdf5') });
  await assert.rejects(readDataset('in/empty.csv', { files }), /^StnmfError: in\/empty\.csv: file is empty/);
  await assert.rejects(readDataset('in/x.h5ad', { files }), /in\/x\.h5ad: not an HDF5 file/);
  await assert.rejects(readDataset('in/none.csv', { files }), /in\/none\.csv: no such file or folder/);
  await assert.rejects(readDataset('in', { files }), /^StnmfError: in: folder holds x\.h5ad and text tables \(empty\.csv\)/);
  await assert.rejects(readDataset('in2', { files: memoryVfs({ 'in2/a.bin': new Uint8Array([1]) }) }), /in2: folder not recognised/);
});

test('encodeH5ad: the in-memory h5ad reads back as the dataset and as writeH5ad\'s file does', async () => {
  const d = await readDataset(shared('xenium-mouse-brain'));
  const bytes = await encodeH5ad(d);
  const back = await readH5ad('mem.h5ad', { files: memoryVfs({ 'mem.h5ad': bytes }) });
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-enc-'));
  try {
    await writeH5ad(join(dir, 'd.h5ad'), d);
    const disk = readFileSync(join(dir, 'd.h5ad'));
    assert.equal(bytes.length, disk.length, 'same file size as writeH5ad');
    // Only the path readH5ad records as meta.source differs (and HDF5 object timestamps inside).
    const fromDisk = await readH5ad(join(dir, 'd.h5ad'));
    assert.equal(back.meta.source, 'mem.h5ad');
    assert.deepEqual({ ...back, meta: { ...back.meta, source: fromDisk.meta.source } }, fromDisk);
    // And the round trip keeps the data: X, names, coordinates, columns, meta.
    assert.deepEqual(back.X, d.X);
    assert.deepEqual(back.obs.index, d.obs.index);
    assert.deepEqual(back.var.index, d.var.index);
    assert.deepEqual(back.obsm.spatial, d.obsm.spatial);
    assert.deepEqual([...back.obs.columns.keys()], [...d.obs.columns.keys()]);
    assert.deepEqual({ ...back.meta, source: d.meta.source, platform: d.meta.platform }, d.meta);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
