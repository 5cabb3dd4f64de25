/**
 * What every chart shares: ink colours, boxes, titles and Cartesian axes (linear or log10)
 * with grid lines and "nice" ticks.
 */
import { fitText, formatNumber, niceTicks, type Prim } from './scene.js';

export const INK = '#222222';
export const MUTED = '#555555';
export const GRID = '#e4e4e4';
export const AXIS = '#888888';

/** A rectangle in scene pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A dense matrix view (row-major), e.g. W (n x k) or H (k x p). */
export interface MatrixLike {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/** Pushes a bold figure title at the top left, shortened to fit `width`. */
export function drawTitle(prims: Prim[], title: string | undefined, fs: number, width: number): void {
  if (title) prims.push({ t: 'text', x: 8, y: fs * 1.2, text: fitText(title, fs * 1.2, width - 16), size: fs * 1.2, bold: true, fill: INK });
}

/** Axes: the data → pixel mappings of a drawn frame. */
export interface Axes {
  box: Box;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** Options of {@link axes} beyond the ranges and labels. */
export interface AxesOptions {
  /** Fixed x tick values (default: nice ticks; `[]` = none). */
  xTicks?: number[];
  /** log10 y axis (convergence curves): ticks at powers of ten, range must be > 0. */
  logY?: boolean;
}

/** Axes with grid lines and nice ticks over the given ranges. */
export function axes(prims: Prim[], box: Box, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string, fs: number, opts: AxesOptions = {}): Axes {
  const pad = (r: [number, number]): [number, number] => (r[1] > r[0] ? r : [r[0] - 0.5, r[0] + 0.5]);
  const [x0, x1] = pad(xr);
  const logY = Boolean(opts.logY) && yr[0] > 0 && yr[1] > 0;
  const fy = (v: number): number => (logY ? Math.log10(v) : v);
  const [y0, y1] = logY ? (yr[1] > yr[0] ? [Math.log10(yr[0]), Math.log10(yr[1])] : [Math.log10(yr[0]) - 0.5, Math.log10(yr[0]) + 0.5]) : pad(yr);
  const sx = (v: number): number => box.x + ((v - x0) / (x1 - x0)) * box.w;
  const sy = (v: number): number => box.y + box.h - ((fy(v) - y0) / (y1 - y0)) * box.h;
  const yTicks = logY ? logTicks(10 ** y0, 10 ** y1) : niceTicks(y0, y1, 4);
  for (const v of yTicks) {
    prims.push({ t: 'line', x1: box.x, y1: sy(v), x2: box.x + box.w, y2: sy(v), stroke: GRID, width: 0.8 });
    prims.push({ t: 'text', x: box.x - 5, y: sy(v), text: formatNumber(v), size: fs * 0.85, anchor: 'end', fill: INK });
  }
  for (const v of opts.xTicks ?? niceTicks(x0, x1, 5)) {
    prims.push({ t: 'line', x1: sx(v), y1: box.y + box.h, x2: sx(v), y2: box.y + box.h + 3, stroke: AXIS, width: 0.8 });
    prims.push({ t: 'text', x: sx(v), y: box.y + box.h + fs * 0.95, text: formatNumber(v), size: fs * 0.85, anchor: 'middle', fill: INK });
  }
  prims.push({ t: 'line', x1: box.x, y1: box.y + box.h, x2: box.x + box.w, y2: box.y + box.h, stroke: AXIS, width: 1 });
  prims.push({ t: 'line', x1: box.x, y1: box.y, x2: box.x, y2: box.y + box.h, stroke: AXIS, width: 1 });
  if (xLabel) prims.push({ t: 'text', x: box.x + box.w / 2, y: box.y + box.h + fs * 2.2, text: xLabel, size: fs * 0.9, anchor: 'middle', fill: INK });
  if (yLabel) prims.push({ t: 'text', x: box.x - fs * 3.6, y: box.y + box.h / 2, text: fitText(yLabel, fs * 0.9, box.h), size: fs * 0.9, anchor: 'middle', rotate: -90, fill: INK });
  return { box, sx, sy };
}

/**
 * Tick values of a log10 axis over [lo, hi] (both > 0): the powers of ten inside, plus 2 and 5
 * times them when fewer than three powers fall inside; when even those give fewer than three
 * ticks (a range under a factor of ~2.5, e.g. a converged loss), round linear steps inside it,
 * so the axis always has at least two labelled values to read a scale from.
 */
export function logTicks(lo: number, hi: number): number[] {
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const out: number[] = [];
  const mults = e1 - e0 <= 2 ? [1, 2, 5] : [1];
  for (let e = e0; e <= e1; e++) for (const m of mults) {
    const v = Number((m * 10 ** e).toPrecision(6));
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
  }
  if (out.length < 3 && hi > lo) return niceTicks(lo, hi, 4).filter((v) => v > 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
  return out;
}

/** [min, max] of the finite values; [0, 1] when there are none. */
export function extent(vs: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}
