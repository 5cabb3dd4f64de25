/**
 * A finished result is one Dataset (issue 14): `readResult` of a CLI folder returns the Dataset
 * itself — the usages, loadings, X and coordinates the files hold, which a method takes and
 * `writeH5ad` writes back unchanged —, and `asResult` of a Dataset fitted and attached in memory
 * draws the same figures, byte for byte, as the CLI's folder of the same fit (less the
 * convergence curve, which only the folder's history.csv holds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readResult } from '../src/io/result.js';
import { readH5ad } from '../src/io/h5ad.js';
import { writeH5ad } from '../src/io/h5ad-write.js';
import { parseNpy } from '../src/io/npy.js';
import { asResult } from '../src/result-dataset.js';
import { nmf } from '../src/nmf/nmf.js';
import { attachNmf } from '../src/nmf/attach.js';
import { createKernels } from '../src/linalg/index.js';
import { simulateSpatialCounts } from '../src/simulate/index.js';
import { leidenClusters, attachLeiden } from '../src/methods/leiden/index.js';
import { standardFigures } from '../src/outputs/figures.js';
import { sceneToSvg } from '../src/plot/svg.js';
import { KEYS } from '../src/keys.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function stnmf(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `stnmf ${args.join(' ')}: ${r.stderr}`);
}

function npy(path: string): { shape: number[]; data: Float32Array } {
  const a = parseNpy(new Uint8Array(readFileSync(path)), path);
  return { shape: a.shape, data: Float32Array.from(a.data as Float32Array) };
}

async function svgs(figs: Promise<{ name: string; scene: Parameters<typeof sceneToSvg>[0] }[]>): Promise<Map<string, string>> {
  return new Map((await figs).map((f) => [f.name, sceneToSvg(f.scene)]));
}

test('readResult of a CLI folder is the Dataset its files hold; it goes into a method and writeH5ad unchanged', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-result-ds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slide = simulateSpatialCounts({ cells: 300, genes: 30, programs: 3, seed: 4 });
  await writeH5ad(join(dir, 'slide.h5ad'), slide.dataset);
  stnmf(['nmf', 'slide.h5ad', '--rank', '3', '--max-iter', '40', '--tol', '0', '--seed', '0', '--threads', '1', '--out', 'o'], dir);

  const r = await readResult(join(dir, 'o'));
  const W = npy(join(dir, 'o', 'W.npy'));
  const H = npy(join(dir, 'o', 'H.npy'));
  // The Dataset's own fields hold the fit; the views are those fields.
  assert.equal(r.usageKey, KEYS.nmf.obsm);
  assert.deepEqual([r.obsm[KEYS.nmf.obsm].rows, r.obsm[KEYS.nmf.obsm].cols], W.shape);
  assert.deepEqual(Float32Array.from(r.obsm[KEYS.nmf.obsm].data), W.data);
  assert.equal(r.W, r.obsm[KEYS.nmf.obsm].data, 'W is the obsm array, not a copy');
  const Ht = r.varm[KEYS.nmf.varm];
  const [k, p] = H.shape;
  for (let f = 0; f < k; f++) for (let j = 0; j < p; j++) assert.equal(Ht.data[j * k + f], H.data[f * p + j]);
  assert.deepEqual(r.H, H.data);
  assert.equal(r.X.rows, 300);
  assert.equal(r.X.indptr[300], slide.dataset.X.indptr[300], 'X is the data the fit saw');
  assert.deepEqual(r.obs.index, slide.dataset.obs.index);
  const s = r.obsm.spatial;
  assert.ok(r.x && r.y);
  for (let i = 0; i < r.n; i++) assert.equal(r.x[i], s.data[i * s.cols]);

  // A method takes it as it is, and the result view sees what the method attached.
  const lc = await leidenClusters(r, { use: KEYS.nmf.obsm, neighbors: 10, resolution: 1, iterations: 2, seed: 0 });
  attachLeiden(r, lc);
  const again = asResult(r);
  const leiden = again.clusters.find((c) => c.name === KEYS.leiden.obs);
  assert.ok(leiden, 'the attached Leiden labels are a cluster column of the result');
  assert.deepEqual(Array.from(leiden.codes, (c) => Number(leiden.categories[c])), Array.from(lc.membership));
  // Redrawn, it keeps its folder: the figures of its files (history.csv) beside the new map.
  assert.equal(again.files, r.files);
  const names = (await standardFigures(again)).map((f) => f.name);
  assert.ok(names.includes('convergence') && names.includes(`clusters-${KEYS.leiden.obs}`), names.join(', '));

  // Written back, the file reads as the same result.
  await writeH5ad(join(dir, 'back.h5ad'), r);
  const back = await readResult(join(dir, 'back.h5ad'));
  assert.deepEqual(back.W, r.W);
  assert.deepEqual(back.H, r.H);
  assert.deepEqual(back.x, r.x);
  assert.deepEqual(back.X.data, r.X.data);
  assert.ok(back.clusters.some((c) => c.name === KEYS.leiden.obs));
});

test('asResult of a fit attached in memory draws the CLI folder’s figures byte for byte (all but the folder’s history.csv curve)', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-result-mem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slide = simulateSpatialCounts({ cells: 300, genes: 30, programs: 3, seed: 5 });
  await writeH5ad(join(dir, 'slide.h5ad'), slide.dataset);
  stnmf(['nmf', 'slide.h5ad', '--rank', '3', '--max-iter', '40', '--tol', '0', '--seed', '0', '--threads', '1', '--out', 'o'], dir);
  const fromFiles = await svgs(standardFigures(await readResult(join(dir, 'o'))));

  const ds = await readH5ad(join(dir, 'slide.h5ad'));
  const kernels = await createKernels({ threads: 1 });
  t.after(() => kernels.dispose());
  const fit = await nmf(ds.X, { rank: 3, maxIter: 40, tol: 0, seed: 0, kernels });
  attachNmf(ds, fit);
  ds.meta.source = 'o'; // the name figure titles carry (a folder's name; here the run's)
  const inMemory = await svgs(standardFigures(asResult(ds)));
  assert.ok(fromFiles.has('factors') || [...fromFiles.keys()].some((n) => n.startsWith('factor')), `factor maps drawn (${[...fromFiles.keys()].join(', ')})`);
  // The folder adds what only its files hold: the convergence curve of history.csv.
  assert.deepEqual([...inMemory.keys()], [...fromFiles.keys()].filter((n) => n !== 'convergence'));
  assert.ok(fromFiles.has('convergence'));
  for (const [name, svg] of inMemory) assert.equal(svg, fromFiles.get(name), `${name}: the in-memory result draws another figure`);
});

test('a folder of .npy files only reads as a Dataset: varm holds H.npy, X holds nothing and says so', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-result-npy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  stnmf(['demo', '--out', 'd'], dir);
  const r = await readResult(join(dir, 'd', 'nmf'));
  const H = npy(join(dir, 'd', 'nmf', 'H.npy'));
  const names = readFileSync(join(dir, 'd', 'nmf', 'var_names.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(r.var.index, names);
  const Ht = r.varm[KEYS.nmf.varm];
  assert.deepEqual([Ht.rows, Ht.cols], [H.shape[1], H.shape[0]]);
  assert.deepEqual(r.H, H.data);
  assert.equal(r.X.indptr[r.X.rows], 0, 'no stored values: the folder holds no counts');
  const inPanel = r.var.columns.get('in_panel');
  assert.ok(inPanel?.kind === 'bool' && inPanel.values.every((v) => v === 0), 'var in_panel false: nothing measured');
  assert.equal(r.expression, undefined, 'no gene colouring from an X of nothing');
  await writeH5ad(join(dir, 'npy.h5ad'), r);
  const back = await readResult(join(dir, 'npy.h5ad'));
  assert.deepEqual(back.H, r.H);
  assert.deepEqual(back.W, r.W);
  assert.equal(back.expression, undefined);
});
