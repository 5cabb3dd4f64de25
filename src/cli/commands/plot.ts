/**
 * `stnmf plot <DIR>`: the standard figures of a result folder as PNG and/or SVG — small
 * multiples of all factors, the top-feature heatmap, a map per cluster column, spot
 * composition (proportions.csv) and metric bars (metrics.csv) when present, and maps of
 * chosen genes. Also exports {@link standardFigures}, which `stnmf report` embeds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { finishRun, withRun } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput } from '../output.js';
import { StnmfError } from '../../errors.js';
import {
  compositionPlot,
  factorGrid,
  formatNumber,
  metricBars,
  paretoPlot,
  parseCsv,
  sceneToPng,
  sceneToSvg,
  spatialScatter,
  sweepPlot,
  topFeatureHeatmap,
  type Scene,
} from '../../plot/index.js';
import { readResult, type ImputedLayer, type LoadedResult } from '../../io/result.js';
import { topFeatures } from '../../plot/top-features.js';

/** One figure: file stem, caption and scene. */
export interface NamedFigure {
  name: string;
  caption: string;
  scene: Scene;
}

/** Regular, non-hidden files directly in `dir`: name → path. */
export function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!name.startsWith('.') && statSync(p).isFile()) out.set(name, p);
  }
  return out;
}

function numericTable(path: string): { header: string[]; ids: string[]; rows: number[][] } | undefined {
  if (!existsSync(path)) return undefined;
  const rows = parseCsv(readFileSync(path, 'utf8').trimEnd());
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
export function geneValues(r: LoadedResult, gene: string, imputed = false): { values: Float32Array; kind: GeneSource } {
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
function bcnmfEnrichment(files: Map<string, string>): number[] | undefined {
  const t = files.has('enrichment.csv') ? numericTable(files.get('enrichment.csv') as string) : undefined;
  if (!t || t.header[0] !== 'factor') return undefined;
  const c = t.header.indexOf('enrichment_log2') - 1;
  if (c < 0) return undefined;
  const out: number[] = [];
  t.ids.forEach((id, i) => (out[Number(id)] = t.rows[i][c]));
  return out;
}

/** The figure names `standardFigures` skips when the result has no coordinates, for the one-line note. */
export function spatialSkipNote(r: LoadedResult): string | undefined {
  if (r.x && r.y) return undefined;
  return `${r.root}: no coordinates (no obsm/spatial, spatial.csv or --coords), so the spatial figures (factors, clusters-*, gene-*) were skipped; pass --coords FILE to draw them`;
}

/** Figures of an hSNMF `--sweep` table (sweep.csv): each criterion against the rank, one line per resolution, and the Pareto plot. */
function sweepFigures(path: string): NamedFigure[] {
  const rows = parseCsv(readFileSync(path, 'utf8').trimEnd());
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

/**
 * The standard figures of a loaded result: factor maps, top-feature heatmap, cluster maps and
 * gene maps, then {@link tableFigures} of its folder. Without coordinates only the non-spatial
 * figures are made (see {@link spatialSkipNote}). `imputedGenes` are mapped from the imputed
 * layer (or W·H) even when measured.
 */
export function standardFigures(r: LoadedResult, genes: string[] = [], imputedGenes: string[] = []): NamedFigure[] {
  return [...factorFigures(r, genes, imputedGenes), ...tableFigures(r.files)];
}

/** Output files that hold a factorisation {@link readResult} can read. */
export const FACTOR_FILES = ['W.npy', 'result.h5ad', 'H_target.npy'];

function factorFigures(r: LoadedResult, genes: string[], imputedGenes: string[]): NamedFigure[] {
  const out: NamedFigure[] = [];
  const tops = topFeatures(r, 4).map((t) => t.map((g) => g.name));
  const { x, y } = r;
  if (x && y) {
    // bcNMF: each title carries the factor's target enrichment, the number users rank factors by.
    const enr = bcnmfEnrichment(r.files);
    const names = r.factorNames.map((s, f) => (enr && Number.isFinite(enr[f]) ? `${s}  log2 T/B ${enr[f] >= 0 ? '+' : ''}${formatNumber(enr[f])}` : s));
    out.push({
      name: 'factors',
      caption: `Usage of each of the ${r.k} factors per observation (W), each on its own scale from 0 to its 99th percentile; top features by loading under each title${enr ? '; log2 T/B = log2 of the mean usage in the target over the background (enrichment.csv)' : ''}.`,
      scene: factorGrid({ x, y, W: { rows: r.n, cols: r.k, data: r.W }, names, topFeatures: r.H ? tops : undefined, unit: r.unit, title: `${r.name}: factor usage` }),
    });
  }
  if (r.H && r.featureNames.length > 0) {
    const p = r.H.length / r.k;
    out.push({
      name: 'top-features',
      caption: 'Top 5 features of each factor; colour = loading divided by the feature’s largest loading across factors.',
      scene: topFeatureHeatmap({ H: { rows: r.k, cols: p, data: r.H }, featureNames: r.featureNames, factorNames: r.factorNames.map((_, f) => `F${f + 1}`), title: 'Top features per factor' }),
    });
  }
  if (x && y) {
    for (const c of r.clusters) {
      out.push({
        name: `clusters-${c.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
        caption: `Observations coloured by ${c.name} (${c.categories.length} categories).`,
        scene: spatialScatter({ x, y, categories: { codes: c.codes, names: c.categories }, unit: r.unit, title: `${r.name}: ${c.name}`, colorLabel: c.name }),
      });
    }
    const caption: Record<GeneSource, (g: string) => string> = {
      counts: (g) => `Measured counts of ${g}.`,
      'imputed-layer': (g) => `Imputed expression of ${g} (the result's imputed layer).`,
      imputed: (g) => `Imputed expression of ${g} (W·H).`,
    };
    const tag: Record<GeneSource, string> = { counts: 'counts', 'imputed-layer': 'imputed', imputed: 'imputed, W·H' };
    for (const [g, forceImputed] of [...genes.map((g) => [g, false] as const), ...imputedGenes.map((g) => [g, true] as const)]) {
      const { values, kind } = geneValues(r, g, forceImputed);
      out.push({
        name: `${forceImputed ? 'imputed' : 'gene'}-${g.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
        caption: caption[kind](g),
        scene: spatialScatter({ x, y, values, unit: r.unit, title: `${g} (${tag[kind]})`, colorLabel: g }),
      });
    }
  } else {
    // Still check the names, so a typo fails the same way with or without coordinates.
    for (const g of genes) geneValues(r, g);
    for (const g of imputedGenes) geneValues(r, g, true);
  }
  return out;
}

/**
 * Figures drawn from the tables of an output folder (`files`: name → path): spot composition
 * (proportions.csv), convergence (history.csv: `loss` or bcNMF's `objective`), bcNMF factor
 * enrichment (enrichment.csv), metric bars (metrics.csv) and hSNMF's sweep and Pareto plots
 * (sweep.csv). A sweep folder has only these.
 */
export function tableFigures(files: Map<string, string>): NamedFigure[] {
  const out: NamedFigure[] = [];
  const r = { files };
  const props = r.files.has('proportions.csv') ? numericTable(r.files.get('proportions.csv') as string) : undefined;
  if (props && props.rows.length > 0) {
    const t = props.header.length - 1;
    const data = new Float32Array(props.rows.length * t);
    props.rows.forEach((row, i) => row.forEach((v, c) => (data[i * t + c] = Number.isFinite(v) ? v : 0)));
    out.push({
      name: 'composition',
      caption: 'Estimated composition of each spot (proportions.csv), spots grouped by their dominant type.',
      scene: compositionPlot({ proportions: { rows: props.rows.length, cols: t, data }, typeNames: props.header.slice(1), title: 'Spot composition' }),
    });
  }
  const hist = r.files.has('history.csv') ? numericTable(r.files.get('history.csv') as string) : undefined;
  // `loss` (nmf) or `objective` (bcNMF's J, which can be negative).
  const lossName = hist ? ['loss', 'objective'].find((c) => hist.header.includes(c)) : undefined;
  if (hist && lossName && hist.rows.length > 1) {
    const c = hist.header.indexOf(lossName) - 1;
    out.push({
      name: 'convergence',
      caption: `${lossName === 'loss' ? 'Loss' : 'Objective'} against iteration (history.csv).`,
      scene: sweepPlot({ x: hist.ids.map(Number), xLabel: hist.header[0] || 'iteration', series: [{ name: lossName, values: hist.rows.map((row) => row[c]) }], title: 'Convergence', panelWidth: 360 }),
    });
  }
  const enr = r.files.has('enrichment.csv') ? numericTable(r.files.get('enrichment.csv') as string) : undefined;
  if (enr && enr.header[0] === 'factor' && enr.header.includes('enrichment_log2') && enr.rows.length > 0) {
    // bcNMF: how much more each factor is used in the target than in the background.
    const order = enr.ids.map((id, i) => [Number(id), i] as const).sort((a, b) => a[0] - b[0]);
    const pick = (name: string): number[] => order.map(([, i]) => enr.rows[i][enr.header.indexOf(name) - 1]);
    const metrics: { name: string; values: number[]; higherIsBetter?: boolean }[] = [{ name: 'log2 target / background', values: pick('enrichment_log2'), higherIsBetter: true }];
    for (const [c, label] of [['target_mean', 'mean usage, target'], ['background_mean', 'mean usage, background']]) if (enr.header.includes(c)) metrics.push({ name: label, values: pick(c) });
    out.push({
      name: 'enrichment',
      caption: 'Target enrichment of each bcNMF factor (enrichment.csv): log2 of its mean usage in the target over the background, and the two means.',
      scene: metricBars({ labels: order.map(([f]) => `F${f + 1}`), metrics, title: 'Factor enrichment in the target' }),
    });
  }
  const metrics = r.files.has('metrics.csv') ? numericTable(r.files.get('metrics.csv') as string) : undefined;
  if (metrics && metrics.rows.length > 0) {
    const cols = metrics.header.slice(1).map((name, c) => ({ name, values: metrics.rows.map((row) => row[c]) })).filter((m) => m.values.some(Number.isFinite));
    if (cols.length > 0) {
      out.push({ name: 'metrics', caption: 'Metrics from metrics.csv, one panel per metric.', scene: metricBars({ labels: metrics.ids, metrics: cols, title: 'Metrics' }) });
    }
  }
  if (r.files.has('sweep.csv')) out.push(...sweepFigures(r.files.get('sweep.csv') as string));
  return out;
}

export const plotCommand: Command = {
  name: 'plot',
  summary: 'Draw the standard figures of a result folder (PNG/SVG)',
  usage: 'stnmf plot <DIR> [--out FIGDIR] [--format png|svg|both] [--gene NAME[,NAME...]] [--imputed NAME[,NAME...]]',
  examples: [
    'stnmf plot results/nmf-k8',
    'stnmf plot results/nmf-k8 --format svg --gene Gfap,Slc17a7 --out figs',
    'stnmf plot siid-out --imputed Gad1',
    'stnmf plot hsnmf-sweep',
  ],
  flags: {
    out: {
      type: 'string',
      short: 'o',
      help:
        'folder for the figures (default <DIR>/figures); each figure is <name>.png/.svg: factors, top-features, clusters-<column> (e.g. bcNMF group), ' +
        'gene-<name>, imputed-<name>, composition, convergence, enrichment (bcNMF), metrics, and for an hSNMF --sweep folder sweep and pareto; ' +
        'without coordinates the maps are skipped with a one-line note',
    },
    format: { type: 'string', help: 'file format', choices: ['png', 'svg', 'both'], default: 'png' },
    gene: { type: 'string', help: 'comma-separated features to map (measured counts when available, else imputed: the imputed layer or W·H)' },
    imputed: { type: 'string', help: 'comma-separated genes to map from the imputed layer (SIID) or W·H, even when measured' },
    scale: { type: 'number', exclusiveMin: 0, help: 'PNG pixels per figure unit (2 for high-DPI)', default: 2 },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad) for measured gene maps' },
    json: { type: 'boolean', help: 'print the summary as JSON on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const t0 = Date.now();
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder (got ${args.positionals.length})`);
    const scale = Number(args.flags.scale);
    if (!(scale > 0 && scale <= 8)) throw new StnmfError('BAD_OPTION', `--scale must be in (0, 8], got ${scale}`);
    const list = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
    const genes = list(args.flags.gene);
    const imputed = list(args.flags.imputed);
    const root = resolve(dir);
    const folderFiles = existsSync(root) && statSync(root).isDirectory() ? filesOf(root) : undefined;
    let figs: NamedFigure[];
    let sources: Record<string, string> = {};
    if (folderFiles && !FACTOR_FILES.some((f) => folderFiles.has(f))) {
      // A folder of tables only, e.g. `stnmf hsnmf --sweep`.
      if (genes.length + imputed.length > 0) throw new StnmfError('BAD_OPTION', `--gene/--imputed: ${dir} has no factorisation (${FACTOR_FILES.join(', ')}) to map genes from`);
      figs = tableFigures(folderFiles);
      if (figs.length === 0) throw new StnmfError('BAD_FILE', `${dir}: nothing to plot (no ${FACTOR_FILES.join(', ')}, and no proportions/history/enrichment/metrics/sweep CSV)`);
    } else {
      const r = await readResult(dir, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined });
      figs = standardFigures(r, genes, imputed);
      sources = r.sources;
      const note = spatialSkipNote(r);
      if (note) ctx.log(`stnmf plot: ${note}`);
    }
    const out = await RunOutput.open((args.flags.out as string | undefined) ?? join(folderFiles ? root : dirname(root), 'figures'));
    await withRun(out, async () => {
      const written: string[] = [];
      const fmt = args.flags.format as string;
      for (const f of figs) {
        if (fmt !== 'svg') {
          await out.writeBytes(`${f.name}.png`, sceneToPng(f.scene, { pixelRatio: scale }));
          written.push(`${f.name}.png`);
        }
        if (fmt !== 'png') {
          await out.writeText(`${f.name}.svg`, sceneToSvg(f.scene));
          written.push(`${f.name}.svg`);
        }
        ctx.progress('plot', written.length, figs.length * (fmt === 'both' ? 2 : 1), f.name);
      }
      const seconds = (Date.now() - t0) / 1000;
      await finishRun(
        out,
        { command: 'plot', parameters: { format: fmt, gene: genes, imputed, scale }, inputs: { result: root, ...sources }, summary: { figures: written.length, files: written }, seconds },
        ctx,
        Boolean(args.flags.json),
      );
    });
  },
};
