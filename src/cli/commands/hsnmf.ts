/**
 * `stnmf hsnmf`: spatially smoothed NMF and hybrid-graph Leiden clustering (SNMF / hSNMF,
 * methods-spec M1) with the reference's evaluation; `--sweep` runs the rank x resolution grid
 * and marks the Pareto front. Also `demoHsnmf`, the hSNMF step of `stnmf demo`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Column, Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { writeNpy } from '../../io/npy.js';
import { sceneToPng, spatialScatter } from '../../plot/index.js';
import { transposeDense } from '../../linalg/dense.js';
import { createKernels, type Kernels } from '../../linalg/index.js';
import {
  evaluateHsnmf,
  hsnmf,
  hsnmfSweep,
  metricsCsv,
  sweepCsv,
  type EvaluateOptions,
  type HsnmfMetrics,
  type HsnmfMode,
  type HsnmfOptions,
  type HsnmfResult,
} from '../../methods/snmf/index.js';
import { parseGmt, type GeneSet } from '../../metrics/index.js';
import { simulateSpatialCounts } from '../../simulate/index.js';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import { loadDataset } from '../input.js';
import { jsonReplacer, RunOutput } from '../output.js';

function numberList(flag: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out = parts.map(Number);
  if (out.length === 0 || out.some((x) => !Number.isFinite(x))) throw new StnmfError('USAGE', `stnmf hsnmf: --${flag} must be a comma-separated list of numbers, got '${v}'`);
  return out;
}

/** Reference labels from an obs column, as strings ('' = missing). */
function obsLabels(ds: Dataset, name: string): string[] {
  const c: Column | undefined = ds.obs.columns.get(name);
  if (!c) throw new StnmfError('BAD_OPTION', `stnmf hsnmf: --labels ${name}: no such obs column (have: ${[...ds.obs.columns.keys()].join(', ') || 'none'})`);
  const n = ds.X.rows;
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (c.kind === 'category') out[i] = c.codes[i] < 0 ? '' : c.categories[c.codes[i]];
    else if (c.kind === 'string') out[i] = c.values[i] ?? '';
    else out[i] = String(c.values[i]);
  }
  return out;
}

/** The summary.json figures of one run (the keys the issue names, plus context). */
export function summaryOf(m: HsnmfMetrics, r: HsnmfResult, seconds: number): Record<string, unknown> {
  return {
    chaos: m.chaos,
    pas: m.pas,
    moransI: m.moransI,
    silhouette: m.silhouette,
    daviesBouldin: m.daviesBouldin,
    cmc: m.cmc,
    nClusters: m.nClusters,
    seconds,
    mode: r.mode,
    rank: m.rank,
    resolution: m.resolution,
    nCells: m.nCells,
    moransIUnsmoothed: m.moransIRaw,
    adjHybrid: m.adjHybrid,
    enrich: m.enrich,
    ari: m.ari,
    nmi: m.nmi,
    leidenQuality: r.quality,
    nmfIterations: r.snmf.nmf?.iterations,
    nmfConverged: r.snmf.nmf?.converged,
  };
}

/** Writes the per-run files: clusters, markers, enrichment, factors and result.h5ad. */
async function writeRunFiles(
  path: (name: string) => string,
  ds: Dataset,
  r: HsnmfResult,
  markerNames: string[][] | undefined,
  method: string[] | undefined,
  terms: ReturnType<typeof evaluateHsnmf>['enrichTerms'],
): Promise<string[]> {
  const written: string[] = [];
  const n = ds.X.rows;
  const xy = r.snmf.graphs.coordsUm;
  const lines = ['cell_id,x_um,y_um,hsnmf'];
  for (let i = 0; i < n; i++) lines.push(`${csvField(ds.obs.index[i])},${xy[2 * i]},${xy[2 * i + 1]},${r.labels[i]}`);
  await writeFile(path('clusters.csv'), lines.join('\n') + '\n');
  written.push('clusters.csv');
  // The domains on the tissue (coordinates in µm): what a biologist looks at first.
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) (x[i] = xy[2 * i]), (y[i] = xy[2 * i + 1]);
  const names = Array.from({ length: r.nClusters }, (_, c) => String(c));
  const scene = spatialScatter({ x, y, categories: { codes: r.labels, names }, unit: 'um', title: `hSNMF domains (${r.parameters.mode})`, colorLabel: 'hsnmf' });
  await writeFile(path('clusters.png'), sceneToPng(scene, { pixelRatio: 1.5 }));
  written.push('clusters.png');
  if (markerNames) {
    const ml = ['cluster,n_cells,method,markers'];
    const sizes = new Int32Array(r.nClusters);
    for (const l of r.labels) sizes[l]++;
    markerNames.forEach((g, c) => ml.push(`${c},${sizes[c]},${method?.[c] ?? ''},${csvField(g.join(';'))}`));
    await writeFile(path('markers_top5.csv'), ml.join('\n') + '\n');
    written.push('markers_top5.csv');
  }
  if (terms) {
    const el = ['cluster,term,overlap,set_size,p_value,adjusted_p,genes'];
    terms.forEach((t, c) => t.forEach((x) => el.push(`${c},${csvField(x.name)},${x.overlap},${x.setSize},${x.pValue},${x.adjustedP},${csvField(x.genes.join(';'))}`)));
    await writeFile(path('enrichment.csv'), el.join('\n') + '\n');
    written.push('enrichment.csv');
  }
  writeNpy(path('X_nmf.npy'), r.snmf.W0);
  writeNpy(path('X_snmf.npy'), r.snmf.Ws);
  writeNpy(path('H.npy'), r.snmf.H);
  written.push('X_nmf.npy', 'X_snmf.npy', 'H.npy');
  {
    const k = r.snmf.W0.cols;
    const Ht = transposeDense(r.snmf.H).data;
    const cats = Array.from({ length: r.nClusters }, (_, c) => String(c));
    const out: Dataset = {
      ...ds,
      obs: { index: ds.obs.index, columns: new Map([...ds.obs.columns, ['hsnmf', { kind: 'category', codes: r.labels, categories: cats } as Column]]) },
      obsm: { ...ds.obsm, X_nmf: r.snmf.W0, X_snmf: r.snmf.Ws },
      varm: { ...ds.varm, nmf: { rows: ds.X.cols, cols: k, data: Ht } },
      uns: { ...ds.uns, hsnmf: JSON.parse(JSON.stringify(r.parameters, jsonReplacer)) },
    };
    if (writeMarkerOutputs(path('markers.csv'), out, 'hsnmf')) written.push('markers.csv');
    await writeH5ad(path('result.h5ad'), out);
    written.push('result.h5ad');
  }
  return written;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const hsnmfCommand: Command = {
  name: 'hsnmf',
  summary: 'spatially smoothed NMF + hybrid spatial/feature-graph Leiden clustering (SNMF/hSNMF)',
  usage: 'stnmf hsnmf <input> [--rank 10] [--alpha 0.5] [--resolution 0.4] [--mode hybrid|spatial|feature] [--sweep] --out DIR',
  examples: [
    'stnmf hsnmf xenium-outs/ --rank 10 --resolution 0.4 --out hsnmf-out',
    'stnmf hsnmf data.h5ad --mode feature --gmt kegg.gmt --out hsnmf-feature',
    'stnmf hsnmf xenium-outs/ --sweep --ranks 5,10,20 --resolutions 0.4,0.8 --out hsnmf-sweep',
  ],
  flags: {
    rank: { type: 'int', short: 'k', default: 10, help: 'NMF rank k (hSNMF default 10)' },
    alpha: { type: 'number', default: 0.5, help: 'spatial weight α of the hybrid mix, in [0, 1]' },
    resolution: { type: 'number', default: 0.4, help: 'Leiden resolution (spatial mode uses 0.8 x this, as the reference)' },
    mode: { type: 'string', choices: ['hybrid', 'spatial', 'feature'], default: 'hybrid', help: 'Leiden graph: hybrid (hSNMF), spatial radius graph, or feature kNN graph' },
    sweep: { type: 'boolean', help: 'run the rank x resolution grid and write sweep.csv with Pareto flags' },
    ranks: { type: 'string', help: 'sweep ranks, comma-separated (default 5,10,15,20,25,30,35,40)' },
    resolutions: { type: 'string', help: 'sweep resolutions, comma-separated (default 0.4,0.6,0.8,1.0,1.2)' },
    'contact-radius': { type: 'number', default: 20, help: 'contact graph radius in µm' },
    'contact-weight': { type: 'number', default: 2.5, help: 'contact edge weight' },
    'context-radius': { type: 'number', default: 80, help: 'context (radius) graph radius in µm' },
    'context-weight': { type: 'number', default: 1, help: 'context edge weight' },
    beta: { type: 'number', default: 0.6, help: 'diffusion step β' },
    steps: { type: 'int', default: 2, help: 'diffusion steps' },
    'n-neighbors': { type: 'int', default: 15, help: 'feature kNN size including the cell itself' },
    'microns-per-unit': { type: 'number', help: 'µm per coordinate unit (default: from the reader; 1 for µm)' },
    layer: { type: 'string', help: 'factorise this (already normalised) layer instead of log1p-normalised X' },
    normalize: { type: 'string', choices: ['log1p-median', 'none'], default: 'log1p-median', help: 'normalisation of X before NMF' },
    'max-iter': { type: 'int', default: 500, help: 'NMF iterations (hSNMF: 500)' },
    tol: { type: 'number', default: 1e-4, help: 'NMF tolerance' },
    seed: { type: 'int', default: 0, help: 'seed of NMF, Leiden and the silhouette subsample' },
    gmt: { type: 'string', help: 'gene sets (GMT) for the marker over-representation score' },
    'min-cluster-size': { type: 'int', default: 100, help: 'clusters with fewer cells get top-mean fallback markers' },
    subsample: { type: 'int', default: 10000, help: 'cells in the stratified silhouette/DBI subsample' },
    labels: { type: 'string', help: 'obs column with reference labels (ARI, NMI)' },
    threads: { type: 'int', help: 'worker threads (default: all cores)' },
    out: { type: 'string', short: 'o', required: true, help: 'output folder' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length > 1) throw new StnmfError('USAGE', `stnmf hsnmf: one input expected, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
    const threads = f.threads as number | undefined;
    if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf hsnmf: --threads must be >= 1, got ${threads}`);
    const ranks = numberList('ranks', f.ranks);
    const resolutions = numberList('resolutions', f.resolutions);
    if (!f.sweep && (ranks || resolutions)) throw new StnmfError('USAGE', 'stnmf hsnmf: --ranks/--resolutions need --sweep');
    const input = args.positionals[0];
    const ds = await loadDataset('hsnmf', input, ctx);
    let geneSets: GeneSet[] | undefined;
    if (f.gmt !== undefined) {
      let text: string;
      try {
        text = await readFile(f.gmt as string, 'utf8');
      } catch {
        throw new StnmfError('BAD_FILE', `${f.gmt} (--gmt): file not found or unreadable`);
      }
      geneSets = parseGmt(text, f.gmt as string);
    }
    const referenceLabels = f.labels !== undefined ? obsLabels(ds, f.labels as string) : undefined;
    const out = await RunOutput.open(f.out as string);
    let kernels: Kernels | undefined;
    try {
      kernels = await createKernels({ threads });
      const options: HsnmfOptions = {
        rank: f.rank as number,
        alpha: f.alpha as number,
        resolution: f.resolution as number,
        mode: f.mode as HsnmfMode,
        contactRadius: f['contact-radius'] as number,
        contactWeight: f['contact-weight'] as number,
        contextRadius: f['context-radius'] as number,
        contextWeight: f['context-weight'] as number,
        beta: f.beta as number,
        steps: f.steps as number,
        nNeighbors: f['n-neighbors'] as number,
        micronsPerUnit: f['microns-per-unit'] as number | undefined,
        layer: f.layer as string | undefined,
        normalize: f.normalize as 'log1p-median' | 'none',
        nmf: { maxIter: f['max-iter'] as number, tol: f.tol as number, seed: f.seed as number },
        seed: f.seed as number,
        kernels,
        signal: ctx.signal,
        onProgress: (e) => ctx.progress(`hsnmf ${e.stage}`, e.done, e.total, e.detail),
      };
      const evalOptions: EvaluateOptions = {
        subsample: f.subsample as number,
        seed: f.seed as number,
        minClusterSize: f['min-cluster-size'] as number,
        geneNames: ds.var.index,
        geneSets,
        referenceLabels,
      };
      const inputs = { input, platform: ds.meta.platform, nObs: ds.X.rows, nVars: ds.X.cols, coordinateUnit: ds.meta.coordinateUnit, filtered: ds.meta.filtered, gmt: f.gmt };
      const t0 = performance.now();
      if (f.sweep) {
        const s = await hsnmfSweep(ds, { ...options, ranks, resolutions, evaluate: evalOptions });
        const seconds = (performance.now() - t0) / 1000;
        await out.writeText('sweep.csv', sweepCsv(s));
        const front = s.rows.filter((_, i) => s.paretoCompactSeparable[i]).map((r) => ({ rank: r.rank, resolution: r.resolution, moranChaos: r.moranChaos, silDbi: r.silDbi, nClusters: r.nClusters }));
        await finishRun(out, {
          command: 'hsnmf',
          parameters: { ...options, kernels: undefined, signal: undefined, onProgress: undefined, sweep: true, ranks: ranks ?? 'default', resolutions: resolutions ?? 'default', evaluate: { ...evalOptions, geneNames: undefined, geneSets: geneSets ? geneSets.length : undefined, referenceLabels: f.labels } },
          inputs,
          seed: f.seed as number,
          summary: { runs: s.rows.length, paretoFront: front, seconds },
          seconds,
        }, ctx, Boolean(f.json));
        return;
      }
      const r = await hsnmf(ds, options);
      const seconds = (performance.now() - t0) / 1000;
      ctx.progress('hsnmf metrics', 0, 1);
      const ev = evaluateHsnmf(r, evalOptions);
      await out.writeText('metrics.csv', metricsCsv([ev.metrics]));
      await writeRunFiles((name) => out.path(name), ds, r, ev.markerNames, ev.markers?.method, ev.enrichTerms);
      await finishRun(out, {
        command: 'hsnmf',
        parameters: { ...r.parameters, evaluate: { subsample: evalOptions.subsample, seed: evalOptions.seed, minClusterSize: evalOptions.minClusterSize, gmt: f.gmt, labels: f.labels } },
        inputs,
        seed: f.seed as number,
        summary: summaryOf(ev.metrics, r, seconds),
        seconds,
      }, ctx, Boolean(f.json));
    } catch (e) {
      await out.abort();
      throw e;
    } finally {
      kernels?.dispose();
    }
  },
};

/**
 * The hSNMF step of `stnmf demo`: a simulated 2 mm slide (3,000 cells, 120 genes, 6 banded
 * domains, coordinates in µm), hSNMF with the reference defaults at rank 6, and the same in
 * `feature` mode for comparison. Writes clusters.csv, metrics.csv (both modes) and
 * summary.json into `outDir`; returns the key figures.
 */
export async function demoHsnmf(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateSpatialCounts({ cells: 3000, genes: 120, programs: 6, seed: 0 });
  const ds = sim.dataset;
  const kernels = await createKernels();
  try {
    const t0 = performance.now();
    const hybrid = await hsnmf(ds, { rank: 6, kernels, signal: ctx.signal, nmf: { maxIter: 200 } });
    const feature = await hsnmf(ds, { rank: 6, mode: 'feature', snmfResult: hybrid.snmf, signal: ctx.signal });
    const seconds = (performance.now() - t0) / 1000;
    const truth = Array.from(sim.domain);
    const mh = evaluateHsnmf(hybrid, { referenceLabels: truth, geneNames: ds.var.index, minClusterSize: 50 });
    const mf = evaluateHsnmf(feature, { referenceLabels: truth, geneNames: ds.var.index, minClusterSize: 50 });
    await writeFile(join(outDir, 'metrics.csv'), metricsCsv([mh.metrics, mf.metrics]));
    await writeRunFiles((name) => join(outDir, name), ds, hybrid, mh.markerNames, mh.markers?.method, undefined);
    const summary = { ...summaryOf(mh.metrics, hybrid, seconds), feature: { chaos: mf.metrics.chaos, pas: mf.metrics.pas, ari: mf.metrics.ari, nClusters: mf.metrics.nClusters } };
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}
