/**
 * Colouring by an imputed gene in the viewer (headless Chromium, Debian's /usr/bin/chromium via
 * playwright-core) on a small SIID run (`stnmf simulate siid` + `stnmf siid --impute`): the
 * imputed layer is offered apart from the measured genes, switching to an imputed-only gene
 * through the UI changes the pixels, and the legend range and hover values equal the layer's
 * values as Debian's python3 anndata reads them from result.h5ad. Skips when Chromium or
 * playwright-core is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startViewServer, webRoot } from '../src/cli/commands/view.js';
import { readResult } from '../src/io/result.js';
import { geneValues } from '../src/outputs/figures.js';
import { readH5ad } from '../src/io/h5ad.js';
import { valueRange } from '../src/plot/index.js';
import { decodePng, launchChromium } from './viewer-helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

type Page = {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, o?: unknown): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  screenshot(o?: unknown): Promise<Buffer>;
  selectOption(sel: string, v: string): Promise<unknown>;
  inputValue(sel: string): Promise<string>;
  mouse: { move(x: number, y: number, o?: unknown): Promise<void> };
  locator(sel: string): { boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null> };
  on(ev: string, fn: (m: { text(): string; type(): string }) => void): void;
};
type Browser = { newPage(o: unknown): Promise<Page>; close(): Promise<void> };


const cli = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

/** The viewer's number format (web/src/viewer.ts `fmt`): 4 significant digits. */
function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** One column of layers['imputed'] and the obs names as python3's anndata reads them; undefined without anndata. */
function layerByAnndata(h5ad: string, gene: string): { names: string[]; values: Float32Array } | undefined {
  const py = `
import anndata, json, sys
import numpy as np
a = anndata.read_h5ad(sys.argv[1])
j = list(a.var_names).index(sys.argv[2])
col = np.asarray(a.layers['imputed'][:, j], dtype='<f4').ravel()
sys.stdout.write(json.dumps({'names': list(a.obs_names), 'values': col.tobytes().hex()}))
`;
  const res = spawnSync('/usr/bin/python3', ['-c', py, h5ad, gene], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (res.status !== 0) return undefined;
  const o = JSON.parse(res.stdout) as { names: string[]; values: string };
  const b = Buffer.from(o.values, 'hex');
  return { names: o.names, values: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice() };
}

test('viewer: colour by an imputed SIID gene — offered apart from measured genes, pixels change, legend and hover show the layer values', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-viewer-siid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sim = cli(['simulate', 'siid', '--cells', '600', '--genes', '200', '--panel', '60', '--types', '4', '--grid', '4', '--extent', '800', '--out', join(dir, 'sim')]);
  assert.equal(sim.status, 0, sim.stderr);
  const panel = new Set((await readH5ad(join(dir, 'sim', 'cells.h5ad'))).var.index);
  const spotGenes = (await readH5ad(join(dir, 'sim', 'spots.h5ad'))).var.index;
  const imputeGenes = spotGenes.filter((g) => !panel.has(g)).slice(0, 3);
  assert.equal(imputeGenes.length, 3);
  const out = join(dir, 'siid');
  const run = cli(['siid', '--cells', join(dir, 'sim', 'cells.h5ad'), '--spots', join(dir, 'sim', 'spots.h5ad'), '--rank', '4', '--holdout-folds', '0', '--restarts', '1', '--max-iter', '30', '--impute', imputeGenes.join(','), '--out', out]);
  assert.equal(run.status, 0, run.stderr);

  // The loaded result: measured genes = the panel only; the imputed layer has panel + imputed genes.
  const r = await readResult(out);
  assert.ok(r.expression && r.imputed);
  assert.deepEqual(new Set(r.expression.names), panel);
  for (const g of imputeGenes) assert.ok(r.imputed.names.includes(g) && !r.expression.names.includes(g), g);
  assert.ok(r.imputed.measured);
  assert.deepEqual(r.imputed.names.filter((_, j) => !r.imputed?.measured?.[j]), imputeGenes);
  const gene = imputeGenes[0];
  const ref = layerByAnndata(join(out, 'result.h5ad'), gene);
  if (!ref) t.diagnostic('python3 anndata not available: layer values checked against stnmf readH5ad only');
  const layer = ref ?? (() => {
    const j = r.imputed.names.indexOf(gene);
    return { names: r.obsNames, values: Float32Array.from({ length: r.n }, (_, i) => r.imputed!.data[i * r.imputed!.names.length + j]) };
  })();
  assert.deepEqual(layer.names, r.obsNames);
  // `stnmf plot --gene` of an imputed-only gene maps the layer too.
  const gv = geneValues(r, gene);
  assert.equal(gv.kind, 'imputed-layer');
  assert.deepEqual(gv.values, layer.values);

  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  t.after(() => browser.close());
  if (!existsSync(`${webRoot()}index.html`)) assert.fail(`viewer app not built at ${webRoot()}: run 'node scripts/build-web.mjs'`);
  const srv = await startViewServer(r, 0);
  t.after(() => srv.close());
  // The endpoint serves the layer column byte for byte.
  const j = r.imputed.names.indexOf(gene);
  const served = new Float32Array(await (await fetch(`${srv.url}api/imputed/${j}.bin`)).arrayBuffer());
  assert.deepEqual(served, layer.values);

  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(srv.url);
  await page.waitForFunction("document.body.dataset.ready === 'true' || !!document.body.dataset.error", null, { timeout: 60_000 });
  assert.equal(await page.evaluate('document.body.dataset.error ?? null'), null);
  const meta = await page.evaluate<{ expressionGenes: string[]; imputedGenes: string[]; offset: [number, number] }>('window.__stnmf.meta');
  assert.ok(!meta.expressionGenes.includes(gene));
  assert.ok(meta.imputedGenes.includes(gene));
  assert.equal(await page.evaluate("document.querySelector('#mode option[value=imputed]').disabled"), false);
  assert.match(await page.evaluate<string>("document.querySelector('#mode option[value=imputed]').textContent"), /imputed gene \(model\)/);

  // Screen positions of every cell.
  const box = await page.locator('#gl').boundingBox();
  assert.ok(box);
  const h5 = await readH5ad(join(out, 'result.h5ad'));
  const sp = h5.obsm.spatial;
  const pos = await page.evaluate<[number, number][]>(
    `(${JSON.stringify(Array.from({ length: r.n }, (_, i) => [sp.data[2 * i] - meta.offset[0], sp.data[2 * i + 1] - meta.offset[1]]))}).map(([x, y]) => window.__stnmf.toScreen(x, y))`,
  );
  const px = pos.map(([x, y]) => [Math.round(box.x + x), Math.round(box.y + y)] as [number, number]);
  const pixels = (img: { width: number; data: Uint8Array }): number[][] => px.map(([x, y]) => Array.from(img.data.subarray(4 * (y * img.width + x), 4 * (y * img.width + x) + 3)));
  const before = pixels(decodePng(await page.screenshot()));

  // Switch through the UI: the imputed mode opens on the first imputed-only gene.
  await page.selectOption('#mode', 'imputed');
  await page.waitForFunction("document.querySelector('#legend').textContent.includes('(imputed)')");
  await page.evaluate('new Promise(requestAnimationFrame)');
  assert.equal(await page.inputValue('#gene'), gene);
  const after = pixels(decodePng(await page.screenshot()));
  const changed = after.filter((p, q) => Math.abs(p[0] - before[q][0]) + Math.abs(p[1] - before[q][1]) + Math.abs(p[2] - before[q][2]) > 30).length;
  assert.ok(changed / r.n > 0.3, `only ${changed}/${r.n} cells changed colour`);
  // Viridis' green rises with the value: pixel green follows the layer across cells.
  const v = Array.from(layer.values);
  const g = after.map((p) => p[1]);
  const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
  const mv = mean(v);
  const mg = mean(g);
  let svg = 0, svv = 0, sgg = 0;
  v.forEach((x, q) => ((svg += (x - mv) * (g[q] - mg)), (svv += (x - mv) ** 2), (sgg += (g[q] - mg) ** 2)));
  const corr = svg / Math.sqrt(svv * sgg);
  assert.ok(corr > 0.6, `pixel green vs imputed ${gene}: correlation ${corr.toFixed(3)}`);

  // Legend: the gene, and the range [min, 99th percentile] of the layer's column.
  const legend = await page.evaluate<string>("document.querySelector('#legend').textContent");
  assert.ok(legend.includes(`${gene} (imputed)`), legend);
  const [lo, hi] = valueRange(layer.values);
  const ends = await page.evaluate<string[]>("[...document.querySelectorAll('#legend .ends span')].map((e) => e.textContent)");
  assert.deepEqual(ends, [fmt(lo), fmt(hi)]);

  // Hover: the tooltip names a cell and shows its layer value.
  const byName = new Map(layer.names.map((n, i) => [n, i]));
  let hovered = 0;
  // Cells under the legend or the scale bar cannot be hovered.
  const onCanvas = await page.evaluate<boolean[]>(`(${JSON.stringify(px)}).map(([x, y]) => document.elementFromPoint(x, y)?.id === 'gl')`);
  for (let q = 0; q < r.n && hovered < 12; q += 47) {
    if (!onCanvas[q]) continue;
    await page.mouse.move(px[q][0], px[q][1]);
    await page.waitForFunction("!document.querySelector('#tooltip').hidden");
    const lines = (await page.evaluate<string>("document.querySelector('#tooltip').textContent")).split('\n');
    const i = byName.get(lines[0]);
    assert.ok(i !== undefined, `tooltip names no cell: ${lines.join(' | ')}`);
    const m = lines.find((l) => l.startsWith('value: '));
    assert.ok(m, lines.join(' | '));
    assert.equal(m.slice(7), fmt(layer.values[i]), `cell ${lines[0]}`);
    hovered++;
  }
  assert.equal(hovered, 12);
  assert.deepEqual(errors, []);
});
