/**
 * The in-browser app in real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core), served by `stnmf app`'s server: the Xenium mouse-brain folder is uploaded
 * as a folder, NMF (k = 10, seed 0, 2 threads) runs in the app's worker and its W.npy/H.npy
 * must equal the CLI's (`stnmf nmf` with the same options and `--threads 2`) byte for byte;
 * hSNMF's labels equal the CLI's; the downloaded result.h5ad opens in Debian's anndata with the
 * CLI's obs/obsm/varm keys and shapes; Cancel stops a 3000-iteration run within 1 s; the page
 * keeps drawing frames during a run (requestAnimationFrame intervals measured while the map is
 * zoomed); and a page served without COOP/COEP says it runs on one thread and does, with W
 * equal to the CLI's `--threads 1`. Prints the in-browser and Node times of the same NMF run.
 * Skips with a message when Chromium or playwright-core is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot, startAppServer } from '../src/cli/commands/app.js';
import { readDataset } from '../src/io/index.js';
import { launchChromium, XENIUM_DIR } from './viewer-helpers.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PYTHON = '/usr/bin/python3';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
/** Small iteration counts keep the test quick; bit equality does not depend on them. */
const NMF_ITER = 40;
const HSNMF_ITER = 20;
const HSNMF_SUBSAMPLE = 1000;

type Page = {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, o?: unknown): Promise<unknown>;
  evaluate<T>(fn: string, arg?: unknown): Promise<T>;
  setInputFiles(sel: string, files: string | string[]): Promise<void>;
  selectOption(sel: string, v: string): Promise<unknown>;
  click(sel: string): Promise<void>;
  textContent(sel: string): Promise<string | null>;
  mouse: { move(x: number, y: number, o?: { steps?: number }): Promise<void>; wheel(dx: number, dy: number): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  check(sel: string): Promise<void>;
  waitForEvent(name: string): Promise<{ path(): Promise<string | null> }>;
  on(ev: string, fn: (m: { text(): string; type(): string }) => void): void;
  screenshot(o?: unknown): Promise<Buffer>;
  close(): Promise<void>;
};
type Browser = { newPage(o?: unknown): Promise<Page>; close(): Promise<void> };

/** Runs the CLI in the background; resolves with the output folder (rejects on a non-zero exit). */
function cli(args: string[], out: string): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`stnmf ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}`))));
  });
}

async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction("document.body.dataset.isolated !== undefined");
  await page.setInputFiles('#dir-input', XENIUM_DIR);
  await page.waitForFunction("['ready', 'error'].includes(document.body.dataset.state)", null, { timeout: 60_000 });
  assert.equal(await page.evaluate('document.body.dataset.state'), 'ready', `loading failed: ${await page.textContent('#message')}`);
}

/** Sets a form field (also ones folded under "more options") as typing would. */
async function setField(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(`(() => { const el = document.getElementById(${JSON.stringify(id)}); if (!el) throw new Error('no field ${id}'); el.value = ${JSON.stringify(value)}; el.dispatchEvent(new Event('change', { bubbles: true })); })()`);
}

async function runMethod(page: Page, method: 'nmf' | 'hsnmf' | 'contrastive' | 'siid', fields: Record<string, string>, timeout = 120_000): Promise<void> {
  await page.selectOption('#method', method);
  for (const [k, v] of Object.entries(fields)) await setField(page, `${method}-${k}`, v);
  await page.click('#run');
  await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", null, { timeout });
  assert.equal(await page.evaluate('document.body.dataset.state'), 'done', `${method} failed: ${await page.textContent('#message')}`);
}

const fileOf = async (page: Page, name: string): Promise<Buffer> => {
  const b64 = await page.evaluate<string | undefined>(`window.__app.fileBase64(${JSON.stringify(name)})`);
  assert.ok(b64, `the app offers no ${name}`);
  return Buffer.from(b64, 'base64');
};

/**
 * Two CSV texts are the same table: equal text in every non-numeric field and numbers within
 * `rel` relative. Chromium's V8 and Node's may round `Math.exp`/`Math.log` 1 ulp apart, and
 * SIID's model and the Wilcoxon p-values go through them.
 */
function assertCsvClose(mine: Buffer | string, ref: Buffer | string, what: string, rel = 1e-12): void {
  const rows = (b: Buffer | string) => b.toString().trim().split('\n').map((l) => l.split(','));
  const a = rows(mine), b = rows(ref);
  assert.equal(a.length, b.length, `${what}: row count`);
  a.forEach((r, i) => r.forEach((v, j) => assertClose(v, b[i][j], `${what} row ${i} column ${j}`, rel)));
}

/** A field or JSON value equals its reference: numbers (or numeric strings) within `rel`, the rest exactly. */
function assertClose(a: unknown, b: unknown, what: string, rel = 1e-12): void {
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${what}: length`);
    a.forEach((v, i) => assertClose(v, b[i], `${what}[${i}]`, rel));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${what}: keys`);
    for (const k of Object.keys(a)) assertClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${what}.${k}`, rel);
  } else if (Number.isFinite(num(a)) && Number.isFinite(num(b))) {
    assert.ok(Math.abs(num(a) - num(b)) <= rel * Math.abs(num(b)), `${what}: ${a} vs ${b}`);
  } else assert.deepEqual(a, b, what);
}

/** Writes one of the app's result files to `dir` and returns its path. */
async function savedFile(page: Page, name: string, dir: string): Promise<string> {
  const path = join(dir, `app-${name}`);
  writeFileSync(path, await fileOf(page, name));
  return path;
}

/**
 * The app's figures are `stnmf plot <dir> --format both` of the CLI's run folder: the same
 * figure names and, with `exact`, the same PNG and SVG bytes (the run folder is named as the
 * app's CLI line names it, <method>-out, which the figure titles carry).
 */
async function assertFiguresLikePlot(page: Page, dir: string, what: string, exact: boolean): Promise<void> {
  const figs = await cli(['plot', dir, '--format', 'both'], `${dir}-figures`);
  const names = readdirSync(figs).filter((n) => /\.(png|svg)$/.test(n)).sort();
  const shown = await page.evaluate<string[]>('window.__app.figures()');
  assert.deepEqual(shown.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort(), names, `${what}: the app's figures are not stnmf plot's`);
  assert.equal(await page.evaluate<number>("document.querySelectorAll('#figures img').length"), shown.length, `${what}: one preview per figure`);
  if (!exact) return;
  for (const n of names) assert.ok((await fileOf(page, `figures/${n}`)).equals(readFileSync(join(figs, n))), `${what}: figures/${n} differs from stnmf plot's`);
}

/** obs/obsm/varm keys and shapes of an h5ad, read by Debian's anndata. */
function anndataLayout(path: string): string {
  const py = `import anndata, json, sys
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps({'shape': list(a.shape), 'obs': sorted(a.obs.columns), 'obsm': {k: list(v.shape) for k, v in sorted(a.obsm.items())}, 'varm': {k: list(v.shape) for k, v in sorted(a.varm.items())}, 'var': sorted(a.var.columns)}))`;
  const r = spawnSync(PYTHON, ['-c', py, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `anndata could not open ${path}: ${r.stderr}`);
  return r.stdout.trim();
}

test('app in headless Chromium: NMF/hSNMF equal the CLI, h5ad opens in anndata, Cancel, responsiveness, one-thread fallback', { timeout: 300_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  if (!existsSync(join(appRoot(), 'index.html'))) assert.fail(`app not built at ${appRoot()}: run 'npm run build'`);
  const tmp = mkdtempSync(join(tmpdir(), 'stnmf-app-test-'));

  const srv = await startAppServer({ port: 0 });
  t.after(() => srv.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await openApp(page, srv.url);
  assert.equal(await page.evaluate('window.crossOriginIsolated'), true, 'the page served by stnmf app is not cross-origin isolated');
  assert.match((await page.textContent('#isolation')) ?? '', /cross-origin isolated/);
  assert.match((await page.textContent('#info')) ?? '', /xenium[\s\S]*36,602 observations x 248 features/);
  // The map's scale bar: Xenium coordinates are µm; the drawn width is the stated length.
  {
    const label = (await page.textContent('#scalebar-label')) ?? '';
    const width = await page.evaluate<number>("document.getElementById('scalebar-bar').getBoundingClientRect().width");
    const zoom = await page.evaluate<number>('window.__app.zoom()');
    const [len, unit] = label.split(' ');
    assert.equal(unit, 'µm', `scale bar label "${label}"`);
    assert.ok(/^[125]0*$/.test(len) && Math.abs(width / zoom - Number(len)) < 0.01 * Number(len), `scale bar "${label}" drawn ${width} px at ${zoom} px/µm`);
  }

  // Colour by a gene before any run: the map shows that gene's counts in every cell, as the
  // Node reader reads them.
  {
    const ds = await readDataset(XENIUM_DIR);
    const j = ds.var.index.indexOf('Slc17a7');
    const expect = new Float64Array(ds.X.rows);
    for (let i = 0; i < ds.X.rows; i++) for (let q = ds.X.indptr[i]; q < ds.X.indptr[i + 1]; q++) if (ds.X.indices[q] === j) expect[i] = ds.X.data[q];
    await setField(page, 'gene', 'Slc17a7');
    await page.waitForFunction("window.__app.legend() === 'Slc17a7 (counts)'", null, { timeout: 10_000 });
    const shown = await page.evaluate<number[]>('window.__app.shownValues()');
    assert.deepEqual(shown, Array.from(expect), 'the map is not coloured by Slc17a7 counts');
    assert.ok(expect.some((v) => v > 0));
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'app-gene.png'), await page.screenshot());
  }

  // 1. NMF with a frame-time probe: rAF intervals while the map is zoomed with the wheel.
  await page.evaluate(`(() => { window.__frames = []; window.__long = []; window.__t0 = 0; let last = performance.now(); const tick = (now) => { const st = document.body.dataset.state; if (st === 'running') { window.__frames.push(now - last); if (now - last > 100) window.__long.push([Math.round(now - window.__t0), Math.round(now - last)]); } else window.__t0 = now; last = now; if (st !== 'done' && st !== 'error') requestAnimationFrame(tick); }; requestAnimationFrame(tick); window.__lat = []; document.addEventListener('wheel', (e) => window.__lat.push(performance.now() - e.timeStamp), { capture: true, passive: true }); })()`);
  const tWall = Date.now();
  await page.selectOption('#method', 'nmf');
  for (const [k, v] of Object.entries({ rank: '10', seed: '0', threads: '2', 'max-iter': String(NMF_ITER) })) await setField(page, `nmf-${k}`, v);
  await page.click('#run');
  await page.mouse.move(900, 430);
  let wheels = 0;
  while ((await page.evaluate<string>('document.body.dataset.state')) === 'running') {
    await page.mouse.wheel(0, wheels++ % 2 ? 120 : -120);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await page.evaluate('document.body.dataset.state'), 'done', `NMF failed: ${await page.textContent('#message')}`);
  const browserWall = (Date.now() - tWall) / 1000;
  const frames = (await page.evaluate<number[]>('window.__frames')).slice(1);
  frames.sort((a, b) => a - b);
  const median = frames[Math.floor(frames.length / 2)];
  const p95 = frames[Math.floor(frames.length * 0.95)];
  process.stdout.write(`# app: long frames [ms after the run started, ms]: ${JSON.stringify(await page.evaluate('window.__long'))}\n`);
  process.stdout.write(`# app: ${frames.length} frames during the NMF run, median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${frames[frames.length - 1].toFixed(1)} ms (${wheels} wheel events)\n`);
  const lat = (await page.evaluate<number[]>('window.__lat')).sort((a, b) => a - b);
  const latMax = lat.length ? lat[lat.length - 1] : NaN;
  process.stdout.write(`# app: ${lat.length} wheel events handled during the run, slowest ${latMax.toFixed(1)} ms after it was dispatched\n`);
  // 1 s: on a busy 2-core machine the OS, not the page, decides when the main thread runs.
  assert.ok(lat.length >= 3 && latMax < 1000, `input events wait on the main thread: ${lat.length} handled, slowest ${latMax} ms`);
  assert.ok(frames.length >= 10, `only ${frames.length} frames drawn during the run`);
  assert.ok(median < 50, `the page is not answering during the run: median frame ${median.toFixed(1)} ms`);
  assert.equal(await page.evaluate('window.__app.threads()'), 2);

  // The CLI reference of the same NMF run runs alone (its time is compared with the browser's),
  // and none runs during the frame-time probe above, so they do not take the page's CPU.
  const ref2 = await cli(['nmf', XENIUM_DIR, '--rank', '10', '--seed', '0', '--max-iter', String(NMF_ITER), '--threads', '2'], join(tmp, 'nmf2', 'nmf-out'));
  const cliHsnmf = cli(['hsnmf', XENIUM_DIR, '--rank', '10', '--seed', '0', '--max-iter', String(HSNMF_ITER), '--subsample', String(HSNMF_SUBSAMPLE), '--threads', '2'], join(tmp, 'hsnmf', 'hsnmf-out'));
  cliHsnmf.catch(() => undefined);
  for (const name of ['W.npy', 'H.npy']) {
    assert.ok((await fileOf(page, name)).equals(readFileSync(join(ref2, name))), `${name} differs from the CLI's (--threads 2)`);
  }
  // The downloaded summary.json holds the CLI's figures and warnings (both from nmfSummary and
  // the one warning channel); wall times are in run.json on both sides.
  const browserSummary = JSON.parse((await fileOf(page, 'summary.json')).toString('utf8')) as Record<string, unknown>;
  const nodeSummary = JSON.parse(readFileSync(join(ref2, 'summary.json'), 'utf8')) as Record<string, unknown>;
  for (const key of ['loss', 'lossName', 'iterations', 'converged', 'rank', 'nObs', 'nVars', 'restartLosses', 'backend', 'threads', 'warnings']) {
    assert.deepEqual(browserSummary[key], nodeSummary[key], `summary.json ${key} differs from the CLI's`);
  }
  assert.ok((await fileOf(page, 'history.csv')).equals(readFileSync(join(ref2, 'history.csv'))), "history.csv differs from the CLI's");
  // Factors are named as in every CLI table and figure (keys.ts): Factor_1 … Factor_k.
  const wHeader = (await fileOf(page, 'W.csv')).toString('utf8').split('\n')[0].split(',');
  assert.deepEqual(wHeader.slice(1), Array.from({ length: 10 }, (_, j) => `Factor_${j + 1}`));
  const run = JSON.parse((await fileOf(page, 'run.json')).toString('utf8')) as { cli: string; seconds: number };
  const nodeRun = JSON.parse(readFileSync(join(ref2, 'run.json'), 'utf8')) as { seconds: number };
  process.stdout.write(`# app vs node, same NMF run (k = 10, ${NMF_ITER} iterations, 2 threads): browser ${run.seconds.toFixed(2)} s, node ${nodeRun.seconds.toFixed(2)} s (ratio ${(run.seconds / nodeRun.seconds).toFixed(2)}; browser wall incl. reading ${browserWall.toFixed(1)} s)\n`);
  // The reproducing line names the same options the CLI reference ran with.
  assert.equal(run.cli, `stnmf nmf xenium-mouse-brain --rank 10 --max-iter ${NMF_ITER} --seed 0 --threads 2 --out nmf-out`);

  // 2. The downloaded result.h5ad (a real download through the link) opens in anndata like the CLI's.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a[data-name="result.h5ad"]')]);
  const h5 = await download.path();
  assert.ok(h5);
  assert.equal(anndataLayout(h5), anndataLayout(join(ref2, 'result.h5ad')));
  // The figures: stnmf plot's, byte for byte (W and H are the CLI's bit for bit).
  await assertFiguresLikePlot(page, ref2, 'NMF', true);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.evaluate("document.querySelector('#figures img').scrollIntoView()");
  writeFileSync(join(ARTIFACTS, 'app-figures.png'), await page.screenshot());

  // 3. hSNMF: labels equal the CLI's.
  await runMethod(page, 'hsnmf', { rank: '10', seed: '0', threads: '2', 'max-iter': String(HSNMF_ITER), subsample: String(HSNMF_SUBSAMPLE) }, 180_000);
  const refH = await cliHsnmf;
  const cliLabels = readFileSync(join(refH, 'clusters.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.slice(l.lastIndexOf(',') + 1)));
  const appLabels = await page.evaluate<number[]>('window.__app.labels()');
  assert.equal(appLabels.length, cliLabels.length);
  assert.deepEqual(appLabels, cliLabels, 'hSNMF labels differ from the CLI');
  assert.ok((await fileOf(page, 'X_snmf.npy')).equals(readFileSync(join(refH, 'X_snmf.npy'))), 'X_snmf.npy differs from the CLI');
  // The run files come from the CLI's builder (src/outputs/hsnmf.ts): the same bytes, and the
  // same summary.json (figures and warnings). markers.csv's p-values go through Math.exp, which
  // Chromium's V8 and Node's may round 1 ulp apart: its names exact, its numbers to 1e-12.
  for (const name of ['clusters.csv', 'clusters.png', 'clusters.svg', 'markers_top5.csv', 'metrics.csv', 'X_nmf.npy', 'H.npy']) {
    assert.ok((await fileOf(page, name)).equals(readFileSync(join(refH, name))), `${name} differs from the CLI's`);
  }
  assertCsvClose(await fileOf(page, 'markers.csv'), readFileSync(join(refH, 'markers.csv')), 'markers.csv');
  assert.deepEqual(JSON.parse((await fileOf(page, 'summary.json')).toString('utf8')), JSON.parse(readFileSync(join(refH, 'summary.json'), 'utf8')));
  assert.equal(JSON.parse((await fileOf(page, 'run.json')).toString('utf8')).cli, `stnmf hsnmf xenium-mouse-brain --rank 10 --max-iter ${HSNMF_ITER} --seed 0 --subsample ${HSNMF_SUBSAMPLE} --threads 2 --out hsnmf-out`);
  // The screenshot docs/img/app.png is taken from (hSNMF domains on the map).
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'app.png'), await page.screenshot());
  const [dlH] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a[data-name="result.h5ad"]')]);
  const h5H = await dlH.path();
  assert.ok(h5H);
  assert.equal(anndataLayout(h5H), anndataLayout(join(refH, 'result.h5ad')));
  await assertFiguresLikePlot(page, refH, 'hSNMF', true);

  // 3b. bcNMF of one input split by two obs expressions: the CLI's factors, summary and line.
  {
    const tw = 'transcript_counts >= 300', bw = 'transcript_counts < 150';
    const refC = cli(['contrastive', '--input', XENIUM_DIR, '--target-where', tw, '--background-where', bw, '--rank', '3', '--alpha', '1', '--max-iter', '40', '--seed', '0', '--threads', '2'], join(tmp, 'contrastive', 'contrastive-out'));
    refC.catch(() => undefined);
    await runMethod(page, 'contrastive', { 'target-where': tw, 'background-where': bw, rank: '3', alpha: '1', 'max-iter': '40', seed: '0', threads: '2' });
    const dir = await refC;
    for (const name of ['basis.npy', 'H_target.npy', 'H_background.npy', 'enrichment.csv', 'history.csv', 'var_names.txt']) {
      assert.ok((await fileOf(page, name)).equals(readFileSync(join(dir, name))), `bcNMF ${name} differs from the CLI's`);
    }
    assert.deepEqual(JSON.parse((await fileOf(page, 'summary.json')).toString('utf8')), JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    assert.equal(JSON.parse((await fileOf(page, 'run.json')).toString('utf8')).cli, `stnmf contrastive --input xenium-mouse-brain --target-where '${tw}' --background-where '${bw}' --rank 3 --alpha 1 --max-iter 40 --seed 0 --threads 2 --out contrastive-out`);
    assert.equal(await page.evaluate('window.__app.legend()'), 'bcNMF group');
    writeFileSync(join(ARTIFACTS, 'app-bcnmf.png'), await page.screenshot());
    assert.equal(anndataLayout(await savedFile(page, 'result.h5ad', tmp)), anndataLayout(join(dir, 'result.h5ad')));
    await assertFiguresLikePlot(page, dir, 'bcNMF', true);
  }

  // 3c. bcNMF with a lasso drawn on the map as the target: the app writes lasso.csv, and the CLI
  // line it gives (--obs-meta lasso.csv, split on the lasso column) reproduces the factors.
  {
    await page.selectOption('#method', 'contrastive');
    await page.click('#lasso');
    const rect = await page.evaluate<{ x: number; y: number; w: number; h: number }>("(() => { const r = document.getElementById('gl').getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })()");
    // A quadrilateral over the middle of the stage, where the tissue is.
    const cx = rect.x + rect.w * 0.35, cy = rect.y + rect.h * 0.5, rx = rect.w * 0.1, ry = rect.h * 0.15;
    await page.mouse.move(cx - rx, cy - ry);
    await page.mouse.down();
    for (const [x, y] of [[cx + rx, cy - ry], [cx + rx, cy + ry], [cx - rx, cy + ry]]) await page.mouse.move(x, y, { steps: 8 });
    await page.mouse.up();
    const count = await page.evaluate<number>('window.__app.lassoCount()');
    assert.ok(count > 500 && count < 30000, `the lasso holds ${count} cells`);
    assert.match((await page.textContent('#lasso-state')) ?? '', new RegExp(`${count.toLocaleString('en-US')} cells selected`));
    await page.check('#contrastive-lasso');
    await runMethod(page, 'contrastive', { rank: '2', alpha: '0.5', 'max-iter': '30', seed: '0', threads: '2' });
    const lassoCsv = await savedFile(page, 'lasso.csv', tmp);
    const lines = readFileSync(lassoCsv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'cell_id,lasso');
    assert.equal(lines.filter((l) => l.endsWith(',selected')).length, count);
    const line = JSON.parse((await fileOf(page, 'run.json')).toString('utf8')).cli as string;
    assert.equal(line, `stnmf contrastive --input xenium-mouse-brain --target-where 'lasso == "selected"' --background-where 'lasso == "other"' --rank 2 --alpha 0.5 --max-iter 30 --seed 0 --threads 2 --obs-meta lasso.csv --out contrastive-out`);
    const dir = await cli(['contrastive', '--input', XENIUM_DIR, '--target-where', 'lasso == "selected"', '--background-where', 'lasso == "other"', '--rank', '2', '--alpha', '0.5', '--max-iter', '30', '--seed', '0', '--threads', '2', '--obs-meta', lassoCsv], join(tmp, 'contrastive-lasso'));
    for (const name of ['basis.npy', 'H_target.npy', 'H_background.npy']) {
      assert.ok((await fileOf(page, name)).equals(readFileSync(join(dir, name))), `lasso bcNMF ${name} differs from the CLI's`);
    }
    writeFileSync(join(ARTIFACTS, 'app-lasso.png'), await page.screenshot());
    await page.click('#lasso');
  }

  // 4. Cancel a 3000-iteration run: the state flips and progress stops within 1 s.
  await page.selectOption('#method', 'nmf');
  await setField(page, 'nmf-max-iter', '3000');
  await setField(page, 'nmf-tol', '0');
  await page.click('#run');
  await page.waitForFunction("/nmf restart 1\\/1: ([3-9]|\\d\\d+)\\//.test(document.querySelector('#progress-text').textContent)", null, { timeout: 60_000 });
  const tCancel = Date.now();
  await page.click('#cancel');
  await page.waitForFunction("document.body.dataset.state === 'cancelled'", null, { timeout: 1000 });
  const cancelMs = Date.now() - tCancel;
  const textAfter = await page.textContent('#progress-text');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(await page.textContent('#progress-text'), textAfter, 'progress kept arriving after Cancel');
  assert.equal(await page.evaluate('document.body.dataset.state'), 'cancelled');
  process.stdout.write(`# app: Cancel took effect after ${cancelMs} ms\n`);
  assert.ok(cancelMs < 1000, `Cancel took ${cancelMs} ms`);
  assert.deepEqual(errors, []);
  await page.close();

  // 5. Served without COOP/COEP: says one thread, runs on one thread, W equals the CLI's --threads 1.
  const plain = await startAppServer({ port: 0, crossOriginIsolation: false });
  t.after(() => plain.close());
  const page2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // A run beyond the memory limit is refused with the CLI line to use instead (the limit is
  // lowered to 1 MiB by the page's test parameter; the real one is wasm's 4 GiB).
  await openApp(page2, `${plain.url}?wasm-limit-mib=1`);
  await page2.click('#run');
  await page2.waitForFunction("document.body.dataset.state === 'error'", null, { timeout: 5000 });
  assert.match((await page2.textContent('#message')) ?? '', /beyond the browser's 1 MiB of WebAssembly memory; run it with the CLI instead: stnmf nmf xenium-mouse-brain --rank 10 --seed 0 --threads 1 --out nmf-out$/);
  await openApp(page2, plain.url);
  assert.equal(await page2.evaluate('window.crossOriginIsolated'), false);
  assert.match((await page2.textContent('#isolation')) ?? '', /not cross-origin isolated: runs on one thread/);
  await runMethod(page2, 'nmf', { rank: '10', seed: '0', 'max-iter': String(NMF_ITER) });
  assert.equal(await page2.evaluate('window.__app.threads()'), 1);
  // run.json's command line, run as written (input and --out pointed at real paths), reproduces W.
  const line = JSON.parse((await fileOf(page2, 'run.json')).toString('utf8')).cli as string;
  assert.equal(line, `stnmf nmf xenium-mouse-brain --rank 10 --max-iter ${NMF_ITER} --seed 0 --threads 1 --out nmf-out`);
  const argv = line.split(' ').slice(1, -2).map((a) => (a === 'xenium-mouse-brain' ? XENIUM_DIR : a));
  const ref1 = await cli(argv, join(tmp, 'nmf1'));
  assert.ok((await fileOf(page2, 'W.npy')).equals(readFileSync(join(ref1, 'W.npy'))), 'one-thread W.npy differs from the CLI --threads 1');
  assert.ok((await fileOf(page2, 'H.npy')).equals(readFileSync(join(ref1, 'H.npy'))), 'one-thread H.npy differs from the CLI --threads 1');
});

test('app: SIID of a cell slide and a spot slide (two inputs) gives the CLI files and summary', { timeout: 180_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  const tmp = mkdtempSync(join(tmpdir(), 'stnmf-app-siid-'));
  const sim = await cli(['simulate', 'siid', '--cells', '400', '--genes', '40', '--panel', '20', '--types', '4', '--grid', '6', '--seed', '1'], join(tmp, 'sim'));
  const args = ['--rank', '4', '--holdout-folds', '2', '--max-iter', '30', '--restarts', '1', '--seed', '0', '--threads', '2'];
  const ref = cli(['siid', '--cells', join(sim, 'cells.h5ad'), '--spots', join(sim, 'spots.h5ad'), ...args], join(tmp, 'siid', 'siid-out'));
  ref.catch(() => undefined);
  const srv = await startAppServer({ port: 0 });
  t.after(() => srv.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(srv.url);
  await page.waitForFunction('document.body.dataset.isolated !== undefined');
  await page.setInputFiles('#file-input', join(sim, 'cells.h5ad'));
  await page.waitForFunction("['ready', 'error'].includes(document.body.dataset.state)", null, { timeout: 60_000 });
  assert.equal(await page.evaluate('document.body.dataset.state'), 'ready', `loading failed: ${await page.textContent('#message')}`);
  await page.selectOption('#method', 'siid');
  // Without the spot slide the run is refused, naming what to add.
  await page.click('#run');
  assert.match((await page.textContent('#message')) ?? '', /SIID needs a spot slide too/);
  await page.setInputFiles('#spots-file-input', join(sim, 'spots.h5ad'));
  assert.match((await page.textContent('#spots-name')) ?? '', /^spots\.h5ad \(1 file/);
  await runMethod(page, 'siid', { rank: '4', 'holdout-folds': '2', 'max-iter': '30', restarts: '1', seed: '0', threads: '2' });
  const dir = await ref;
  // SIID's updates go through Math.log/Math.exp: the same run to 1e-12 (not bit for bit) across engines.
  assert.ok((await fileOf(page, 'spot_coordinates.csv')).equals(readFileSync(join(dir, 'spot_coordinates.csv'))), 'spot_coordinates.csv differs');
  for (const name of ['proportions.csv', 'holdout_r2.csv']) assertCsvClose(await fileOf(page, name), readFileSync(join(dir, name)), `SIID ${name}`);
  assertClose(JSON.parse((await fileOf(page, 'summary.json')).toString('utf8')), JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), 'SIID summary.json');
  assert.equal(anndataLayout(await savedFile(page, 'result.h5ad', tmp)), anndataLayout(join(dir, 'result.h5ad')));
  assert.equal(JSON.parse((await fileOf(page, 'run.json')).toString('utf8')).cli, `stnmf siid --cells cells.h5ad --spots spots.h5ad ${args.join(' ')} --out siid-out`);
  // SIID's numbers agree to 1e-12, not bit for bit: the same figures, drawn from them.
  await assertFiguresLikePlot(page, dir, 'SIID', false);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'app-siid.png'), await page.screenshot({ fullPage: true }));
  await page.close();
});
