/**
 * Heatmaps: top features per factor, the neighbourhood-enrichment z-score matrix (squidpy's
 * `pl.nhood_enrichment`), and scanpy's marker `matrixplot` and `dotplot`. Row and column
 * labels are measured before the figure is sized, so long gene names never overlap.
 */
import { colorBar, colorBarHeadroom, colorBarWidth, type ColorScaleOptions, resolveScale, scaleColor } from './colorbar.js';
import { clusterOrder } from './cluster-order.js';
import { drawTitle, INK, type MatrixLike } from './frame.js';
import { fitText, type Prim, type Scene, textWidth } from './scene.js';
import { topFeatureIndices } from '../nmf/top-features.js';

export { topFeatureIndices };

/** Options of {@link topFeatureHeatmap}. */
export interface HeatmapOptions {
  /** Feature loadings, k x p (H). */
  H: MatrixLike;
  featureNames: string[];
  /** Top features taken from each factor; default 5. */
  nTop?: number;
  /** Column names: the run's factor names (keys.ts `factorNames`). */
  factorNames: string[];
  title?: string;
  fontSize?: number;
}

/** Longest label width (pixels) among `labels` at `fs`, capped at `cap` characters. */
function labelWidth(labels: string[], fs: number, cap = 28): number {
  return Math.max(0, ...labels.map((s) => textWidth(fitText(s, fs, cap * fs * 0.6), fs)));
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
  const values = new Float64Array(rowsIdx.length * k);
  rowsIdx.forEach((j, r) => {
    let mx = 0;
    for (let f = 0; f < k; f++) mx = Math.max(mx, o.H.data[f * p + j]);
    for (let f = 0; f < k; f++) values[r * k + f] = mx > 0 ? o.H.data[f * p + j] / mx : 0;
  });
  return matrixHeatmap({
    values,
    rowNames: rowsIdx.map((j) => o.featureNames[j] ?? String(j)),
    colNames: o.factorNames,
    scale: { vmin: 0, vmax: 1 },
    colorLabel: 'loading / row max',
    title: o.title,
    fontSize: fs,
  });
}

/** Options of {@link matrixHeatmap}. */
export interface MatrixHeatmapOptions {
  /** rows x cols, row-major; NaN = missing (drawn light grey). */
  values: ArrayLike<number>;
  rowNames: string[];
  colNames: string[];
  scale?: ColorScaleOptions;
  /** Colour bar title: quantity and unit. */
  colorLabel: string;
  /** Dot sizes (0–1) per cell: a dot plot instead of filled cells; `sizeLabel` names them. */
  sizes?: ArrayLike<number>;
  sizeLabel?: string;
  title?: string;
  fontSize?: number;
  /** Cell size in pixels; default from the font size. */
  cell?: number;
  /** Blocks of columns `[start, end)` bracketed and labelled above the column names (scanpy's `var_group_labels`). */
  colGroups?: { label: string; start: number; end: number }[];
}

/**
 * A labelled matrix as coloured cells (or dots sized by `sizes`), column labels rotated, a
 * titled colour bar on the right. The cell image carries the values and labels (`role:
 * heatmap`) so a test can read back exactly what is drawn.
 */
export function matrixHeatmap(o: MatrixHeatmapOptions): Scene {
  const fs = o.fontSize ?? 11;
  const nr = o.rowNames.length;
  const nc = o.colNames.length;
  const cell = o.cell ?? Math.max(12, Math.round(fs * 1.45));
  const scale = resolveScale(o.values, o.scale ?? {});
  const labelW = labelWidth(o.rowNames, fs) + 10;
  const headH = labelWidth(o.colNames, fs) + 10;
  const cfs = fs * 0.9;
  // Group brackets: labels horizontal when every one fits its bracket, else all rotated (measured, so none overlap).
  const gfs = fs * 0.9;
  const groupsFlat = (o.colGroups ?? []).every((g) => textWidth(g.label, gfs) <= (g.end - g.start) * cell - 2);
  const bandH = !o.colGroups?.length ? 0 : groupsFlat ? gfs * 1.6 + 6 : labelWidth(o.colGroups.map((g) => g.label), gfs) + 12;
  const barW = colorBarWidth(scale, o.colorLabel, cfs);
  const sizeW = o.sizes ? Math.max(textWidth(o.sizeLabel ?? 'fraction', cfs) + 6, 70) : 0;
  const topH = (o.title ? fs * 2.6 : 6) + bandH + headH;
  const width = Math.round(Math.max(labelW + nc * cell + 24 + Math.max(barW, sizeW) + 8, o.title ? textWidth(o.title, fs * 1.2) + 16 : 0));
  const barTop = (o.title ? fs * 2.6 : 6) + colorBarHeadroom(scale, cfs) + 4;
  const barH = Math.max(80, Math.min(160, nr * cell - fs));
  const height = Math.round(Math.max(topH + nr * cell + 10, barTop + barH + fs * 2 + (o.sizes ? fs * 8 : 0)));
  const prims: Prim[] = [];
  drawTitle(prims, o.title, fs, width);
  const rgba = new Uint8Array(nr * nc * 4);
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const q = 4 * (r * nc + c);
      const col = scaleColor(scale, o.values[r * nc + c]) ?? [235, 235, 235];
      rgba.set([col[0], col[1], col[2], o.sizes ? 0 : 255], q);
    }
  }
  const gx = labelW;
  const gy = topH;
  prims.push({ t: 'image', x: gx, y: gy, w: nc * cell, h: nr * cell, cols: nc, rows: nr, rgba, role: 'heatmap', label: o.colorLabel, values: Float64Array.from(o.values), rowNames: o.rowNames.slice(), colNames: o.colNames.slice() });
  if (o.sizes) {
    const sz = o.sizes;
    for (let r = 0; r < nr; r++) for (let c = 0; c < nc; c++) {
      const s = sz[r * nc + c];
      if (!(s > 0)) continue;
      const col = scaleColor(scale, o.values[r * nc + c]) ?? [200, 200, 200];
      // Area proportional to the fraction, as scanpy's dotplot.
      prims.push({ t: 'circle', cx: gx + (c + 0.5) * cell, cy: gy + (r + 0.5) * cell, r: (cell / 2 - 1) * Math.sqrt(Math.min(1, s)), fill: '#' + col.map((v) => v.toString(16).padStart(2, '0')).join(''), stroke: '#777777', strokeWidth: 0.4 });
    }
  } else prims.push({ t: 'rect', x: gx, y: gy, w: nc * cell, h: nr * cell, stroke: '#bbbbbb', strokeWidth: 0.5 });
  o.rowNames.forEach((s, r) => prims.push({ t: 'text', x: gx - 5, y: gy + (r + 0.5) * cell, text: fitText(s, fs, labelW - 8), size: fs, anchor: 'end', fill: INK }));
  o.colNames.forEach((s, c) => prims.push({ t: 'text', x: gx + (c + 0.5) * cell, y: gy - 5, text: fitText(s, fs, headH - 8), size: fs, anchor: 'start', rotate: -90, fill: INK }));
  for (const g of o.colGroups ?? []) {
    const x0 = gx + g.start * cell + 2;
    const x1 = gx + g.end * cell - 2;
    const yb = gy - headH - 3;
    prims.push({ t: 'line', x1: x0, y1: yb, x2: x1, y2: yb, stroke: INK, width: 1 });
    prims.push({ t: 'line', x1: x0, y1: yb, x2: x0, y2: yb + 4, stroke: INK, width: 1 });
    prims.push({ t: 'line', x1: x1, y1: yb, x2: x1, y2: yb + 4, stroke: INK, width: 1 });
    if (groupsFlat) prims.push({ t: 'text', x: (x0 + x1) / 2, y: yb - gfs * 0.8, text: g.label, size: gfs, anchor: 'middle', fill: INK });
    else prims.push({ t: 'text', x: (x0 + x1) / 2, y: yb - 4, text: fitText(g.label, gfs, bandH - 12), size: gfs, anchor: 'start', rotate: -90, fill: INK });
  }
  const bx = gx + nc * cell + 24;
  colorBar(prims, bx, barTop, barH, scale, o.colorLabel, cfs, width - bx - 4);
  if (o.sizes) {
    // Size key: three reference dots.
    let y = barTop + barH + fs * 2.2 + (scale.clipLow ? fs * 1.3 : 0);
    prims.push({ t: 'text', x: bx, y, text: fitText(o.sizeLabel ?? 'fraction', cfs, width - bx - 4), size: cfs, bold: true, fill: INK });
    for (const f of [0.25, 0.5, 1]) {
      y += cell + 2;
      prims.push({ t: 'circle', cx: bx + cell / 2, cy: y, r: (cell / 2 - 1) * Math.sqrt(f), fill: '#999999' });
      prims.push({ t: 'text', x: bx + cell + 6, y, text: `${Math.round(f * 100)} %`, size: cfs, fill: INK });
    }
  }
  return { width, height, title: o.title, prims };
}

/** Options of {@link nhoodEnrichmentHeatmap}. */
export interface NhoodHeatmapOptions {
  /** T x T z-scores (row = cell type A, column = neighbour type B), row-major; NaN = excluded. */
  zscore: ArrayLike<number>;
  categories: string[];
  /** Order rows/columns by hierarchical clustering (default true, as squidpy). */
  cluster?: boolean;
  /** Colour limits/map; default symmetric around 0 in RdBu_r. */
  scale?: ColorScaleOptions;
  title?: string;
  fontSize?: number;
}

/**
 * Neighbourhood-enrichment z-scores (squidpy `pl.nhood_enrichment`): categories in
 * average-linkage order, a diverging colour map centred at 0 (red = more neighbours than under
 * label permutation, blue = fewer).
 */
export function nhoodEnrichmentHeatmap(o: NhoodHeatmapOptions): Scene {
  const T = o.categories.length;
  const order = o.cluster === false ? Array.from({ length: T }, (_, i) => i) : clusterOrder(o.zscore, T, T);
  const values = new Float64Array(T * T);
  order.forEach((a, r) => order.forEach((b, c) => (values[r * T + c] = o.zscore[a * T + b])));
  const names = order.map((i) => o.categories[i]);
  return matrixHeatmap({ values, rowNames: names, colNames: names, scale: { cmap: 'RdBu_r', center: true, vmin: 'p0', vmax: 'p100', ...o.scale }, colorLabel: 'z-score', title: o.title, fontSize: o.fontSize });
}

/** Per group and gene: mean expression and fraction of cells expressing (> 0). */
export interface GroupExpression {
  groups: string[];
  genes: string[];
  /** groups x genes, row-major. */
  mean: Float64Array;
  fraction: Float64Array;
}

/**
 * Mean value and fraction of observations with value > 0 of each gene in each group, from
 * per-gene value arrays (`values[g][i]`) and group codes (-1 = no group): what scanpy's
 * `dotplot` and `matrixplot` draw.
 */
export function groupExpression(values: ArrayLike<number>[], genes: string[], codes: ArrayLike<number>, groups: string[]): GroupExpression {
  const G = groups.length;
  const P = genes.length;
  const mean = new Float64Array(G * P);
  const fraction = new Float64Array(G * P);
  const size = new Float64Array(G);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0 && codes[i] < G) size[codes[i]]++;
  values.forEach((v, g) => {
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0 || c >= G || !Number.isFinite(v[i])) continue;
      mean[c * P + g] += v[i];
      if (v[i] > 0) fraction[c * P + g]++;
    }
  });
  for (let c = 0; c < G; c++) for (let g = 0; g < P; g++) {
    mean[c * P + g] = size[c] > 0 ? mean[c * P + g] / size[c] : NaN;
    fraction[c * P + g] = size[c] > 0 ? fraction[c * P + g] / size[c] : NaN;
  }
  return { groups, genes, mean, fraction };
}

/** Options of {@link markerPlot}. */
export interface MarkerPlotOptions {
  stats: GroupExpression;
  /** `dot` (scanpy dotplot: colour = mean, size = fraction) or `matrix` (matrixplot: colour = mean). */
  kind: 'dot' | 'matrix';
  /** What the mean is of, for the colour bar: `mean counts`, `mean log1p counts`, `mean intensity`. */
  quantity: string;
  /** Scale each gene's means to [0, 1] over groups (scanpy's `standard_scale='var'`). */
  standardScale?: boolean;
  scale?: ColorScaleOptions;
  title?: string;
  fontSize?: number;
}

/** Marker dot plot or matrix plot: groups as rows, genes as columns. */
export function markerPlot(o: MarkerPlotOptions): Scene {
  const { groups, genes, mean, fraction } = o.stats;
  const P = genes.length;
  let values: Float64Array = mean;
  if (o.standardScale) {
    values = new Float64Array(mean.length);
    for (let g = 0; g < P; g++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let c = 0; c < groups.length; c++) {
        const v = mean[c * P + g];
        if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      }
      for (let c = 0; c < groups.length; c++) values[c * P + g] = hi > lo ? (mean[c * P + g] - lo) / (hi - lo) : 0;
    }
  }
  return matrixHeatmap({
    values,
    rowNames: groups,
    colNames: genes,
    scale: { vmin: 'p0', vmax: 'p100', ...(o.standardScale ? { vmin: 0, vmax: 1 } : {}), cmap: o.kind === 'dot' ? 'Reds' : 'viridis', ...o.scale },
    colorLabel: o.standardScale ? `${o.quantity}, scaled per gene` : o.quantity,
    sizes: o.kind === 'dot' ? fraction : undefined,
    sizeLabel: 'fraction expressing',
    title: o.title,
    fontSize: o.fontSize,
  });
}
