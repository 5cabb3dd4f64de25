/**
 * Issue 19's remaining figures, checked as properties of the drawn scene on `stnmf demo` runs:
 * SIID's spot-proportion maps (spots at their own positions from spot_coordinates.csv, one
 * panel per factor, colour bars titled "proportion", a µm scale bar whose pixel length equals
 * its label at the figure's scale, no dot under any label), the markers.csv dot plot (columns
 * = each group's top genes by score, dot area ∝ pct_nz_group read from markers.csv, colour =
 * the group mean of the log-normalised counts the test ranked), and the report's line for
 * metrics a run did not compute instead of empty tiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, logTicks, metricSummary, parseCsvText, textBox, textOverlaps, type Prim, type Scene } from '../src/plot/index.js';
import { standardFigures } from '../src/outputs/figures.js';
import { readResult } from '../src/io/result.js';
import { readH5ad } from '../src/io/h5ad.js';
import { log1pMedianNormalize } from '../src/metrics/rank-genes.js';
import { spotCoordinatesCsv } from '../src/outputs/siid.js';
import { makeDataset, type CoordinateUnit, type Dataset } from '../src/dataset.js';

const MAIN = new URL('../src/cli/main.js', import.meta.url).pathname;
let demoDir: string | undefined;
function demo(): string {
  if (!demoDir) {
    demoDir = mkdtempSync(join(tmpdir(), 'stnmf-plot-siid-'));
    const d = demoDir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
    execFileSync(process.execPath, [MAIN, 'demo', '--out', d], { stdio: 'pipe' });
  }
  return demoDir;
}

const csv = (path: string): string[][] => parseCsvText(readFileSync(path, 'utf8').trimEnd());

test('SIID spot proportions: drawn at the spots, one panel per factor, titled colour bars, true µm scale bar, no dot under a label', async () => {
  const dir = join(demo(), 'siid');
  const [head, ...rows] = csv(join(dir, 'spot_coordinates.csv'));
  assert.deepEqual(head, ['spot', 'x_um', 'y_um']);
  const [pHead, ...pRows] = csv(join(dir, 'proportions.csv'));
  assert.deepEqual(rows.map((r) => r[0]), pRows.map((r) => r[0]), 'spot_coordinates.csv lists the spots of proportions.csv in its order');
  const r = await readResult(dir);
  assert.notEqual(r.n, pRows.length, 'the result rows are cells, not spots');
  const fig = (await standardFigures(r, {})).find((f) => f.name === 'proportions');
  assert.ok(fig, 'a proportions map for a SIID result');
  const s = fig.scene;
  const k = pHead.length - 1;
  const pts = s.prims.filter((p): p is Extract<Prim, { t: 'points' }> => p.t === 'points');
  assert.equal(pts.length, k, 'one panel per factor');
  assert.equal(s.prims.filter((p) => p.t === 'image' && p.role === 'colorbar' && p.label === 'proportion').length, k);
  for (const f of ['Factor_1', `Factor_${k}`]) assert.ok(s.prims.some((p) => p.t === 'text' && p.text === f), f);
  // Panel 1: the points are the spots at their µm positions (a similarity transform), drawn by value.
  const xs = rows.map((q) => Number(q[1]));
  const ys = rows.map((q) => Number(q[2]));
  const p0 = pts[0];
  assert.equal(p0.x.length, xs.length);
  const span = (a: ArrayLike<number>): number => Math.max(...Array.from(a)) - Math.min(...Array.from(a));
  const umPerPx = span(xs) / span(p0.x);
  assert.ok(Math.abs(span(ys) / span(p0.y) - umPerPx) < 1e-3 * umPerPx, 'same scale on x and y');
  const col1 = pRows.map((q) => Number(q[1]));
  const top = col1.indexOf(Math.max(...col1));
  const last = p0.x.length - 1;
  assert.ok(Math.abs(p0.x[last] - (Math.min(...Array.from(p0.x)) + (xs[top] - Math.min(...xs)) / umPerPx)) < 0.01, 'highest proportion drawn last (on top)');
  // Scale bar: pixel length x µm per pixel = the stated length, in µm.
  const bar = s.prims.find((p) => p.t === 'rect' && p.role === 'scale-bar');
  assert.ok(bar && bar.t === 'rect' && bar.label);
  const [len, unit] = bar.label.split(' ');
  assert.equal(unit, 'µm');
  assert.ok(Math.abs(bar.w * umPerPx - Number(len)) < 1e-6 * Number(len), `${bar.w} px x ${umPerPx} µm/px vs ${bar.label}`);
  // Spots are drawn as touching discs (0.9 x the spacing), never under a title or colour-bar label.
  assert.ok(p0.r * umPerPx > 0.4 * 100 && p0.r * umPerPx < 0.5 * 100, `dot radius ${p0.r * umPerPx} µm for a 100 µm lattice`);
  assert.deepEqual(textOverlaps(s).map(([a, b]) => `${a.text} | ${b.text}`), []);
  for (const t of s.prims) {
    if (t.t !== 'text' || t.text === bar.label) continue;
    const b = textBox(t);
    for (const p of pts) for (let i = 0; i < p.x.length; i++) {
      const dx = Math.max(b.x0 - p.x[i], 0, p.x[i] - b.x1);
      const dy = Math.max(b.y0 - p.y[i], 0, p.y[i] - b.y1);
      assert.ok(dx * dx + dy * dy >= p.r * p.r - 1e-6, `a spot lies under "${t.text}"`);
    }
  }
});

test('markers.csv dot plot: top genes per group by score, dot area ∝ pct_nz_group, colour = group mean of log1p(normalised counts)', async () => {
  const dir = join(demo(), 'hsnmf');
  const r = await readResult(dir);
  const fig = (await standardFigures(r, { nGenes: 3 })).find((f) => f.name === 'markers-dotplot-hsnmf');
  assert.ok(fig, 'dot plot from markers.csv');
  const s: Scene = fig.scene;
  assert.deepEqual(textOverlaps(s).map(([a, b]) => `${a.text} | ${b.text}`), []);
  // The table, read independently.
  const [head, ...rows] = csv(join(dir, 'markers.csv'));
  const c = (n: string): number => head.indexOf(n);
  const groups = [...new Set(rows.map((q) => q[c('group')]))];
  const top = groups.flatMap((g) => rows.filter((q) => q[c('group')] === g).sort((a, b) => Number(b[c('scores')]) - Number(a[c('scores')])).slice(0, 3).map((q) => q[c('names')]));
  const pct = new Map(rows.map((q) => [`${q[c('group')]}|${q[c('names')]}`, Number(q[c('pct_nz_group')])]));
  const hm = s.prims.find((p): p is Extract<Prim, { t: 'image' }> => p.t === 'image' && p.role === 'heatmap');
  assert.ok(hm && hm.rowNames && hm.colNames && hm.values);
  assert.deepEqual(hm.rowNames, groups);
  assert.deepEqual(hm.colNames, top, 'columns = the top 3 genes of every group, in group order');
  assert.equal(hm.label, 'mean log1p(normalised counts)');
  // Each group's block is labelled with the group above the genes.
  for (const g of groups) assert.ok(s.prims.some((p) => p.t === 'text' && p.text === g && p.y < hm.y - 20), `bracket label ${g}`);
  // Dots: radius² ∝ the fraction from markers.csv (area ∝ fraction), at their cell.
  const cell = hm.w / hm.cols;
  const circles = s.prims.filter((p): p is Extract<Prim, { t: 'circle' }> => p.t === 'circle' && p.cx > hm.x && p.cx < hm.x + hm.w && p.cy > hm.y && p.cy < hm.y + hm.h);
  let checked = 0;
  for (const ci of circles) {
    const col = Math.floor((ci.cx - hm.x) / cell);
    const row = Math.floor((ci.cy - hm.y) / cell);
    const f = pct.get(`${groups[row]}|${top[col]}`);
    assert.ok(f !== undefined);
    assert.ok(Math.abs(ci.r - (cell / 2 - 1) * Math.sqrt(f)) < 1e-9, `${groups[row]}/${top[col]}: r ${ci.r} for fraction ${f}`);
    checked++;
  }
  const positive = groups.flatMap((g) => top.map((gene) => pct.get(`${g}|${gene}`) as number)).filter((f) => f > 0).length;
  assert.equal(checked, positive, 'one dot per group and gene with a non-zero fraction');
  // Colour values: the group mean of log1p(x · median total / total), recomputed from result.h5ad's counts.
  const ds = await readH5ad(join(dir, 'result.h5ad'));
  const Y = log1pMedianNormalize(ds.X);
  const lab = ds.obs.columns.get('hsnmf');
  assert.ok(lab && lab.kind === 'category');
  for (const [gi, g] of groups.entries()) {
    for (const [j, gene] of top.entries()) {
      const jj = ds.var.index.indexOf(gene);
      let sum = 0;
      let n = 0;
      for (let i = 0; i < ds.X.rows; i++) {
        if (lab.categories[lab.codes[i]] !== g) continue;
        n++;
        for (let q = Y.indptr[i]; q < Y.indptr[i + 1]; q++) if (Y.indices[q] === jj) sum += Y.data[q];
      }
      const got = hm.values[gi * top.length + j];
      assert.ok(Math.abs(got - sum / n) < 1e-9 * Math.max(1, sum / n), `${g}/${gene}: ${got} vs ${sum / n}`);
    }
  }
});

test('report: metrics a run did not compute get one line naming the flag, never an empty tile', async () => {
  // The demo's hSNMF summary (same writer as `stnmf hsnmf`) has no --gmt, so enrich is null; ari/nmi are
  // nulled as a run without --labels writes them (e.g. `stnmf hsnmf xenium-mouse-brain --rank 10`).
  const dir = join(demo(), 'hsnmf');
  const summary: Record<string, unknown> = { ...(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>), ari: null, nmi: null };
  const nulls = Object.keys(summary).filter((k) => summary[k] === null);
  assert.deepEqual(nulls.sort(), ['ari', 'enrich', 'nmi']);
  const html = buildReport({ title: 'hsnmf', summary, run: { command: 'hsnmf', parameters: {}, inputs: {} } });
  assert.doesNotMatch(html, /<div class="v">—<\/div>/, 'no tile without a value');
  for (const k of nulls) assert.doesNotMatch(html, new RegExp(`<th>${k}</th><td>—</td>`), `no empty row for ${k}`);
  assert.match(html, /Not computed in this run: enrichment \(pass --gmt FILE of gene sets\); ARI, NMI \(pass --labels COLUMN of reference labels\)\./);
  // Without run.json (the demo folder) the line still names them, without a flag it cannot know.
  assert.match(buildReport({ title: 'x', summary }), /Not computed in this run: enrichment, ARI, NMI\./);
});

test('metric summary: bars only when runs are compared (one run: values only), bar length ∝ |value| over the runs', () => {
  const metrics = [{ key: 'chaos', values: [0.02] }, { key: 'moransI', values: [0.9] }];
  const one = metricSummary({ runs: ['hybrid'], metrics });
  assert.equal(one.prims.filter((p) => p.t === 'rect').length, 0, 'one run: no full-length bars that say nothing');
  assert.ok(one.prims.some((p) => p.t === 'text' && p.text === '0.9'));
  assert.deepEqual(textOverlaps(one), []);
  const two = metricSummary({ runs: ['a', 'b'], metrics: [{ key: 'moransI', values: [0.9, 0.45] }] });
  const w = two.prims.filter((p): p is Extract<Prim, { t: 'rect' }> => p.t === 'rect').map((p) => p.w);
  assert.equal(w.length, 2);
  assert.ok(Math.abs(w[1] / w[0] - 0.5) < 1e-9, `${w}`);
});

test('log axis over less than a factor of 2.5 (a converged loss) still gets at least two labelled ticks inside the range', () => {
  for (const [lo, hi] of [[1.43e7, 2.21e7], [0.98, 1.02], [3, 7], [1, 1000]] as const) {
    const t = logTicks(lo, hi);
    assert.ok(t.length >= 2, `${lo}..${hi}: ${t}`);
    for (const v of t) assert.ok(v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9), `${v} outside ${lo}..${hi}`);
  }
  assert.deepEqual(logTicks(1, 1000), [1, 10, 100, 1000], 'decades alone when they give three ticks');
});

test('spot_coordinates.csv states the true unit: µm (converted from pixels with a known size), px, or none', () => {
  const spots = (unit: CoordinateUnit | undefined, mpu?: number): Dataset => {
    const d = makeDataset({ rows: 2, cols: 1, indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(0, 0), data: Float32Array.of(1, 1) }, ['s0', 's1'], ['g'], { platform: 'test', source: 'test', coordinateUnit: unit, micronsPerUnit: mpu });
    d.obsm.spatial = { rows: 2, cols: 2, data: Float64Array.of(10, 20, 30, 40) };
    return d;
  };
  assert.equal(spotCoordinatesCsv(spots('um'), [1, 0]), 'spot,x_um,y_um\ns1,30,40\ns0,10,20\n');
  assert.equal(spotCoordinatesCsv(spots('px', 0.5), [0]), 'spot,x_um,y_um\ns0,5,10\n');
  assert.equal(spotCoordinatesCsv(spots('px'), [0]), 'spot,x_px,y_px\ns0,10,20\n');
  assert.equal(spotCoordinatesCsv(spots('unknown'), [0]), 'spot,x,y\ns0,10,20\n');
  assert.equal(spotCoordinatesCsv(spots(undefined), [0]), 'spot,x,y\ns0,10,20\n');
});
