/**
 * bcNMF results in plot, report and view: `stnmf contrastive` on the published demo images (no
 * coordinates) gives the non-spatial figures with a one-line note, and `view` refuses with one
 * line; the demo step's npy-only folder loads with its target/background groups; on real
 * Xenium halves (with coordinates) the factor maps and the target/background map are drawn
 * where the cells are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startViewServer, webRoot } from '../src/cli/commands/view.js';
import { readResult } from '../src/io/result.js';
import { standardFigures } from '../src/outputs/figures.js';
import { reportHtml } from '../src/cli/commands/report.js';
import { demoContrastive } from '../src/cli/demo-steps.js';
import { readNpy } from '../src/io/npy.js';
import { readDataset } from '../src/io/index.js';
import { writeH5ad } from '../src/io/h5ad.js';
import { categoryColor, formatNumber, parseHex } from '../src/plot/index.js';
import type { Dataset } from '../src/dataset.js';
import { selectRows } from '../src/linalg/csr.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../shared/data/bcnmf-demo/', import.meta.url));
const XENIUM = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain/', import.meta.url));

const cli = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

test('bcNMF on the demo images (no coordinates): plot skips the maps with one note, view fails with one line, report embeds the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-plot-bcnmf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'bc');
  const run = cli(['contrastive', '--target', join(DEMO, 'target_images.csv'), '--background', join(DEMO, 'background_images.csv'), '--features-in-rows', '--rank', '2', '--alpha', '2', '--max-iter', '100', '--out', out]);
  assert.equal(run.status, 0, run.stderr);

  const r = await readResult(out);
  assert.equal(r.k, 2);
  assert.equal(r.n, 350);
  assert.equal(r.x, undefined);
  assert.match(r.sources.W, /obsm\/X_bcnmf$/);
  assert.match(r.sources.H ?? '', /basis\.npy$/);
  // Usage = target coefficients then background coefficients; loadings = the basis.
  const ht = readNpy(join(out, 'H_target.npy'));
  const hb = readNpy(join(out, 'H_background.npy'));
  assert.deepEqual(r.W.subarray(0, 200 * 2), f32(ht.data as Float32Array));
  assert.deepEqual(r.W.subarray(200 * 2), f32(hb.data as Float32Array));
  assert.deepEqual(r.H, f32(readNpy(join(out, 'basis.npy')).data as Float32Array));
  assert.equal(r.featureNames.length, 784);
  // The .h5ad alone gives the same factorisation from obsm/X_bcnmf and varm/bcnmf.
  const alone = await readResult(join(out, 'result.h5ad'));
  assert.match(alone.sources.H ?? '', /varm\/bcnmf$/);
  assert.deepEqual(alone.H, r.H);
  assert.deepEqual(alone.W, r.W);
  const group = r.clusters.find((c) => c.name === 'group');
  assert.ok(group, `no group column among ${r.clusters.map((c) => c.name).join(', ')}`);
  assert.deepEqual(group.categories, ['target', 'background']);
  assert.equal(group.codes.filter((c) => c === 0).length, 200);
  assert.equal(group.codes.filter((c) => c === 1).length, 150);

  // The enrichment figure shows the values of enrichment.csv, factor by factor.
  const figs = await standardFigures(r);
  assert.deepEqual(figs.map((f) => f.name), ['top-features', 'convergence', 'enrichment']);
  const enr = readFileSync(join(out, 'enrichment.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const texts = figs[2].scene.prims.flatMap((p) => (p.t === 'text' ? [p.text] : []));
  for (const [f, log2] of enr) assert.ok(texts.includes(formatNumber(log2)), `enrichment of factor ${f} (${formatNumber(log2)}) not drawn: ${texts.join('|')}`);

  // CLI: the maps are skipped with exactly one note on stderr naming why and what to do.
  const plot = cli(['plot', out, '--format', 'both', '--json']);
  assert.equal(plot.status, 0, plot.stderr);
  const notes = plot.stderr.split('\n').filter((l) => /skipped/.test(l));
  assert.equal(notes.length, 1, plot.stderr);
  assert.match(notes[0], /^stnmf plot: .*no coordinates.*spatial figures .*skipped; pass --coords FILE/);
  const written = readdirSync(join(out, 'figures')).sort();
  for (const name of ['top-features', 'convergence', 'enrichment']) {
    assert.ok(written.includes(`${name}.png`) && written.includes(`${name}.svg`), `${name} missing from ${written.join(', ')}`);
  }
  assert.ok(!written.some((f) => f.startsWith('factors') || f.startsWith('clusters')), written.join(', '));

  // view: a one-line error, non-zero exit, nothing served.
  const view = cli(['view', out, '--port', '0']);
  assert.notEqual(view.status, 0);
  const lines = view.stderr.trim().split('\n');
  assert.equal(lines.length, 1, view.stderr);
  assert.match(lines[0], /^stnmf view: error: .*no coordinates.*pass --coords FILE/);

  // report: the same figures, plus the note.
  const rep = await reportHtml(out);
  assert.ok(rep.notes.some((n) => /spatial figures .*skipped/.test(n)), rep.notes.join(' | '));
  for (const name of ['top-features', 'convergence', 'enrichment']) assert.ok(rep.html.includes(`<b>${name}</b>`), name);
});

test('the demo step’s bcNMF folder (npy files only) loads: groups from H_target/H_background, loadings from basis.npy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-plot-bcnmf-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = { print: () => {}, log: () => {}, progress: () => {}, signal: new AbortController().signal };
  await demoContrastive(dir, ctx);
  const r = await readResult(dir);
  const ht = readNpy(join(dir, 'H_target.npy'));
  const hb = readNpy(join(dir, 'H_background.npy'));
  assert.equal(r.n, ht.shape[0] + hb.shape[0]);
  assert.equal(r.k, 2);
  assert.deepEqual(r.W.subarray(0, ht.shape[0] * 2), f32(ht.data as Float32Array));
  assert.deepEqual(r.W.subarray(ht.shape[0] * 2), f32(hb.data as Float32Array));
  assert.deepEqual(r.H, f32(readNpy(join(dir, 'basis.npy')).data as Float32Array));
  assert.equal(r.obsNames[0], 'target:0');
  assert.equal(r.obsNames[r.n - 1], `background:${hb.shape[0] - 1}`);
  const group = r.clusters.find((c) => c.name === 'group');
  assert.ok(group);
  assert.equal(group.codes[ht.shape[0] - 1], 0);
  assert.equal(group.codes[ht.shape[0]], 1);
  assert.deepEqual((await standardFigures(r)).map((f) => f.name), ['top-features']);
});

/** The rows of `ds` that `keep` accepts, with their coordinates. */
function subset(ds: Dataset, keep: (i: number) => boolean): Dataset {
  const rows: number[] = [];
  for (let i = 0; i < ds.X.rows; i++) if (keep(i)) rows.push(i);
  const sp = ds.obsm.spatial;
  const xy = new Float64Array(rows.length * 2);
  rows.forEach((i, r) => ((xy[2 * r] = sp.data[2 * i]), (xy[2 * r + 1] = sp.data[2 * i + 1])));
  return { ...ds, X: selectRows(ds.X, rows), obs: { index: rows.map((i) => ds.obs.index[i]), columns: new Map() }, obsm: { spatial: { rows: rows.length, cols: 2, data: xy } }, varm: {}, obsp: {}, layers: {}, uns: {} };
}

test('bcNMF on real Xenium halves (with coordinates): factor maps and the target/background map are drawn where the cells are; view serves it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-plot-bcnmf-xenium-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ds = await readDataset(XENIUM);
  const sp = ds.obsm.spatial;
  const xs = Float64Array.from({ length: ds.X.rows }, (_, i) => sp.data[2 * i]).sort();
  const median = xs[xs.length >> 1];
  // Every 6th cell keeps the test short; right half = target (hippocampus, thalamus), left = background.
  const target = subset(ds, (i) => i % 6 === 0 && sp.data[2 * i] >= median);
  const background = subset(ds, (i) => i % 6 === 0 && sp.data[2 * i] < median);
  await writeH5ad(join(dir, 'right.h5ad'), target);
  await writeH5ad(join(dir, 'left.h5ad'), background);
  const out = join(dir, 'bc');
  const run = cli(['contrastive', '--target', join(dir, 'right.h5ad'), '--background', join(dir, 'left.h5ad'), '--rank', '4', '--alpha', '1', '--alpha-scale', 'perSample', '--loss', 'poisson', '--max-iter', '40', '--out', out]);
  assert.equal(run.status, 0, run.stderr);

  const r = await readResult(out);
  const nt = target.X.rows;
  assert.equal(r.n, nt + background.X.rows);
  assert.ok(r.x && r.y);
  // Coordinates of both groups, in the stacked order, in µm.
  for (const i of [0, nt - 1]) assert.equal(r.x[i], target.obsm.spatial.data[2 * i]);
  for (const i of [0, background.X.rows - 1]) assert.equal(r.y[nt + i], background.obsm.spatial.data[2 * i + 1]);
  assert.equal(r.unit, 'um');
  assert.deepEqual(r.featureNames, ds.var.index);

  const figs = await standardFigures(r);
  assert.deepEqual(figs.map((f) => f.name), ['factors', 'top-features', 'clusters-group', 'convergence', 'enrichment']);
  // The group map: every target dot right of every background dot (the halves split at the median x).
  const groupMap = figs[2].scene;
  const pts = groupMap.prims.find((p) => p.t === 'points');
  assert.ok(pts && pts.t === 'points');
  assert.equal(pts.x.length, r.n);
  const [tr, tg, tb] = parseHex(categoryColor(0));
  let minTarget = Infinity;
  let maxBackground = -Infinity;
  for (let q = 0; q < pts.x.length; q++) {
    const isTarget: boolean = pts.rgb[3 * q] === tr && pts.rgb[3 * q + 1] === tg && pts.rgb[3 * q + 2] === tb;
    assert.equal(isTarget, q < nt, `dot ${q} has the wrong group colour`);
    if (isTarget) minTarget = Math.min(minTarget, pts.x[q]);
    else maxBackground = Math.max(maxBackground, pts.x[q]);
  }
  assert.ok(minTarget >= maxBackground, `target dots from x=${minTarget}, background dots up to x=${maxBackground}`);
  // The factor grid has one map per factor with all cells.
  const grid = figs[0].scene.prims.filter((p) => p.t === 'points');
  assert.equal(grid.length, 4);
  for (const g of grid) assert.ok(g.t === 'points' && g.x.length === r.n);

  const plot = cli(['plot', out]);
  assert.equal(plot.status, 0, plot.stderr);
  assert.ok(!/skipped/.test(plot.stderr), plot.stderr);
  assert.ok(existsSync(join(out, 'figures', 'factors.png')) && existsSync(join(out, 'figures', 'clusters-group.png')));

  if (existsSync(`${webRoot()}index.html`)) {
    const srv = await startViewServer(r, 0);
    t.after(() => srv.close());
    const meta = (await (await fetch(`${srv.url}api/meta.json`)).json()) as { n: number; clusters: { name: string }[] };
    assert.equal(meta.n, r.n);
    assert.ok(meta.clusters.some((c) => c.name === 'group'));
  }
});
