/**
 * The viewer in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core)
 * on an NMF result of the Xenium mouse brain: cells are drawn, switching the colouring
 * changes the pixels, a lasso selects the cells inside it and exports exactly their ids, a
 * screenshot is saved, and panning 109,806 cells (the tissue tiled three times) is timed.
 * Skips with a message when Chromium or playwright-core is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startViewServer, webRoot } from '../src/cli/commands/view.js';
import { readResult } from '../src/io/result.js';
import { decodePng, XENIUM_H5, xeniumResult, launchChromium } from './viewer-helpers.js';

/** Flags from the machine notes: no sandbox as root, no GPU, no background network traffic. */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

type Browser = { newPage(o: unknown): Promise<Page>; close(): Promise<void> };
type Page = {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, o?: unknown): Promise<unknown>;
  evaluate<T>(fn: string | ((a: never) => T), arg?: unknown): Promise<T>;
  screenshot(o?: unknown): Promise<Buffer>;
  selectOption(sel: string, v: string): Promise<unknown>;
  click(sel: string): Promise<void>;
  mouse: { move(x: number, y: number, o?: unknown): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  locator(sel: string): { boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null> };
  waitForEvent(name: string): Promise<{ path(): Promise<string | null> }>;
  on(ev: string, fn: (m: { text(): string; type(): string }) => void): void;
};


function pointInPolygon(x: number, y: number, poly: number[]): boolean {
  let inside = false;
  const m = poly.length / 2;
  for (let a = 0, b = m - 1; a < m; b = a++) {
    const xa = poly[2 * a], ya = poly[2 * a + 1], xb = poly[2 * b], yb = poly[2 * b + 1];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

test('viewer in headless Chromium: draws cells, recolours, lasso + export, screenshot, frame time', { timeout: 240_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  if (!existsSync(`${webRoot()}index.html`)) assert.fail(`viewer app not built at ${webRoot()}: run 'node scripts/build-web.mjs'`);
  const fx = await xeniumResult(1);
  const r = await readResult(fx.dir, { data: XENIUM_H5 });
  const srv = await startViewServer(r, 0);
  t.after(() => srv.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(srv.url);
  await page.waitForFunction("document.body.dataset.ready === 'true' || !!document.body.dataset.error", null, { timeout: 60_000 });
  assert.equal(await page.evaluate('document.body.dataset.error ?? null'), null);
  const box = await page.locator('#gl').boundingBox();
  assert.ok(box);

  // Screen positions of a sample of cells (in page coordinates).
  const sample = Array.from({ length: 400 }, (_, q) => Math.floor((q * fx.n) / 400));
  const offset = (await page.evaluate('window.__stnmf.meta.offset')) as [number, number];
  const toScreen = async (ids: number[]): Promise<[number, number][]> =>
    (await page.evaluate(`(${JSON.stringify(ids.map((i) => [fx.x[i] - offset[0], fx.y[i] - offset[1]]))}).map(([x, y]) => window.__stnmf.toScreen(x, y))`)) as [number, number][];
  const pos = (await toScreen(sample)).map(([x, y]) => [Math.round(box.x + x), Math.round(box.y + y)] as [number, number]);
  const pixels = (img: { width: number; data: Uint8Array }): number[][] => pos.map(([x, y]) => Array.from(img.data.subarray(4 * (y * img.width + x), 4 * (y * img.width + x) + 3)));

  // 1. Cells are drawn: sampled pixels are not the white background.
  const shot1 = decodePng(await page.screenshot());
  const px1 = pixels(shot1);
  const drawn = px1.filter(([R, G, B]) => !(R > 245 && G > 245 && B > 245)).length;
  assert.ok(drawn / sample.length > 0.95, `only ${drawn}/${sample.length} sampled cells are drawn`);
  // And the colours follow factor 1: viridis' green channel rises with the value, so green
  // correlates with W[:, 0] across the sampled cells (neighbouring dots blur it a little).
  const f1 = sample.map((i) => fx.W[i * fx.k]);
  const g1 = px1.map((p) => p[1]);
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  const mf = mean(f1);
  const mg = mean(g1);
  let sfg = 0, sff = 0, sgg = 0;
  f1.forEach((f, q) => {
    sfg += (f - mf) * (g1[q] - mg);
    sff += (f - mf) ** 2;
    sgg += (g1[q] - mg) ** 2;
  });
  const corr = sfg / Math.sqrt(sff * sgg);
  assert.ok(corr > 0.6, `pixel green vs factor 1 usage: correlation ${corr.toFixed(3)}`);

  // 2. Switch the colouring to the cluster column through the UI: pixels change and take the category colours.
  await page.selectOption('#mode', 'cluster');
  await page.waitForFunction("document.querySelector('#legend').textContent.includes('dominant_factor')");
  await page.evaluate('new Promise(requestAnimationFrame)');
  const shot2 = decodePng(await page.screenshot());
  const px2 = pixels(shot2);
  const changed = px2.filter((p, q) => Math.abs(p[0] - px1[q][0]) + Math.abs(p[1] - px1[q][1]) + Math.abs(p[2] - px1[q][2]) > 30).length;
  assert.ok(changed / sample.length > 0.5, `only ${changed}/${sample.length} sampled pixels changed after recolouring`);
  const colors = (await page.evaluate('window.__stnmf.meta.clusters[0].colors')) as string[];
  const cats = (await page.evaluate('window.__stnmf.meta.clusters[0].categories')) as string[];
  const matches = px2.filter((p, q) => {
    const c = colors[cats.indexOf(`F${fx.clusters[sample[q]] + 1}`)];
    const rgb = [1, 3, 5].map((o) => parseInt(c.slice(o, o + 2), 16));
    return Math.abs(p[0] - rgb[0]) + Math.abs(p[1] - rgb[1]) + Math.abs(p[2] - rgb[2]) < 24;
  }).length;
  assert.ok(matches / sample.length > 0.7, `only ${matches}/${sample.length} sampled cells show their cluster colour`);

  // Gene colouring (measured counts) through the API used by the side panel links.
  await page.evaluate("window.__stnmf.setColoring('gene', 'Gfap')");
  assert.match((await page.evaluate("document.querySelector('#legend').textContent")) as string, /Gfap/);

  // 3. Lasso a region with the mouse and check the exported ids against the coordinates.
  await page.click('#lasso');
  const cx = box.x + box.width * 0.45;
  const cy = box.y + box.height * 0.5;
  const verts: [number, number][] = [];
  for (let a = 0; a < 24; a++) verts.push([Math.round(cx + 140 * Math.cos((2 * Math.PI * a) / 24)), Math.round(cy + 100 * Math.sin((2 * Math.PI * a) / 24) * (1 + 0.3 * Math.cos(a)))]);
  await page.mouse.move(verts[0][0], verts[0][1]);
  await page.mouse.down();
  for (const [x, y] of verts.slice(1)) await page.mouse.move(x, y);
  await page.mouse.up();
  const selected = (await page.evaluate('window.__stnmf.selectedIds()')) as string[];
  const polyData = (await page.evaluate(`(${JSON.stringify(verts.map(([x, y]) => [x - box.x, y - box.y]))}).flatMap(([x, y]) => window.__stnmf.toData(x, y))`)) as number[];
  const expected: string[] = [];
  for (let i = 0; i < fx.n; i++) {
    if (pointInPolygon(Math.fround(fx.x[i] - offset[0]), Math.fround(fx.y[i] - offset[1]), polyData)) expected.push(fx.obsNames[i]);
  }
  assert.ok(expected.length > 200, `lasso should cover many cells, got ${expected.length}`);
  const sel = new Set(selected);
  const missing = expected.filter((id) => !sel.has(id)).length;
  const extra = selected.length - (expected.length - missing);
  assert.ok(missing + extra <= 2, `lasso: ${selected.length} selected, ${expected.length} expected, ${missing} missing, ${extra} extra`);
  // The Export button downloads the same ids.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const path = await download.path();
  assert.ok(path);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'obs_name');
  assert.deepEqual(lines.slice(1), selected);

  // 4. Screenshot for the record.
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(`${ARTIFACTS}viewer-xenium.png`, await page.screenshot());
  assert.deepEqual(errors, []);

  // 5. Frame time while panning 109,806 cells.
  const big = await xeniumResult(3);
  const rb = await readResult(big.dir);
  const srvBig = await startViewServer(rb, 0);
  t.after(() => srvBig.close());
  const page2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page2.goto(srvBig.url);
  await page2.waitForFunction("document.body.dataset.ready === 'true' || !!document.body.dataset.error", null, { timeout: 90_000 });
  assert.equal(await page2.evaluate('window.__stnmf.meta.n'), 109806);
  await page2.evaluate('window.__stnmf.benchPan(10)');
  const bench = (await page2.evaluate('window.__stnmf.benchPan(120)')) as { meanMs: number; p95Ms: number; meanIntervalMs: number; p95IntervalMs: number };
  const line = `viewer pan, 109,806 cells, headless Chromium (SwiftShader): frame ${bench.meanMs.toFixed(1)} ms mean, ${bench.p95Ms.toFixed(1)} ms p95; rAF interval ${bench.meanIntervalMs.toFixed(1)} ms mean, ${bench.p95IntervalMs.toFixed(1)} ms p95`;
  t.diagnostic(line);
  writeFileSync(`${ARTIFACTS}viewer-pan-benchmark.txt`, line + '\n');
  assert.ok(bench.meanMs < 33, line);
});
