/**
 * The viewer's ruler states the unit that is true and its drawn length matches it (issue 19):
 * for µm coordinates, pixel coordinates with a known pixel size (converted to µm), unscaled
 * pixels (px) and an unknown unit ("units", never µm), at the initial view and after zooming
 * with the wheel; the colour legend names the quantity. Headless Chromium on a synthetic 20 x 20 grid result; skips without Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startViewServer, webRoot } from '../src/cli/commands/view.js';
import { asResult, type ResultDataset } from '../src/result-dataset.js';
import { makeDataset, type CoordinateUnit } from '../src/dataset.js';
import { KEYS } from '../src/keys.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { dense } from '../src/linalg/dense.js';
import { launchChromium } from './viewer-helpers.js';

type Page = {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, o?: unknown): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  mouse: { move(x: number, y: number): Promise<void>; wheel(dx: number, dy: number): Promise<void> };
  close(): Promise<void>;
};
type Browser = { newPage(o: unknown): Promise<Page>; close(): Promise<void> };

/** A 20 x 20 grid of cells 37.5 units apart, one factor whose usage is the cell number, made in memory. */
function gridResult(unit: CoordinateUnit, micronsPerUnit: number | undefined): ResultDataset {
  const n = 400;
  const spatial = Float64Array.from({ length: 2 * n }, (_, t) => (t % 2 === 0 ? ((t / 2) % 20) * 37.5 : Math.floor((t - 1) / 2 / 20) * 37.5));
  const ds = makeDataset(csrFromDense(dense(n, 1, Float32Array.from({ length: n }, (_, i) => i))), Array.from({ length: n }, (_, i) => `c${i}`), ['g'], { source: `grid-${unit}` });
  ds.obsm[KEYS.nmf.obsm] = { rows: n, cols: 1, data: Float32Array.from({ length: n }, (_, i) => i) };
  ds.varm[KEYS.nmf.varm] = { rows: 1, cols: 1, data: Float32Array.of(1) };
  ds.obsm.spatial = { rows: n, cols: 2, data: spatial };
  ds.meta.coordinateUnit = unit;
  ds.meta.micronsPerUnit = micronsPerUnit;
  return asResult(ds);
}

test('viewer ruler: µm, px with a pixel size (in µm), px, unknown units; drawn length = stated length', { timeout: 120_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  if (!existsSync(`${webRoot()}index.html`)) assert.fail(`viewer app not built at ${webRoot()}: run 'node scripts/build-web.mjs'`);
  for (const [unit, mpu, label, perUnit] of [
    ['um', undefined, 'µm', 1],
    ['px', 0.2125, 'µm', 0.2125],
    ['px', undefined, 'px', 1],
    ['unknown', undefined, 'units', 1],
  ] as const) {
    const srv = await startViewServer(gridResult(unit, mpu), 0);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    try {
      await page.goto(srv.url);
      await page.waitForFunction("document.body.dataset.ready === 'true' || !!document.body.dataset.error", null, { timeout: 60_000 });
      assert.equal(await page.evaluate('document.body.dataset.error ?? null'), null);
      // The colour legend names the quantity, not just the factor.
      assert.match(await page.evaluate<string>("document.getElementById('legend').textContent"), /Factor_1 \(usage \(X_nmf\)\)/);
      for (const step of ['initial', 'zoomed']) {
        if (step === 'zoomed') {
          await page.mouse.move(500, 350);
          await page.mouse.wheel(0, -600);
          await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
        }
        const text = await page.evaluate<string>("document.getElementById('scalebar-label').textContent");
        const width = await page.evaluate<number>("document.getElementById('scalebar-bar').getBoundingClientRect().width");
        // Screen pixels per coordinate unit, from the viewer's own projection.
        const zoom = await page.evaluate<number>('window.__stnmf.toScreen(100, 0)[0] - window.__stnmf.toScreen(0, 0)[0]') / 100;
        const [len, u] = text.split(' ');
        assert.equal(u, label, `${unit}/${mpu} ${step}: "${text}"`);
        const drawn = (width / zoom) * perUnit;
        assert.ok(Math.abs(drawn - Number(len)) < 0.01 * Number(len), `${unit}/${mpu} ${step}: bar of ${width} px = ${drawn} ${label}, label "${text}"`);
      }
    } finally {
      await page.close();
      srv.close();
    }
  }
});
