/**
 * `stnmf export-vitessce <DIR> --out viewer-dir`: AnnData-zarr stores plus a Vitessce view
 * config (formats.md §1.13, "recommended NMF export"): `result.zarr` (X = genes when the
 * counts are available, obs clusters with their colours in uns, obsm spatial and X_nmf) and
 * `factors.zarr` (X = W, var = factor names), both zarr v2 with consolidated metadata, and
 * `vitessce.json` (a factor map, a gene map when there are genes, lists, cell sets in our
 * cluster colours; see `vitessceConfig`).
 */
import { join } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { finishRun, withRun } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { StnmfError } from '../../errors.js';
import { vitessceExport } from '../../plot/vitessce.js';
import { resultDataFlags, resultDataReader } from '../input.js';
import { readResult } from '../../io/result.js';
import { writeStore } from '../../io/store.js';

export const exportVitessceCommand: Command = {
  name: 'export-vitessce',
  summary: 'Export a result as AnnData-zarr stores plus a Vitessce view config',
  usage: 'stnmf export-vitessce <DIR|file.h5ad> --out VIEWER_DIR [--base-url URL]',
  examples: [
    "stnmf export-vitessce nmf-out --out vitessce/",
    "stnmf export-vitessce hsnmf-out --out site/ --base-url https://example.org/site",
  ],
  flags: {
    ...runFolderFlags(),
    'base-url': { type: 'string', help: 'URL the output folder will be served from (used in vitessce.json)', default: 'http://localhost:8000' },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad) to include as X (genes)' },
    ...resultDataFlags(),
    json: { type: 'boolean', help: 'print the summary as JSON on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const t0 = Date.now();
    const src = args.positionals[0];
    if (!src || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder or .h5ad file (got ${args.positionals.length})`);
    const r = await readResult(src, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined, readData: resultDataReader('export-vitessce', args.flags, ctx) });
    const baseUrl = String(args.flags['base-url']);
    const { main, factors, config } = vitessceExport(r, baseUrl);
    const out = await RunOutput.open(String(args.flags.out), { force: Boolean(args.flags.force) });
    await withRun(out, async () => {
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
    });
  },
};
