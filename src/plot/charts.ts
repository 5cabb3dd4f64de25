/**
 * The chart builders: each returns a {@link Scene} that renders to SVG or PNG. Sizes are in
 * CSS pixels; coordinates of spatial data are drawn with y pointing down (image convention,
 * as Xenium Explorer, squidpy and the viewer show tissue).
 */
import { categoryColor, MISSING_COLOR, parseHex, valueRange, viridis, viridisTable } from './color.js';
import { fitText, formatNumber, niceBelow, niceTicks, type Prim, type Scene, textWidth } from './scene.js';

/** A dense matrix view (row-major), e.g. W (n x k) or H (k x p). */
export interface MatrixLike {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

const INK = '#222222';
const GRID = '#e4e4e4';
const AXIS = '#888888';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Spatial extent of the points, ignoring non-finite coordinates. */
function bounds(x: ArrayLike<number>, y: ArrayLike<number>): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    if (x[i] < x0) x0 = x[i];
    if (x[i] > x1) x1 = x[i];
    if (y[i] < y0) y0 = y[i];
    if (y[i] > y1) y1 = y[i];
  }
  if (!(x1 >= x0)) return { x0: 0, x1: 1, y0: 0, y1: 1 };
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  return { x0, x1, y0, y1 };
}

/** Aspect ratio (height / width) of the data extent. */
function aspectOf(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const b = bounds(x, y);
  return (b.y1 - b.y0) / (b.x1 - b.x0);
}

/** Unit label for coordinates. */
function unitLabel(unit: string | undefined, micronsPerUnit?: number): { label: string; perUnit: number } {
  if (micronsPerUnit && micronsPerUnit > 0) return { label: 'µm', perUnit: micronsPerUnit };
  if (!unit || unit === 'um' || unit === 'µm') return { label: 'µm', perUnit: 1 };
  return { label: unit, perUnit: 1 };
}

interface ScatterPanel {
  /** Data units per pixel. */
  scale: number;
  box: Box;
}

/** Draws points into `box` keeping the aspect ratio; returns the mapping used. */
function drawScatter(
  prims: Prim[],
  box: Box,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rgbOf: (i: number) => [number, number, number] | undefined,
  order: ArrayLike<number> | undefined,
  radius: number | undefined,
): ScatterPanel {
  const b = bounds(x, y);
  const scale = Math.max((b.x1 - b.x0) / box.w, (b.y1 - b.y0) / box.h);
  const ox = box.x + (box.w - (b.x1 - b.x0) / scale) / 2;
  const oy = box.y + (box.h - (b.y1 - b.y0) / scale) / 2;
  const n = x.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) count++;
  // Default dot size: about the radius of the area each cell gets, so tissue reads as a
  // continuous surface without dots hiding each other completely.
  const filled = ((b.x1 - b.x0) / scale) * ((b.y1 - b.y0) / scale);
  const r = radius ?? Math.max(0.35, Math.min(6, 0.62 * Math.sqrt(filled / Math.max(1, count) / Math.PI)));
  const px = new Float32Array(count);
  const py = new Float32Array(count);
  const rgb = new Uint8Array(3 * count);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    const c = rgbOf(i);
    if (!c) continue;
    px[m] = ox + (x[i] - b.x0) / scale;
    py[m] = oy + (y[i] - b.y0) / scale;
    rgb[3 * m] = c[0];
    rgb[3 * m + 1] = c[1];
    rgb[3 * m + 2] = c[2];
    m++;
  }
  prims.push({ t: 'points', x: px.subarray(0, m), y: py.subarray(0, m), r, rgb: rgb.subarray(0, 3 * m) });
  return { scale, box };
}

/** A scale bar of a round length (about a fifth of the panel) in the bottom-left corner. */
function scaleBar(prims: Prim[], p: ScatterPanel, unit: string | undefined, micronsPerUnit: number | undefined, fontSize: number): void {
  const u = unitLabel(unit, micronsPerUnit);
  const unitsPerPx = p.scale * u.perUnit;
  const len = niceBelow(p.box.w * 0.22 * unitsPerPx);
  const lenPx = len / unitsPerPx;
  const x0 = p.box.x + 10;
  const y0 = p.box.y + p.box.h - 8;
  const label = `${formatNumber(len)} ${u.label}`;
  const lw = Math.max(lenPx, textWidth(label, fontSize)) + 8;
  // A translucent white backing keeps the bar readable over dense tissue.
  prims.push({ t: 'rect', x: x0 + lenPx / 2 - lw / 2, y: y0 - 6 - fontSize * 1.5, w: lw, h: fontSize * 1.5 + 9, fill: '#ffffff', opacity: 0.8 });
  prims.push({ t: 'rect', x: x0, y: y0 - 3, w: lenPx, h: 3, fill: INK });
  prims.push({ t: 'text', x: x0 + lenPx / 2, y: y0 - 3 - fontSize * 0.8, text: label, size: fontSize, anchor: 'middle', fill: INK });
}

/** A vertical viridis colour bar with ticks. */
function colorBar(prims: Prim[], x: number, y: number, h: number, range: [number, number], label: string | undefined, fontSize: number): void {
  const table = viridisTable();
  const rows = 128;
  const rgba = new Uint8Array(rows * 4);
  for (let r = 0; r < rows; r++) rgba.set(table.subarray(4 * Math.round(((rows - 1 - r) / (rows - 1)) * 255), 4 * Math.round(((rows - 1 - r) / (rows - 1)) * 255) + 4), 4 * r);
  const w = 12;
  prims.push({ t: 'image', x, y, w, h, cols: 1, rows, rgba });
  prims.push({ t: 'rect', x, y, w, h, stroke: AXIS, strokeWidth: 0.5 });
  for (const v of niceTicks(range[0], range[1], 4)) {
    const ty = y + h - ((v - range[0]) / (range[1] - range[0])) * h;
    prims.push({ t: 'line', x1: x + w, y1: ty, x2: x + w + 3, y2: ty, stroke: AXIS, width: 0.8 });
    prims.push({ t: 'text', x: x + w + 5, y: ty, text: formatNumber(v), size: fontSize, fill: INK });
  }
  if (label) prims.push({ t: 'text', x: x + w / 2, y: y - fontSize, text: label, size: fontSize, anchor: 'middle', fill: INK });
}

/**
 * Size of a legend of `names` that may use `maxH` pixels of height: entries per column, column
 * width and total width (columns side by side, so 40 categories fit beside a 300 px panel).
 */
export function legendLayout(names: string[], fontSize: number, maxH: number, title?: string): { perCol: number; columns: number; colW: number; width: number } {
  const row = fontSize * 1.5;
  const perCol = Math.max(1, Math.floor((maxH - (title ? row : 0)) / row));
  const colW = fontSize * 0.6 * Math.min(18, Math.max(...names.map((s) => [...s].length), 1)) + fontSize * 1.6;
  const columns = Math.max(1, Math.ceil(names.length / perCol));
  return { perCol, columns, colW, width: Math.max(columns * colW, title ? textWidth(title, fontSize) + 4 : 0) };
}

/** A column of colour swatches with names; wraps into further columns (see {@link legendLayout}). Returns its width. */
function legend(prims: Prim[], x: number, y: number, maxH: number, names: string[], colors: string[], fontSize: number, title?: string): number {
  const row = fontSize * 1.5;
  let top = y;
  if (title) {
    prims.push({ t: 'text', x, y: y + fontSize / 2, text: title, size: fontSize, bold: true, fill: INK });
    top += row;
  }
  const { perCol, colW, width } = legendLayout(names, fontSize, maxH, title);
  names.forEach((name, i) => {
    const cx = x + Math.floor(i / perCol) * colW;
    const cy = top + (i % perCol) * row + row / 2;
    prims.push({ t: 'circle', cx: cx + fontSize * 0.4, cy, r: fontSize * 0.38, fill: colors[i] });
    prims.push({ t: 'text', x: cx + fontSize * 1.1, y: cy, text: fitText(name, fontSize, colW - fontSize * 1.4), size: fontSize, fill: INK });
  });
  return width;
}

/** Options of {@link spatialScatter}. */
export interface SpatialScatterOptions {
  /** Coordinates, one per observation, in `unit`. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** A continuous value per observation (factor usage, gene, imputed gene); NaN = missing. */
  values?: ArrayLike<number>;
  /** A category per observation: `codes[i]` indexes `names`, -1 = missing. */
  categories?: { codes: ArrayLike<number>; names: string[]; colors?: string[] };
  title?: string;
  /** Label above the colour bar or legend (e.g. `Factor 3`, `Gfap`). */
  colorLabel?: string;
  /** Coordinate unit (`um` default; Xenium, MERSCOPE and CosMx outputs are in µm). */
  unit?: string;
  /** Micrometres per coordinate unit, for pixel coordinates with a known pixel size. */
  micronsPerUnit?: number;
  /** Figure width in pixels; default 640. The height follows the tissue's aspect ratio. */
  width?: number;
  /** Dot radius in pixels; default from the density of points. */
  pointRadius?: number;
  /** Colour range of `values`; default [min, 99th percentile] (scanpy's `vmax='p99'`). */
  range?: [number, number];
  /** Font size in pixels; default 12. */
  fontSize?: number;
}

/** Spatial scatter coloured by a continuous value (with colour bar) or a category (with legend), plus a scale bar. */
export function spatialScatter(o: SpatialScatterOptions): Scene {
  const fs = o.fontSize ?? 12;
  const width = o.width ?? 640;
  const prims: Prim[] = [];
  const titleH = o.title ? fs * 2.2 : fs * 0.8;
  let sideW: number;
  let rgbOf: (i: number) => [number, number, number] | undefined;
  let order: Int32Array | undefined;
  let after: (h: number) => void;
  /** Extra figure width for legend columns beyond the first, known once the panel height is. */
  let extraW: (h: number) => number = () => 0;
  if (o.values) {
    const vals = o.values;
    const range = o.range ?? valueRange(vals);
    const span = range[1] - range[0];
    rgbOf = (i) => (Number.isFinite(vals[i]) ? (viridis((vals[i] - range[0]) / span).map(Math.round) as [number, number, number]) : parseHex(MISSING_COLOR));
    // High values on top, as scanpy's sort_order.
    order = Int32Array.from({ length: vals.length }, (_, i) => i).sort((a, b) => (Number.isFinite(vals[a]) ? vals[a] : -Infinity) - (Number.isFinite(vals[b]) ? vals[b] : -Infinity));
    sideW = 70;
    after = (h) => colorBar(prims, width - sideW + 8, titleH + fs * 1.5, Math.min(220, h - fs * 3), range, o.colorLabel, fs * 0.9);
  } else if (o.categories) {
    const { codes, names } = o.categories;
    const colors = names.map((_, i) => o.categories?.colors?.[i] ?? categoryColor(i));
    const rgbs = colors.map(parseHex);
    const missing = parseHex(MISSING_COLOR);
    rgbOf = (i) => (codes[i] >= 0 && codes[i] < rgbs.length ? rgbs[codes[i]] : missing);
    const longest = Math.min(18, Math.max(...names.map((s) => [...s].length), 4));
    sideW = fs * 0.6 * longest + fs * 2.5;
    // Many categories on a short panel: further legend columns widen the figure, the map keeps its size.
    extraW = (h) => {
      const l = legendLayout(names, fs * 0.9, h, o.colorLabel);
      return Math.max(0, l.width - (sideW - 6));
    };
    after = (h) => void legend(prims, width - sideW + 6, titleH, h, names, colors, fs * 0.9, o.colorLabel);
  } else {
    rgbOf = () => [60, 60, 60];
    sideW = 0;
    after = () => undefined;
  }
  const plotW = width - sideW - 8;
  const aspect = aspectOf(o.x, o.y);
  const plotH = Math.max(120, Math.round(plotW * aspect));
  const height = Math.round(titleH + plotH + 8);
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.1, text: fitText(o.title, fs * 1.15, width - 16), size: fs * 1.15, bold: true, fill: INK });
  const panel = drawScatter(prims, { x: 8, y: titleH, w: plotW, h: plotH }, o.x, o.y, rgbOf, order, o.pointRadius);
  scaleBar(prims, panel, o.unit, o.micronsPerUnit, fs * 0.9);
  after(plotH);
  return { width: Math.ceil(width + extraW(plotH)), height, title: o.title, prims };
}

/** Options of {@link factorGrid}. */
export interface FactorGridOptions {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Factor usage, n x k (W). */
  W: MatrixLike;
  /** Factor names; default `Factor 1..k`. */
  names?: string[];
  /** Top features per factor, printed under each panel title. */
  topFeatures?: string[][];
  /** Panels per row; default ceil(sqrt(k)) up to 5. */
  columns?: number;
  /** Width of one panel in pixels; default 240. */
  panelWidth?: number;
  unit?: string;
  micronsPerUnit?: number;
  title?: string;
  fontSize?: number;
}

/**
 * Small multiples: one spatial map per factor, each coloured on its own scale from 0 to its
 * 99th percentile (factors differ in scale by orders of magnitude), with its top features.
 */
export function factorGrid(o: FactorGridOptions): Scene {
  const fs = o.fontSize ?? 11;
  const k = o.W.cols;
  const n = o.W.rows;
  const cols = o.columns ?? Math.min(5, Math.ceil(Math.sqrt(k)));
  const rows = Math.ceil(k / cols);
  const pw = o.panelWidth ?? 240;
  const aspect = aspectOf(o.x, o.y);
  const ph = Math.max(80, Math.round((pw - 8) * aspect));
  const headH = o.topFeatures ? fs * 3 : fs * 1.8;
  const barH = fs * 1.8;
  const cellH = headH + ph + barH;
  const topH = o.title ? fs * 2.4 : 4;
  const width = cols * pw;
  const height = Math.round(topH + rows * cellH + 4);
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.25, bold: true, fill: INK });
  const v = new Float32Array(n);
  for (let f = 0; f < k; f++) {
    const cx = (f % cols) * pw;
    const cy = topH + Math.floor(f / cols) * cellH;
    for (let i = 0; i < n; i++) v[i] = o.W.data[i * k + f];
    const range: [number, number] = [0, valueRange(v)[1]];
    const name = o.names?.[f] ?? `Factor ${f + 1}`;
    prims.push({ t: 'text', x: cx + 6, y: cy + fs * 0.8, text: fitText(name, fs * 1.05, pw - 12), size: fs * 1.05, bold: true, fill: INK });
    if (o.topFeatures) {
      prims.push({ t: 'text', x: cx + 6, y: cy + fs * 2.1, text: fitText(o.topFeatures[f].join(' '), fs * 0.85, pw - 12), size: fs * 0.85, fill: '#555555' });
    }
    const vals = Float32Array.from(v);
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const span = range[1] - range[0] || 1;
    const panel = drawScatter(prims, { x: cx + 4, y: cy + headH, w: pw - 8, h: ph }, o.x, o.y, (i) => viridis((vals[i] - range[0]) / span).map(Math.round) as [number, number, number], order, undefined);
    if (f === 0) scaleBar(prims, panel, o.unit, o.micronsPerUnit, fs * 0.85);
    // A thin horizontal colour bar with its two ends labelled.
    const by = cy + headH + ph + fs * 0.3;
    const table = viridisTable();
    const bw = pw * 0.45;
    prims.push({ t: 'image', x: cx + pw / 2 - bw / 2, y: by, w: bw, h: fs * 0.5, cols: 64, rows: 1, rgba: Uint8Array.from({ length: 256 }, (_, j) => table[4 * Math.round(((j >> 2) / 63) * 255) + (j & 3)]) });
    prims.push({ t: 'text', x: cx + pw / 2 - bw / 2 - 4, y: by + fs * 0.25, text: '0', size: fs * 0.8, anchor: 'end', fill: '#555555' });
    prims.push({ t: 'text', x: cx + pw / 2 + bw / 2 + 4, y: by + fs * 0.25, text: formatNumber(range[1]), size: fs * 0.8, fill: '#555555' });
  }
  return { width, height, title: o.title, prims };
}

/** The indices of the `nTop` largest entries of row `f` of H, largest first. */
export function topFeatureIndices(H: MatrixLike, f: number, nTop: number): number[] {
  const p = H.cols;
  const idx = Array.from({ length: p }, (_, j) => j);
  idx.sort((a, b) => H.data[f * p + b] - H.data[f * p + a] || a - b);
  return idx.slice(0, Math.min(nTop, p));
}

/** Options of {@link topFeatureHeatmap}. */
export interface HeatmapOptions {
  /** Feature loadings, k x p (H). */
  H: MatrixLike;
  featureNames: string[];
  /** Top features taken from each factor; default 5. */
  nTop?: number;
  factorNames?: string[];
  title?: string;
  fontSize?: number;
}

/**
 * Heatmap of the top features of every factor: rows are the union of each factor's `nTop`
 * features (grouped by the factor that picked them), columns are factors, values are each
 * feature's loading divided by its row maximum across factors, so specificity shows.
 */
export function topFeatureHeatmap(o: HeatmapOptions): Scene {
  const fs = o.fontSize ?? 11;
  const k = o.H.rows;
  const p = o.H.cols;
  const nTop = o.nTop ?? 5;
  const rowsIdx: number[] = [];
  const seen = new Set<number>();
  for (let f = 0; f < k; f++) for (const j of topFeatureIndices(o.H, f, nTop)) if (!seen.has(j)) (seen.add(j), rowsIdx.push(j));
  const nr = rowsIdx.length;
  const cell = Math.max(10, Math.min(22, Math.round(fs * 1.3)));
  const names = o.factorNames ?? Array.from({ length: k }, (_, f) => `F${f + 1}`);
  const labelW = Math.min(16, Math.max(...rowsIdx.map((j) => [...(o.featureNames[j] ?? String(j))].length), 3)) * fs * 0.6 + 16;
  const headH = Math.max(...names.map((s) => textWidth(s, fs))) + 10;
  const topH = (o.title ? fs * 2.4 : 4) + headH;
  const width = Math.round(labelW + k * cell + 90);
  const height = Math.round(topH + nr * cell + 10);
  const rgba = new Uint8Array(nr * k * 4);
  for (let r = 0; r < nr; r++) {
    const j = rowsIdx[r];
    let mx = 0;
    for (let f = 0; f < k; f++) mx = Math.max(mx, o.H.data[f * p + j]);
    for (let f = 0; f < k; f++) {
      const c = viridis(mx > 0 ? o.H.data[f * p + j] / mx : 0);
      const q = 4 * (r * k + f);
      rgba[q] = Math.round(c[0]);
      rgba[q + 1] = Math.round(c[1]);
      rgba[q + 2] = Math.round(c[2]);
      rgba[q + 3] = 255;
    }
  }
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.2, bold: true, fill: INK });
  prims.push({ t: 'image', x: labelW, y: topH, w: k * cell, h: nr * cell, cols: k, rows: nr, rgba });
  rowsIdx.forEach((j, r) => prims.push({ t: 'text', x: labelW - 5, y: topH + (r + 0.5) * cell, text: fitText(o.featureNames[j] ?? String(j), fs, labelW - 8), size: fs, anchor: 'end', fill: INK }));
  names.forEach((s, f) => prims.push({ t: 'text', x: labelW + (f + 0.5) * cell, y: topH - 5, text: s, size: fs, rotate: -90, fill: INK }));
  colorBar(prims, labelW + k * cell + 16, topH + fs, Math.min(160, nr * cell - fs), [0, 1], 'rel.', fs * 0.9);
  return { width, height, title: o.title, prims };
}

/** Options of {@link compositionPlot}. */
export interface CompositionOptions {
  /** Proportions, n spots x t types; rows should sum to 1. */
  proportions: MatrixLike;
  typeNames: string[];
  title?: string;
  width?: number;
  height?: number;
  fontSize?: number;
}

/**
 * Spot composition as a structure plot: one stacked bar per spot, spots grouped by their
 * dominant type and sorted by its share; with more spots than pixels, neighbouring spots in
 * that order are averaged into one bar.
 */
export function compositionPlot(o: CompositionOptions): Scene {
  const fs = o.fontSize ?? 12;
  const { rows: n, cols: t, data } = o.proportions;
  const colors = o.typeNames.map((_, i) => categoryColor(i));
  const dom = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < t; c++) if (data[i * t + c] > data[i * t + b]) b = c;
    dom[i] = b;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => dom[a] - dom[b] || data[b * t + dom[b]] - data[a * t + dom[a]]);
  const height = o.height ?? 320;
  const topH = o.title ? fs * 2.4 : 8;
  const boxH = height - topH - fs * 2.6;
  // The legend wraps into as many columns as the types need (SIID runs use 20-40 factors); the
  // figure grows to the right so the bars keep their width.
  const oneColumn = fs * 0.6 * Math.min(18, Math.max(...o.typeNames.map((s) => [...s].length), 4)) + fs * 2.5;
  const legendW = Math.max(oneColumn, legendLayout(o.typeNames, fs * 0.9, boxH, 'type').width + fs * 0.5);
  const width = (o.width ?? 720) + (legendW - oneColumn);
  const box: Box = { x: 44, y: topH, w: width - 44 - legendW - 10, h: boxH };
  const bars = Math.max(1, Math.min(n, Math.floor(box.w)));
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.2, bold: true, fill: INK });
  const bw = box.w / bars;
  const acc = new Float64Array(t);
  for (let b = 0; b < bars; b++) {
    const lo = Math.floor((b * n) / bars);
    const hi = Math.max(lo + 1, Math.floor(((b + 1) * n) / bars));
    acc.fill(0);
    for (let s = lo; s < hi; s++) for (let c = 0; c < t; c++) acc[c] += data[order[s] * t + c];
    let total = 0;
    for (let c = 0; c < t; c++) total += acc[c];
    let yTop = box.y + box.h;
    for (let c = 0; c < t; c++) {
      const h = total > 0 ? (acc[c] / total) * box.h : 0;
      if (h <= 0) continue;
      prims.push({ t: 'rect', x: box.x + b * bw, y: yTop - h, w: bw + 0.3, h: h + 0.3, fill: colors[c] });
      yTop -= h;
    }
  }
  prims.push({ t: 'rect', x: box.x, y: box.y, w: box.w, h: box.h, stroke: AXIS, strokeWidth: 0.6 });
  for (const v of [0, 0.5, 1]) {
    const y = box.y + box.h - v * box.h;
    prims.push({ t: 'text', x: box.x - 5, y, text: String(v), size: fs * 0.9, anchor: 'end', fill: INK });
  }
  prims.push({ t: 'text', x: box.x + box.w / 2, y: box.y + box.h + fs * 1.3, text: `${n} spots, grouped by dominant type`, size: fs * 0.9, anchor: 'middle', fill: '#555555' });
  legend(prims, width - legendW, topH, box.h, o.typeNames, colors, fs * 0.9, 'type');
  return { width, height, title: o.title, prims };
}

interface Axes {
  box: Box;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** Axes with grid lines and nice ticks over the given ranges. */
function axes(prims: Prim[], box: Box, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string, fs: number, xTicks?: number[]): Axes {
  const pad = (r: [number, number]): [number, number] => (r[1] > r[0] ? r : [r[0] - 0.5, r[0] + 0.5]);
  const [x0, x1] = pad(xr);
  const [y0, y1] = pad(yr);
  const sx = (v: number): number => box.x + ((v - x0) / (x1 - x0)) * box.w;
  const sy = (v: number): number => box.y + box.h - ((v - y0) / (y1 - y0)) * box.h;
  for (const v of niceTicks(y0, y1, 4)) {
    prims.push({ t: 'line', x1: box.x, y1: sy(v), x2: box.x + box.w, y2: sy(v), stroke: GRID, width: 0.8 });
    prims.push({ t: 'text', x: box.x - 5, y: sy(v), text: formatNumber(v), size: fs * 0.85, anchor: 'end', fill: INK });
  }
  for (const v of xTicks ?? niceTicks(x0, x1, 5)) {
    prims.push({ t: 'line', x1: sx(v), y1: box.y + box.h, x2: sx(v), y2: box.y + box.h + 3, stroke: AXIS, width: 0.8 });
    prims.push({ t: 'text', x: sx(v), y: box.y + box.h + fs * 0.95, text: formatNumber(v), size: fs * 0.85, anchor: 'middle', fill: INK });
  }
  prims.push({ t: 'line', x1: box.x, y1: box.y + box.h, x2: box.x + box.w, y2: box.y + box.h, stroke: AXIS, width: 1 });
  prims.push({ t: 'line', x1: box.x, y1: box.y, x2: box.x, y2: box.y + box.h, stroke: AXIS, width: 1 });
  prims.push({ t: 'text', x: box.x + box.w / 2, y: box.y + box.h + fs * 2.2, text: xLabel, size: fs * 0.9, anchor: 'middle', fill: INK });
  prims.push({ t: 'text', x: box.x - fs * 3.4, y: box.y + box.h / 2, text: fitText(yLabel, fs * 0.9, box.h), size: fs * 0.9, anchor: 'middle', rotate: -90, fill: INK });
  return { box, sx, sy };
}

function extent(vs: number[]): [number, number] {
  const f = vs.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  return [Math.min(...f), Math.max(...f)];
}

/** Options of {@link metricBars}. */
export interface MetricBarsOptions {
  /** Bar labels (methods, runs, ranks...). */
  labels: string[];
  /** One panel per metric; `values[i]` belongs to `labels[i]`. */
  metrics: { name: string; values: number[]; higherIsBetter?: boolean }[];
  title?: string;
  /** Panel width; default 220. */
  panelWidth?: number;
  fontSize?: number;
}

/** One small bar chart per metric (metrics differ in scale), values printed on the bars; the best bar is outlined. */
export function metricBars(o: MetricBarsOptions): Scene {
  const fs = o.fontSize ?? 11;
  const pw = o.panelWidth ?? 220;
  const ph = 170;
  const topH = o.title ? fs * 2.4 : 6;
  const labelH = Math.min(90, Math.max(...o.labels.map((s) => textWidth(s, fs * 0.85))) + 8);
  const width = o.metrics.length * pw;
  const height = Math.round(topH + fs * 1.8 + ph + labelH + 4);
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.2, bold: true, fill: INK });
  o.metrics.forEach((m, mi) => {
    const box: Box = { x: mi * pw + 46, y: topH + fs * 1.8, w: pw - 58, h: ph };
    prims.push({ t: 'text', x: box.x + box.w / 2, y: topH + fs * 0.7, text: fitText(m.name + (m.higherIsBetter === false ? ' (lower better)' : ''), fs, pw - 8), size: fs, anchor: 'middle', bold: true, fill: INK });
    const [lo, hi] = extent(m.values);
    // Headroom above the tallest bar for its value label.
    const yr: [number, number] = [Math.min(0, lo), Math.max(0, hi) * 1.15];
    const ax = axes(prims, box, [0, 1], yr, '', '', fs, []);
    const nb = o.labels.length;
    const slot = box.w / nb;
    const best = m.higherIsBetter === undefined ? -1 : m.values.indexOf(m.higherIsBetter ? hi : lo);
    m.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = box.x + i * slot + slot * 0.15;
      const y0 = ax.sy(0);
      const y1 = ax.sy(v);
      prims.push({ t: 'rect', x, y: Math.min(y0, y1), w: slot * 0.7, h: Math.abs(y1 - y0), fill: categoryColor(i), stroke: i === best ? INK : undefined, strokeWidth: 1.5 });
      prims.push({ t: 'text', x: x + slot * 0.35, y: Math.min(y0, y1) - fs * 0.6, text: formatNumber(v), size: fs * 0.8, anchor: 'middle', fill: INK });
    });
    o.labels.forEach((s, i) => prims.push({ t: 'text', x: box.x + (i + 0.5) * slot, y: box.y + box.h + 5, text: fitText(s, fs * 0.85, labelH - 6), size: fs * 0.85, anchor: 'end', rotate: -90, fill: INK }));
  });
  return { width, height, title: o.title, prims };
}

/** Options of {@link sweepPlot}. */
export interface SweepOptions {
  /** The swept parameter (rank k, Leiden resolution...). */
  x: number[];
  xLabel: string;
  /** One panel per series (they differ in scale). */
  series: { name: string; values: number[] }[];
  /**
   * Splits the points of every panel into lines, e.g. one per Leiden resolution in an hSNMF
   * rank x resolution sweep: `of[i]` indexes `labels`. Default: one line through all points.
   */
  groups?: { name: string; labels: string[]; of: number[] };
  /** A chosen value marked with a dashed line. */
  chosen?: number;
  title?: string;
  panelWidth?: number;
  fontSize?: number;
}

/**
 * Rank or resolution sweep: each criterion against the swept parameter (one panel each), one
 * line per group when `groups` is given (with a legend on the right), the chosen value marked.
 */
export function sweepPlot(o: SweepOptions): Scene {
  const fs = o.fontSize ?? 11;
  const pw = o.panelWidth ?? 260;
  const ph = 170;
  const topH = o.title ? fs * 2.4 : 6;
  const lines: { label?: string; idx: number[] }[] = o.groups
    ? o.groups.labels.map((label, g) => ({ label, idx: o.x.map((_, i) => i).filter((i) => o.groups?.of[i] === g).sort((a, b) => o.x[a] - o.x[b]) }))
    : [{ idx: o.x.map((_, i) => i) }];
  const legendW = o.groups ? legendLayout(o.groups.labels, fs * 0.9, ph, o.groups.name).width + 8 : 0;
  const width = o.series.length * pw + legendW;
  const height = Math.round(topH + fs * 1.8 + ph + fs * 3 + 4);
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.2, bold: true, fill: INK });
  const xr = extent(o.x);
  const distinctX = [...new Set(o.x.filter(Number.isFinite))].sort((a, b) => a - b);
  const xTicks = distinctX.length <= 12 ? distinctX : undefined;
  const colorOf = (si: number, li: number): string => categoryColor(o.groups ? li : si);
  if (o.groups) legend(prims, o.series.length * pw + 4, topH + fs * 1.8, ph, o.groups.labels, o.groups.labels.map((_, g) => categoryColor(g)), fs * 0.9, o.groups.name);
  o.series.forEach((s, si) => {
    const box: Box = { x: si * pw + 52, y: topH + fs * 1.8, w: pw - 64, h: ph };
    prims.push({ t: 'text', x: box.x + box.w / 2, y: topH + fs * 0.7, text: fitText(s.name, fs, pw - 8), size: fs, anchor: 'middle', bold: true, fill: INK });
    const yr = extent(s.values);
    const padY = (yr[1] - yr[0]) * 0.08 || 0.5;
    const ax = axes(prims, box, xr, [yr[0] - padY, yr[1] + padY], o.xLabel, '', fs, xTicks);
    if (o.chosen !== undefined) prims.push({ t: 'line', x1: ax.sx(o.chosen), y1: box.y, x2: ax.sx(o.chosen), y2: box.y + box.h, stroke: '#d62728', width: 1, dash: 4 });
    lines.forEach((line, li) => {
      const pts: number[] = [];
      for (const i of line.idx) if (Number.isFinite(s.values[i]) && Number.isFinite(o.x[i])) pts.push(ax.sx(o.x[i]), ax.sy(s.values[i]));
      prims.push({ t: 'path', points: pts, stroke: colorOf(si, li), width: 1.8 });
      for (let i = 0; i < pts.length; i += 2) prims.push({ t: 'circle', cx: pts[i], cy: pts[i + 1], r: 3, fill: colorOf(si, li) });
    });
  });
  return { width, height, title: o.title, prims };
}

/** Options of {@link paretoPlot}. */
export interface ParetoOptions {
  points: { x: number; y: number; label?: string }[];
  xLabel: string;
  yLabel: string;
  /** Whether larger x is better; default true. */
  maximizeX?: boolean;
  /** Whether larger y is better; default true. */
  maximizeY?: boolean;
  title?: string;
  width?: number;
  height?: number;
  fontSize?: number;
}

/** Indices of the non-dominated points (no other point is at least as good in both and better in one). */
export function paretoFront(points: { x: number; y: number }[], maximizeX = true, maximizeY = true): number[] {
  const sx = maximizeX ? 1 : -1;
  const sy = maximizeY ? 1 : -1;
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((q, j) => j !== i && sx * q.x >= sx * p.x && sy * q.y >= sy * p.y && (sx * q.x > sx * p.x || sy * q.y > sy * p.y));
    if (!dominated && Number.isFinite(p.x) && Number.isFinite(p.y)) front.push(i);
  });
  return front.sort((a, b) => points[a].x - points[b].x);
}

/** Trade-off scatter (e.g. reconstruction vs spatial coherence) with the Pareto front drawn and labelled. */
export function paretoPlot(o: ParetoOptions): Scene {
  const fs = o.fontSize ?? 11;
  const width = o.width ?? 460;
  const height = o.height ?? 360;
  const topH = o.title ? fs * 2.4 : 8;
  const prims: Prim[] = [];
  if (o.title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: o.title, size: fs * 1.2, bold: true, fill: INK });
  const box: Box = { x: 64, y: topH + 6, w: width - 84, h: height - topH - 6 - fs * 3.2 };
  const xs = o.points.map((p) => p.x);
  const ys = o.points.map((p) => p.y);
  const xr = extent(xs);
  const yr = extent(ys);
  const px = (xr[1] - xr[0]) * 0.06 || 0.5;
  const py = (yr[1] - yr[0]) * 0.08 || 0.5;
  const ax = axes(prims, box, [xr[0] - px, xr[1] + px], [yr[0] - py, yr[1] + py], o.xLabel, o.yLabel, fs);
  const front = paretoFront(o.points, o.maximizeX ?? true, o.maximizeY ?? true);
  const onFront = new Set(front);
  prims.push({ t: 'path', points: front.flatMap((i) => [ax.sx(o.points[i].x), ax.sy(o.points[i].y)]), stroke: '#d62728', width: 1.5 });
  o.points.forEach((p, i) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
    prims.push({ t: 'circle', cx: ax.sx(p.x), cy: ax.sy(p.y), r: onFront.has(i) ? 4.5 : 3.5, fill: onFront.has(i) ? '#d62728' : '#9a9a9a' });
    if (p.label) {
      // Labels that would run off the right edge go to the left of their point.
      const left = ax.sx(p.x) + 6 + textWidth(p.label, fs * 0.85) > width - 2;
      prims.push({ t: 'text', x: ax.sx(p.x) + (left ? -6 : 6), y: ax.sy(p.y) - fs * 0.6, text: p.label, size: fs * 0.85, anchor: left ? 'end' : undefined, fill: onFront.has(i) ? INK : '#777777' });
    }
  });
  return { width, height, title: o.title, prims };
}
