/**
 * `stnmf contrastive`: background-contrastive NMF (bcNMF, methods-spec M4) of a target data set
 * against a background with the same features. Writes basis.npy (k x features), H_target.npy
 * (target observations x k), H_background.npy (background observations x k), history.csv,
 * enrichment.csv, result.h5ad (target and background stacked, `obs.group`,
 * `obsm.X_bcnmf`, `varm.bcnmf`), summary.json and run.json.
 *
 * Orientation: observations are rows. The original code (and its demo tables) stores features
 * x samples; pass `--features-in-rows` for such tables and they are transposed on reading.
 */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Dataset } from '../../dataset.js';
import { frame, makeDataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { readCsvDataset } from '../../io/csv.js';
import { writeH5ad } from '../../io/h5ad.js';
import { readDataset } from '../../io/index.js';
import { writeNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import type { Csr } from '../../linalg/csr.js';
import { transposeCsr } from '../../linalg/csr.js';
import type { Dense } from '../../linalg/dense.js';
import { contrastiveNmf, targetNmfBaseline, topFeatures, type ContrastiveNmfResult } from '../../methods/contrastive/index.js';
import { adjustedRandIndex } from '../../metrics/index.js';
import { kmeans } from '../../nmf/index.js';
import { simulateContrastive } from '../../simulate/contrastive.js';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import { jsonReplacer, RunOutput } from '../output.js';

const DELIMITED = /\.(csv|tsv|txt)(\.gz)?$/i;

/** Reads one input; delimited tables go through the CSV reader with the requested orientation. */
async function loadSide(flag: string, path: string | undefined, featuresInRows: boolean, ctx: CommandContext): Promise<Dataset> {
  if (!path) throw new StnmfError('USAGE', `stnmf contrastive: --${flag} <path> is required`);
  let ds: Dataset;
  if (DELIMITED.test(path)) {
    ds = await readCsvDataset(path, { orientation: featuresInRows ? 'var-rows' : 'obs-rows' });
  } else {
    ds = await readDataset(path);
    if (featuresInRows) {
      // Non-delimited readers already return observations x features; --features-in-rows flips them.
      ds = { ...ds, X: transposeCsr(ds.X), obs: frame(ds.var.index.slice()), var: frame(ds.obs.index.slice()), obsm: {}, varm: {}, obsp: {}, layers: {} };
    }
  }
  ctx.log(`stnmf contrastive: --${flag} ${path}: ${ds.X.rows} observations x ${ds.X.cols} features`);
  return ds;
}

function stackRows(a: Csr, b: Csr): Csr {
  const na = a.indptr[a.rows], nb = b.indptr[b.rows];
  const indptr = new Int32Array(a.rows + b.rows + 1);
  indptr.set(a.indptr.subarray(0, a.rows + 1));
  for (let i = 1; i <= b.rows; i++) indptr[a.rows + i] = na + b.indptr[i];
  const indices = new Int32Array(na + nb), data = new Float32Array(na + nb);
  indices.set(a.indices.subarray(0, na));
  indices.set(b.indices.subarray(0, nb), na);
  data.set(a.data.subarray(0, na));
  data.set(b.data.subarray(0, nb), na);
  return { rows: a.rows + b.rows, cols: a.cols, indptr, indices, data };
}

/** The AnnData view of a run: both groups stacked, coefficients in obsm, basis in varm. */
function resultDataset(t: Dataset, b: Dataset, r: ContrastiveNmfResult, features: string[]): Dataset {
  const keep = (ds: Dataset): Csr => {
    if (ds.X.cols === features.length && ds.var.index.every((f, j) => f === features[j])) return ds.X;
    const pos = new Map(ds.var.index.map((f, j) => [f, j] as const));
    const cols = features.map((f) => pos.get(f)!);
    const map = new Int32Array(ds.X.cols).fill(-1);
    cols.forEach((c, j) => (map[c] = j));
    const rows: number[] = [], ci: number[] = [], v: number[] = [];
    for (let i = 0; i < ds.X.rows; i++) for (let q = ds.X.indptr[i]; q < ds.X.indptr[i + 1]; q++) if (map[ds.X.indices[q]] >= 0) {
      rows.push(i); ci.push(map[ds.X.indices[q]]); v.push(ds.X.data[q]);
    }
    const indptr = new Int32Array(ds.X.rows + 1);
    for (const i of rows) indptr[i + 1]++;
    for (let i = 0; i < ds.X.rows; i++) indptr[i + 1] += indptr[i];
    // Entries were visited row by row, so they are already in CSR order.
    return { rows: ds.X.rows, cols: features.length, indptr, indices: Int32Array.from(ci), data: Float32Array.from(v) };
  };
  const X = stackRows(keep(t), keep(b));
  const names = [...t.obs.index.map((s) => `target:${s}`), ...b.obs.index.map((s) => `background:${s}`)];
  const d = makeDataset(X, names, features, { platform: 'stnmf-contrastive', source: `${t.meta.source} | ${b.meta.source}` });
  const n = X.rows, k = r.basis.rows, p = features.length;
  d.obs = frame(names, { group: { kind: 'category', codes: Int32Array.from({ length: n }, (_, i) => (i < t.X.rows ? 0 : 1)), categories: ['target', 'background'] } });
  const coef = new Float32Array(n * k);
  coef.set(r.hTarget.data, 0);
  coef.set(r.hBackground.data, t.X.rows * k);
  d.obsm.X_bcnmf = { rows: n, cols: k, data: coef };
  const st = t.obsm.spatial, sb = b.obsm.spatial;
  if (st && sb) {
    const xy = new Float64Array(n * 2);
    xy.set(st.data, 0);
    xy.set(sb.data, t.X.rows * 2);
    d.obsm.spatial = { rows: n, cols: 2, data: xy };
  }
  const basisT = new Float32Array(p * k);
  for (let t2 = 0; t2 < k; t2++) for (let j = 0; j < p; j++) basisT[j * k + t2] = r.basis.data[t2 * p + j];
  d.varm.bcnmf = { rows: p, cols: k, data: basisT };
  d.uns.bcnmf = { enrichment: Float64Array.from(r.enrichment), objective: r.objective, alpha: r.alphaEffective, loss: String(r.parameters.loss), rank: k };
  return d;
}

export const contrastiveCommand: Command = {
  name: 'contrastive',
  summary: 'background-contrastive NMF (bcNMF): factors of a target that its background lacks',
  usage: 'stnmf contrastive --target <path> --background <path> --rank K --alpha A [--loss frobenius|poisson] --out DIR',
  examples: [
    'stnmf contrastive --target target_images.csv --background background_images.csv --features-in-rows --rank 2 --alpha 2 --max-iter 300 --out bcnmf-demo',
    'stnmf contrastive --target tumour.h5ad --background normal.h5ad --rank 10 --alpha 1 --loss poisson --intersect --batch-size 4096 --out bcnmf',
  ],
  flags: {
    target: { type: 'string', input: 'dataset', required: true, help: 'target data set (any readable format; observations x features unless --features-in-rows)' },
    background: { type: 'string', input: 'dataset', required: true, help: 'background data set with the same features' },
    'features-in-rows': { type: 'boolean', help: 'delimited tables store features as rows and observations as columns (the bcNMF demo layout)' },
    rank: { type: 'int', min: 1, short: 'k', required: true, help: 'number of factors K' },
    alpha: { type: 'number', min: 0, required: true, help: 'contrastive weight α >= 0 (0 = plain NMF of the target)' },
    loss: { type: 'string', choices: ['frobenius', 'poisson'], default: 'frobenius', help: 'squared error or generalised KL / Poisson' },
    'max-iter': { type: 'int', min: 1, default: 200, help: 'sweeps (methods-spec M4.6 default)' },
    tol: { type: 'number', min: 0, default: 0, help: 'stop when J changes by less than this (relative) over 10 sweeps; 0 = fixed sweeps like the original' },
    'batch-size': { type: 'int', min: 1, help: 'observations per block (minibatch training); default all' },
    'alpha-scale': { type: 'string', choices: ['raw', 'perSample'], default: 'raw', help: "raw = the original's α; perSample = α·n_target/n_background" },
    normalize: { type: 'string', choices: ['l2', 'l1', 'none'], help: 'scale of the returned factors (default l2 for frobenius, l1 for poisson)' },
    intersect: { type: 'boolean', help: 'keep only the features present in both inputs instead of failing' },
    seed: { type: 'int', min: 0, default: 0, help: 'random seed of the initialisation' },
    top: { type: 'int', min: 1, default: 10, help: 'top features listed per factor in summary.json' },
    threads: { type: 'int', min: 1, help: 'worker threads (default: all cores)' },
    out: { type: 'string', short: 'o', required: true, help: 'output folder' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length > 0) throw new StnmfError('USAGE', `stnmf contrastive: unexpected argument '${args.positionals[0]}' (inputs go in --target and --background)`);
    const alpha = f.alpha as number;
    if (alpha < 0) throw new StnmfError('BAD_OPTION', `stnmf contrastive: --alpha must be >= 0, got ${alpha}`);
    const threads = f.threads as number | undefined;
    if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf contrastive: --threads must be >= 1, got ${threads}`);
    const fir = Boolean(f['features-in-rows']);
    const t = await loadSide('target', f.target as string, fir, ctx);
    const b = await loadSide('background', f.background as string, fir, ctx);
    const out = await RunOutput.open(f.out as string);
    const kernels = await createKernels({ threads });
    try {
      const t0 = performance.now();
      const r = await contrastiveNmf(t, b, {
        rank: f.rank as number,
        alpha,
        loss: f.loss as 'frobenius' | 'poisson',
        maxIter: f['max-iter'] as number,
        tol: f.tol as number,
        batchSize: f['batch-size'] as number | undefined,
        alphaScale: f['alpha-scale'] as 'raw' | 'perSample',
        normalize: f.normalize as 'l1' | 'l2' | 'none' | undefined,
        intersect: Boolean(f.intersect),
        seed: f.seed as number,
        kernels,
        signal: ctx.signal,
        onProgress: (e) => ctx.progress('bcNMF sweeps', e.iteration, e.maxIter, `J ${e.objective.toPrecision(7)}`),
      });
      const seconds = (performance.now() - t0) / 1000;
      const features = r.featureNames ?? t.var.index;
      writeNpy(out.path('basis.npy'), r.basis);
      writeNpy(out.path('H_target.npy'), r.hTarget);
      writeNpy(out.path('H_background.npy'), r.hBackground);
      await out.writeText('var_names.txt', features.join('\n') + '\n');
      await out.writeText(
        'history.csv',
        'iteration,objective,target_term,background_term,legacy_monitor\n' +
          r.history.map((h) => `${h.iteration},${h.objective},${h.targetTerm},${h.backgroundTerm},${h.legacyMonitor}`).join('\n') + '\n',
      );
      await out.writeText(
        'enrichment.csv',
        'factor,enrichment_log2,target_mean,background_mean\n' +
          Array.from(r.enrichmentOrder).map((k) => `${k},${r.enrichment[k]},${r.targetMean[k]},${r.backgroundMean[k]}`).join('\n') + '\n',
      );
      await writeH5ad(out.path('result.h5ad'), resultDataset(t, b, r, features));
      const top = f.top as number;
      await finishRun(
        out,
        {
          command: 'contrastive',
          parameters: { ...r.parameters, featuresInRows: fir },
          inputs: { target: f.target, background: f.background, nTarget: t.X.rows, nBackground: b.X.rows, nFeaturesTarget: t.X.cols, nFeaturesBackground: b.X.cols },
          seed: f.seed as number,
          summary: {
            objective: r.objective,
            objectiveName: r.parameters.loss === 'poisson' ? 'D_KL(target) - alpha*D_KL(background)' : '||target - H W||^2 - alpha*||background - H W||^2',
            targetTerm: r.targetTerm,
            backgroundTerm: r.backgroundTerm,
            alphaEffective: r.alphaEffective,
            iterations: r.iterations,
            converged: r.converged,
            rank: r.basis.rows,
            nTarget: t.X.rows,
            nBackground: b.X.rows,
            nFeatures: features.length,
            factors: Array.from(r.enrichmentOrder).map((k) => ({
              factor: k,
              enrichmentLog2: r.enrichment[k],
              topFeatures: topFeatures(r.basis, k, top, features).map((x) => x.feature),
            })),
            backend: kernels.name,
            seconds,
          },
          seconds,
        },
        ctx,
        Boolean(f.json),
      );
    } catch (e) {
      await out.abort();
      throw e;
    } finally {
      kernels.dispose();
    }
  },
};

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
