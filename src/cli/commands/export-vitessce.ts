/**
 * `stnmf export-vitessce <DIR> --out viewer-dir`: AnnData-zarr stores plus a Vitessce view
 * config (formats.md §1.13, "recommended NMF export"): `result.zarr` (X = genes when the
 * counts are available, obs clusters with their colours in uns, obsm spatial and X_nmf) and
 * `factors.zarr` (X = W, var = factor names), both zarr v2 with consolidated metadata, and
 * `vitessce.json` (a factor map, a gene map when there are genes, lists, cell sets in our
 * cluster colours; see `vitessceConfig`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput } from '../output.js';
import { StnmfError } from '../../errors.js';
import type { Column } from '../../dataset.js';
import { annDataZarr, clusterColors, vitessceConfig, type ZarrStore } from '../../plot/index.js';
import { knnQuery } from '../../spatial/index.js';
import { loadResult, requireCoordinates, topFeatures, type LoadedResult } from './view.js';

/** Dense X is written when it stays below this many bytes (Vitessce fetches dense columns fastest). */
const DENSE_LIMIT = 1 << 30;

/** Writes a store under `dir`. */
export function writeStore(dir: string, store: ZarrStore): void {
  for (const [rel, bytes] of store) {
    const p = join(dir, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
}

/**
 * Radius for drawing observations as spots in Vitessce, in coordinate units: half the median
 * distance to the nearest other observation, so neighbouring spots just touch (Xenium mouse
 * brain centroids: 6.5 µm). Falls back to 10 (Vitessce's own default radius) when there are
 * fewer than two distinct positions.
 */
export function spotRadius(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n < 2) return 10;
  const pts = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) (pts[2 * i] = x[i]), (pts[2 * i + 1] = y[i]);
  const d = knnQuery(pts, 2, 1).distances.filter((v) => v > 0).sort();
  if (d.length === 0) return 10;
  return d[d.length >> 1] / 2;
}

/**
 * The two stores and the config for a loaded result.
 * @throws StnmfError when the result has no coordinates.
 */
export function vitessceExport(r: LoadedResult, baseUrl: string): { main: ZarrStore; factors: ZarrStore; config: Record<string, unknown> } {
  // Vitessce's spatial view places observations by obsm/spatial; without it there is nothing to place.
  const { x, y } = requireCoordinates(r, 'export-vitessce');
  const spatial = new Float64Array(2 * r.n);
  for (let i = 0; i < r.n; i++) {
    spatial[2 * i] = x[i];
    spatial[2 * i + 1] = y[i];
  }
  const obs = new Map<string, Column>();
  const unsStrings: Record<string, string[]> = {};
  for (const c of r.clusters) {
    obs.set(c.name, { kind: 'category', codes: c.codes, categories: c.categories });
    unsStrings[`${c.name}_colors`] = clusterColors(c.categories.length);
  }
  // The same colours go into the config: Vitessce does not read uns colours itself.
  const clusterColumns = r.clusters.map((c) => ({ name: c.name, categories: c.categories, colors: unsStrings[`${c.name}_colors`], hasMissing: c.codes.some((v) => v < 0) }));
  const factorVar = r.factorNames.map((_, f) => `Factor_${f + 1}`);
  let X: Parameters<typeof annDataZarr>[0]['X'];
  let varNames = r.featureNames;
  const e = r.expression;
  if (e) {
    varNames = e.names;
    const p = e.names.length;
    if (r.n * p * 4 <= DENSE_LIMIT) {
      const d = new Float32Array(r.n * p);
      for (let j = 0; j < p; j++) for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) d[e.indices[q] * p + j] = e.data[q];
      X = { dense: { rows: r.n, cols: p, data: d } };
    } else {
      // CSC → CSR.
      const counts = new Int32Array(r.n + 1);
      for (const i of e.indices) counts[i + 1]++;
      for (let i = 0; i < r.n; i++) counts[i + 1] += counts[i];
      const next = Int32Array.from(counts.subarray(0, r.n));
      const indices = new Int32Array(e.indices.length);
      const data = new Float32Array(e.indices.length);
      for (let j = 0; j < p; j++) {
        for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) {
          const o = next[e.indices[q]]++;
          indices[o] = j;
          data[o] = e.data[q];
        }
      }
      X = { csr: { rows: r.n, cols: p, indptr: counts, indices, data } };
    }
  }
  const tops = topFeatures(r, 10);
  const main = annDataZarr({
    obsNames: r.obsNames,
    varNames,
    X,
    obs,
    obsm: { spatial: { rows: r.n, cols: 2, data: spatial }, X_nmf: { rows: r.n, cols: r.k, data: r.W } },
    unsStrings,
    unsAttrs: { nmf_top_features: Object.fromEntries(tops.map((t, f) => [factorVar[f], t.map((g) => g.name)])) },
  });
  const factors = annDataZarr({
    obsNames: r.obsNames,
    varNames: factorVar,
    X: { dense: { rows: r.n, cols: r.k, data: r.W } },
    obs,
    obsm: { spatial: { rows: r.n, cols: 2, data: spatial } },
  });
  const description = [`NMF result ${r.name}: ${r.n} observations, ${r.k} factors.`, 'Top features per factor:', ...tops.map((t, f) => `${factorVar[f]}: ${t.map((g) => g.name).join(', ')}`)].join('\n');
  const config = vitessceConfig({
    name: r.name,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    mainStore: 'result.zarr',
    factorStore: 'factors.zarr',
    hasGenes: Boolean(e),
    clusterColumns,
    description,
    firstFactor: factorVar[0],
    // Start the gene map on Factor_1's top gene, so both maps show a pattern from the start.
    firstGene: e ? (tops[0]?.map((g) => g.name).find((g) => e.names.includes(g)) ?? e.names[0]) : undefined,
    spotRadius: spotRadius(x, y),
  });
  return { main, factors, config };
}

export const exportVitessceCommand: Command = {
  name: 'export-vitessce',
  summary: 'Export a result as AnnData-zarr stores plus a Vitessce view config',
  usage: 'stnmf export-vitessce <DIR|file.h5ad> --out VIEWER_DIR [--base-url URL]',
  examples: ['stnmf export-vitessce results/nmf-k8 --out vitessce/', 'stnmf export-vitessce results/nmf-k8 --out site/ --base-url https://example.org/site'],
  flags: {
    out: { type: 'string', short: 'o', help: 'output folder', required: true },
    'base-url': { type: 'string', help: 'URL the output folder will be served from (used in vitessce.json)', default: 'http://localhost:8000' },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad) to include as X (genes)' },
    json: { type: 'boolean', help: 'print the summary as JSON on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const t0 = Date.now();
    const src = args.positionals[0];
    if (!src || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder or .h5ad file (got ${args.positionals.length})`);
    const r = await loadResult(src, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined });
    const baseUrl = String(args.flags['base-url']);
    const { main, factors, config } = vitessceExport(r, baseUrl);
    const out = await RunOutput.open(String(args.flags.out));
    try {
      writeStore(join(out.staging, 'result.zarr'), main);
      writeStore(join(out.staging, 'factors.zarr'), factors);
      await out.writeJson('vitessce.json', config);
      await finishRun(
        out,
        {
          command: 'export-vitessce',
          parameters: { baseUrl },
          inputs: { result: r.root, ...r.sources },
          summary: { nObs: r.n, nFactors: r.k, nGenes: r.expression?.names.length ?? 0, clusterColumns: r.clusters.map((c) => c.name), stores: ['result.zarr', 'factors.zarr'], config: 'vitessce.json' },
          seconds: (Date.now() - t0) / 1000,
        },
        ctx,
        Boolean(args.flags.json),
      );
      ctx.log(`stnmf export-vitessce: serve ${out.dir} at ${baseUrl} (e.g. 'npx http-server --cors -p 8000') and load vitessce.json in Vitessce`);
    } finally {
      await out.abort();
    }
  },
};
