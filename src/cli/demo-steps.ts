/**
 * The steps of `stnmf demo`: each method on built-in simulated data, written into its own
 * folder with the files its command writes. Kept out of the command files so each command
 * stays flags → library call → writers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../io/npy.js';
import { createKernels } from '../linalg/backend.js';
import type { Dense } from '../linalg/dense.js';
import { contrastiveNmf, targetNmfBaseline } from '../methods/contrastive/index.js';
import { runSpatialMultiOmics, scoreLabelsAgainstTruth, type MarkerTable } from '../methods/multiomics/index.js';
import { runSiid } from '../methods/siid/index.js';
import { evaluateHsnmf, hsnmf, hsnmfSummary, metricsCsv } from '../methods/snmf/index.js';
import { adjustedRandIndex } from '../metrics/index.js';
import { kmeans, nmf } from '../nmf/index.js';
import { simulateContrastive } from '../simulate/contrastive.js';
import { simulateMultiOmics } from '../simulate/multiomics.js';
import { simulateSiid, simulateSpatialCounts } from '../simulate/index.js';
import type { CommandContext } from './command.js';
import { jsonReplacer } from './output.js';
import { writeRunFiles } from './outputs/hsnmf.js';
import { writeMultiOmicsOutputs } from './outputs/multiomics.js';
import { writeOutputs } from './outputs/siid.js';

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
    await writeRunFiles((name) => join(outDir, name), ds, hybrid, { markerNames: mh.markerNames, markers: mh.markers });
    const summary = { ...hsnmfSummary(mh.metrics, hybrid, seconds), feature: { chaos: mf.metrics.chaos, pas: mf.metrics.pas, ari: mf.metrics.ari, nClusters: mf.metrics.nClusters } };
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}

/**
 * `stnmf demo` step: SIID on a small checkerboard simulation (1500 cells, 120 of 400 genes,
 * 6 types), 5-fold holdout and the full fit; writes the outputs of `stnmf siid` into outDir.
 */
export async function demoSiid(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateSiid({ nCells: 1500, nGenes: 400, nPanel: 120, types: 6, grid: 6, extent: 1200, seed: 0 });
  const truth = Array.from(sim.types, (t) => `type${t}`);
  const r = await runSiid(sim.cells, sim.spots, undefined, { rank: 6, visiumGenes: 'all', imputeGenes: [], restarts: 2, maxIter: 80 }, 5, 0, ctx, truth);
  await writeOutputs(r, sim.cells, sim.spots, (name) => join(outDir, name));
  await writeFile(join(outDir, 'summary.json'), JSON.stringify(r.summary, jsonReplacer, 2) + '\n');
  return r.summary;
}

/**
 * `stnmf demo` step: the M3.9 benchmark (200 cells, 4 types, k = 4) through the whole pipeline,
 * written into `outDir`, in a few seconds.
 */
export async function demoMultiomics(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateMultiOmics({ seed: 0 });
  const markers: MarkerTable = {
    types: sim.types,
    markers: sim.types.map((t) => sim.markers.filter((m) => m.cellType === t).map((m) => ({ feature: m.feature, modality: m.modality }))),
  };
  const kernels = await createKernels();
  try {
    const t0 = performance.now();
    const r = await runSpatialMultiOmics(
      { ...sim.transcripts, name: 'simulated transcripts' },
      { ...sim.proteins, name: 'simulated proteins' },
      markers,
      { nFactors: 4, radius: 50, seed: 42, kernels, signal: ctx.signal, nPerms: 1000 },
    );
    await writeMultiOmicsOutputs(r, (name) => join(outDir, name), false);
    const truth = new Map(sim.transcripts.ids.map((id, i) => [id, sim.types[sim.truth[i]]]));
    const summary = { ...scoreLabelsAgainstTruth(r, truth), nObs: r.ids.length, nFactors: 4, factorTypes: r.annotation.factors.map((a) => a.cellType), seconds: (performance.now() - t0) / 1000 };
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}

/**
 * The `stnmf demo` step for bcNMF: simulated target/background counts with two target-only
 * programs (`simulateContrastive`, 300 + 200 cells, 150 genes), Poisson bcNMF with K = 2,
 * α = 1 (perSample), 150 sweeps, and plain NMF of the target for comparison; writes the factors
 * and summary.json into `outDir` and returns the key figures (ARI of KMeans(2) on the target
 * coefficients against the planted groups, for both methods).
 */
export async function demoContrastive(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateContrastive({ nTarget: 300, nBackground: 200, features: 150, seed: 0 });
  const kernels = await createKernels();
  try {
    const t0 = performance.now();
    const r = await contrastiveNmf(sim.target, sim.background, { rank: 2, alpha: 1, alphaScale: 'perSample', loss: 'poisson', maxIter: 150, seed: 0, kernels, signal: ctx.signal });
    const seconds = (performance.now() - t0) / 1000;
    const plain = await targetNmfBaseline(sim.target, { rank: 2, loss: 'poisson', maxIter: 150, seed: 0, kernels, signal: ctx.signal });
    const ari = (h: Dense) => adjustedRandIndex(kmeans(h.data, h.rows, h.cols, { k: 2, seed: 0 }).labels, sim.targetGroup);
    writeNpy(join(outDir, 'basis.npy'), r.basis);
    writeNpy(join(outDir, 'H_target.npy'), r.hTarget);
    writeNpy(join(outDir, 'H_background.npy'), r.hBackground);
    const summary = {
      objective: r.objective,
      iterations: r.iterations,
      nTarget: sim.target.X.rows,
      nBackground: sim.background.X.rows,
      nFeatures: sim.target.X.cols,
      rank: 2,
      aribcNMF: ari(r.hTarget),
      ariPlainNmf: ari(plain.hTarget),
      enrichmentLog2: Array.from(r.enrichment),
      backend: kernels.name,
      seconds,
    };
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}

/** The demo's steps in order. Methods register theirs here. */
export const DEMO_STEPS: DemoStep[] = [
  { name: 'nmf', run: demoNmf },
  { name: 'hsnmf', run: demoHsnmf },
  { name: 'siid', run: demoSiid },
  { name: 'multiomics', run: demoMultiomics },
  { name: 'contrastive', run: demoContrastive },
];
