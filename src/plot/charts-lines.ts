/**
 * Line and point charts: parameter sweeps and convergence (optionally on a log axis), the
 * Pareto trade-off scatter, and squidpy's co-occurrence curves.
 */
import { paretoOptimal } from '../metrics/pareto.js';
import { categoryColor } from './color.js';
import { legend, legendLayout } from './colorbar.js';
import { axes, type Box, drawTitle, extent, INK } from './frame.js';
import { fitText, formatNumber, type Prim, type Scene, textBox, textWidth } from './scene.js';

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
  /** What the dashed line is (`most stable k`), written beside it in the first panel. */
  chosenLabel?: string;
  /** log10 y axes (convergence: the first iterations would flatten the rest); ignored when a value is ≤ 0. */
  logY?: boolean;
  /** y axis label of every panel. */
  yLabel?: string;
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
  drawTitle(prims, o.title, fs, width);
  const xr = extent(o.x);
  const distinctX = [...new Set(o.x.filter(Number.isFinite))].sort((a, b) => a - b);
  const xTicks = distinctX.length <= 12 ? distinctX : undefined;
  const colorOf = (si: number, li: number): string => categoryColor(o.groups ? li : si);
  if (o.groups) legend(prims, o.series.length * pw + 4, topH + fs * 1.8, ph, o.groups.labels, o.groups.labels.map((_, g) => categoryColor(g)), fs * 0.9, o.groups.name);
  o.series.forEach((s, si) => {
    const box: Box = { x: si * pw + (o.yLabel ? 64 : 52), y: topH + fs * 1.8, w: pw - (o.yLabel ? 76 : 64), h: ph };
    // Centred over the plot area, but kept inside the panel (a long title would spill past it).
    const name = fitText(s.name, fs, pw - 8);
    const half = textWidth(name, fs) / 2;
    const cx = Math.min(Math.max(box.x + box.w / 2, si * pw + 4 + half), (si + 1) * pw - 4 - half);
    prims.push({ t: 'text', x: cx, y: topH + fs * 0.7, text: name, size: fs, anchor: 'middle', bold: true, fill: INK });
    const yr = extent(s.values);
    const logY = Boolean(o.logY) && yr[0] > 0;
    const padY = (yr[1] - yr[0]) * 0.08 || 0.5;
    const ax = axes(prims, box, xr, logY ? [yr[0] / 1.15, yr[1] * 1.15] : [yr[0] - padY, yr[1] + padY], o.xLabel, o.yLabel ?? '', fs, { xTicks, logY });
    if (o.chosen !== undefined) {
      const cx = ax.sx(o.chosen);
      prims.push({ t: 'line', x1: cx, y1: box.y, x2: cx, y2: box.y + box.h, stroke: '#d62728', width: 1, dash: 4 });
      if (o.chosenLabel && si === 0) {
        // Beside the line at the foot of the panel, on the side with room.
        const text = `${o.chosenLabel} = ${formatNumber(o.chosen)}`;
        const right = cx + 4 + textWidth(text, fs * 0.85) <= box.x + box.w;
        prims.push({ t: 'text', x: right ? cx + 4 : cx - 4, y: box.y + box.h - fs * 0.7, text, size: fs * 0.85, anchor: right ? 'start' : 'end', fill: '#d62728' });
      }
    }
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
  const optimal = paretoOptimal(points.map((p) => sx * p.x), points.map((p) => sy * p.y));
  return points.map((_, i) => i).filter((i) => optimal[i]).sort((a, b) => points[a].x - points[b].x);
}

/** Trade-off scatter (e.g. reconstruction vs spatial coherence) with the Pareto front drawn and labelled. */
export function paretoPlot(o: ParetoOptions): Scene {
  const fs = o.fontSize ?? 11;
  const width = o.width ?? 460;
  const height = o.height ?? 360;
  const topH = o.title ? fs * 2.4 : 8;
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  const box: Box = { x: 64, y: topH + 6, w: width - 84, h: height - topH - 6 - fs * 3.2 };
  const xs = o.points.map((p) => p.x);
  const ys = o.points.map((p) => p.y);
  const xr = extent(xs);
  const yr = extent(ys);
  const px = (xr[1] - xr[0]) * 0.06 || 0.5;
  const py = (yr[1] - yr[0]) * 0.08 || 0.5;
  const ax = axes(prims, box, [xr[0] - px, xr[1] + px], [yr[0] - py, yr[1] + py], o.xLabel, o.yLabel, fs);
  const placed: ReturnType<typeof textBox>[] = prims.filter((p): p is Extract<Prim, { t: 'text' }> => p.t === 'text').map(textBox);
  const front = paretoFront(o.points, o.maximizeX ?? true, o.maximizeY ?? true);
  const onFront = new Set(front);
  prims.push({ t: 'path', points: front.flatMap((i) => [ax.sx(o.points[i].x), ax.sy(o.points[i].y)]), stroke: '#d62728', width: 1.5 });
  const byFront = o.points.map((_, i) => i).sort((a, b) => Number(onFront.has(b)) - Number(onFront.has(a)));
  for (const i of byFront) {
    const p = o.points[i];
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    prims.push({ t: 'circle', cx: ax.sx(p.x), cy: ax.sy(p.y), r: onFront.has(i) ? 4.5 : 3.5, fill: onFront.has(i) ? '#d62728' : '#9a9a9a' });
    if (p.label) {
      // Try right-above, left-above, right-below, left-below of the point; a label that fits
      // nowhere without touching another is left out (the front's labels are placed first).
      for (const [dx, dy] of [[6, -0.6], [-6, -0.6], [6, 0.7], [-6, 0.7]]) {
        const t: Extract<Prim, { t: 'text' }> = { t: 'text', x: ax.sx(p.x) + dx, y: ax.sy(p.y) + dy * fs, text: p.label, size: fs * 0.85, anchor: dx < 0 ? 'end' : 'start', fill: onFront.has(i) ? INK : '#777777' };
        const b = textBox(t);
        if (b.x0 < 1 || b.x1 > width - 1 || placed.some((q) => q.x0 < b.x1 && b.x0 < q.x1 && q.y0 < b.y1 && b.y0 < q.y1)) continue;
        placed.push(b);
        prims.push(t);
        break;
      }
    }
  }
  return { width, height, title: o.title, prims };
}

/** Options of {@link coOccurrencePlot}. */
export interface CoOccurrencePlotOptions {
  /** Category names. */
  categories: string[];
  /** Bin edges (nBins + 1); each curve point is drawn at its bin's upper edge, as squidpy. */
  thresholds: ArrayLike<number>;
  /** Ratios `p(B|A)/p(B)`, `[A][B][bin]` flattened (T x T x nBins). */
  ratio: ArrayLike<number>;
  /** Conditioning categories A, one panel each (squidpy's `clusters`); default all, up to 6. */
  clusters?: string[];
  /** Distance unit label (µm, px, units). */
  unit: string;
  title?: string;
  fontSize?: number;
}

/**
 * Co-occurrence curves (squidpy `pl.co_occurrence`): per chosen type A one panel of
 * `p(B|A)/p(B)` against distance, one line per type B (legend shared), 1 marked dashed.
 * Each curve's path carries its data (`role: curve`, label `A|B`).
 */
export function coOccurrencePlot(o: CoOccurrencePlotOptions): Scene {
  const fs = o.fontSize ?? 11;
  const T = o.categories.length;
  const nBins = o.thresholds.length - 1;
  const clusters = (o.clusters ?? o.categories.slice(0, 6)).filter((c) => o.categories.includes(c));
  const pw = 320;
  const ph = 200;
  const topH = o.title ? fs * 2.4 : 6;
  const legendW = legendLayout(o.categories, fs * 0.85, ph + fs * 4, 'type B').width + 10;
  const width = Math.round(clusters.length * pw + legendW);
  const height = Math.round(topH + fs * 1.8 + ph + fs * 3.4);
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  const xs = Array.from({ length: nBins }, (_, s) => o.thresholds[s + 1]);
  clusters.forEach((name, ci) => {
    const a = o.categories.indexOf(name);
    const box: Box = { x: ci * pw + 60, y: topH + fs * 1.8, w: pw - 76, h: ph };
    prims.push({ t: 'text', x: box.x + box.w / 2, y: topH + fs * 0.8, text: fitText(`A = ${name}`, fs, pw - 12), size: fs, anchor: 'middle', bold: true, fill: INK });
    const vals: number[] = [];
    for (let b = 0; b < T; b++) for (let s = 0; s < nBins; s++) vals.push(o.ratio[(a * T + b) * nBins + s]);
    const yr = extent(vals);
    const ax = axes(prims, box, extent(xs), [Math.min(0, yr[0]), yr[1] * 1.05], `distance (${o.unit})`, 'p(B|A) / p(B)', fs);
    prims.push({ t: 'line', x1: box.x, y1: ax.sy(1), x2: box.x + box.w, y2: ax.sy(1), stroke: '#999999', width: 0.8, dash: 3 });
    for (let b = 0; b < T; b++) {
      const ys = Array.from({ length: nBins }, (_, s) => o.ratio[(a * T + b) * nBins + s]);
      const pts: number[] = [];
      ys.forEach((v, s) => Number.isFinite(v) && pts.push(ax.sx(xs[s]), ax.sy(v)));
      prims.push({ t: 'path', points: pts, stroke: categoryColor(b), width: 1.4, role: 'curve', label: `${name}|${o.categories[b]}`, dataX: xs, values: ys });
    }
  });
  legend(prims, clusters.length * pw + 4, topH + fs * 1.8, ph + fs * 4, o.categories, o.categories.map((_, b) => categoryColor(b)), fs * 0.85, 'type B');
  return { width, height, title: o.title, prims };
}
