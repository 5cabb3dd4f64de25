/**
 * Colour scales and their keys: resolving `vmin`/`vmax` (numbers or percentiles, scanpy's
 * `'p99'`), the vertical colour bar titled with quantity and unit and marked when values are
 * clipped (`≥ p99: 3.2`), and the categorical legend.
 */
import { StnmfError } from '../errors.js';
import { type Colormap, colormap, colormapTable } from './colormaps.js';
import { fitText, formatNumber, niceTicks, type Prim, textWidth } from './scene.js';
import { AXIS, INK, MUTED } from './frame.js';

/** A colour limit: a value, or a percentile of the data as scanpy writes it (`p99`, `p1.5`). */
export type Limit = number | string;

/** How values map to colours (what `--vmin`, `--vmax`, `--cmap` set). */
export interface ColorScaleOptions {
  /** Lower limit; default `p0` (the minimum), or 0 for `zeroBased` quantities. */
  vmin?: Limit;
  /** Upper limit; default `p99` (scanpy's idiom against one hot cell washing out a map). */
  vmax?: Limit;
  /** Colour map name (see colormaps.ts); default viridis. */
  cmap?: string;
  /** Symmetric limits around 0 (diverging maps: z-scores). */
  center?: boolean;
}

/** A resolved colour scale. */
export interface ColorScale {
  lo: number;
  hi: number;
  map: Colormap;
  cmap: string;
  /** Set when values above `hi` exist and are drawn in the top colour, e.g. `≥ p99: 3.2`. */
  clipHigh?: string;
  /** Set when values below `lo` exist, e.g. `≤ p1: 0.01`. */
  clipLow?: string;
}

/** Parses a limit as given on the command line: a number, or `pNN` (0 ≤ NN ≤ 100). */
export function parseLimit(s: string): Limit {
  if (/^p\d+(\.\d+)?$/.test(s) && Number(s.slice(1)) <= 100) return s;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new StnmfError('BAD_OPTION', `expected a number or a percentile like p99, got '${s}'`);
  return v;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/**
 * The colour scale of `values` under `o`: limits from numbers or percentiles (NaN ignored),
 * with the clipping notes the colour bar prints. Degenerate ranges widen to [lo, lo + 1].
 */
export function resolveScale(values: ArrayLike<number>, o: ColorScaleOptions = {}, zeroBased = false): ColorScale {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v.push(values[i]);
  const s = Float64Array.from(v).sort();
  const min = s.length ? s[0] : 0;
  const max = s.length ? s[s.length - 1] : 1;
  const at = (l: Limit): number => (typeof l === 'number' ? l : quantile(s, Number(l.slice(1)) / 100));
  const vminL: Limit = o.vmin ?? (zeroBased ? 0 : 'p0');
  const vmaxL: Limit = o.vmax ?? 'p99';
  let lo = at(vminL);
  let hi = at(vmaxL);
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi)) hi = lo + 1;
  if (o.center) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -m;
    hi = m;
  }
  if (!(hi > lo)) {
    // Percentile limits that coincide (sparse genes: p99 = 0): fall back to the full range.
    if (typeof vmaxL === 'string' && max > lo) hi = max;
    else hi = lo + 1;
  }
  const name = o.cmap ?? 'viridis';
  const out: ColorScale = { lo, hi, map: colormap(name), cmap: name };
  const tag = (l: Limit, val: number): string => (typeof l === 'string' ? `${l}: ${formatNumber(val)}` : formatNumber(val));
  if (max > hi) out.clipHigh = `≥ ${tag(o.center ? hi : vmaxL, hi)}`;
  if (min < lo) out.clipLow = `≤ ${tag(o.center ? lo : vminL, lo)}`;
  return out;
}

/** RGB (rounded) of `v` under `scale`; NaN → undefined (the caller draws missing grey). */
export function scaleColor(scale: ColorScale, v: number): [number, number, number] | undefined {
  if (!Number.isFinite(v)) return undefined;
  return scale.map((v - scale.lo) / (scale.hi - scale.lo)).map(Math.round) as [number, number, number];
}

/** Width a vertical colour bar with this title and ticks needs, in pixels. */
export function colorBarWidth(scale: ColorScale, title: string, fontSize: number): number {
  const ticks = niceTicks(scale.lo, scale.hi, 4).map((t) => textWidth(formatNumber(t), fontSize));
  const notes = [title, scale.clipHigh ?? '', scale.clipLow ?? ''].map((t) => textWidth(t, fontSize));
  return Math.ceil(Math.max(12 + 5 + Math.max(0, ...ticks), ...notes) + 6);
}

/**
 * A vertical colour bar at (x, y) of height `h`: `title` (quantity and unit) above, ticks on
 * the right, and the clipping notes above (high) and below (low) the bar. The bar image is
 * tagged `colorbar` with the title as its label. {@link colorBarHeadroom} is the space it uses above `y`.
 */
export function colorBar(prims: Prim[], x: number, y: number, h: number, scale: ColorScale, title: string, fontSize: number, maxW = Infinity): void {
  const table = colormapTable(scale.map);
  const rows = 128;
  const rgba = new Uint8Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    const e = 4 * Math.round(((rows - 1 - r) / (rows - 1)) * 255);
    rgba.set(table.subarray(e, e + 4), 4 * r);
  }
  const w = 12;
  const row = fontSize * 1.3;
  // Lines above the bar, bottom up: the high clip note, then the title.
  const lineY = (i: number): number => y - row * (i + 0.5) - fontSize * 0.4;
  let line = 0;
  if (scale.clipHigh) prims.push({ t: 'text', x, y: lineY(line++), text: fitText(scale.clipHigh, fontSize, maxW), size: fontSize, fill: MUTED });
  prims.push({ t: 'text', x, y: lineY(line), text: fitText(title, fontSize, maxW), size: fontSize, bold: true, fill: INK });
  prims.push({ t: 'image', x, y, w, h, cols: 1, rows, rgba, role: 'colorbar', label: title });
  prims.push({ t: 'rect', x, y, w, h, stroke: AXIS, strokeWidth: 0.5 });
  const ticks = niceTicks(scale.lo, scale.hi, 4);
  // Ticks closer than a text line would collide: keep every step-th one.
  const spacing = ticks.length > 1 ? (h * (ticks[1] - ticks[0])) / (scale.hi - scale.lo) : Infinity;
  const step = Math.max(1, Math.ceil((fontSize * 1.15) / spacing));
  ticks.forEach((v, i) => {
    if (i % step) return;
    const ty = y + h - ((v - scale.lo) / (scale.hi - scale.lo)) * h;
    prims.push({ t: 'line', x1: x + w, y1: ty, x2: x + w + 3, y2: ty, stroke: AXIS, width: 0.8 });
    prims.push({ t: 'text', x: x + w + 5, y: ty, text: formatNumber(v), size: fontSize, fill: INK });
  });
  if (scale.clipLow) prims.push({ t: 'text', x, y: y + h + row * 0.5 + fontSize * 0.4, text: fitText(scale.clipLow, fontSize, maxW), size: fontSize, fill: MUTED });
}

/** Height above the bar's top that {@link colorBar} uses for its title and high clip note. */
export function colorBarHeadroom(scale: ColorScale, fontSize: number): number {
  return fontSize * 1.3 * (scale.clipHigh ? 2 : 1) + fontSize * 0.4 + 2;
}

/**
 * Size of a legend of `names` that may use `maxH` pixels of height: entries per column, column
 * width and total width (columns side by side, so 40 categories fit beside a 300 px panel).
 */
export function legendLayout(names: string[], fontSize: number, maxH: number, title?: string): { perCol: number; columns: number; colW: number; width: number } {
  const row = fontSize * 1.5;
  const perCol = Math.max(1, Math.floor((maxH - (title ? row : 0)) / row));
  const colW = fontSize * 0.6 * Math.min(24, Math.max(...names.map((s) => [...s].length), 1)) + fontSize * 1.6;
  const columns = Math.max(1, Math.ceil(names.length / perCol));
  return { perCol, columns, colW, width: Math.max(columns * colW, title ? textWidth(title, fontSize) + 4 : 0) };
}

/** A column of colour swatches with names; wraps into further columns (see {@link legendLayout}). Returns its width. */
export function legend(prims: Prim[], x: number, y: number, maxH: number, names: string[], colors: string[], fontSize: number, title?: string): number {
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
