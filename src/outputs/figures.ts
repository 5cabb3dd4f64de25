/**
 * The standard figures of a result, as `stnmf plot` draws them and `stnmf report` embeds them:
 * small multiples of all factors, the top-feature heatmap, a map per cluster column, spot
 * composition (proportions.csv) and metric bars (metrics.csv) when present, maps of chosen
 * genes, marker dot plots, neighbourhood enrichment and the tables' figures. Built once for the
 * CLI and the browser app: the files come from a {@link ResultFolder} (the disk, or a run's files
 * in memory), so both draw the same figures from the same files.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import { StnmfError } from '../errors.js';
import { parseCsvText } from '../csv-text.js';
import {
  coOccurrencePlot,
  compositionPlot,
  factorGrid,
  formatNumber,
  groupExpression,
  lengthUnit,
  markerPlot,
  metricBars,
  metricSummary,
  nhoodEnrichmentHeatmap,
  paretoPlot,
  spatialScatter,
  sweepPlot,
  topFeatureHeatmap,
  type ColorScaleOptions,
  type Limit,
  type Scene,
} from '../plot/index.js';
import type { ImputedLayer, ResultDataset, ResultFolder } from '../result-dataset.js';
import { topFeatures } from '../plot/top-features.js';
import { groupLogNormMeans, parseMarkerTable, rankGenesDotplot, type MarkerTable } from '../plot/markers-dotplot.js';
import { coOccurrenceAsync, interleave, neighborhoodEnrichmentAsync, radiusNeighbors } from '../methods/multiomics/colocalization.js';
import { perGroupGraphs } from '../spatial/blocks.js';
import { radiusGraph } from '../spatial/graphs.js';
import { factorIndex, factorName, KEYS } from '../keys.js';
import { parseNpy } from '../io/npy.js';
import { folderText } from '../io/result.js';

/** One figure: file stem, caption and scene. */
export interface NamedFigure {
  name: string;
  caption: string;
  scene: Scene;
}

/** A CSV of the folder whose first column is ids and the rest numbers; undefined when absent or empty. */
function numericTable(folder: ResultFolder, name: string): { header: string[]; ids: string[]; rows: number[][] } | undefined {
  if (!folder.files.has(name)) return undefined;
  const rows = parseCsvText(folderText(folder, name).trimEnd());
  if (rows.length < 2) return undefined;
  const [header, ...body] = rows;
  return { header, ids: body.map((r) => r[0]), rows: body.map((r) => r.slice(1).map(Number)) };
}

/** Values of `gene` per observation and where they come from. */
export type GeneSource = 'counts' | 'imputed-layer' | 'imputed';

/**
 * Values of `gene` per observation: measured counts when the gene was measured, else the
 * result's imputed layer (SIID's `layers.imputed`), else W·H. `imputed: true` skips the counts
 * (e.g. SIID's reconstruction of a panel gene).
 */
export function geneValues(r: ResultDataset, gene: string, imputed = false): { values: Float32Array; kind: GeneSource } {
  const e = r.expression;
  const j = e && !imputed ? e.names.indexOf(gene) : -1;
  if (e && j >= 0) {
    const v = new Float32Array(r.n);
    for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) v[e.indices[q]] = e.data[q];
    return { values: v, kind: 'counts' };
  }
  const li = r.imputed ? r.imputed.names.indexOf(gene) : -1;
  if (r.imputed && li >= 0) {
    const q = r.imputed.names.length;
    return { values: Float32Array.from({ length: r.n }, (_, i) => (r.imputed as ImputedLayer).data[i * q + li]), kind: 'imputed-layer' };
  }
  const jj = r.featureNames.indexOf(gene);
  if (!r.H || jj < 0) {
    const have = [e && !imputed ? `${e.names.length} measured genes` : '', r.imputed ? `${r.imputed.names.length} imputed genes` : `${r.featureNames.length} features`].filter(Boolean).join(' or ');
    throw new StnmfError('BAD_OPTION', `--${imputed ? 'imputed' : 'gene'} ${gene}: not among the result's ${have}`);
  }
  const p = r.H.length / r.k;
  const v = new Float32Array(r.n);
  for (let i = 0; i < r.n; i++) {
    let s = 0;
    for (let f = 0; f < r.k; f++) s += r.W[i * r.k + f] * r.H[f * p + jj];
    v[i] = s;
  }
  return { values: v, kind: 'imputed' };
}

/** bcNMF's enrichment.csv as log2 enrichment per factor index, when the folder has one. */
function bcnmfEnrichment(folder: ResultFolder): number[] | undefined {
  const t = numericTable(folder, 'enrichment.csv');
  if (!t || t.header[0] !== 'factor') return undefined;
  const c = t.header.indexOf('enrichment_log2') - 1;
  if (c < 0) return undefined;
  const out: number[] = [];
  t.ids.forEach((id, i) => (out[factorIndexOf(id)] = t.rows[i][c]));
  return out;
}

/** The figure names `standardFigures` skips when the result has no coordinates, for the one-line note. */
export function spatialSkipNote(r: ResultDataset): string | undefined {
  if (r.x && r.y) return undefined;
  return `${r.root}: no coordinates (no obsm/spatial, spatial.csv or --coords), so the spatial figures (factors, clusters-*, gene-*) were skipped; pass --coords FILE to draw them`;
}

/** Figures of an hSNMF `--sweep` table (sweep.csv): each criterion against the rank, one line per resolution, and the Pareto plot. */
function sweepFigures(folder: ResultFolder): NamedFigure[] {
  const rows = parseCsvText(folderText(folder, 'sweep.csv').trimEnd());
  if (rows.length < 2) return [];
  const [head, ...body] = rows;
  const col = (name: string): number[] | undefined => {
    const c = head.indexOf(name);
    return c < 0 ? undefined : body.map((r) => (r[c] === undefined || r[c] === '' ? NaN : Number(r[c])));
  };
  const rank = col('Rank');
  if (!rank) return [];
  const res = col('Resolution');
  const out: NamedFigure[] = [];
  const resolutions = res ? [...new Set(res.filter(Number.isFinite))].sort((a, b) => a - b) : [];
  const groups = res && resolutions.length > 1 ? { name: 'resolution', labels: resolutions.map(String), of: res.map((v) => resolutions.indexOf(v)) } : undefined;
  const series = [
    ['MoranChaos', "Moran's I / (100·CHAOS)"],
    ['Sil_DBI', 'silhouette / DBI'],
    ['CMC_x_Enrich', 'CMC x Enrich'],
    ['n_clusters', 'clusters'],
  ]
    .map(([c, label]) => ({ name: label, values: col(c) ?? [] }))
    .filter((s) => s.values.some(Number.isFinite));
  if (series.length > 0) {
    out.push({
      name: 'sweep',
      caption: `Sweep (sweep.csv, ${body.length} runs): each criterion against the rank${groups ? ', one line per Leiden resolution' : ''}; higher is better except the cluster count.`,
      scene: sweepPlot({ x: rank, xLabel: 'rank k', series, groups, title: 'hSNMF rank x resolution sweep' }),
    });
  }
  const mc = col('MoranChaos');
  const sd = col('Sil_DBI');
  if (mc && sd && mc.some(Number.isFinite) && sd.some(Number.isFinite)) {
    const points = body.map((_, i) => ({ x: mc[i], y: sd[i], label: `k${rank[i]}${res ? ` r${res[i]}` : ''}` }));
    out.push({
      name: 'pareto',
      caption: "Spatial compactness (Moran's I / (100·CHAOS)) against separability (silhouette / DBI) of every sweep run; red = the Pareto front (column Pareto_MoranChaos_vs_SilDBI), labels k<rank> r<resolution>.",
      scene: paretoPlot({ points, xLabel: "Moran's I / (100·CHAOS)", yLabel: 'silhouette / DBI', title: 'Pareto front: compactness vs separability' }),
    });
  }
  return out;
}

/** The plot options shared by `stnmf plot` and `stnmf report`, named as scanpy/squidpy name them. */
export interface PlotOptions {
  /** Genes to map (measured counts when available, else imputed). */
  genes?: string[];
  /** Genes to map from the imputed layer (SIID) or W·H even when measured. */
  imputed?: string[];
  /** Only these categories coloured in cluster maps (scanpy `groups`). */
  groups?: string[];
  /** Colour limits of continuous maps: numbers or percentiles (`p99`). */
  vmin?: Limit;
  vmax?: Limit;
  /** Colour map of continuous maps (`viridis`, `magma`, `Reds` ...). */
  cmap?: string;
  /** Dot radius in pixels (scanpy `size`, here a radius). */
  size?: number;
  /** Category colours, in category order (scanpy `palette`). */
  palette?: string[];
  /** Draw only this factor (0-based index; the CLI takes Factor_N, 1-based). */
  factor?: number;
  /** Draw high values on top (default true; scanpy `sort_order`). */
  sortOrder?: boolean;
  /** Categorical obs column for the neighbourhood-enrichment heatmap and co-occurrence curves (squidpy `cluster_key`). */
  clusterKey?: string;
  /** Neighbour radius of the enrichment test, in coordinate units (squidpy `radius`); default 50. */
  radius?: number;
  /** Categorical column to group the marker dot plot and matrix plot by (scanpy `groupby`); default the first cluster column. */
  groupby?: string;
  /** Top genes per group in the markers.csv dot plot (scanpy `n_genes`); default 4. */
  nGenes?: number;
}

/**
 * The standard figures of a loaded result: factor maps, top-feature heatmap, cluster maps,
 * gene maps, marker dot/matrix plots, neighbourhood enrichment and co-occurrence, then
 * {@link tableFigures} of its folder. Without coordinates only the non-spatial figures are made
 * (see {@link spatialSkipNote}).
 *
 * Async because the neighbourhood-enrichment permutations and the co-occurrence sweep yield to
 * the event loop, so `signal` (Ctrl-C) stops them within a second.
 */
export async function standardFigures(r0: ResultDataset, genesOrOptions: string[] | PlotOptions = [], imputedGenes: string[] = [], signal?: AbortSignal): Promise<NamedFigure[]> {
  const o: PlotOptions = Array.isArray(genesOrOptions) ? { genes: genesOrOptions, imputed: imputedGenes } : genesOrOptions;
  // SIID's argmax column names factors F0, F1 … (0-based): figures show the run's factor names.
  const clusters = r0.clusters.map((c) => (c.categories.length > 0 && c.categories.every((s) => /^F\d+$/.test(s)) ? { ...c, categories: c.categories.map((s) => factorName(Number(s.slice(1)))) } : c));
  const r: ResultDataset = { ...r0, clusters };
  const tables = tableFigures(r, o, r);
  // A deconvolution's key result is the spot composition: its maps and bars follow the factor maps.
  const spotFigs = r.spots ? tables.filter((f) => f.name === 'proportions' || f.name.startsWith('composition')) : [];
  // Several samples: the non-spatial figures once, the maps once per sample.
  const views = sampleViews(r);
  const factors = views.length ? [...factorFigures(r, o, undefined, true), ...views.flatMap((v) => factorFigures(r, o, v))] : factorFigures(r, o);
  return [...factors.slice(0, 1), ...spotFigs, ...factors.slice(1), ...markerFigures(r, o), ...(await neighbourhoodFigures(r, o, signal)), ...tables.filter((f) => !spotFigs.includes(f))];
}

/** Output files that hold a factorisation `readResult` (stnmf/io) can read. */
export const FACTOR_FILES = ['W.npy', 'result.h5ad', 'H_target.npy'];

/** What the loaded usages are, from where W came: smoothed or raw usages, proportions, coefficients. */
export function usageQuantity(r: ResultDataset): { quantity: string; what: string } {
  const src = r.sources.W ?? `obsm/${r.usageKey}`;
  if (src.endsWith('obsm/X_snmf')) return { quantity: 'smoothed usage (X_snmf)', what: 'smoothed factor usage (X_snmf, hSNMF)' };
  if (src.endsWith('obsm/X_nmf')) return r.run?.command === 'hsnmf' || r.files.has('X_snmf.npy') ? { quantity: 'raw usage (X_nmf)', what: 'raw factor usage (X_nmf, before smoothing)' } : { quantity: 'usage (X_nmf)', what: 'factor usage (X_nmf)' };
  if (src.endsWith('obsm/X_siid')) return { quantity: 'usage (X_siid)', what: 'SIID type usage (X_siid)' };
  if (src.endsWith('obsm/X_bcnmf') || src.endsWith('H_target.npy')) return { quantity: 'coefficient', what: 'coefficient on the contrastive basis (bcNMF)' };
  return { quantity: 'usage (W)', what: 'factor usage (W)' };
}

/**
 * What measured values are, on evidence: `counts` when every stored value is an integer,
 * `intensity` for imaging proteomics (multi-omics protein runs, CODEX), else `value`.
 */
export function measuredQuantity(r: ResultDataset): string {
  const e = r.expression;
  if (!e) return 'value';
  let integral = true;
  for (let q = 0; q < e.data.length && integral; q += Math.max(1, Math.floor(e.data.length / 20000))) integral = Number.isInteger(e.data[q]);
  if (integral) return 'counts';
  const inputs = (r.run?.inputs ?? {}) as Record<string, unknown>;
  if (r.run?.command === 'multiomics' || /codex|proteom|imaging/i.test(String(inputs.platform ?? ''))) return 'intensity';
  return 'value';
}

function scaleOf(o: PlotOptions): ColorScaleOptions {
  return { vmin: o.vmin, vmax: o.vmax, cmap: o.cmap };
}

/** The observations of one sample, for its own maps (serial sections overlap in one frame). */
interface SampleView {
  /** Rows of the result in this sample. */
  rows: Int32Array;
  /** `sample slice1`, in titles. */
  label: string;
  /** `-slice1`, appended to figure names. */
  suffix: string;
}

/** The samples a result holds (two or more present), each as a {@link SampleView}; [] for one. */
function sampleViews(r: ResultDataset): SampleView[] {
  const s = r.samples;
  if (!s) return [];
  const rows: number[][] = s.ids.map(() => []);
  s.codes.forEach((c, i) => rows[c].push(i));
  const present = s.ids.map((id, g) => ({ id, rows: rows[g] })).filter((v) => v.rows.length > 0);
  if (present.length < 2) return [];
  return present.map((v) => ({ rows: Int32Array.from(v.rows), label: `${s.key} ${v.id}`, suffix: `-${v.id.replace(/[^A-Za-z0-9_.-]+/g, '_')}` }));
}

/**
 * The factor, cluster and gene maps and the top-feature heatmap. With several samples the
 * maps are drawn once per sample (`view`), never on top of each other, and the call without a
 * view draws only the non-spatial figures.
 */
function factorFigures(r: ResultDataset, o: PlotOptions, view?: SampleView, multiSample = false): NamedFigure[] {
  const out: NamedFigure[] = [];
  const tops = topFeatures(r, 4).map((t) => t.map((g) => g.name));
  const idx = view?.rows;
  const take = <T extends Float64Array | Float32Array | Int32Array>(a: T): T => (idx ? (a.constructor as unknown as { from(v: ArrayLike<number>): T }).from(Array.from(idx, (i) => a[i])) : a);
  const takeRows = (a: Float32Array, cols: number): Float32Array => {
    if (!idx) return a;
    const b = new Float32Array(idx.length * cols);
    idx.forEach((i, q) => b.set(a.subarray(i * cols, (i + 1) * cols), q * cols));
    return b;
  };
  const n = idx ? idx.length : r.n;
  const spatial = Boolean(r.x && r.y) && (view !== undefined || !multiSample);
  const x = spatial ? take(r.x as Float64Array) : undefined;
  const y = spatial ? take(r.y as Float64Array) : undefined;
  const suffix = view?.suffix ?? '';
  const of = view ? ` (${view.label})` : '';
  const uq = usageQuantity(r);
  const limits = `${o.vmin !== undefined ? String(o.vmin) : '0'} to ${o.vmax !== undefined ? String(o.vmax) : 'p99'}`;
  if (x && y) {
    // bcNMF: each title carries the factor's target enrichment, the number users rank factors by.
    const enr = bcnmfEnrichment(r);
    const names = r.factorNames.map((s, f) => (enr && Number.isFinite(enr[f]) ? `${s}  log2 T/B ${enr[f] >= 0 ? '+' : ''}${formatNumber(enr[f])}` : s));
    const one = o.factor !== undefined;
    if (one && !(o.factor! >= 0 && o.factor! < r.k)) throw new StnmfError('BAD_OPTION', `--factor ${o.factor! + 1}: the result has factors ${factorName(0)}..${factorName(r.k - 1)} (give 1..${r.k})`);
    out.push({
      name: `${one ? `factor-${o.factor! + 1}` : 'factors'}${suffix}`,
      caption: `${uq.what} per observation${of}${one ? ` of ${r.factorNames[o.factor!]}` : `, each of the ${r.k} factors on its own colour scale (${limits})`}; values above the upper limit take the top colour (the colour bar marks it ≥); high values drawn on top; top features by loading under each title${enr ? '; log2 T/B = log2 of the mean usage in the target over the background (enrichment.csv)' : ''}.`,
      scene: factorGrid({
        x, y, W: { rows: n, cols: r.k, data: takeRows(r.W, r.k) }, names, topFeatures: r.H ? tops : undefined, only: one ? [o.factor!] : undefined, quantity: uq.quantity,
        scale: scaleOf(o), sortByValue: o.sortOrder, pointRadius: o.size, panelWidth: one ? 560 : undefined, unit: r.unit, micronsPerUnit: r.micronsPerUnit,
        title: `${r.name}${of}: ${uq.what}`,
      }),
    });
  }
  // hSNMF: the smoothed usages the domains come from, beside the raw ones.
  if (x && y && r.files.has('X_snmf.npy') && (r.sources.W ?? '').endsWith('X_nmf') && o.factor === undefined) {
    const a = parseNpy(r.bytes('X_snmf.npy'), r.files.get('X_snmf.npy'));
    if (a.shape.length === 2 && a.shape[0] === r.n && a.shape[1] === r.k) {
      out.push({
        name: `factors-smoothed${suffix}`,
        caption: `Smoothed factor usage${of} (X_snmf.npy: the raw usages diffused over the hybrid graph, from which hSNMF's domains are clustered), each factor on its own colour scale (${limits}).`,
        scene: factorGrid({ x, y, W: { rows: n, cols: r.k, data: takeRows(Float32Array.from(a.data as ArrayLike<number>), r.k) }, names: r.factorNames, topFeatures: r.H ? tops : undefined, quantity: 'smoothed usage (X_snmf)', scale: scaleOf(o), sortByValue: o.sortOrder, pointRadius: o.size, unit: r.unit, micronsPerUnit: r.micronsPerUnit, title: `${r.name}${of}: smoothed factor usage (X_snmf)` }),
      });
    }
  }
  if (r.H && r.featureNames.length > 0 && !view) {
    const p = r.H.length / r.k;
    out.push({
      name: 'top-features',
      caption: 'Top 5 features of each factor; colour = loading divided by the feature’s largest loading across factors (1 = the factor that uses it most).',
      scene: topFeatureHeatmap({ H: { rows: r.k, cols: p, data: r.H }, featureNames: r.featureNames, factorNames: r.factorNames, title: 'Top features per factor' }),
    });
  }
  if (x && y) {
    for (const c of r.clusters) {
      // A sample's own map of the sample column would be one colour.
      if (view && c.name === r.samples?.key) continue;
      if (o.groups) for (const g of o.groups) if (!c.categories.includes(g) && r.clusters.length === 1) throw new StnmfError('BAD_OPTION', `--groups ${g}: not a category of ${c.name} (${c.categories.slice(0, 8).join(', ')}${c.categories.length > 8 ? ', …' : ''})`);
      const groups = o.groups?.filter((g) => c.categories.includes(g));
      out.push({
        name: `clusters-${c.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}${suffix}`,
        caption: `Observations${of} coloured by ${c.name} (${c.categories.length} categories${groups && groups.length ? `; only ${groups.join(', ')} in colour, the rest grey` : ''}).`,
        scene: spatialScatter({ x, y, categories: { codes: take(c.codes), names: c.categories, colors: o.palette }, groups: groups && groups.length ? groups : undefined, pointRadius: o.size, unit: r.unit, micronsPerUnit: r.micronsPerUnit, title: `${r.name}${of}: ${c.name}`, colorLabel: c.name }),
      });
    }
    const mq = measuredQuantity(r);
    const caption: Record<GeneSource, (g: string) => string> = {
      counts: (g) => `Measured ${mq} of ${g}.`,
      'imputed-layer': (g) => `Imputed expression of ${g} (the result's imputed layer).`,
      imputed: (g) => `Imputed expression of ${g} (W·H).`,
    };
    const tag: Record<GeneSource, string> = { counts: mq, 'imputed-layer': 'imputed expression', imputed: 'imputed, W·H' };
    for (const [g, forceImputed] of [...(o.genes ?? []).map((g) => [g, false] as const), ...(o.imputed ?? []).map((g) => [g, true] as const)]) {
      const { values, kind } = geneValues(r, g, forceImputed);
      out.push({
        name: `${forceImputed ? 'imputed' : 'gene'}-${g.replace(/[^A-Za-z0-9_.-]+/g, '_')}${suffix}`,
        caption: `${caption[kind](g)}${view ? ` ${view.label[0].toUpperCase()}${view.label.slice(1)} only.` : ''} Colour limits ${o.vmin ?? 'min'} to ${o.vmax ?? 'p99'}; high values drawn on top${o.sortOrder === false ? ' (off: file order)' : ''}.`,
        scene: spatialScatter({ x, y, values: take(values), unit: r.unit, micronsPerUnit: r.micronsPerUnit, title: `${g} (${tag[kind]})${of}`, colorLabel: `${g}: ${tag[kind]}`, scale: scaleOf(o), sortByValue: o.sortOrder, pointRadius: o.size }),
      });
    }
  } else {
    // Still check the names, so a typo fails the same way with or without coordinates.
    for (const g of o.genes ?? []) geneValues(r, g);
    for (const g of o.imputed ?? []) geneValues(r, g, true);
  }
  return out;
}

/** The category column called `name`, or a one-line error listing the columns. */
function categoryColumn(r: ResultDataset, name: string, flag: string): ResultDataset['clusters'][number] {
  const c = r.clusters.find((cc) => cc.name === name);
  if (!c) throw new StnmfError('BAD_OPTION', `${flag} ${name}: not a categorical column of the result (have ${r.clusters.map((cc) => cc.name).join(', ') || 'none'})`);
  return c;
}

/**
 * Marker dot plot and matrix plot (scanpy `dotplot`/`matrixplot`) of the measured values per
 * group: genes = `--gene`, else the top 3 features of every factor (marker statistics per
 * group are a separate module; these are the factor-defining genes).
 */
function markerFigures(r: ResultDataset, o: PlotOptions): NamedFigure[] {
  return [...rankGenesFigures(r, o), ...factorGeneFigures(r, o)];
}

/**
 * The column markers.csv ranked the groups of: `--groupby` when given, else the one categorical
 * column whose categories hold every group of the table (the writers' own columns — hsnmf,
 * leiden, consensus — first when several do). Undefined when none fits.
 */
function markerGroupColumn(r: ResultDataset, groups: string[], o: PlotOptions): ResultDataset['clusters'][number] | undefined {
  if (o.groupby) {
    const c = categoryColumn(r, o.groupby, '--groupby');
    return groups.every((g) => c.categories.includes(g)) ? c : undefined;
  }
  const fits = r.clusters.filter((c) => groups.every((g) => c.categories.includes(g)));
  if (fits.length <= 1) return fits[0];
  const own: string[] = [KEYS.hsnmf.obs, KEYS.leiden.obs, KEYS.consensus.obs];
  return fits.find((c) => own.includes(c.name));
}

/**
 * scanpy's `rank_genes_groups_dotplot` from markers.csv (the Wilcoxon statistics of the run):
 * the top `--n-genes` of every group, dot area = pct_nz_group, colour = the group's mean
 * log1p(normalised counts) when the result holds the counts, else the log2 fold change.
 */
function rankGenesFigures(r: ResultDataset, o: PlotOptions): NamedFigure[] {
  const path = r.files.get('markers.csv');
  if (!path) return [];
  let table: MarkerTable;
  try {
    table = parseMarkerTable(folderText(r, 'markers.csv'), path);
  } catch (e) {
    throw new StnmfError('BAD_FILE', (e as Error).message);
  }
  if (table.groups.length < 2) return [];
  const n = o.nGenes ?? 4;
  const col = markerGroupColumn(r, table.groups, o);
  const e = r.expression;
  const counts = e && table.genes.every((g) => e.names.includes(g)) && measuredQuantity(r) === 'counts';
  const means = counts && col ? groupLogNormMeans(e, col.codes, col.categories, table.groups, table.genes, table.genes) : undefined;
  const by = col ? col.name : 'group';
  return [
    {
      name: `markers-dotplot-${by.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
      caption: `Marker genes of each ${by} group (markers.csv: Wilcoxon rank-sum test of the group against the rest, scanpy rank_genes_groups_dotplot): the top ${n} genes of every group by score, bracketed by their group; dot area = fraction of the group's cells with the gene detected (pct_nz_group); colour = ${means ? 'mean log1p(counts normalised to the median cell total) in the group, the values the test ranked' : 'log2 fold change of the group against the rest (the result holds no counts)'}.`,
      scene: rankGenesDotplot({ table, nGenes: n, means, cmap: o.cmap, title: `Top ${n} marker genes per ${by} group (Wilcoxon)` }),
    },
  ];
}

/** Dot and matrix plots of the factors' top genes (or `--gene`) by group, from the measured values. */
function factorGeneFigures(r: ResultDataset, o: PlotOptions): NamedFigure[] {
  const e = r.expression;
  if (!e || r.clusters.length === 0) return [];
  // bcNMF's target/background `group` is the design, not a grouping of cell types: only on request.
  // The run's own grouping (hsnmf, leiden, consensus) first; never the sample column by default.
  const own: string[] = [KEYS.hsnmf.obs, KEYS.leiden.obs, KEYS.consensus.obs];
  const col = o.groupby ? categoryColumn(r, o.groupby, '--groupby') : (r.clusters.find((c) => own.includes(c.name)) ?? r.clusters.find((c) => c.name !== KEYS.bcnmf.obs && c.name !== r.samples?.key));
  if (!col || col.categories.length < 2 || col.categories.length > 60) return [];
  const fromFactors = [...new Set(topFeatures(r, 3).flat().map((g) => g.name))];
  const genes = (o.genes && o.genes.length ? o.genes : fromFactors).filter((g) => e.names.includes(g)).slice(0, 40);
  if (genes.length === 0) return [];
  const values = genes.map((g) => geneValues(r, g).values);
  const stats = groupExpression(values, genes, col.codes, col.categories);
  const mq = measuredQuantity(r);
  const source = o.genes && o.genes.length ? 'the --gene list' : 'the top 3 features of every factor';
  return [
    {
      name: `dotplot-${col.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
      caption: `Marker dot plot by ${col.name} (scanpy dotplot): colour = mean ${mq} in the group, scaled per gene to [0, 1]; dot area = fraction of the group with ${mq} > 0. Genes: ${source}.`,
      scene: markerPlot({ stats, kind: 'dot', quantity: `mean ${mq}`, standardScale: true, title: o.genes && o.genes.length ? `Chosen genes by ${col.name}` : `Factors' top features by ${col.name}` }),
    },
    {
      name: `matrixplot-${col.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
      caption: `Marker matrix plot by ${col.name} (scanpy matrixplot): mean ${mq} per group and gene, unscaled. Genes: ${source}.`,
      scene: markerPlot({ stats, kind: 'matrix', quantity: `mean ${mq}`, scale: { cmap: o.cmap }, title: `Mean ${mq} by ${col.name}` }),
    },
  ];
}

/**
 * squidpy's neighbourhood enrichment (z-scores of a label-permutation test over the radius
 * graph, `--radius`) and co-occurrence curves of a categorical column (`--cluster-key`), with
 * the computations of the multi-omics module.
 */
async function neighbourhoodFigures(r: ResultDataset, o: PlotOptions, signal?: AbortSignal): Promise<NamedFigure[]> {
  if (!o.clusterKey) return [];
  const { x, y } = r;
  if (!x || !y) throw new StnmfError('BAD_OPTION', `--cluster-key ${o.clusterKey}: the result has no coordinates; pass --coords FILE`);
  const col = categoryColumn(r, o.clusterKey, '--cluster-key');
  const radius = o.radius ?? 50;
  const unit = lengthUnit(r.unit, r.micronsPerUnit);
  // Several samples: the graph per sample and pairs within a sample only (sections overlap).
  const s = r.samples;
  const g = s ? perGroupGraphs(interleave(x, y), { codes: s.codes, nGroups: s.ids.length }, (pts) => [radiusGraph(pts, radius, { dropCoincident: false })])[0] : radiusNeighbors(x, y, radius);
  const labels = { codes: Int32Array.from(col.codes), categories: col.categories };
  const ne = await neighborhoodEnrichmentAsync(g, labels, { nPerms: 1000, seed: 0, signal });
  const co = await coOccurrenceAsync(x, y, labels, { signal, groups: s?.codes });
  const within = s ? `, within each of the ${s.ids.length} samples (obs ${s.key})` : '';
  const safe = col.name.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const radiusText = `${formatNumber(radius)} ${r.unit === 'um' ? 'µm' : unit.label === 'µm' ? `${r.unit} (${formatNumber(radius * unit.perUnit)} µm)` : unit.label}`;
  const co_unit = r.unit === 'um' || unit.label !== 'µm' ? unit.label : r.unit;
  return [
    {
      name: `nhood-enrichment-${safe}`,
      caption: `Neighbourhood enrichment of ${col.name} (squidpy nhood_enrichment): z-score of the number of neighbour pairs (radius ${radiusText}${within}) against 1000 label permutations; red = more neighbours than by chance, blue = fewer; rows and columns in average-linkage order.`,
      scene: nhoodEnrichmentHeatmap({ zscore: ne.zscore, categories: col.categories, title: `Neighbourhood enrichment: ${col.name}, radius ${radiusText}` }),
    },
    {
      name: `co-occurrence-${safe}`,
      caption: `Co-occurrence of ${col.name} (squidpy co_occurrence): p(B | A within distance d) / p(B) per distance annulus${within ? `, pairs counted${within}` : ''}; 1 = as by chance.`,
      scene: coOccurrencePlot({ categories: co.categories, thresholds: co.thresholds, ratio: co.ratio, clusters: largestCategories(col, 4), unit: co_unit, title: `Co-occurrence: ${col.name}` }),
    },
  ];
}

/** The `n` most frequent categories of a column (co-occurrence panels). */
function largestCategories(c: ResultDataset['clusters'][number], n: number): string[] {
  const counts = new Float64Array(c.categories.length);
  for (const v of c.codes) if (v >= 0) counts[v]++;
  return c.categories.map((s, i) => [s, counts[i]] as const).sort((a, b) => b[1] - a[1]).slice(0, n).map(([s]) => s);
}

/** Reads co_localization.csv / co_occurrence.csv of a multi-omics folder into the heatmap and curves. */
function colocalizationFigures(folder: ResultFolder, unit: string, radius?: number): NamedFigure[] {
  const within = radius !== undefined ? `, radius ${formatNumber(radius)} ${unit}` : '';
  const out: NamedFigure[] = [];
  const read = (name: string): string[][] | undefined => (folder.files.has(name) ? parseCsvText(folderText(folder, name).trimEnd()) : undefined);
  const colo = read('co_localization.csv');
  if (colo && colo.length > 1 && colo[0].includes('nhood_z')) {
    const [h, ...rows] = colo;
    const za = h.indexOf('nhood_z');
    const cats = [...new Set(rows.map((r) => r[0]))];
    const T = cats.length;
    const z = new Float64Array(T * T).fill(NaN);
    for (const r of rows) z[cats.indexOf(r[0]) * T + cats.indexOf(r[1])] = r[za] === '' ? NaN : Number(r[za]);
    if (z.some(Number.isFinite)) out.push({ name: 'nhood-enrichment', caption: `Neighbourhood enrichment of the annotated types (co_localization.csv, nhood_z): z-score of the neighbour pairs${within ? ` within the run's radius (${within.slice(9)})` : ''} against label permutations; red = more neighbours than by chance, blue = fewer; average-linkage order.`, scene: nhoodEnrichmentHeatmap({ zscore: z, categories: cats, title: `Neighbourhood enrichment (annotated types${within})` }) });
  }
  const coo = read('co_occurrence.csv');
  if (coo && coo.length > 1 && coo[0][0] === 'cell_type_A') {
    const [, ...rows] = coo;
    const cats = [...new Set(rows.map((r) => r[0]))];
    const T = cats.length;
    const lows = [...new Set(rows.map((r) => Number(r[2])))].sort((a, b) => a - b);
    const highs = [...new Set(rows.map((r) => Number(r[3])))].sort((a, b) => a - b);
    const nBins = highs.length;
    const thresholds = [lows[0], ...highs];
    const ratio = new Float64Array(T * T * nBins).fill(NaN);
    for (const r of rows) ratio[(cats.indexOf(r[0]) * T + cats.indexOf(r[1])) * nBins + highs.indexOf(Number(r[3]))] = r[4] === '' ? NaN : Number(r[4]);
    out.push({ name: 'co-occurrence', caption: 'Co-occurrence of the annotated types (co_occurrence.csv): p(B | A within the annulus) / p(B) against distance; 1 = as by chance.', scene: coOccurrencePlot({ categories: cats, thresholds, ratio, clusters: cats.slice(0, 4), unit, title: 'Co-occurrence (annotated types)' }) });
  }
  return out;
}

/**
 * Figures drawn from the tables of an output folder: spot composition
 * and per-region composition (proportions.csv), SIID proportion maps when coordinates are
 * known, convergence on a log axis (history.csv: `loss` or bcNMF's `objective`), bcNMF factor
 * enrichment (enrichment.csv), the metric summary (metrics.csv), neighbourhood enrichment and
 * co-occurrence (co_localization.csv, co_occurrence.csv) and hSNMF's sweep and Pareto plots
 * (sweep.csv). A sweep folder has only these.
 */
export function tableFigures(folder: ResultFolder, o: PlotOptions = {}, res?: ResultDataset): NamedFigure[] {
  const out: NamedFigure[] = [];
  const props = numericTable(folder, 'proportions.csv');
  if (props && props.rows.length > 0) {
    const t = props.header.length - 1;
    const data = new Float32Array(props.rows.length * t);
    props.rows.forEach((row, i) => row.forEach((v, c) => (data[i * t + c] = Number.isFinite(v) ? v : 0)));
    // SIID writes factor columns F0, F1 … (0-based): figures use the run's factor names.
    const typeNames = props.header.slice(1).map((h) => (/^F\d+$/.test(h) ? factorName(Number(h.slice(1))) : h));
    out.push({
      name: 'composition',
      caption: 'Estimated composition of each spot (proportions.csv), spots grouped by their dominant type.',
      scene: compositionPlot({ proportions: { rows: props.rows.length, cols: t, data }, typeNames, title: 'Spot composition' }),
    });
    // Per region (a categorical column of the result, e.g. a cluster column) and as maps.
    const region = res?.clusters.find((c) => c.name === o.groupby) ?? res?.clusters[0];
    const aligned = res && res.n === props.rows.length && res.obsNames.every((id, i) => id === props.ids[i]);
    if (region && aligned && region.categories.length <= 60) {
      out.push({
        name: `composition-by-${region.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
        caption: `Mean estimated composition of the spots of each ${region.name} category (proportions.csv).`,
        scene: compositionPlot({ proportions: { rows: props.rows.length, cols: t, data }, typeNames, regions: { codes: region.codes, names: region.categories, label: region.name }, title: `Composition by ${region.name}` }),
      });
    }
    const at = res ? proportionPositions(res, props.ids, Boolean(aligned)) : undefined;
    if (at) {
      const siid = at.from !== 'observations';
      const diameter = siid ? 0.9 * medianSpacing(at.x, at.y) : undefined;
      out.push({
        name: 'proportions',
        caption: `Estimated proportion of each ${siid ? 'factor (cell type) in each spot: SIID\'s deconvolution (proportions.csv)' : 'type per spot (proportions.csv)'} at the ${siid ? `spot positions (${at.from})` : 'observations’ positions'}, ${o.vmin === undefined && o.vmax === undefined ? 'every panel on the same colour scale, 0 to 1 (a proportion)' : `each panel on its own colour scale (${o.vmin !== undefined ? String(o.vmin) : '0'} to ${o.vmax !== undefined ? String(o.vmax) : '1'}; values above take the top colour, marked ≥)`}; high values drawn on top${diameter ? '; dots drawn 0.9 x the median spot spacing wide' : ''}.`,
        scene: factorGrid({ x: at.x, y: at.y, W: { rows: props.rows.length, cols: t, data }, names: typeNames, quantity: 'proportion', scale: { ...scaleOf(o), vmin: o.vmin ?? 0, vmax: o.vmax ?? 1 }, sortByValue: o.sortOrder, pointRadius: o.size, pointDiameter: o.size === undefined ? diameter : undefined, unit: at.unit, micronsPerUnit: at.micronsPerUnit, title: siid ? 'Spot proportions (SIID deconvolution)' : 'Spot proportions' }),
      });
    }
  }
  const hist = numericTable(folder, 'history.csv');
  // `loss` (nmf) or `objective` (bcNMF's J, which can be negative).
  const lossName = hist ? ['loss', 'objective'].find((c) => hist.header.includes(c)) : undefined;
  if (hist && lossName && hist.rows.length > 1) {
    const c = hist.header.indexOf(lossName) - 1;
    const values = hist.rows.map((row) => row[c]);
    const positive = values.every((v) => !Number.isFinite(v) || v > 0);
    out.push({
      name: 'convergence',
      caption: `${lossName === 'loss' ? 'Loss' : 'Objective'} against iteration (history.csv)${positive ? ', log10 axis (the first iterations would flatten the rest)' : ', linear axis (the objective takes values ≤ 0)'}.`,
      scene: sweepPlot({ x: hist.ids.map(Number), xLabel: hist.header[0] || 'iteration', series: [{ name: lossName, values }], logY: positive, yLabel: positive ? `${lossName} (log scale)` : lossName, title: 'Convergence', panelWidth: 420 }),
    });
  }
  const enr = numericTable(folder, 'enrichment.csv');
  if (enr && enr.header[0] === 'factor' && enr.header.includes('enrichment_log2') && enr.rows.length > 0) {
    // bcNMF: how much more each factor is used in the target than in the background.
    const order = enr.ids.map((id, i) => [factorIndexOf(id), i] as const).sort((a, b) => a[0] - b[0]);
    const pick = (name: string): number[] => order.map(([, i]) => enr.rows[i][enr.header.indexOf(name) - 1]);
    const metrics: { name: string; values: number[]; higherIsBetter?: boolean }[] = [{ name: 'log2 target / background', values: pick('enrichment_log2'), higherIsBetter: true }];
    for (const [c, label] of [['target_mean', 'mean usage, target'], ['background_mean', 'mean usage, background']]) if (enr.header.includes(c)) metrics.push({ name: label, values: pick(c) });
    out.push({
      name: 'enrichment',
      caption: 'Target enrichment of each bcNMF factor (enrichment.csv): log2 of its mean usage in the target over the background (↑: more target-specific), and the two means.',
      scene: metricBars({ labels: order.map(([f]) => factorName(f)), metrics, title: 'Factor enrichment in the target' }),
    });
  }
  const metricsText = folder.files.has('metrics.csv') ? parseCsvText(folderText(folder, 'metrics.csv').trimEnd()) : undefined;
  if (metricsText && metricsText.length > 1) {
    const [head, ...body] = metricsText;
    const mode = head.indexOf('Mode');
    const runs = body.map((row, i) => (mode >= 0 && row[mode] ? row[mode] : body.length > 1 ? `run ${i + 1}` : ''));
    const skip = new Set(['Rank', 'Resolution', 'Mode', 'n_cells']);
    const metrics = head.map((key, c) => ({ key, values: body.map((row) => (row[c] === undefined || row[c] === '' ? NaN : Number(row[c]))) })).filter((m) => !skip.has(m.key) && m.values.some(Number.isFinite));
    if (metrics.length > 0) {
      const ctx = ['Rank', 'Resolution', 'n_cells'].map((k) => (head.includes(k) ? `${k.toLowerCase().replace('n_cells', 'cells')} ${body[0][head.indexOf(k)]}` : '')).filter(Boolean).join(', ');
      out.push({ name: 'metrics', caption: `Metrics (metrics.csv${ctx ? `; ${ctx}` : ''}) grouped by family; ↑ = higher is better, ↓ = lower is better; see the metric definitions below.`, scene: metricSummary({ runs, metrics, title: 'Metrics' }) });
    }
  }
  // Distances in co_occurrence.csv are in the coordinates' own unit.
  const runRadius = ((res?.run?.parameters ?? {}) as Record<string, unknown>).radius;
  out.push(...colocalizationFigures(folder, res?.x ? (res.unit === 'um' ? 'µm' : res.unit === 'unknown' ? 'units' : res.unit) : 'coordinate units', typeof runRadius === 'number' ? runRadius : undefined));
  if (folder.files.has('sweep.csv')) out.push(...sweepFigures(folder));
  return out;
}

/**
 * Where to draw the rows of proportions.csv (`ids`): at the result's observations when they are
 * the same rows (`aligned`), else at the spots of spot_coordinates.csv (SIID, whose result rows
 * are cells) matched by id. Undefined when neither gives every row a position.
 */
export function proportionPositions(res: ResultDataset, ids: string[], aligned: boolean): { x: Float64Array; y: Float64Array; unit: string; micronsPerUnit?: number; from: string } | undefined {
  if (aligned && res.x && res.y) return { x: res.x, y: res.y, unit: res.unit, micronsPerUnit: res.micronsPerUnit, from: 'observations' };
  const s = res.spots;
  if (!s) return undefined;
  const pos = new Map<string, number>();
  s.ids.forEach((id, i) => pos.set(id, i));
  if (!ids.every((id) => pos.has(id))) return undefined;
  const x = Float64Array.from(ids, (id) => s.x[pos.get(id) as number]);
  const y = Float64Array.from(ids, (id) => s.y[pos.get(id) as number]);
  return { x, y, unit: s.unit, from: s.source.split(/[\\/]/).pop() as string };
}

/** Median distance from each point to its nearest other point (O(n²) up to 4000 points, else a sample of 4000). */
function medianSpacing(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  const step = Math.max(1, Math.floor(n / 4000));
  const d: number[] = [];
  for (let i = 0; i < n; i += step) {
    let best = Infinity;
    for (let j = 0; j < n; j++) if (j !== i) best = Math.min(best, (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2);
    if (Number.isFinite(best) && best > 0) d.push(Math.sqrt(best));
  }
  d.sort((a, b) => a - b);
  return d.length ? d[d.length >> 1] : NaN;
}

/** Factor index of a table id: `Factor_3` → 2, a bare number is 0-based (older tables). */
function factorIndexOf(id: string): number {
  const i = factorIndex(id);
  return i >= 0 ? i : Number(id);
}
