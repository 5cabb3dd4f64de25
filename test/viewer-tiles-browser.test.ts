/**
 * `stnmf view` of a result of several samples (the four breast slices) in headless Chromium:
 * every sample's tile is named, the name sits just above its tile's upper-left dots inside
 * the stage, no two names overlap, and the names follow a zoom. Saves viewer-tiles.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startViewServer, webRoot } from '../src/cli/commands/view.js';
import { readResult } from '../src/io/result.js';
import { BREAST, breastManifest } from './samples-helpers.js';
import { launchChromium } from './viewer-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
type Box = { x: number; y: number; width: number; height: number };
type Page = {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, o?: unknown): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  screenshot(o?: unknown): Promise<Buffer>;
  mouse: { move(x: number, y: number): Promise<void>; wheel(dx: number, dy: number): Promise<void> };
  locator(sel: string): { boundingBox(): Promise<Box | null> };
};
type Browser = { newPage(o: unknown): Promise<Page>; close(): Promise<void> };

test('viewer names each sample tile above its corner and keeps the names on their tiles while zooming', { skip: !existsSync(join(BREAST, 'slice1.csv')), timeout: 120_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-tiles-'));
  const r = spawnSync(process.execPath, [CLI, 'nmf', '--samples', breastManifest(dir), '--rank', '3', '--max-iter', '20', '--out', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const srv = await startViewServer(await readResult(join(dir, 'out')), 0);
  t.after(() => srv.close());
  assert.ok(existsSync(`${webRoot()}index.html`), 'viewer not built: run node scripts/build-web.mjs');
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(srv.url);
  await page.waitForFunction("document.body.dataset.ready === 'true' || !!document.body.dataset.error", null, { timeout: 60_000 });
  assert.equal(await page.evaluate('document.body.dataset.error ?? null'), null);
  const stage = (await page.locator('#gl').boundingBox())!;
  const check = async (when: string) => {
    const half = (await page.evaluate<number>('window.__stnmf.renderer.dotSize()')) / 2;
    const rows = await page.evaluate<{ sample: string; text: string; label: Box; tile: [number, number, number, number] }[]>(`(() => {
      const s = window.__stnmf;
      return s.meta.sampleTiles.map((t) => {
        const el = document.querySelector('.tile-label[data-sample="' + t.sample + '"]');
        const r = el.getBoundingClientRect();
        const a = s.toScreen(t.x, t.y), b = s.toScreen(t.x + t.width, t.y + t.height);
        return { sample: t.sample, text: el.textContent, label: { x: r.x, y: r.y, width: r.width, height: r.height }, tile: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])] };
      });
    })()`);
    assert.deepEqual(rows.map((x) => x.text), ['slice1', 'slice2', 'slice3', 'slice4'], when);
    for (const x of rows) {
      const tileLeft = stage.x + x.tile[0], tileTop = stage.y + x.tile[1];
      // The tile's box is of cell centres; its dots reach half a dot further.
      assert.ok(Math.abs(x.label.x - (tileLeft - half)) <= 1, `${when} ${x.sample}: label at x ${x.label.x}, tile's dots from ${tileLeft - half}`);
      const gap = tileTop - half - (x.label.y + x.label.height);
      assert.ok(gap >= 0 && gap <= 6, `${when} ${x.sample}: label ends ${gap} px above its tile's dots`);
      if (when === 'fitted') assert.ok(x.label.y >= stage.y && x.label.x + x.label.width <= stage.x + stage.width, `${when} ${x.sample}: label outside the stage`);
    }
    for (const a of rows) for (const b of rows) {
      if (a === b) continue;
      const apart = a.label.x + a.label.width <= b.label.x || b.label.x + b.label.width <= a.label.x || a.label.y + a.label.height <= b.label.y || b.label.y + b.label.height <= a.label.y;
      assert.ok(apart, `${when}: labels ${a.sample} and ${b.sample} overlap`);
    }
  };
  await check('fitted');
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'viewer-tiles.png'), await page.screenshot());
  await page.mouse.move(stage.x + stage.width / 2, stage.y + stage.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
  await check('zoomed');
});
