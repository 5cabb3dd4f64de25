/**
 * cNMF's figures: the k-selection plot (stability and error against k, one panel each, as
 * cNMF's `k_selection_plot` draws them on twin axes), the local-density histogram with the
 * density threshold, and the clustergram of replicate-spectra correlations.
 */
import { viridis } from './color.js';
import { formatNumber, niceTicks, type Prim, type Scene } from './scene.js';
import { sweepPlot } from './charts.js';

const INK = '#222222';
const AXIS = '#888888';

/** Stability (silhouette) and error (refit loss) against k; `chosen` (e.g. the most stable k) marked. */
export function kSelectionPlot(o: { ks: number[]; stability: number[]; error: number[]; errorLabel?: string; chosen?: number; title?: string }): Scene {
  return sweepPlot({
    x: o.ks,
    xLabel: 'k (number of programs)',
    series: [
      { name: 'Stability (silhouette)', values: o.stability },
      { name: o.errorLabel ?? 'Error (refit sum of squared residuals)', values: o.error },
    ],
    chosen: o.chosen,
    chosenLabel: 'most stable k',
    // Wide enough for the error panel's full title (its loss named in words).
    panelWidth: 300,
    title: o.title ?? 'cNMF k selection',
  });
}

/** Histogram of local densities (mean distance to the nearest spectra) with the threshold as a dashed line. */
export function densityHistogram(o: { density: ArrayLike<number>; threshold: number; title?: string; bins?: number }): Scene {
  const fs = 11;
  const W = 420, H = 260;
  const box = { x: 56, y: 30, w: W - 76, h: H - 80 };
  const vals = Array.from(o.density).filter(Number.isFinite);
  const lo = 0;
  const hi = Math.max(o.threshold * 1.1, ...vals, 1e-9);
  const nb = o.bins ?? 40;
  const counts = new Array<number>(nb).fill(0);
  for (const v of vals) counts[Math.min(nb - 1, Math.floor(((v - lo) / (hi - lo)) * nb))]++;
  const cmax = Math.max(1, ...counts);
  const sx = (v: number) => box.x + ((v - lo) / (hi - lo)) * box.w;
  const sy = (c: number) => box.y + box.h - (c / cmax) * box.h;
  const prims: Prim[] = [{ t: 'text', x: 8, y: fs * 1.3, text: o.title ?? 'Local density of replicate spectra', size: fs * 1.2, bold: true, fill: INK }];
  counts.forEach((c, b) => {
    if (c === 0) return;
    const x0 = sx(lo + (b / nb) * (hi - lo)), x1 = sx(lo + ((b + 1) / nb) * (hi - lo));
    prims.push({ t: 'rect', x: x0, y: sy(c), w: Math.max(1, x1 - x0 - 0.5), h: box.y + box.h - sy(c), fill: '#4c78a8' });
  });
  for (const v of niceTicks(0, cmax, 4)) prims.push({ t: 'text', x: box.x - 5, y: sy(v), text: formatNumber(v), size: fs * 0.85, anchor: 'end', fill: INK });
  for (const v of niceTicks(lo, hi, 5)) prims.push({ t: 'text', x: sx(v), y: box.y + box.h + fs, text: formatNumber(v), size: fs * 0.85, anchor: 'middle', fill: INK });
  prims.push({ t: 'line', x1: box.x, y1: box.y + box.h, x2: box.x + box.w, y2: box.y + box.h, stroke: AXIS, width: 1 });
  prims.push({ t: 'line', x1: box.x, y1: box.y, x2: box.x, y2: box.y + box.h, stroke: AXIS, width: 1 });
  prims.push({ t: 'line', x1: sx(o.threshold), y1: box.y, x2: sx(o.threshold), y2: box.y + box.h, stroke: '#d62728', width: 1.5, dash: 4 });
  prims.push({ t: 'text', x: sx(o.threshold) - 4, y: box.y + 8, text: `threshold ${o.threshold}`, size: fs * 0.85, anchor: 'end', fill: '#d62728' });
  prims.push({ t: 'text', x: box.x + box.w / 2, y: box.y + box.h + fs * 2.4, text: 'mean distance to nearest neighbours', size: fs * 0.9, anchor: 'middle', fill: INK });
  prims.push({ t: 'text', x: 14, y: box.y + box.h / 2, text: 'spectra', size: fs * 0.9, anchor: 'middle', rotate: -90, fill: INK });
  return { width: W, height: H, title: o.title, prims };
}

/**
 * Clustergram of the replicate spectra: their correlation matrix ordered by consensus cluster
 * (then by local density), outliers (label −1) last, with a colour bar from −1 to 1 (viridis).
 */
export function spectraClustergram(o: { correlation: Float64Array; m: number; labels: ArrayLike<number>; density?: ArrayLike<number>; title?: string }): Scene {
  const m = o.m;
  const order = Array.from({ length: m }, (_, a) => a).sort((a, b) => {
    const la = o.labels[a] < 0 ? Infinity : o.labels[a], lb = o.labels[b] < 0 ? Infinity : o.labels[b];
    return la - lb || (o.density ? o.density[a] - o.density[b] : 0) || a - b;
  });
  const rgba = new Uint8Array(m * m * 4);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) {
    const v = o.correlation[order[r] * m + order[c]];
    const [R, G, B] = viridis(Math.max(0, Math.min(1, (v + 1) / 2)));
    const q = (r * m + c) * 4;
    rgba[q] = R, rgba[q + 1] = G, rgba[q + 2] = B, rgba[q + 3] = 255;
  }
  const size = 360, fs = 11;
  const prims: Prim[] = [
    { t: 'text', x: 8, y: fs * 1.3, text: o.title ?? 'Replicate spectra correlation (ordered by program)', size: fs * 1.1, bold: true, fill: INK },
    { t: 'image', x: 10, y: 30, w: size, h: size, cols: m, rows: m, rgba },
  ];
  const bar = new Uint8Array(64 * 4);
  for (let i = 0; i < 64; i++) {
    const [R, G, B] = viridis(1 - i / 63);
    bar.set([R, G, B, 255], i * 4);
  }
  prims.push({ t: 'image', x: size + 20, y: 30, w: 12, h: size, cols: 1, rows: 64, rgba: bar });
  prims.push({ t: 'text', x: size + 36, y: 34, text: '1', size: fs * 0.85, fill: INK });
  prims.push({ t: 'text', x: size + 36, y: 30 + size / 2, text: '0', size: fs * 0.85, fill: INK });
  prims.push({ t: 'text', x: size + 36, y: 26 + size, text: '−1', size: fs * 0.85, fill: INK });
  return { width: size + 60, height: size + 40, title: o.title, prims };
}
