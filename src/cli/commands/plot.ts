/**
 * `stnmf plot <DIR>`: the standard figures of a result folder as PNG and/or SVG — small
 * multiples of all factors, the top-feature heatmap, a map per cluster column, spot
 * composition (proportions.csv) and metric bars (metrics.csv) when present, and maps of
 * chosen genes. Also exports {@link standardFigures}, which `stnmf report` embeds.
 */
import { dirname, join, resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { finishRun, withRun } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput } from '../output.js';
import { StnmfError } from '../../errors.js';
import { parseLimit, sceneToPng, sceneToSvg, COLORMAP_NAMES, type Limit } from '../../plot/index.js';
import { resultDataFlags, resultDataReader } from '../input.js';
import { readResult, resultFolder } from '../../io/result.js';
import { factorName } from '../../keys.js';
import { FACTOR_FILES, spatialSkipNote, standardFigures, tableFigures, type NamedFigure, type PlotOptions } from '../../outputs/figures.js';

/** The plot-option flags `stnmf plot` and `stnmf report` share (scanpy/squidpy names). */
export const PLOT_OPTION_FLAGS = {
  gene: { type: 'string', help: 'comma-separated features to map (measured counts when available, else imputed: the imputed layer or W·H); also the genes of the dot/matrix plots' },
  imputed: { type: 'string', help: 'comma-separated genes to map from the imputed layer (SIID) or W·H, even when measured' },
  groups: { type: 'string', help: 'comma-separated categories to colour in cluster maps, the rest grey (scanpy groups)' },
  vmin: { type: 'string', help: 'lower colour limit of continuous maps: a number or a percentile like p1 (default: minimum; 0 for usages)' },
  vmax: { type: 'string', help: 'upper colour limit: a number or a percentile (default p99; values above take the top colour, marked ≥ on the colour bar)' },
  cmap: { type: 'string', help: `colour map of continuous maps (${COLORMAP_NAMES.join(', ')}; default viridis)` },
  size: { type: 'number', help: 'dot radius in pixels (default: from the density of points)' },
  palette: { type: 'string', help: 'comma-separated category colours (#rrggbb), in category order' },
  factor: { type: 'number', help: 'draw only factor N (1-based: Factor_N), one large map' },
  'no-sort-order': { type: 'boolean', help: 'draw continuous maps in file order instead of high values on top (scanpy sort_order=False)' },
  'cluster-key': { type: 'string', help: 'categorical obs column for the neighbourhood-enrichment heatmap and co-occurrence curves (squidpy cluster_key)' },
  radius: { type: 'number', help: 'neighbour radius of the enrichment test in the coordinates’ unit (default 50)' },
  groupby: { type: 'string', help: 'categorical column grouping the marker dot plot / matrix plot and the per-region composition (default: the first cluster column)' },
  'n-genes': { type: 'int', min: 1, max: 50, help: 'top genes per group in the markers.csv dot plot (scanpy n_genes; default 4)' },
} as const;

/** {@link PlotOptions} from parsed flags, with one-line errors naming the flag. */
export function plotOptionsFromFlags(f: Record<string, unknown>): PlotOptions {
  const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const limit = (name: string): Limit | undefined => {
    const v = f[name];
    if (v === undefined) return undefined;
    try {
      return parseLimit(String(v));
    } catch (e) {
      throw new StnmfError('BAD_OPTION', `--${name}: ${(e as Error).message}`);
    }
  };
  const o: PlotOptions = { genes: list(f.gene) ?? [], imputed: list(f.imputed) ?? [], groups: list(f.groups), vmin: limit('vmin'), vmax: limit('vmax') };
  if (f.cmap !== undefined) {
    if (!COLORMAP_NAMES.includes(String(f.cmap))) throw new StnmfError('BAD_OPTION', `--cmap ${f.cmap}: choose one of ${COLORMAP_NAMES.join(', ')}`);
    o.cmap = String(f.cmap);
  }
  if (f.size !== undefined) {
    const v = Number(f.size);
    if (!(v > 0 && v <= 50)) throw new StnmfError('BAD_OPTION', `--size must be a radius in pixels in (0, 50], got ${f.size}`);
    o.size = v;
  }
  const pal = list(f.palette);
  if (pal) {
    const bad = pal.find((c) => !/^#[0-9a-fA-F]{6}$/.test(c));
    if (bad) throw new StnmfError('BAD_OPTION', `--palette: '${bad}' is not a #rrggbb colour`);
    o.palette = pal;
  }
  if (f.factor !== undefined) {
    const v = Number(f.factor);
    if (!(Number.isInteger(v) && v >= 1)) throw new StnmfError('BAD_OPTION', `--factor must be a factor number 1..k (Factor_N), got ${f.factor}`);
    o.factor = v - 1;
  }
  if (f['no-sort-order']) o.sortOrder = false;
  if (f['cluster-key'] !== undefined) o.clusterKey = String(f['cluster-key']);
  if (f.radius !== undefined) {
    const v = Number(f.radius);
    if (!(v > 0 && Number.isFinite(v))) throw new StnmfError('BAD_OPTION', `--radius must be a distance > 0, got ${f.radius}`);
    o.radius = v;
  }
  if (f.groupby !== undefined) o.groupby = String(f.groupby);
  if (f['n-genes'] !== undefined) o.nGenes = Number(f['n-genes']);
  return o;
}

export const plotCommand: Command = {
  name: 'plot',
  summary: 'Draw the standard figures of a result folder (PNG/SVG)',
  usage: 'stnmf plot <DIR> [--out FIGDIR] [--format png|svg|both] [--gene NAME,...] [--imputed NAME,...] [--groups A,B] [--vmin V] [--vmax V|pNN] [--cmap NAME] [--size R] [--palette #hex,...] [--factor N] [--cluster-key COL --radius R] [--groupby COL]',
  examples: [
    "stnmf plot nmf-out",
    "stnmf plot nmf-out --format svg --gene Gfap,Slc17a7 --out figs",
    "stnmf plot siid-pv --imputed Gad1",
    "stnmf plot hsnmf-sweep",
    "stnmf plot nmf-out --factor 3 --vmax p99.5 --cmap magma",
    "stnmf plot codex-out --cluster-key cell_type --radius 50",
  ],
  flags: {
    out: {
      type: 'string',
      short: 'o',
      help:
        'folder for the figures (default <DIR>/figures); each figure is <name>.png/.svg: factors, top-features, clusters-<column> (e.g. bcNMF group), ' +
        'gene-<name>, imputed-<name>, composition, proportions (SIID: spot maps), markers-dotplot-<column> (markers.csv), convergence, enrichment (bcNMF), metrics, and for an hSNMF --sweep folder sweep and pareto; ' +
        'without coordinates the maps are skipped with a one-line note; a given --out must be new or empty unless --force, ' +
        'while the default <DIR>/figures belongs to plot and is replaced whole on every run',
      output: 'folder',
    },
    force: { type: 'boolean', help: 'replace a non-empty --out folder: its old contents are removed once the new figures are complete' },
    format: { type: 'string', help: 'file format', choices: ['png', 'svg', 'both'], default: 'png' },
    ...PLOT_OPTION_FLAGS,
    scale: { type: 'number', exclusiveMin: 0, help: 'PNG pixels per figure unit (2 for high-DPI)', default: 2 },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad) for measured gene maps' },
    ...resultDataFlags(),
    json: { type: 'boolean', help: 'print the summary as JSON on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const t0 = Date.now();
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder (got ${args.positionals.length})`);
    const scale = Number(args.flags.scale);
    if (!(scale > 0 && scale <= 8)) throw new StnmfError('BAD_OPTION', `--scale must be in (0, 8], got ${scale}`);
    const opts = plotOptionsFromFlags(args.flags);
    const genes = opts.genes ?? [];
    const imputed = opts.imputed ?? [];
    const root = resolve(dir);
    const folder = resultFolder(dir);
    let figs: NamedFigure[];
    let sources: Record<string, string> = {};
    if (!folder.isFile && !FACTOR_FILES.some((f) => folder.files.has(f))) {
      // A folder of tables only, e.g. `stnmf hsnmf --sweep`.
      if (genes.length + imputed.length > 0) throw new StnmfError('BAD_OPTION', `--gene/--imputed: ${dir} has no factorisation (${FACTOR_FILES.join(', ')}) to map genes from`);
      figs = tableFigures(folder, opts);
      if (figs.length === 0) throw new StnmfError('BAD_FILE', `${dir}: nothing to plot (no ${FACTOR_FILES.join(', ')}, and no proportions/history/enrichment/metrics/sweep CSV)`);
    } else {
      const r = await readResult(dir, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined, readData: resultDataReader('plot', args.flags, ctx) });
      figs = await standardFigures(r, opts, [], ctx.signal);
      sources = r.sources;
      const note = spatialSkipNote(r);
      if (note) ctx.log(`stnmf plot: ${note}`);
    }
    const given = args.flags.out as string | undefined;
    // The default figures folder is plot's own: a rerun replaces it whole (never mixing runs).
    const out = await RunOutput.open(given ?? join(folder.isFile ? dirname(root) : root, 'figures'), { force: given === undefined || Boolean(args.flags.force) });
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
        { command: 'plot', parameters: { format: fmt, ...opts, factor: opts.factor === undefined ? undefined : factorName(opts.factor), scale }, inputs: { result: root, ...sources }, summary: { figures: written.length, files: written }, seconds },
        ctx,
        Boolean(args.flags.json),
      );
    });
  },
};
