/**
 * `stnmf metrics`: every spatial-domain metric of a labelling (methods-spec G4) in one
 * summary.json with camelCase keys, plus a per-factor Moran's I table.
 */
import { checkRadius, requireMicrons } from '../../io/index.js';
import { computeMetrics } from '../../metrics/index.js';
import { StnmfError } from '../../errors.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { obsLabels, obsmMatrix, spatialXY } from '../obs-matrix.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { factorName } from '../../keys.js';
import { sampleGroups } from '../../samples.js';

export const metricsCommand: Command = {
  name: 'metrics',
  summary: "spatial-domain metrics of a clustering: Moran's I, Geary's C, CHAOS, PAS, silhouette, Davies–Bouldin, ARI/NMI",
  usage: 'stnmf metrics <input> --labels leiden [--use X_nmf] --radius R [--truth COLUMN] --out DIR',
  examples: [
    "stnmf metrics clusters/ --labels leiden --use X_nmf --radius 30 --out metrics",
  ],
  flags: {
    labels: { type: 'string', default: 'leiden', help: 'obs column with the cluster labels' },
    use: { type: 'string', default: 'X_nmf', help: "obsm key of the embedding (silhouette, Davies–Bouldin, Moran's I per column)" },
    radius: { type: 'number', exclusiveMin: 0, required: true, help: "radius of the spatial graph for Moran's I / Geary's C, in µm (coordinates are converted with the reader's or --microns-per-unit's scale; refused when it is unknown)" },
    truth: { type: 'string', help: 'obs column with reference labels for ARI and NMI' },
    'sample-size': { type: 'int', min: 0, default: 10000, help: 'silhouette/Davies–Bouldin subsample (hSNMF: 10,000, stratified); 0 = all cells' },
    seed: { type: 'int', min: 0, default: 0, help: 'subsample seed' },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
  },
  async run(args, ctx) {
    const f = args.flags;
    const radius = f.radius as number;
    if (!(radius > 0)) throw new StnmfError('USAGE', `stnmf metrics: --radius must be > 0; got ${radius}`);
    const { dataset: ds, record } = await loadInput('metrics', args.positionals[0], f, ctx);
    // --radius is in µm on every dataset: no µm assumed on pixels (issue 13, point 6).
    const upm = requireMicrons(ds, 'metrics --radius');
    const xy = spatialXY(ds, upm);
    const labels = obsLabels(ds, f.labels as string, 'labels');
    const emb = obsmMatrix(ds, f.use as string);
    const truth = f.truth ? obsLabels(ds, f.truth as string, 'truth') : undefined;
    // The sanity check sees the coordinates as the metrics do: in µm.
    const inUm = { ...ds, obsm: { ...ds.obsm, spatial: { rows: ds.X.rows, cols: 2, data: xy } }, meta: { ...ds.meta, coordinateUnit: 'um' as const, micronsPerUnit: 1 } };
    const warning = checkRadius(inUm as typeof ds, radius, '--radius (µm)');
    if (warning) ctx.log(`stnmf metrics: warning: ${warning}`);
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    await withRun(out, async () => {
      const t0 = performance.now();
      // Several samples: graphs and neighbourhoods within each sample only (src/metrics/summary.ts).
      const sg = sampleGroups(ds);
      const groups = sg ? { codes: sg.codes, nGroups: sg.ids.length } : undefined;
      const m = computeMetrics({ xy, labels, embedding: emb.data, dim: emb.cols, truth, groups }, { radius, sampleSize: f['sample-size'] as number, seed: f.seed as number });
      const perSample = m.perGroup?.map(({ group, ...rest }) => ({ sample: sg!.ids[group], ...rest }));
      delete m.perGroup;
      const seconds = (performance.now() - t0) / 1000;
      const rows = m.moransI.map((I, t) => `${factorName(t)},${I},${m.moransIZ[t]},${m.moransIP[t]},${m.gearysC[t]}`);
      await out.writeText('moran.csv', 'factor,morans_i,z,p,gearys_c\n' + rows.join('\n') + '\n');
      const meanMoran = m.moransI.length ? m.moransI.reduce((a, b) => a + b, 0) / m.moransI.length : NaN;
      await finishRun(
        out,
        {
          command: 'metrics',
          parameters: { labels: f.labels, use: f.use, radius, radiusUnit: 'um', micronsPerUnit: upm, truth: f.truth, sampleSize: f['sample-size'], seed: f.seed },
          inputs: { input: record },
          seed: f.seed as number,
          summary: { ...m, moransIMean: meanMoran, ...(perSample ? { sampleKey: sg!.key, perSample } : {}), seconds },
          seconds,
        },
        ctx,
        Boolean(f.json),
      );
    });
  },
};
