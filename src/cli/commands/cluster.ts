/**
 * `stnmf cluster`: scanpy's `neighbors` (UMAP connectivities on an obsm embedding, G3.5) then
 * Leiden (G2), writing `obs.leiden` and `obsp.connectivities` into result.h5ad.
 */
import { writeH5ad } from '../../io/h5ad.js';
import { attachLeiden, leidenClusters } from '../../methods/leiden/index.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { StnmfError } from '../../errors.js';
import { clusterSizes } from '../../metrics/markers.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { obsmMatrix } from '../obs-matrix.js';
import { RunOutput, runFolderFlags } from '../output.js';

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'Leiden clustering on the kNN/UMAP graph of an embedding (scanpy neighbors + leiden)',
  usage: 'stnmf cluster <input> [--use X_nmf] [--neighbors 15] [--resolution 1] [--seed 0] --out DIR',
  examples: [
    "stnmf cluster nmf-out/ --use X_nmf --neighbors 15 --resolution 1 --out clusters",
  ],
  flags: {
    use: { type: 'string', default: 'X_nmf', help: 'obsm key of the embedding' },
    neighbors: { type: 'int', min: 1, default: 15, help: 'neighbours per cell including itself (scanpy n_neighbors)' },
    resolution: { type: 'number', exclusiveMin: 0, default: 1, help: 'RB-configuration resolution (scanpy default)' },
    iterations: { type: 'int', default: 2, help: 'Leiden iterations; negative = until stable (scanpy/leidenalg default 2)' },
    seed: { type: 'int', min: 0, default: 0, help: 'random seed' },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
  },
  async run(args, ctx) {
    const f = args.flags;
    const { dataset: ds, record } = await loadInput('cluster', args.positionals[0], f, ctx);
    obsmMatrix(ds, f.use as string); // fails early, naming --use, when the embedding is missing
    const k = f.neighbors as number;
    if (k < 2 || k > ds.X.rows) throw new StnmfError('USAGE', `stnmf cluster: --neighbors must be from 2 to the number of observations (${ds.X.rows}); got ${k}`);
    if (!((f.resolution as number) > 0)) throw new StnmfError('USAGE', `stnmf cluster: --resolution must be > 0; got ${f.resolution}`);
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    await withRun(out, async () => {
      const t0 = performance.now();
      const res = await leidenClusters(ds, { use: f.use as string, neighbors: k, resolution: f.resolution as number, iterations: f.iterations as number, seed: f.seed as number, signal: ctx.signal });
      const seconds = (performance.now() - t0) / 1000;
      attachLeiden(ds, res);
      await writeMarkerOutputs(out.path('markers.csv'), ds, 'leiden', { signal: ctx.signal });
      await writeH5ad(out.path('result.h5ad'), ds);
      await out.writeText('clusters.csv', 'obs_name,leiden\n' + ds.obs.index.map((id, i) => `${id},${res.membership[i]}`).join('\n') + '\n');
      await finishRun(
        out,
        {
          command: 'cluster',
          parameters: { use: f.use, neighbors: k, resolution: f.resolution, iterations: f.iterations, seed: f.seed },
          inputs: { input: record },
          seed: f.seed as number,
          summary: { modularity: res.modularity, quality: res.quality, nClusters: res.nClusters, sizes: Array.from(clusterSizes(res.membership, res.nClusters)), seconds },
          seconds,
        },
        ctx,
        Boolean(f.json),
      );
    });
  },
};
