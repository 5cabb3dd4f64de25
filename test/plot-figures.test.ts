/**
 * Figures a scientist can put in a paper: scale bars as long as they say in µm, px-with-scale
 * and unknown units; colour bars titled and marked when clipped; high values drawn on top; no
 * two text boxes overlapping in any figure of `stnmf demo`; factor names as keys.ts spells
 * them; SVG and PNG from one scene; the two-size font's glyphs; the CODEX neighbourhood-
 * enrichment heatmap reading back the z-scores of the oracle (test/fixtures/multiomics/
 * codex_nhood_r50.json, docs/results.md) and co-occurrence curves reading back
 * co_occurrence.csv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  colormap,
  factorGrid,
  hasGlyph,
  metricBars,
  nhoodEnrichmentHeatmap,
  parseHex,
  rasterize,
  sceneToPng,
  sceneToSvg,
  spatialScatter,
  textOutside,
  textOverlaps,
  type Prim,
  type Scene,
} from '../src/plot/index.js';
import { FACTOR_FILES, standardFigures, tableFigures } from '../src/outputs/figures.js';
import { densityHistogram, kSelectionPlot } from '../src/plot/k-selection.js';
import { resultFolder } from '../src/io/result.js';
import { readResult as loadResult } from '../src/io/result.js';
import { encodeLabels, neighborhoodEnrichment, parseCsvText, radiusNeighbors } from '../src/methods/multiomics/index.js';
import { factorNames } from '../src/keys.js';
import { decodePng } from './viewer-helpers.js';

const MAIN = new URL('../src/cli/main.js', import.meta.url).pathname;

/** One `stnmf demo` run shared by the tests that read its folders (removed at exit). */
let demoDir: string | undefined;
function demo(): string {
  if (!demoDir) {
    demoDir = mkdtempSync(join(tmpdir(), 'stnmf-plot-demo-'));
    const d = demoDir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
    execFileSync(process.execPath, [MAIN, 'demo', '--out', d], { stdio: 'pipe' });
  }
  return demoDir;
}
const shared = (p: string): URL => new URL(`../../../shared/data/${p}`, import.meta.url);

/** A 1000 x 500 coordinate grid of 2000 points with a value gradient. */
function grid(): { x: Float64Array; y: Float64Array; v: Float64Array } {
  const n = 2000;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (i % 50) * (1000 / 49);
    y[i] = Math.floor(i / 50) * (500 / 39);
    v[i] = (i * 7919) % 101;
  }
  return { x, y, v };
}

/** Coordinate units per scene pixel, measured from the drawn points against the data. */
function coordPerPx(scene: Scene, x: Float64Array): number {
  const pts = scene.prims.find((p) => p.t === 'points');
  assert.ok(pts && pts.t === 'points');
  const px = Array.from(pts.x);
  return (Math.max(...x) - Math.min(...x)) / (Math.max(...px) - Math.min(...px));
}

function scaleBarOf(scene: Scene): { pixels: number; length: number; unit: string } {
  const bar = scene.prims.find((p) => p.t === 'rect' && p.role === 'scale-bar');
  assert.ok(bar && bar.t === 'rect' && bar.label, 'scale bar present');
  const [len, unit] = bar.label.split(' ');
  // The printed label is the bar's own label.
  assert.ok(scene.prims.some((p) => p.t === 'text' && p.text === bar.label));
  return { pixels: bar.w, length: Number(len), unit };
}

test('scale bar: its pixel length equals its stated length at the figure scale (µm, px with a scale, px, unknown)', () => {
  const { x, y } = grid();
  for (const [unit, mpu, label, perUnit] of [
    ['um', undefined, 'µm', 1],
    ['px', 0.377, 'µm', 0.377],
    ['px', undefined, 'px', 1],
    ['unknown', undefined, 'units', 1],
    ['unknown', 100, 'µm', 100],
  ] as const) {
    const s = spatialScatter({ x, y, unit, micronsPerUnit: mpu, width: 500 });
    const bar = scaleBarOf(s);
    assert.equal(bar.unit, label, `${unit} ${mpu}`);
    const stated = bar.pixels * coordPerPx(s, x) * perUnit;
    assert.ok(Math.abs(stated - bar.length) < 1e-6 * bar.length, `${unit}/${mpu}: bar of ${bar.pixels} px is ${stated} ${label}, label says ${bar.length}`);
    const g = factorGrid({ x, y, W: { rows: x.length, cols: 1, data: Float32Array.from(x) }, names: ['Factor_1'], quantity: 'usage', unit, micronsPerUnit: mpu });
    const gb = scaleBarOf(g);
    assert.equal(gb.unit, label);
    assert.ok(Math.abs(gb.pixels * coordPerPx(g, x) * perUnit - gb.length) < 1e-6 * gb.length);
  }
  // Unknown units never claim micrometres.
  assert.ok(!sceneToSvg(spatialScatter({ x, y, unit: 'unknown' })).includes('µm'));
});

test('colour bars carry the quantity and unit, and say when the top is clipped', () => {
  const { x, y, v } = grid();
  v[0] = 1e4; // one hot cell above p99
  const s = spatialScatter({ x, y, values: v, colorLabel: 'Gfap: log1p counts' });
  const svg = sceneToSvg(s);
  assert.ok(svg.includes('>Gfap: log1p counts<'));
  assert.match(svg, />≥ p99: 100</);
  const bar = s.prims.find((p) => p.t === 'image' && p.role === 'colorbar');
  assert.ok(bar && bar.t === 'image' && bar.label === 'Gfap: log1p counts');
  // An explicit numeric vmax is printed as a number.
  assert.match(sceneToSvg(spatialScatter({ x, y, values: v, colorLabel: 'q', scale: { vmax: 50 } })), />≥ 50</);
  // Factor grids title every colour bar with the quantity.
  const g = factorGrid({ x, y, W: { rows: x.length, cols: 2, data: Float32Array.from({ length: 2 * x.length }, (_, i) => v[i >> 1]) }, names: factorNames(2), quantity: 'smoothed usage (X_snmf)' });
  const gs = sceneToSvg(g);
  assert.equal(gs.split('>smoothed usage (X_snmf)<').length - 1, 2);
});

test('continuous colours are drawn by value, high on top; sortByValue false keeps file order', () => {
  const { x, y, v } = grid();
  const pts = (sort: boolean): Extract<Prim, { t: 'points' }> => {
    const p = spatialScatter({ x, y, values: v, sortByValue: sort, scale: { vmax: 'p100' } }).prims.find((q) => q.t === 'points');
    assert.ok(p && p.t === 'points');
    return p;
  };
  const map = colormap('viridis');
  const top = map(1).map(Math.round);
  const sorted = pts(true);
  const m = sorted.x.length;
  // The last point drawn carries the top colour; colours ascend along the draw order.
  assert.deepEqual(Array.from(sorted.rgb.subarray(3 * (m - 1))), top);
  const firstMaxAt = (p: Extract<Prim, { t: 'points' }>): number => {
    for (let i = 0; i < p.x.length; i++) if (p.rgb[3 * i] === top[0] && p.rgb[3 * i + 1] === top[1] && p.rgb[3 * i + 2] === top[2]) return i;
    return -1;
  };
  const nMax = v.filter((a) => a === 100).length;
  assert.equal(firstMaxAt(sorted), m - nMax);
  assert.ok(firstMaxAt(pts(false)) < m - nMax);
});

test('the bitmap font has Greek, µ, ±, ≤, ≥, ², ³, superscripts and Latin-1 accents at both sizes', () => {
  for (const ch of 'αβγδΔλμσΣωµ±≤≥²³⁴⁵⁻üéèçñöÅ×·↑↓') assert.ok(hasGlyph(ch.codePointAt(0) as number), ch);
  // α is drawn as α, not as the '?' fallback, in the small and in the large font.
  for (const size of [8, 20]) {
    const ink = (t: string): number[] => Array.from(rasterize({ width: 40, height: 30, prims: [{ t: 'text', x: 4, y: 15, text: t, size, fill: '#000000' }] }).data.filter((_, i) => i % 4 === 0));
    assert.notDeepEqual(ink('α'), ink('?'));
  }
});

test('value labels of bar charts never overlap, even with 15 factors and long values', () => {
  const labels = factorNames(15);
  const s = metricBars({ labels, metrics: [{ name: 'log2 target / background', values: labels.map((_, i) => (i - 7) * 0.1234567), higherIsBetter: true }, { name: 'mean', values: labels.map((_, i) => 1e-4 * (i + 1)) }] });
  assert.deepEqual(textOverlaps(s), []);
});

/** Every text of a figure that names a factor uses keys.ts's `Factor_N`, within 1..k. */
function checkFactorNames(scene: Scene, k: number, where: string): void {
  const allowed = new Set(factorNames(k));
  for (const p of scene.prims) {
    if (p.t !== 'text') continue;
    assert.doesNotMatch(p.text, /\bFactor \d|\bF\d+\b|\bfactor \d/, `${where}: "${p.text}"`);
    for (const m of p.text.matchAll(/Factor_\d+/g)) assert.ok(allowed.has(m[0]), `${where}: ${m[0]} beyond k = ${k}`);
  }
}

test('stnmf demo: no two text boxes overlap in any figure; factor names match keys.ts; SVG and PNG come from one scene', async () => {
  const out = demo();
  {
    let figures = 0;
    for (const m of ['nmf', 'hsnmf', 'siid', 'multiomics', 'contrastive']) {
      const dir = join(out, m);
      const folder = resultFolder(dir);
      const files = folder.files;
      const r = FACTOR_FILES.some((f) => files.has(f)) ? await loadResult(dir) : undefined;
      const figs = r ? await standardFigures(r, {}) : tableFigures(folder);
      assert.ok(figs.length > 0, m);
      for (const f of figs) {
        figures++;
        assert.deepEqual(textOverlaps(f.scene).map(([a, b]) => `${a.text} | ${b.text}`), [], `${m}/${f.name}`);
        assert.deepEqual(textOutside(f.scene).map((b) => b.text), [], `${m}/${f.name}: text cut off at the edge`);
        if (r) checkFactorNames(f.scene, r.k, `${m}/${f.name}`);
      }
      // Tables of the run that name factors use the same names as the figures.
      for (const [name, path] of files) {
        if (!name.endsWith('.csv') || !r) continue;
        const rows = parseCsvText(readFileSync(path, 'utf8').trimEnd());
        const named = [...rows[0], ...rows.slice(1).map((row) => row[0])].filter((c) => /^Factor_\d+$/.test(c));
        for (const c of named) assert.ok(r.factorNames.includes(c), `${m}/${name}: ${c} not among the figures' ${r.factorNames.join(', ')}`);
      }
      // One scene, two renderings: every text of the scene is in the SVG, the PNG has its size.
      const f = figs[0];
      const svg = sceneToSvg(f.scene);
      for (const p of f.scene.prims) if (p.t === 'text') assert.ok(svg.includes(p.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')), p.text);
      const png = decodePng(sceneToPng(f.scene, { pixelRatio: 1 }));
      assert.equal(png.width, Math.round(f.scene.width));
      assert.equal(png.height, Math.round(f.scene.height));
    }
    assert.ok(figures >= 12, `${figures} figures`);
  }
});

test('CODEX published types, radius 50 px: the nhood-enrichment heatmap shows the oracle z-scores (read back from the scene), centred at 0', () => {
  const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/multiomics/codex_nhood_r50.json', import.meta.url), 'utf8'));
  const rows = parseCsvText(readFileSync(shared('codex-crc-reg009/imaging_data.csv'), 'utf8'));
  const lab = rows[0].indexOf('ClusterName');
  const body = rows.slice(1);
  const x = Float64Array.from(body, (r) => Number(r[0]));
  const y = Float64Array.from(body, (r) => Number(r[1]));
  const coded = encodeLabels(body.map((r) => r[lab]));
  const e = neighborhoodEnrichment(radiusNeighbors(x, y, 50), coded, { nPerms: 1000, seed: 0 });
  const scene = nhoodEnrichmentHeatmap({ zscore: e.zscore, categories: e.categories });
  const img = scene.prims.find((p) => p.t === 'image' && p.role === 'heatmap');
  assert.ok(img && img.t === 'image' && img.values && img.rowNames && img.colNames);
  const T = e.categories.length;
  assert.deepEqual([...img.rowNames].sort(), [...fx.categories].sort());
  const zAt = (a: string, b: string): number => (img.values as ArrayLike<number>)[(img.rowNames as string[]).indexOf(a) * T + (img.colNames as string[]).indexOf(b)];
  let compared = 0;
  fx.categories.forEach((a: string, i: number) =>
    fx.categories.forEach((b: string, j: number) => {
      const zo = fx.zscore[i * T + j];
      const shown = zAt(a, b);
      assert.equal(shown, e.zscore[i * T + j]);
      if (zo === null || !Number.isFinite(shown)) return;
      assert.ok(Math.abs(shown - zo) <= 5 * Math.sqrt((2 * (1 + (zo * zo) / 2)) / 1000), `${a}/${b}: ${shown} vs oracle ${zo}`);
      compared++;
    }),
  );
  assert.ok(compared > 200);
  // docs/results.md: vasculature self-enrichment z ≈ 19, CD68+CD163+ macrophages vs smooth muscle ≈ −9.
  assert.ok(Math.abs(zAt('vasculature', 'vasculature') - 19.3) < 1.5);
  assert.ok(Math.abs(zAt('CD68+CD163+ macrophages', 'smooth muscle') + 9.03) < 1);
  // The drawn cell is the diverging colour of its value, with 0 at the map's centre (white).
  const r0 = (img.rowNames as string[]).indexOf('vasculature');
  const c0 = (img.colNames as string[]).indexOf('vasculature');
  const finite = Array.from(img.values as ArrayLike<number>).filter(Number.isFinite);
  const m = Math.max(...finite.map(Math.abs));
  const want = colormap('RdBu_r')((zAt('vasculature', 'vasculature') + m) / (2 * m)).map(Math.round);
  assert.deepEqual(Array.from(img.rgba.subarray(4 * (r0 * T + c0), 4 * (r0 * T + c0) + 3)), want);
  assert.deepEqual(colormap('RdBu_r')(0.5).map(Math.round), parseHex('#f7f7f7'));
  assert.deepEqual(textOverlaps(scene), []);
});

test('co-occurrence curves carry the ratios of co_occurrence.csv (stnmf demo multiomics)', () => {
  const folder = resultFolder(join(demo(), 'multiomics'));
  const files = folder.files;
  const fig = tableFigures(folder).find((f) => f.name === 'co-occurrence');
  assert.ok(fig);
  const csv = parseCsvText(readFileSync(files.get('co_occurrence.csv') as string, 'utf8').trimEnd()).slice(1);
  const curves = fig.scene.prims.filter((p) => p.t === 'path' && p.role === 'curve');
  assert.ok(curves.length > 0);
  let checked = 0;
  for (const c of curves) {
    if (c.t !== 'path' || !c.label || !c.values || !c.dataX) continue;
    const [a, b] = c.label.split('|');
    const want = csv.filter((r) => r[0] === a && r[1] === b);
    assert.equal(want.length, c.values.length);
    want.forEach((r, s) => {
      assert.equal(Number(r[3]), (c.dataX as ArrayLike<number>)[s]);
      const v = r[4] === '' ? NaN : Number(r[4]);
      if (Number.isFinite(v)) assert.equal((c.values as ArrayLike<number>)[s], v);
      checked++;
    });
  }
  assert.ok(checked > 100, `${checked}`);
});

test('real data (Xenium mouse brain NMF, k 6, 20 iterations): no text overlaps, every factor map has a µm scale bar and titled colour bars', async () => {
  const out = mkdtempSync(join(tmpdir(), 'stnmf-plot-xenium-'));
  try {
    execFileSync(process.execPath, [MAIN, 'nmf', fileURLToPathSafe(shared('xenium-mouse-brain/')), '--rank', '6', '--max-iter', '20', '--out', out], { stdio: 'pipe' });
    const r = await loadResult(out);
    const figs = await standardFigures(r, { genes: ['Gfap'] });
    for (const f of figs) {
      assert.deepEqual(textOverlaps(f.scene).map(([a, b]) => `${a.text} | ${b.text}`), [], f.name);
      assert.deepEqual(textOutside(f.scene).map((b) => b.text), [], `${f.name}: text cut off at the edge`);
      checkFactorNames(f.scene, r.k, f.name);
    }
    const factors = figs.find((f) => f.name === 'factors');
    assert.ok(factors);
    assert.equal(scaleBarOf(factors.scene).unit, 'µm');
    assert.equal(factors.scene.prims.filter((p) => p.t === 'image' && p.role === 'colorbar' && p.label === 'usage (X_nmf)').length, r.k);
    const gene = figs.find((f) => f.name === 'gene-Gfap');
    assert.ok(gene && sceneToSvg(gene.scene).includes('>Gfap: counts<'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function fileURLToPathSafe(u: URL): string {
  return decodeURIComponent(u.pathname);
}

test('plot --data takes the input contract flags with the data- prefix (--data-orientation reads a genes-in-rows file)', () => {
  const d = mkdtempSync(join(tmpdir(), 'stnmf-plot-data-'));
  try {
    const bases = 'ACGT';
    const ids = Array.from({ length: 40 }, (_, i) => `${Array.from({ length: 8 }, (_, j) => bases[(i >> (2 * (j % 4))) & 3]).join('')}${bases[i % 4]}${bases[(i >> 2) % 4]}-1`);
    const genes = Array.from({ length: 12 }, (_, g) => `Gene${String.fromCharCode(65 + g)}`);
    const val = (i: number, g: number) => ((i * 7 + g * 3) % 11) + (g < 6 ? i % 5 : 0);
    writeFileSync(join(d, 'counts.csv'), `cell_id,${genes.join(',')}\n` + ids.map((id, i) => `${id},${genes.map((_, g) => val(i, g)).join(',')}`).join('\n') + '\n');
    writeFileSync(join(d, 'coords.csv'), 'cell_id,x,y\n' + ids.map((id, i) => `${id},${i % 8},${Math.floor(i / 8)}`).join('\n') + '\n');
    // The same counts with genes in rows, as R writes them.
    writeFileSync(join(d, 'counts-t.csv'), `gene,${ids.join(',')}\n` + genes.map((g, gi) => `${g},${ids.map((_, i) => val(i, gi)).join(',')}`).join('\n') + '\n');
    const out = join(d, 'res');
    execFileSync(process.execPath, [MAIN, 'nmf', join(d, 'counts.csv'), '--orientation', 'obs-rows', '--coords', join(d, 'coords.csv'), '--coordinate-unit', 'um', '--rank', '2', '--max-iter', '20', '--out', out], { stdio: 'pipe' });
    const bad = spawnSync(process.execPath, [MAIN, 'plot', out, '--data', join(d, 'counts-t.csv'), '--data-orientation', 'sideways', '--gene', 'GeneA', '--out', join(d, 'figs-bad')], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr.trim(), /--data-orientation/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.ok(!existsSync(join(d, 'figs-bad')));
    const figs = join(d, 'figs');
    execFileSync(process.execPath, [MAIN, 'plot', out, '--data', join(d, 'counts-t.csv'), '--data-orientation', 'var-rows', '--gene', 'GeneA', '--out', figs], { stdio: 'pipe' });
    assert.ok(existsSync(join(figs, 'gene-GeneA.png')));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("cNMF's figures keep every label inside the figure (the k-selection error title was cut off)", () => {
  const ks = [5, 10, 15, 20, 25, 30];
  for (const errorLabel of ['Error (refit sum of squared residuals)', 'Error (refit KL divergence)']) {
    const scene = kSelectionPlot({ ks, stability: [0.95, 0.69, 0.71, 0.64, 0.65, 0.63], error: [3.45e7, 2.63e7, 2.13e7, 1.78e7, 1.56e7, 1.39e7], errorLabel, chosen: 5 });
    assert.deepEqual(textOutside(scene).map((b) => b.text), []);
    assert.deepEqual(textOverlaps(scene), []);
    assert.ok(scene.prims.some((p) => p.t === 'text' && p.text === errorLabel), 'the error panel is titled in full');
  }
  const h = densityHistogram({ density: [0.1, 0.2, 0.3, 0.9], threshold: 0.5 });
  assert.deepEqual(textOutside(h).map((b) => b.text), []);
});
