/**
 * Bar charts: per-factor/per-run metric bars with value labels that never overlap, the compact
 * metric summary panel grouped by family with direction arrows, and spot composition as
 * stacked bars (per spot, or averaged per region).
 */
import { categoryColor } from './color.js';
import { legend, legendLayout } from './colorbar.js';
import { axes, type Box, drawTitle, extent, INK, type MatrixLike, MUTED } from './frame.js';
import { directionArrow, metricInfo } from './metric-glossary.js';
import { fitText, formatNumber, type Prim, type Scene, textWidth } from './scene.js';

/** Options of {@link metricBars}. */
export interface MetricBarsOptions {
  /** Bar labels (methods, runs, factors...). */
  labels: string[];
  /** One panel per metric; `values[i]` belongs to `labels[i]`. */
  metrics: { name: string; values: number[]; higherIsBetter?: boolean }[];
  title?: string;
  /** Panel width; default 220, widened so every bar's value label fits. */
  panelWidth?: number;
  fontSize?: number;
}

/**
 * One small bar chart per metric (metrics differ in scale), values printed above the bars
 * (rotated when a bar is narrower than its label, with the headroom that needs); the best bar
 * is outlined.
 */
export function metricBars(o: MetricBarsOptions): Scene {
  const fs = o.fontSize ?? 11;
  const nb = Math.max(1, o.labels.length);
  const vfs = fs * 0.8;
  const widest = Math.max(0, ...o.metrics.flatMap((m) => m.values.filter(Number.isFinite).map((v) => textWidth(formatNumber(v), vfs))));
  const pw = Math.max(o.panelWidth ?? 220, 58 + nb * Math.max(fs * 1.3, 0));
  const slot = (pw - 58) / nb;
  const rotate = widest + 2 > slot * 0.98;
  const ph = 170;
  const topH = o.title ? fs * 2.4 : 6;
  const xfs = Math.min(fs * 0.85, slot * 0.9);
  const labelH = Math.min(110, Math.max(...o.labels.map((s) => textWidth(s, xfs))) + 8);
  const width = o.metrics.length * pw;
  const height = Math.round(topH + fs * 1.8 + ph + labelH + 4);
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  o.metrics.forEach((m, mi) => {
    const box: Box = { x: mi * pw + 46, y: topH + fs * 1.8, w: pw - 58, h: ph };
    const arrow = m.higherIsBetter === undefined ? '' : m.higherIsBetter ? ' ↑' : ' ↓';
    prims.push({ t: 'text', x: mi * pw + pw / 2, y: topH + fs * 0.7, text: fitText(m.name + arrow, fs, pw - 8), size: fs, anchor: 'middle', bold: true, fill: INK });
    const [lo, hi] = extent(m.values);
    // Headroom above the tallest bar (below the lowest) for its value label.
    const need = (rotate ? widest + 6 : vfs * 1.4) / ph;
    const span0 = Math.max(0, hi) - Math.min(0, lo) || 1;
    const yr: [number, number] = [Math.min(0, lo) - (lo < 0 ? span0 * need * 1.2 : 0), Math.max(0, hi) + (hi > 0 || lo >= 0 ? span0 * need * 1.2 : 0)];
    const ax = axes(prims, box, [0, 1], yr, '', '', fs, { xTicks: [] });
    const best = m.higherIsBetter === undefined ? -1 : m.values.indexOf(m.higherIsBetter ? hi : lo);
    m.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = box.x + i * slot + slot * 0.15;
      const y0 = ax.sy(0);
      const y1 = ax.sy(v);
      prims.push({ t: 'rect', x, y: Math.min(y0, y1), w: slot * 0.7, h: Math.abs(y1 - y0), fill: categoryColor(i), stroke: i === best ? INK : undefined, strokeWidth: 1.5 });
      const label = formatNumber(v);
      const cx = x + slot * 0.35;
      if (rotate) {
        const up = v >= 0;
        prims.push({ t: 'text', x: cx, y: up ? y1 - 3 : y1 + 3, text: label, size: vfs, anchor: up ? 'start' : 'end', rotate: -90, fill: INK });
      } else prims.push({ t: 'text', x: cx, y: v >= 0 ? y1 - vfs * 0.75 : y1 + vfs * 0.75, text: label, size: vfs, anchor: 'middle', fill: INK });
    });
    o.labels.forEach((s, i) => prims.push({ t: 'text', x: box.x + (i + 0.5) * slot, y: box.y + box.h + 5, text: fitText(s, xfs, labelH - 6), size: xfs, anchor: 'end', rotate: -90, fill: INK }));
  });
  return { width, height, title: o.title, prims };
}

/** Options of {@link metricSummary}. */
export interface MetricSummaryOptions {
  /** Run labels (one column each): `hybrid`, `feature`, ... */
  runs: string[];
  /** Metric key (metrics.csv column or summary key) → one value per run. */
  metrics: { key: string; values: number[] }[];
  title?: string;
  fontSize?: number;
}

const FAMILY_ORDER = ['spatial coherence', 'separation', 'marker coherence', 'fit', 'agreement', 'run', 'other'];

/**
 * Every metric of a run in one compact panel: grouped by family (spatial coherence,
 * separation, marker coherence, fit ...), one row per metric with its name, direction arrow
 * (↑ higher is better, ↓ lower is better) and per run its value, with a bar scaled to the
 * metric's largest |value| over the runs when there are several runs to compare (one run's bars
 * would all be full). Unknown metrics go under "other" without an arrow.
 */
export function metricSummary(o: MetricSummaryOptions): Scene {
  const fs = o.fontSize ?? 12;
  const rowH = fs * 1.6;
  const rows = o.metrics
    .filter((m) => m.values.some(Number.isFinite))
    .map((m) => ({ ...m, info: metricInfo(m.key) }))
    .sort((a, b) => FAMILY_ORDER.indexOf(a.info?.family ?? 'other') - FAMILY_ORDER.indexOf(b.info?.family ?? 'other'));
  const nameOf = (r: (typeof rows)[number]): string => `${r.info?.label ?? r.key} ${directionArrow(r.info?.direction ?? 'none')}`.trim();
  const nameW = Math.max(textWidth('spatial coherence', fs) + 8, ...rows.map((r) => 18 + textWidth(nameOf(r), fs))) + 14;
  // Bars compare runs; scaled to the largest value of one run they would all be full length
  // and say nothing, so a single run shows its values only.
  const bars = o.runs.length > 1;
  const barMax = bars ? 70 : 0;
  const valW = Math.max(textWidth('-0.000', fs * 0.9), ...rows.flatMap((r) => r.values.map((v) => textWidth(formatNumber(v), fs * 0.9)))) + 8;
  const colW = Math.max(barMax + (bars ? 6 : 0) + valW + 12, ...o.runs.map((s) => textWidth(s, fs) + 12));
  const topH = (o.title ? fs * 2.4 : 6) + (o.runs.length > 1 || o.runs[0] ? rowH : 0);
  const families: string[] = [];
  for (const r of rows) if (!families.includes(r.info?.family ?? 'other')) families.push(r.info?.family ?? 'other');
  const height = Math.round(topH + (rows.length + families.length) * rowH + fs * 2.4);
  const footer = bars ? '↑ higher is better · ↓ lower is better · bars scaled to each metric’s largest |value| over the runs' : '↑ higher is better · ↓ lower is better';
  const width = Math.round(Math.max(nameW + o.runs.length * colW + 10, textWidth(footer, fs * 0.85) + 16));
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  o.runs.forEach((s, c) => prims.push({ t: 'text', x: nameW + c * colW, y: topH - rowH / 2, text: fitText(s, fs, colW - 8), size: fs, bold: true, fill: INK }));
  let y = topH;
  let fam = '';
  for (const r of rows) {
    const f = r.info?.family ?? 'other';
    if (f !== fam) {
      fam = f;
      prims.push({ t: 'text', x: 8, y: y + rowH / 2, text: f, size: fs, bold: true, fill: MUTED });
      prims.push({ t: 'line', x1: 8, y1: y + rowH - 1, x2: width - 8, y2: y + rowH - 1, stroke: '#dddddd', width: 0.8 });
      y += rowH;
    }
    prims.push({ t: 'text', x: 18, y: y + rowH / 2, text: nameOf(r), size: fs, fill: INK });
    const mx = Math.max(...r.values.filter(Number.isFinite).map(Math.abs), 1e-300);
    r.values.forEach((v, c) => {
      const x = nameW + c * colW;
      if (!Number.isFinite(v)) {
        prims.push({ t: 'text', x, y: y + rowH / 2, text: '—', size: fs * 0.9, fill: MUTED });
        return;
      }
      if (bars) prims.push({ t: 'rect', x, y: y + rowH * 0.2, w: Math.max(1, (Math.abs(v) / mx) * barMax), h: rowH * 0.6, fill: v < 0 ? '#d6604d' : '#4393c3' });
      prims.push({ t: 'text', x: x + (bars ? barMax + 6 : 0), y: y + rowH / 2, text: formatNumber(v), size: fs * 0.9, fill: INK });
    });
    y += rowH;
  }
  prims.push({ t: 'text', x: 8, y: y + fs * 1.2, text: footer, size: fs * 0.85, fill: MUTED });
  return { width, height, title: o.title, prims };
}

/** Options of {@link compositionPlot}. */
export interface CompositionOptions {
  /** Proportions, n spots x t types; rows should sum to 1. */
  proportions: MatrixLike;
  typeNames: string[];
  /**
   * Average the spots per region (a category per spot, -1 = none) into one bar each, as
   * stacked bars per region; default one bar per spot grouped by dominant type.
   */
  regions?: { codes: ArrayLike<number>; names: string[]; label: string };
  title?: string;
  width?: number;
  height?: number;
  fontSize?: number;
}

/**
 * Spot composition as a structure plot: one stacked bar per spot, spots grouped by their
 * dominant type and sorted by its share (with more spots than pixels, neighbouring spots in
 * that order are averaged into one bar); or, with `regions`, the mean composition per region.
 */
export function compositionPlot(o: CompositionOptions): Scene {
  const fs = o.fontSize ?? 12;
  const { rows: n, cols: t, data } = o.proportions;
  const colors = o.typeNames.map((_, i) => categoryColor(i));
  const height = o.height ?? 340;
  const topH = o.title ? fs * 2.4 : 8;
  const regionLabelH = o.regions ? Math.min(120, Math.max(...o.regions.names.map((s) => textWidth(s, fs * 0.85))) + 10) : fs * 2.6;
  const boxH = height - topH - regionLabelH;
  // The legend wraps into as many columns as the types need (SIID runs use 20-40 factors); the
  // figure grows to the right so the bars keep their width.
  const oneColumn = fs * 0.6 * Math.min(24, Math.max(...o.typeNames.map((s) => [...s].length), 4)) + fs * 2.5;
  const legendW = Math.max(oneColumn, legendLayout(o.typeNames, fs * 0.9, boxH, 'type').width + fs * 0.5);
  const width = (o.width ?? 720) + (legendW - oneColumn);
  const box: Box = { x: 52, y: topH, w: width - 52 - legendW - 10, h: boxH };
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  // Bars: lists of spot indices averaged into each bar.
  let bars: number[][];
  if (o.regions) {
    const R = o.regions.names.length;
    bars = Array.from({ length: R }, () => []);
    for (let i = 0; i < n; i++) {
      const c = o.regions.codes[i];
      if (c >= 0 && c < R) bars[c].push(i);
    }
  } else {
    const dom = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let c = 1; c < t; c++) if (data[i * t + c] > data[i * t + b]) b = c;
      dom[i] = b;
    }
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => dom[a] - dom[b] || data[b * t + dom[b]] - data[a * t + dom[a]]);
    const nb = Math.max(1, Math.min(n, Math.floor(box.w)));
    bars = Array.from({ length: nb }, (_, b) => {
      const lo = Math.floor((b * n) / nb);
      const hi = Math.max(lo + 1, Math.floor(((b + 1) * n) / nb));
      return Array.from(order.subarray(lo, hi));
    });
  }
  const bw = box.w / Math.max(1, bars.length);
  const gap = o.regions ? bw * 0.15 : 0;
  const acc = new Float64Array(t);
  bars.forEach((spots, b) => {
    acc.fill(0);
    for (const s of spots) for (let c = 0; c < t; c++) acc[c] += Number.isFinite(data[s * t + c]) ? data[s * t + c] : 0;
    let total = 0;
    for (let c = 0; c < t; c++) total += acc[c];
    let yTop = box.y + box.h;
    for (let c = 0; c < t; c++) {
      const h = total > 0 ? (acc[c] / total) * box.h : 0;
      if (h <= 0) continue;
      prims.push({ t: 'rect', x: box.x + b * bw + gap, y: yTop - h, w: bw - 2 * gap + (gap ? 0 : 0.3), h: h + 0.3, fill: colors[c] });
      yTop -= h;
    }
    if (o.regions) prims.push({ t: 'text', x: box.x + (b + 0.5) * bw, y: box.y + box.h + 5, text: fitText(`${o.regions.names[b]}`, fs * 0.85, regionLabelH - 8), size: Math.min(fs * 0.85, bw * 0.9), anchor: 'end', rotate: -90, fill: INK });
  });
  prims.push({ t: 'rect', x: box.x, y: box.y, w: box.w, h: box.h, stroke: '#888888', strokeWidth: 0.6 });
  for (const v of [0, 0.5, 1]) prims.push({ t: 'text', x: box.x - 5, y: box.y + box.h - v * box.h, text: String(v), size: fs * 0.9, anchor: 'end', fill: INK });
  prims.push({ t: 'text', x: 14, y: box.y + box.h / 2, text: 'proportion', size: fs * 0.9, anchor: 'middle', rotate: -90, fill: INK });
  if (!o.regions) prims.push({ t: 'text', x: box.x + box.w / 2, y: box.y + box.h + fs * 1.3, text: `${n} spots, grouped by dominant type`, size: fs * 0.9, anchor: 'middle', fill: MUTED });
  legend(prims, width - legendW, topH, box.h, o.typeNames, colors, fs * 0.9, 'type');
  return { width, height, title: o.title, prims };
}
