/**
 * `stnmf demo`: the main job on built-in simulated data, no downloads. Each method adds a step
 * that writes into its own subfolder of `--out` (default `./stnmf-demo/`), and a top-level
 * summary.json gathers every step's key figures.
 */
import { mkdir, rm, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import { nmf } from '../../nmf/index.js';
import { simulateSpatialCounts } from '../../simulate/index.js';
import type { Command, CommandContext } from '../command.js';
import { jsonReplacer } from '../output.js';
import { demoContrastive } from './contrastive.js';
import { demoHsnmf } from './hsnmf.js';
import { demoMultiomics } from './multiomics.js';
import { demoSiid } from './siid.js';

/** One step of the demo: writes into `dir` and returns its key figures. */
export interface DemoStep {
  name: string;
  run(dir: string, ctx: CommandContext): Promise<Record<string, unknown>>;
}

/** NMF on a simulated slide with six banded domains: Poisson NMF, k = 6. */
async function demoNmf(dir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateSpatialCounts({ cells: 3000, genes: 200, programs: 6, seed: 0 });
  const ds = sim.dataset;
  const kernels = await createKernels();
  try {
    const t0 = performance.now();
    const r = await nmf(ds.X, { rank: 6, loss: 'poisson', maxIter: 300, seed: 0, kernels, signal: ctx.signal });
    const seconds = (performance.now() - t0) / 1000;
    writeNpy(join(dir, 'W.npy'), r.W);
    writeNpy(join(dir, 'H.npy'), r.H);
    const xy = ds.obsm.spatial.data;
    const lines = ['cell_id,x,y,domain'];
    for (let i = 0; i < ds.X.rows; i++) lines.push(`${ds.obs.index[i]},${xy[2 * i]},${xy[2 * i + 1]},${sim.domain[i]}`);
    await writeFile(join(dir, 'cells.csv'), lines.join('\n') + '\n');
    await writeFile(join(dir, 'var_names.txt'), ds.var.index.join('\n') + '\n');
    // How well the factors recover the planted programs: best-matching cosine similarity.
    const recovery = programRecovery(sim.programs.data, r.H.data, 6, ds.X.cols);
    const summary = { loss: r.loss, iterations: r.iterations, converged: r.converged, nObs: ds.X.rows, nVars: ds.X.cols, rank: 6, programRecovery: recovery, backend: kernels.name, seconds };
    await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}

/** Mean over true programs of the best cosine similarity with any fitted program. */
function programRecovery(truth: Float32Array, fitted: Float32Array, k: number, p: number): number {
  let total = 0;
  for (let a = 0; a < k; a++) {
    let best = 0;
    for (let b = 0; b < k; b++) {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < p; j++) {
        dot += truth[a * p + j] * fitted[b * p + j];
        na += truth[a * p + j] ** 2;
        nb += fitted[b * p + j] ** 2;
      }
      best = Math.max(best, dot / Math.sqrt(na * nb || 1));
    }
    total += best;
  }
  return total / k;
}

/** The demo's steps in order. Methods register theirs here. */
export const DEMO_STEPS: DemoStep[] = [
  { name: 'nmf', run: demoNmf },
  { name: 'hsnmf', run: demoHsnmf },
  { name: 'siid', run: demoSiid },
  { name: 'multiomics', run: demoMultiomics },
  { name: 'contrastive', run: demoContrastive },
];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every method on built-in simulated data (no downloads) and write ./stnmf-demo/',
  usage: 'stnmf demo [--out DIR]',
  examples: ['stnmf demo', 'stnmf demo --out /tmp/demo --json'],
  flags: {
    out: { type: 'string', short: 'o', default: 'stnmf-demo', help: 'output folder' },
    json: { type: 'boolean', help: 'also print the summary to stdout' },
  },
  async run(args, ctx) {
    const outDir = resolve(args.flags.out as string);
    const staging = `${outDir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const summary: Record<string, unknown> = {};
    const t0 = performance.now();
    try {
      for (const step of DEMO_STEPS) {
        ctx.log(`stnmf demo: ${step.name} ...`);
        const dir = join(staging, step.name);
        await mkdir(dir, { recursive: true });
        const s0 = performance.now();
        summary[step.name] = await step.run(dir, ctx);
        ctx.log(`stnmf demo: ${step.name} done in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
      }
      summary.seconds = (performance.now() - t0) / 1000;
      await writeFile(join(staging, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
      // Replace an older demo folder only once the new one is complete.
      await rm(outDir, { recursive: true, force: true });
      await rename(staging, outDir);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    if (args.flags.json) ctx.print(JSON.stringify(summary, jsonReplacer));
    ctx.log(`stnmf demo: results in ${outDir}`);
  },
};
