/**
 * `stnmf plot <DIR>`: the standard figures of a result folder as PNG and/or SVG — small
 * multiples of all factors, the top-feature heatmap, a map per cluster column, spot
 * composition (proportions.csv) and metric bars (metrics.csv) when present, and maps of
 * chosen genes. Also exports {@link standardFigures}, which `stnmf report` embeds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput } from '../output.js';
import { StnmfError } from '../../errors.js';
import {
  compositionPlot,
  factorGrid,
  metricBars,
  parseCsv,
  sceneToPng,
  sceneToSvg,
  spatialScatter,
  sweepPlot,
  topFeatureHeatmap,
  type Scene,
} from '../../plot/index.js';
import { loadResult, topFeatures, type LoadedResult } from './view.js';

/** One figure: file stem, caption and scene. */
export interface NamedFigure {
  name: string;
  caption: string;
  scene: Scene;
}

function numericTable(path: string): { header: string[]; ids: string[]; rows: number[][] } | undefined {
  if (!existsSync(path)) return undefined;
  const rows = parseCsv(readFileSync(path, 'utf8').trimEnd());
  if (rows.length < 2) return undefined;
  const [header, ...body] = rows;
  return { header, ids: body.map((r) => r[0]), rows: body.map((r) => r.slice(1).map(Number)) };
}

/** Expression of `gene` per observation (measured counts when available, else imputed W·H). */
export function geneValues(r: LoadedResult, gene: string): { values: Float32Array; kind: 'counts' | 'imputed' } {
  const e = r.expression;
  const j = e ? e.names.indexOf(gene) : -1;
  if (e && j >= 0) {
    const v = new Float32Array(r.n);
    for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) v[e.indices[q]] = e.data[q];
    return { values: v, kind: 'counts' };
  }
  const jj = r.featureNames.indexOf(gene);
  if (!r.H || jj < 0) throw new StnmfError('BAD_OPTION', `--gene ${gene}: not among the result's ${r.featureNames.length} features`);
  const p = r.H.length / r.k;
  const v = new Float32Array(r.n);
  for (let i = 0; i < r.n; i++) {
    let s = 0;
    for (let f = 0; f < r.k; f++) s += r.W[i * r.k + f] * r.H[f * p + jj];
    v[i] = s;
  }
  return { values: v, kind: 'imputed' };
}

/** The standard figures of a loaded result (plus proportions/metrics tables found in its folder). */
export function standardFigures(r: LoadedResult, genes: string[] = []): NamedFigure[] {
  const out: NamedFigure[] = [];
  const tops = topFeatures(r, 4).map((t) => t.map((g) => g.name));
  out.push({
    name: 'factors',
    caption: `Usage of each of the ${r.k} factors per observation (W), each on its own scale from 0 to its 99th percentile; top features by loading under each title.`,
    scene: factorGrid({ x: r.x, y: r.y, W: { rows: r.n, cols: r.k, data: r.W }, names: r.factorNames, topFeatures: r.H ? tops : undefined, unit: r.unit, title: `${r.name}: factor usage` }),
  });
  if (r.H && r.featureNames.length > 0) {
    const p = r.H.length / r.k;
    out.push({
      name: 'top-features',
      caption: 'Top 5 features of each factor; colour = loading divided by the feature’s largest loading across factors.',
      scene: topFeatureHeatmap({ H: { rows: r.k, cols: p, data: r.H }, featureNames: r.featureNames, factorNames: r.factorNames.map((_, f) => `F${f + 1}`), title: 'Top features per factor' }),
    });
  }
  for (const c of r.clusters) {
    out.push({
      name: `clusters-${c.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
      caption: `Observations coloured by ${c.name} (${c.categories.length} categories).`,
      scene: spatialScatter({ x: r.x, y: r.y, categories: { codes: c.codes, names: c.categories }, unit: r.unit, title: `${r.name}: ${c.name}`, colorLabel: c.name }),
    });
  }
  for (const g of genes) {
    const { values, kind } = geneValues(r, g);
    out.push({
      name: `gene-${g.replace(/[^A-Za-z0-9_.-]+/g, '_')}`,
      caption: kind === 'counts' ? `Measured counts of ${g}.` : `Imputed expression of ${g} (W·H).`,
      scene: spatialScatter({ x: r.x, y: r.y, values, unit: r.unit, title: `${g} (${kind === 'counts' ? 'counts' : 'imputed, W·H'})`, colorLabel: g }),
    });
  }
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
  const lossCol = hist ? hist.header.indexOf('loss') - 1 : -1;
  if (hist && lossCol >= 0 && hist.rows.length > 1) {
    out.push({
      name: 'convergence',
      caption: 'Loss against iteration (history.csv).',
      scene: sweepPlot({ x: hist.ids.map(Number), xLabel: hist.header[0] || 'iteration', series: [{ name: 'loss', values: hist.rows.map((row) => row[lossCol]) }], title: 'Convergence', panelWidth: 360 }),
    });
  }
  const metrics = r.files.has('metrics.csv') ? numericTable(r.files.get('metrics.csv') as string) : undefined;
  if (metrics && metrics.rows.length > 0) {
    const cols = metrics.header.slice(1).map((name, c) => ({ name, values: metrics.rows.map((row) => row[c]) })).filter((m) => m.values.some(Number.isFinite));
    if (cols.length > 0) {
      out.push({ name: 'metrics', caption: 'Metrics from metrics.csv, one panel per metric.', scene: metricBars({ labels: metrics.ids, metrics: cols, title: 'Metrics' }) });
    }
  }
  return out;
}

export const plotCommand: Command = {
  name: 'plot',
  summary: 'Draw the standard figures of a result folder (PNG/SVG)',
  usage: 'stnmf plot <DIR> [--out FIGDIR] [--format png|svg|both] [--gene NAME[,NAME...]]',
  examples: ['stnmf plot results/nmf-k8', 'stnmf plot results/nmf-k8 --format svg --gene Gfap,Slc17a7 --out figs'],
  flags: {
    out: { type: 'string', short: 'o', help: 'folder for the figures (default <DIR>/figures)' },
    format: { type: 'string', help: 'file format', choices: ['png', 'svg', 'both'], default: 'png' },
    gene: { type: 'string', help: 'comma-separated features to map (counts when available, else imputed W·H)' },
    scale: { type: 'number', help: 'PNG pixels per figure unit (2 for high-DPI)', default: 2 },
    coords: { type: 'string', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', help: 'count data (.h5/.h5ad) for measured gene maps' },
    json: { type: 'boolean', help: 'print the summary as JSON on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const t0 = Date.now();
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder (got ${args.positionals.length})`);
    const scale = Number(args.flags.scale);
    if (!(scale > 0 && scale <= 8)) throw new StnmfError('BAD_OPTION', `--scale must be in (0, 8], got ${scale}`);
    const r = await loadResult(dir, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined });
    const genes = typeof args.flags.gene === 'string' ? args.flags.gene.split(',').map((s) => s.trim()).filter(Boolean) : [];
    const figs = standardFigures(r, genes);
    const out = await RunOutput.open((args.flags.out as string | undefined) ?? join(r.root, 'figures'));
    try {
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
        { command: 'plot', parameters: { format: fmt, gene: genes, scale }, inputs: { result: r.root, ...r.sources }, summary: { figures: written.length, files: written }, seconds },
        ctx,
        Boolean(args.flags.json),
      );
    } finally {
      await out.abort();
    }
  },
};
