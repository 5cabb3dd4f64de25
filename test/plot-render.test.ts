/**
 * Plots: PNG encoding round trip (decoded by node's zlib), scatter pixels against the values
 * they encode on the real Xenium NMF result, legend/colour bar/scale bar contents, SVG point
 * count, heatmap rows, Pareto front and tick helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  categoryColor,
  encodePng,
  factorGrid,
  niceTicks,
  paretoFront,
  parseHex,
  rasterize,
  sceneToPng,
  sceneToSvg,
  spatialScatter,
  topFeatureHeatmap,
  topFeatureIndices,
  valueRange,
  viridis,
} from '../src/plot/index.js';
import { decodePng, xeniumResult } from './viewer-helpers.js';
import { factorNames } from '../src/keys.js';

test('PNG encoder: random RGBA image round-trips through an independent decoder', () => {
  const width = 37;
  const height = 23;
  const data = new Uint8Array(width * height * 4);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  const png = encodePng({ width, height, data }, { title: 'round trip' });
  const back = decodePng(png);
  assert.equal(back.width, width);
  assert.equal(back.height, height);
  assert.deepEqual(back.data, data);
  assert.ok(Buffer.from(png).includes(Buffer.from('Title\0round trip')));
});

test('text is drawn where the scene puts it (bitmap font)', () => {
  const img = rasterize({ width: 120, height: 40, prims: [{ t: 'text', x: 10, y: 20, text: 'HELLO', size: 16, fill: '#000000' }] });
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 120; x++) {
      const dark = img.data[4 * (y * 120 + x)] < 128;
      // HELLO at 16 px: 5 x 9.6 px wide from x = 10, cap height around y = 20.
      if (x >= 9 && x <= 59 && y >= 12 && y <= 28) inside += dark ? 1 : 0;
      else outside += dark ? 1 : 0;
    }
  }
  assert.ok(inside > 60, `expected ink inside the text box, got ${inside} dark pixels`);
  assert.equal(outside, 0);
});

test('spatial scatter of a real NMF factor: pixels carry the viridis colour of the cells there', async () => {
  const r = await xeniumResult(1);
  const f = 2;
  const v = Float32Array.from({ length: r.n }, (_, i) => r.W[i * r.k + f]);
  const range = valueRange(v);
  // Big dots and a small figure so each sampled pixel is dominated by the top-most cell.
  const scene = spatialScatter({ x: r.x, y: r.y, values: v, width: 3000, title: 'factor 3', colorLabel: 'F3', pointRadius: 1 });
  const pts = scene.prims.find((p) => p.t === 'points');
  assert.ok(pts && pts.t === 'points');
  assert.equal(pts.x.length, r.n);
  const img = rasterize(scene, { supersample: 1 });
  // Cells with no other cell within 3 px own the pixel at their centre.
  const cellOf = new Map<number, number[]>();
  const key = (x: number, y: number): number => Math.floor(y / 3) * 10000 + Math.floor(x / 3);
  for (let q = 0; q < pts.x.length; q++) {
    const kq = key(pts.x[q], pts.y[q]);
    cellOf.set(kq, [...(cellOf.get(kq) ?? []), q]);
  }
  let checked = 0;
  let good = 0;
  for (let q = 0; q < pts.x.length && checked < 1500; q++) {
    let alone = true;
    for (let dy = -1; dy <= 1 && alone; dy++) {
      for (let dx = -1; dx <= 1 && alone; dx++) {
        for (const o of cellOf.get(key(pts.x[q] + 3 * dx, pts.y[q] + 3 * dy)) ?? []) {
          if (o !== q && Math.hypot(pts.x[o] - pts.x[q], pts.y[o] - pts.y[q]) < 3) alone = false;
        }
      }
    }
    if (!alone) continue;
    checked++;
    const pix = Math.floor(pts.y[q]) * img.width + Math.floor(pts.x[q]);
    const expect = pts.rgb.subarray(3 * q, 3 * q + 3);
    const got = img.data.subarray(4 * pix, 4 * pix + 3);
    if (Math.abs(got[0] - expect[0]) + Math.abs(got[1] - expect[1]) + Math.abs(got[2] - expect[2]) <= 6) good++;
  }
  assert.ok(checked > 200, `only ${checked} isolated cells`);
  // A few cells sit under the scale bar's backing box.
  assert.ok(good / checked > 0.98, `only ${good}/${checked} isolated cells have their colour at their centre`);
  // Ordering: values ascend along the draw order (high values on top).
  const order = Array.from({ length: r.n }, (_, i) => i).filter((i) => Number.isFinite(v[i])).sort((a, b) => v[a] - v[b]);
  const vmax = v[order[order.length - 1]];
  assert.ok(vmax >= range[1]);
  // The colours are viridis of the value: check the highest cell.
  const top = pts.x.length - 1;
  const expTop = viridis(1).map(Math.round);
  assert.ok(Math.abs(pts.rgb[3 * top] - expTop[0]) <= 2 && Math.abs(pts.rgb[3 * top + 2] - expTop[2]) <= 2);
  assert.ok(range[1] > range[0]);
  // Colour bar ticks and scale bar label.
  const texts = scene.prims.filter((p) => p.t === 'text').map((p) => (p.t === 'text' ? p.text : ''));
  assert.ok(texts.includes('F3'));
  assert.ok(texts.some((t) => /^\d+ µm$/.test(t)), `no scale bar label in ${texts.join('|')}`);
  const png = sceneToPng(scene);
  assert.equal(decodePng(png).width, 3000);
});

test('scale bar length matches its label in data units', async () => {
  const r = await xeniumResult(1);
  const scene = spatialScatter({ x: r.x, y: r.y, width: 600 });
  const label = scene.prims.find((p) => p.t === 'text' && / µm$/.test(p.text));
  assert.ok(label && label.t === 'text');
  const um = Number(label.text.split(' ')[0]);
  const bar = scene.prims.find((p) => p.t === 'rect' && p.h === 3);
  assert.ok(bar && bar.t === 'rect');
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const v of r.x) {
    x0 = Math.min(x0, v);
    x1 = Math.max(x1, v);
  }
  const pts = scene.prims.find((p) => p.t === 'points');
  assert.ok(pts && pts.t === 'points');
  let px0 = Infinity;
  let px1 = -Infinity;
  for (const v of pts.x) {
    px0 = Math.min(px0, v);
    px1 = Math.max(px1, v);
  }
  const umPerPx = (x1 - x0) / (px1 - px0);
  assert.ok(Math.abs(bar.w * umPerPx - um) / um < 1e-3, `bar ${bar.w} px = ${bar.w * umPerPx} µm, label ${um} µm`);
});

test('category scatter: legend names and every category colour present in the PNG', async () => {
  const r = await xeniumResult(1);
  const names = Array.from({ length: r.k }, (_, i) => `F${i + 1}`);
  const scene = spatialScatter({ x: r.x, y: r.y, categories: { codes: r.clusters, names }, width: 700, colorLabel: 'dominant factor', pointRadius: 1 });
  const texts = new Set(scene.prims.filter((p) => p.t === 'text').map((p) => (p.t === 'text' ? p.text : '')));
  for (const nme of names) assert.ok(texts.has(nme), `legend lacks ${nme}`);
  const img = decodePng(sceneToPng(scene, { supersample: 1 }));
  const counts = new Map<string, number>();
  for (let i = 0; i < img.width * img.height; i++) {
    const key = `${img.data[4 * i]},${img.data[4 * i + 1]},${img.data[4 * i + 2]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (let c = 0; c < r.k; c++) {
    const [R, G, B] = parseHex(categoryColor(c));
    assert.ok((counts.get(`${R},${G},${B}`) ?? 0) > 20, `category ${c} colour ${categoryColor(c)} barely visible`);
  }
});

test('SVG scatter keeps every cell and groups by colour', async () => {
  const r = await xeniumResult(1);
  const svg = sceneToSvg(spatialScatter({ x: r.x, y: r.y, categories: { codes: r.clusters, names: Array.from({ length: r.k }, (_, i) => `F${i + 1}`) } }));
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const segments = svg.match(/M[\d.]+ [\d.]+h0/g) ?? [];
  assert.equal(segments.length, r.n);
  const paths = svg.match(/<path stroke="#[0-9a-f]{6}"/g) ?? [];
  assert.equal(paths.length, r.k);
  assert.ok(svg.includes('µm</text>'));
});

test('factor grid has one panel per factor with its top genes; heatmap rows are the union of top genes', async () => {
  const r = await xeniumResult(1);
  const H = { rows: r.k, cols: r.p, data: r.H };
  const tops = Array.from({ length: r.k }, (_, f) => topFeatureIndices(H, f, 3).map((j) => r.genes[j]));
  const grid = factorGrid({ x: r.x, y: r.y, W: { rows: r.n, cols: r.k, data: r.W }, names: factorNames(r.k), quantity: 'usage', topFeatures: tops });
  assert.equal(grid.prims.filter((p) => p.t === 'points').length, r.k);
  const texts = grid.prims.filter((p) => p.t === 'text').map((p) => (p.t === 'text' ? p.text : ''));
  for (let f = 0; f < r.k; f++) assert.ok(texts.includes(tops[f].join(' ')));
  // Top indices really are the largest loadings.
  for (let f = 0; f < r.k; f++) {
    const row = Array.from(r.H.subarray(f * r.p, (f + 1) * r.p));
    const best = Math.max(...row);
    assert.equal(r.H[f * r.p + topFeatureIndices(H, f, 1)[0]], best);
  }
  const hm = topFeatureHeatmap({ H, featureNames: r.genes, factorNames: factorNames(r.k), nTop: 3 });
  const img = hm.prims.find((p) => p.t === 'image' && p.cols === r.k);
  assert.ok(img && img.t === 'image');
  assert.equal(img.rows, new Set(tops.flat()).size);
});

test('Pareto front and nice ticks', () => {
  const pts = [
    { x: 0.5, y: 0.2 },
    { x: 0.6, y: 0.15 },
    { x: 0.4, y: 0.3 },
    { x: 0.3, y: 0.1 },
    { x: 0.5, y: 0.1 },
  ];
  assert.deepEqual(paretoFront(pts), [2, 0, 1]);
  assert.deepEqual(paretoFront(pts, false, false), [3]);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 97, 4), [20, 40, 60, 80]);
});

test('legends wrap into columns: 30 SIID factors in the composition plot, 40 clusters beside a map, every label inside the figure', async () => {
  const { compositionPlot, textWidth } = await import('../src/plot/index.js');
  const inside = (scene: { width: number; prims: { t: string }[] }, names: string[]): void => {
    const svg = sceneToSvg(scene as Parameters<typeof sceneToSvg>[0]);
    for (const nme of names) assert.ok(svg.includes(`>${nme}</text>`), `${nme} missing from the SVG`);
    for (const p of scene.prims) {
      if (p.t !== 'text') continue;
      const tp = p as unknown as { x: number; text: string; size: number; anchor?: string; rotate?: number };
      if (!names.includes(tp.text) || tp.anchor || tp.rotate) continue;
      assert.ok(tp.x >= 0 && tp.x + textWidth(tp.text, tp.size) <= scene.width + 0.5, `${tp.text} at x=${tp.x.toFixed(1)} runs past the width ${scene.width}`);
    }
  };
  // Proportions of 500 spots over 30 factors, each factor dominant somewhere.
  const t = 30;
  const n = 500;
  const props = new Float32Array(n * t);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < t; c++) s += props[i * t + c] = c === i % t ? 5 : ((i * 7 + c * 13) % 11) / 10;
    for (let c = 0; c < t; c++) props[i * t + c] /= s;
  }
  const typeNames = Array.from({ length: t }, (_, c) => `F${c}`);
  const comp = compositionPlot({ proportions: { rows: n, cols: t, data: props }, typeNames, title: 'Spot composition' });
  inside(comp, typeNames);
  // The bars keep the width they have with a few types.
  const few = compositionPlot({ proportions: { rows: n, cols: 3, data: new Float32Array(n * 3).fill(1 / 3) }, typeNames: ['F0', 'F1', 'F2'] });
  const barsOf = (s: { prims: { t: string }[] }) => s.prims.find((p) => p.t === 'rect' && (p as { stroke?: string }).stroke) as unknown as { w: number };
  assert.ok(Math.abs(barsOf(comp).w - barsOf(few).w) < 1, `bar area ${barsOf(comp).w} vs ${barsOf(few).w}`);
  // Every factor's colour shows in the PNG legend and bars.
  const img = decodePng(sceneToPng(comp, { supersample: 1 }));
  const seen = new Set<string>();
  for (let i = 0; i < img.width * img.height; i++) seen.add(`${img.data[4 * i]},${img.data[4 * i + 1]},${img.data[4 * i + 2]}`);
  for (let c = 0; c < t; c++) assert.ok(seen.has(parseHex(categoryColor(c)).join(',')), `colour of F${c} absent`);

  // 40 clusters beside a real tissue map.
  const r = await xeniumResult(1);
  const names40 = Array.from({ length: 40 }, (_, c) => `cluster ${c}`);
  const codes = Int32Array.from({ length: r.n }, (_, i) => i % 40);
  inside(spatialScatter({ x: r.x, y: r.y, categories: { codes, names: names40 }, width: 640, colorLabel: 'leiden' }), names40);
});
