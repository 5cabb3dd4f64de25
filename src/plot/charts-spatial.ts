/**
 * Spatial maps: one map coloured by a value or a category ({@link spatialScatter}) and small
 * multiples of factor usages or spot proportions ({@link factorGrid}). y points down (image
 * convention, as Xenium Explorer, squidpy and the viewer show tissue); lengths are labelled in
 * the unit that is true after conversion (units.ts).
 */
import { categoryColor, MISSING_COLOR, parseHex } from './color.js';
import { colormapTable } from './colormaps.js';
import { colorBar, colorBarHeadroom, colorBarWidth, type ColorScaleOptions, legend, legendLayout, resolveScale, scaleColor } from './colorbar.js';
import { type Box, drawTitle, INK, type MatrixLike, MUTED } from './frame.js';
import { fitText, formatNumber, type Prim, type Scene, textWidth } from './scene.js';
import { lengthUnit, scaleBar } from './units.js';

/** Spatial extent of the points, ignoring non-finite coordinates. */
export function bounds(x: ArrayLike<number>, y: ArrayLike<number>): { x0: number; x1: number; y0: number; y1: number } {
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

function aspectOf(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const b = bounds(x, y);
  return (b.y1 - b.y0) / (b.x1 - b.x0);
}

/**
 * Draws points into `box` keeping the aspect ratio, in `order` (later on top); returns the
 * coordinate units per scene pixel.
 */
function drawScatter(prims: Prim[], box: Box, x: ArrayLike<number>, y: ArrayLike<number>, rgbOf: (i: number) => [number, number, number] | undefined, order: ArrayLike<number> | undefined, radius: number | undefined, diameter?: number): number {
  const b = bounds(x, y);
  const n = x.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) count++;
  const dx = b.x1 - b.x0;
  const dy = b.y1 - b.y0;
  // The dots stay inside the box (no dot spills into the title, colour bar or a neighbouring
  // panel): the extent is padded by the dot radius. A diameter in coordinate units pads the
  // extent by one diameter; a radius in pixels shrinks the box by two radii.
  const spot = radius === undefined && diameter !== undefined && diameter > 0;
  let scale: number;
  let r: number;
  if (spot) {
    scale = Math.max((dx + (diameter as number)) / box.w, (dy + (diameter as number)) / box.h);
    r = Math.max(0.35, (diameter as number) / 2 / scale);
  } else {
    // Default dot size: about the radius of the area each cell gets, so tissue reads as a
    // continuous surface without dots hiding each other completely.
    const s0 = Math.max(dx / box.w, dy / box.h);
    r = radius ?? Math.max(0.35, Math.min(6, 0.62 * Math.sqrt(((dx / s0) * (dy / s0)) / Math.max(1, count) / Math.PI)));
    scale = Math.max(dx / Math.max(1, box.w - 2 * r), dy / Math.max(1, box.h - 2 * r));
  }
  const ox = box.x + (box.w - dx / scale) / 2;
  const oy = box.y + (box.h - dy / scale) / 2;
  const px = new Float32Array(count);
  const py = new Float32Array(count);
  const rgb = new Uint8Array(3 * count);
  let m = 0;
  for (let k = 0; k < (order ? order.length : n); k++) {
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
  return scale;
}

/**
 * Draw order of a continuous colouring: ascending value (NaN first), so high values are drawn
 * on top and sparse populations stay visible (scanpy's `sort_order=True`). With `sort` false,
 * file order.
 */
export function valueOrder(values: ArrayLike<number>, sort = true): Int32Array {
  const idx = Int32Array.from({ length: values.length }, (_, i) => i);
  if (!sort) return idx;
  const key = (i: number): number => (Number.isFinite(values[i]) ? values[i] : -Infinity);
  return idx.sort((a, b) => key(a) - key(b) || a - b);
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
  /** Show only these categories in colour (scanpy's `groups`); the rest are drawn grey underneath. */
  groups?: string[];
  title?: string;
  /**
   * Title of the colour bar: the quantity and its unit (`usage (X_nmf)`, `counts`,
   * `log1p counts`, `intensity`, `proportion`), or of the legend (the column name).
   */
  colorLabel?: string;
  /** Coordinate unit (`um` default; Xenium, MERSCOPE and CosMx outputs are in µm). */
  unit?: string;
  /** Micrometres per coordinate unit, for pixel coordinates with a known pixel size. */
  micronsPerUnit?: number;
  /** Figure width in pixels; default 640. The height follows the tissue's aspect ratio. */
  width?: number;
  /** Dot radius in pixels (`--size`); default from the density of points. */
  pointRadius?: number;
  /** Colour limits and map; default [min, p99] in viridis. */
  scale?: ColorScaleOptions;
  /** Draw high values on top (default true); false keeps file order. */
  sortByValue?: boolean;
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
  let top = titleH;
  /** Extra figure width for legend columns beyond the first, known once the panel height is. */
  let extraW: (h: number) => number = () => 0;
  const missing = parseHex(MISSING_COLOR);
  if (o.values) {
    const vals = o.values;
    const scale = resolveScale(vals, o.scale ?? {});
    rgbOf = (i) => scaleColor(scale, vals[i]) ?? missing;
    order = valueOrder(vals, o.sortByValue ?? true);
    const cfs = fs * 0.9;
    const label = o.colorLabel ?? 'value';
    sideW = Math.max(70, colorBarWidth(scale, label, cfs) + 10);
    top = Math.max(titleH, colorBarHeadroom(scale, cfs) + (o.title ? fs * 1.6 : fs * 0.4));
    after = (h) => colorBar(prims, width - sideW + 8, top + 4, Math.min(220, h - fs * 3), scale, label, cfs, sideW - 10);
  } else if (o.categories) {
    const { codes, names } = o.categories;
    const colors = names.map((_, i) => o.categories?.colors?.[i] ?? categoryColor(i));
    const shown = o.groups ? new Set(o.groups) : undefined;
    const rgbs = colors.map(parseHex);
    const on = names.map((s) => !shown || shown.has(s));
    rgbOf = (i) => (codes[i] >= 0 && codes[i] < rgbs.length && on[codes[i]] ? rgbs[codes[i]] : missing);
    // Chosen groups on top of the grey rest.
    if (shown) order = Int32Array.from({ length: codes.length }, (_, i) => i).sort((a, b) => Number(on[codes[a]] ?? false) - Number(on[codes[b]] ?? false) || a - b);
    const legendNames = shown ? names.filter((_, i) => on[i]) : names;
    const legendColors = shown ? colors.filter((_, i) => on[i]) : colors;
    const longest = Math.min(24, Math.max(...legendNames.map((s) => [...s].length), 4));
    sideW = Math.max(fs * 0.6 * longest + fs * 2.5, o.colorLabel ? textWidth(o.colorLabel, fs * 0.9) + 12 : 0);
    // Many categories on a short panel: further legend columns widen the figure, the map keeps its size.
    extraW = (h) => Math.max(0, legendLayout(legendNames, fs * 0.9, h, o.colorLabel).width - (sideW - 6));
    after = (h) => void legend(prims, width - sideW + 6, titleH, h, legendNames, legendColors, fs * 0.9, o.colorLabel);
  } else {
    rgbOf = () => [60, 60, 60];
    sideW = 0;
    after = () => undefined;
  }
  const plotW = width - sideW - 8;
  const aspect = aspectOf(o.x, o.y);
  const plotH = Math.max(160, Math.round(plotW * aspect));
  const height = Math.round(titleH + plotH + 8);
  drawTitle(prims, o.title, fs / 1.2 * 1.15, width);
  const box = { x: 8, y: titleH, w: plotW, h: plotH };
  const coordPerPx = drawScatter(prims, box, o.x, o.y, rgbOf, order, o.pointRadius);
  scaleBar(prims, box, coordPerPx, lengthUnit(o.unit, o.micronsPerUnit), fs * 0.9);
  after(plotH);
  return { width: Math.ceil(width + extraW(plotH)), height, title: o.title, prims };
}

/** Options of {@link factorGrid}. */
export interface FactorGridOptions {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Factor usage, n x k (W), or spot proportions (n x types). */
  W: MatrixLike;
  /** Panel names; default `Factor_1..k` is the caller's job (keys.ts factorNames). */
  names: string[];
  /** Top features per factor, printed under each panel title. */
  topFeatures?: string[][];
  /** Which columns of W to draw; default all. */
  only?: number[];
  /** Quantity drawn, printed by every colour bar: `usage`, `smoothed usage`, `proportion`. */
  quantity: string;
  /** Colour limits and map for every panel (each panel resolves them on its own values); default [0, p99]. */
  scale?: ColorScaleOptions;
  sortByValue?: boolean;
  pointRadius?: number;
  /** Dot diameter in coordinate units (e.g. spots drawn at their spacing), used when `pointRadius` is not given. */
  pointDiameter?: number;
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
 * Small multiples: one spatial map per factor, each coloured on its own scale (default 0 to
 * its 99th percentile: factors differ in scale by orders of magnitude), with its top features
 * and a horizontal colour bar titled with the quantity and marked when clipped.
 */
export function factorGrid(o: FactorGridOptions): Scene {
  const fs = o.fontSize ?? 11;
  const kAll = o.W.cols;
  const cols0 = o.only ?? Array.from({ length: kAll }, (_, f) => f);
  const k = cols0.length;
  const n = o.W.rows;
  const cols = o.columns ?? Math.min(5, Math.ceil(Math.sqrt(k)));
  const rows = Math.ceil(k / cols);
  const pw = o.panelWidth ?? 240;
  const aspect = aspectOf(o.x, o.y);
  const ph = Math.max(80, Math.round((pw - 8) * aspect));
  const headH = o.topFeatures ? fs * 3 : fs * 1.8;
  const barH = fs * 3.2;
  const cellH = headH + ph + barH;
  const topH = o.title ? fs * 2.4 : 4;
  const width = cols * pw;
  const height = Math.round(topH + rows * cellH + 4);
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs * 1.05, width);
  const v = new Float32Array(n);
  const unit = lengthUnit(o.unit, o.micronsPerUnit);
  cols0.forEach((f, slot) => {
    const cx = (slot % cols) * pw;
    const cy = topH + Math.floor(slot / cols) * cellH;
    for (let i = 0; i < n; i++) v[i] = o.W.data[i * kAll + f];
    const scale = resolveScale(v, o.scale ?? {}, true);
    const name = o.names[f] ?? String(f);
    prims.push({ t: 'text', x: cx + 6, y: cy + fs * 0.8, text: fitText(name, fs * 1.05, pw - 12), size: fs * 1.05, bold: true, fill: INK });
    if (o.topFeatures?.[f]) prims.push({ t: 'text', x: cx + 6, y: cy + fs * 2.1, text: fitText(o.topFeatures[f].join(' '), fs * 0.85, pw - 12), size: fs * 0.85, fill: MUTED });
    const vals = Float32Array.from(v);
    const order = valueOrder(vals, o.sortByValue ?? true);
    const box = { x: cx + 4, y: cy + headH, w: pw - 8, h: ph };
    const missing = parseHex(MISSING_COLOR);
    const coordPerPx = drawScatter(prims, box, o.x, o.y, (i) => scaleColor(scale, vals[i]) ?? missing, order, o.pointRadius, o.pointDiameter);
    if (slot === 0) scaleBar(prims, box, coordPerPx, unit, fs * 0.85);
    // A thin horizontal colour bar "lo [bar] hi" (hi marked when clipped), the quantity centred under it.
    const by = cy + headH + ph + fs * 0.5;
    const lfs = fs * 0.8;
    const loText = formatNumber(scale.lo);
    const hiText = scale.clipHigh ?? formatNumber(scale.hi);
    const fixed = textWidth(loText, lfs) + textWidth(hiText, lfs) + 8;
    const bw = Math.max(30, Math.min(pw * 0.45, pw - 16 - fixed));
    let xx = cx + Math.max(6, (pw - fixed - bw) / 2);
    prims.push({ t: 'text', x: xx, y: by + fs * 0.25, text: loText, size: lfs, fill: MUTED });
    xx += textWidth(loText, lfs) + 4;
    const t = colormapTable(scale.map);
    prims.push({ t: 'image', x: xx, y: by, w: bw, h: fs * 0.5, cols: 64, rows: 1, rgba: Uint8Array.from({ length: 256 }, (_, j) => t[4 * Math.round(((j >> 2) / 63) * 255) + (j & 3)]), role: 'colorbar', label: o.quantity });
    xx += bw + 4;
    prims.push({ t: 'text', x: xx, y: by + fs * 0.25, text: hiText, size: lfs, fill: MUTED });
    prims.push({ t: 'text', x: cx + pw / 2, y: by + fs * 1.45, text: fitText(o.quantity, lfs, pw - 12), size: lfs, anchor: 'middle', fill: MUTED });
  });
  return { width, height, title: o.title, prims };
}
