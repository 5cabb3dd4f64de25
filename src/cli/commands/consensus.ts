/**
 * `stnmf consensus`: cNMF (Kotliar et al. 2019) over a rank sweep — R replicate NMFs per k from
 * seeded random starts, consensus spectra after cNMF's density filter, usages refitted with the
 * spectra fixed, and the k-selection plot (stability and error against k). The steps and
 * defaults are cNMF's (src/nmf/cnmf.ts).
 *
 * Parallel and resumable: replicates run in worker threads (one kernel thread each, so results
 * do not depend on `--threads`) and each is saved to `<out>/replicates/k{k}_r{r}.npy` when it
 * finishes; a rerun skips the saved ones. Across machines: `--worker-index i --total-workers n`
 * runs every n-th replicate from i and only saves them; `--combine` then (on any machine with the
 * shared folder) builds the consensus from the saved replicates, refusing while any is missing.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Column, Dataset } from '../../dataset.js';
import { StnmfError, type StnmfErrorCode } from '../../errors.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { npyToDense, readNpy, writeNpy } from '../../io/npy.js';
import { factorNames, KEYS } from '../../keys.js';
import { createKernels } from '../../linalg/backend.js';
import type { Csr } from '../../linalg/csr.js';
import { transposeDense, type Dense } from '../../linalg/dense.js';
import { cnmfConsensus, parseRanks, replicatePlan, runReplicate, scaleGenes, spectraCorrelation, workerShare, type CnmfFitOptions, type ReplicateSpec } from '../../nmf/cnmf.js';
import type { NmfLoss, NmfSolver } from '../../nmf/index.js';
import { sceneToPng } from '../../plot/index.js';
import { densityHistogram, kSelectionPlot, spectraClustergram } from '../../plot/k-selection.js';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { RunOutput } from '../output.js';

export const consensusCommand: Command = {
  name: 'consensus',
  summary: 'consensus NMF (cNMF) over a rank sweep: stable programs, usages and the k-selection plot',
  usage: 'stnmf consensus <input> --ranks 5:30:5 [--replicates 20] [--seed 0] [--worker-index i --total-workers n | --combine] --out DIR',
  examples: [
    "stnmf consensus xenium/ --ranks 5,7 --replicates 4 --max-iter 100 --out cnmf-out",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --worker-index 0 --total-workers 2 --out cnmf-split   # one of 2 machines",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --worker-index 1 --total-workers 2 --out cnmf-split",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --combine --out cnmf-split   # after all workers",
  ],
  flags: {
    ranks: { type: 'string', required: true, help: 'ranks k: a list 5,7,10 or a range start:stop:step (stop included)' },
    replicates: { type: 'int', default: 20, help: 'replicate factorisations per k (cNMF n_iter; cNMF suggests 100+ for final runs)' },
    seed: { type: 'int', default: 0, help: 'run seed; replicate seeds derive from it, k and the replicate index' },
    'local-neighborhood': { type: 'number', default: 0.3, help: 'fraction of replicates that form a spectrum\'s neighbourhood for its local density (cNMF default)' },
    'density-threshold': { type: 'number', default: 0.5, help: 'spectra with local density at or above this are dropped as outliers (cNMF default; 2 keeps all)' },
    loss: { type: 'string', choices: ['frobenius', 'poisson'], default: 'frobenius', help: 'NMF loss (cNMF beta_loss default frobenius)' },
    solver: { type: 'string', choices: ['mu', 'hals'], default: 'mu', help: 'NMF solver (cNMF uses mu)' },
    'max-iter': { type: 'int', default: 1000, help: 'iterations per replicate and refit (cNMF default)' },
    tol: { type: 'number', default: 1e-4, help: 'stopping tolerance (cNMF default)' },
    'scale-genes': { type: 'boolean', help: 'cNMF-style gene scaling: counts normalised to the median total, each gene divided by its standard deviation' },
    threads: { type: 'int', help: 'replicates run at once (default: all cores); results do not depend on it' },
    'worker-index': { type: 'int', help: 'run only this worker\'s share of the replicates (0-based; needs --total-workers) and save them' },
    'total-workers': { type: 'int', help: 'number of workers sharing the replicates' },
    combine: { type: 'boolean', help: 'build the consensus from the replicates saved in --out by all workers' },
    out: { type: 'string', short: 'o', required: true, help: 'output folder (shared by all workers)' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length !== 1) throw new StnmfError('USAGE', `stnmf consensus: one input expected, got ${args.positionals.length}`);
    const input = args.positionals[0];
    const ranks = parseRanks(f.ranks as string);
    const R = f.replicates as number;
    if (R < 2) throw new StnmfError('USAGE', `stnmf consensus: --replicates must be ≥ 2; got ${R}`);
    const wi = f['worker-index'] as number | undefined, tw = f['total-workers'] as number | undefined;
    if ((wi === undefined) !== (tw === undefined)) throw new StnmfError('USAGE', 'stnmf consensus: --worker-index and --total-workers go together');
    if (wi !== undefined && f.combine) throw new StnmfError('USAGE', 'stnmf consensus: --combine runs after the workers; do not give it with --worker-index');
    const threads = (f.threads as number | undefined) ?? availableParallelism();
    if (threads < 1) throw new StnmfError('USAGE', `stnmf consensus: --threads must be ≥ 1; got ${threads}`);
    const { dataset: ds, record } = await loadInput('consensus', input, f, ctx, { nonNegative: true });
    for (const k of ranks) if (k > Math.min(ds.X.rows, ds.X.cols)) throw new StnmfError('USAGE', `stnmf consensus: rank ${k} exceeds min(observations, features) = ${Math.min(ds.X.rows, ds.X.cols)}`);
    const X = f['scale-genes'] ? scaleGenes(ds.X).X : ds.X;
    const fit: Omit<CnmfFitOptions, 'kernels' | 'signal'> = { loss: f.loss as NmfLoss, solver: f.solver as NmfSolver, maxIter: f['max-iter'] as number, tol: f.tol as number };
    if (fit.solver === 'hals' && fit.loss === 'poisson') throw new StnmfError('USAGE', 'stnmf consensus: --solver hals minimises the Frobenius loss only; use --solver mu with --loss poisson');
    const plan = replicatePlan(ranks, R, f.seed as number);
    const dir = f.out as string;
    const repDir = join(dir, 'replicates');
    await mkdir(repDir, { recursive: true });
    await checkPlan(join(dir, 'plan.json'), { input, ranks, replicates: R, seed: f.seed, scaleGenes: Boolean(f['scale-genes']), nObs: ds.X.rows, nVars: ds.X.cols, ...fit });
    const file = (s: ReplicateSpec) => join(repDir, `k${s.k}_r${s.replicate}.npy`);
    const t0 = performance.now();
    if (!f.combine) {
      const mine = wi !== undefined ? workerShare(plan, wi, tw!) : plan;
      const todo = mine.filter((s) => !existsSync(file(s)));
      if (todo.length < mine.length) ctx.log(`stnmf consensus: ${mine.length - todo.length} of ${mine.length} replicates already saved in ${repDir}; running the other ${todo.length}`);
      await runReplicates(X, todo, fit, threads, ctx, (s, H) => writeNpy(file(s), H));
      if (wi !== undefined) {
        ctx.log(`stnmf consensus: worker ${wi} of ${tw} saved ${mine.length} replicates in ${repDir}; run with --combine when every worker is done`);
        return;
      }
    }
    const missing = plan.filter((s) => !existsSync(file(s)));
    if (missing.length) {
      throw new StnmfError('BAD_INPUT', `stnmf consensus --combine: ${missing.length} of ${plan.length} replicates are not in ${repDir} (first: k=${missing[0].k} replicate ${missing[0].replicate}); run the missing workers, or rerun without --combine to compute them here`);
    }
    const out = await RunOutput.open(dir, { merge: true }); // the workers' shared folder: replicates/ and plan.json stay
    const kernels = await createKernels({ threads });
    try {
      const rows: { k: number; stability: number; error: number; filteredStability: number; filteredError: number; kept: number; total: number }[] = [];
      for (const k of ranks) {
        const Hs = plan.filter((s) => s.k === k).map((s) => npyToDense(readNpy(file(s)), file(s)));
        ctx.progress('consensus', ranks.indexOf(k), ranks.length, `k=${k}`);
        const c = await cnmfConsensus(X, k, Hs, { ...fit, kernels, signal: ctx.signal, localNeighborhoodSize: f['local-neighborhood'] as number, densityThreshold: f['density-threshold'] as number });
        rows.push({ k, stability: c.selection.stability, error: c.selection.error, filteredStability: c.stability, filteredError: c.error, kept: c.kept.length, total: c.spectra.length });
        const sub = join(out.staging, `consensus_k${k}`);
        await mkdir(sub);
        writeNpy(join(sub, 'spectra.npy'), c.H);
        writeNpy(join(sub, 'usages.npy'), c.W);
        const names = factorNames(k);
        await writeFile(join(sub, 'spectra.csv'), 'program,' + ds.var.index.join(',') + '\n' + names.map((nm, t) => nm + ',' + Array.from(c.H.data.subarray(t * ds.X.cols, (t + 1) * ds.X.cols)).join(',')).join('\n') + '\n');
        const labels = new Int32Array(c.kept.length + 0);
        const fullLabels = new Int32Array(c.spectra.length).fill(-1);
        c.kept.forEach((a, i) => (fullLabels[a] = c.labels[i]));
        labels.set(c.labels);
        await writeFile(join(sub, 'density_histogram.png'), sceneToPng(densityHistogram({ density: c.localDensity, threshold: f['density-threshold'] as number, title: `Local density of replicate spectra, k=${k}` })));
        await writeFile(join(sub, 'clustergram.png'), sceneToPng(spectraClustergram({ correlation: spectraCorrelation(c.spectra), m: c.spectra.length, labels: fullLabels, density: c.localDensity, title: `Replicate spectra correlation, k=${k}` })));
        const res = resultDataset(ds, c.W, c.H, { k, stability: c.stability, error: c.error, kSelectionStability: c.selection.stability, kSelectionError: c.selection.error, keptSpectra: c.kept.length, totalSpectra: c.spectra.length, nNeighbors: c.nNeighbors });
        await writeMarkerOutputs(join(sub, 'markers.csv'), res, KEYS.consensus.obs, { signal: ctx.signal });
        await writeH5ad(join(sub, 'result.h5ad'), res);
      }
      const lines = ['k,stability,prediction_error,stability_filtered,prediction_error_filtered,kept_spectra,total_spectra,local_density_threshold,local_neighborhood_size'];
      for (const r of rows) lines.push([r.k, r.stability, r.error, r.filteredStability, r.filteredError, r.kept, r.total, f['density-threshold'], f['local-neighborhood']].join(','));
      await out.writeText('k_selection.csv', lines.join('\n') + '\n');
      const best = rows.reduce((a, b) => (b.stability > a.stability ? b : a));
      const errorLabel = fit.loss === 'poisson' ? 'Error (refit KL divergence)' : 'Error (refit sum of squared residuals)';
      await out.writeBytes('k_selection.png', sceneToPng(kSelectionPlot({ ks: rows.map((r) => r.k), stability: rows.map((r) => r.stability), error: rows.map((r) => r.error), errorLabel, chosen: best.k })));
      for (const k of ranks) await rm(join(dir, `consensus_k${k}`), { recursive: true, force: true }); // commit renames folders, which needs the old ones gone
      const seconds = (performance.now() - t0) / 1000;
      await finishRun(out, {
        command: 'consensus',
        parameters: { ranks, replicates: R, seed: f.seed, localNeighborhood: f['local-neighborhood'], densityThreshold: f['density-threshold'], scaleGenes: Boolean(f['scale-genes']), threads, ...fit },
        inputs: { input: record },
        seed: f.seed as number,
        summary: { ranks, mostStableK: best.k, kSelection: rows, seconds },
        seconds,
      }, ctx, Boolean(f.json));
    } catch (e) {
      await out.abort();
      throw e;
    } finally {
      kernels.dispose();
    }
  },
};

/** plan.json pins what the saved replicates were computed with; a mismatch would mix runs. */
async function checkPlan(path: string, plan: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify(plan);
  if (existsSync(path)) {
    const old = (await readFile(path, 'utf8')).trim();
    const a = JSON.parse(old), b = JSON.parse(text);
    const { ranks: ra, replicates: rr, ...restA } = a, { ranks: rb, replicates: rbb, ...restB } = b;
    void ra; void rb; void rr; void rbb;
    if (JSON.stringify(restA) !== JSON.stringify(restB)) {
      throw new StnmfError('USAGE', `stnmf consensus: ${path} records other settings (${old}); use another --out or the same input, seed and fit options`);
    }
  }
  await writeFile(path, text + '\n');
}

/** Runs the replicates on `threads` worker threads (in this thread when 1), calling `save` as each finishes. */
async function runReplicates(X: Csr, todo: ReplicateSpec[], fit: Omit<CnmfFitOptions, 'kernels' | 'signal'>, threads: number, ctx: CommandContext, save: (s: ReplicateSpec, H: Dense) => void): Promise<void> {
  if (todo.length === 0) return;
  let done = 0;
  const report = (s: ReplicateSpec, loss: number) => ctx.progress('replicates', ++done, todo.length, `k=${s.k} r=${s.replicate} loss ${loss.toPrecision(6)}`);
  const nw = Math.min(threads, todo.length);
  if (nw === 1) {
    const kernels = await createKernels({ threads: 1 });
    try {
      for (const s of todo) {
        const r = await runReplicate(X, s, { ...fit, kernels, signal: ctx.signal });
        save(s, r.H);
        report(s, r.loss);
      }
    } finally {
      kernels.dispose();
    }
    return;
  }
  // Largest jobs first, dealt round-robin, so the workers finish at about the same time.
  const ordered = [...todo].sort((a, b) => b.k - a.k);
  const shares = Array.from({ length: nw }, (_, w) => ordered.filter((_, i) => i % nw === w));
  const workers = shares.map((specs) => new Worker(new URL('../consensus-worker.js', import.meta.url), { workerData: { X, specs, fit } }));
  const onAbort = () => workers.forEach((w) => void w.terminate());
  ctx.signal.addEventListener('abort', onAbort);
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.on('message', (m: { spec: ReplicateSpec; H: Dense; loss: number } | { error: { code: StnmfErrorCode; message: string } }) => {
        // A user error raised in the worker (bad values, bad option) keeps its type and exit code.
        if ('error' in m) return reject(new StnmfError(m.error.code, m.error.message));
        save(m.spec, m.H);
        report(m.spec, m.loss);
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new StnmfError('ABORTED', `stnmf consensus: a replicate worker stopped (exit ${code})`))));
    })));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The input with the consensus attached: usages as obsm X_nmf, spectra as varm nmf, argmax program as obs. */
function resultDataset(ds: Dataset, W: Dense, H: Dense, stats: Record<string, number>): Dataset {
  const k = H.rows;
  const codes = new Int32Array(W.rows);
  for (let i = 0; i < W.rows; i++) {
    let best = 0;
    for (let t = 1; t < k; t++) if (W.data[i * k + t] > W.data[i * k + best]) best = t;
    codes[i] = best;
  }
  const obs = { index: ds.obs.index, columns: new Map<string, Column>([...ds.obs.columns, [KEYS.consensus.obs, { kind: 'category', codes, categories: factorNames(k) }]]) };
  return {
    ...ds,
    obs,
    obsm: { ...ds.obsm, [KEYS.consensus.obsm]: W },
    varm: { ...ds.varm, [KEYS.consensus.varm]: transposeDense(H) },
    uns: { ...ds.uns, [KEYS.consensus.uns]: { ...stats, factor_names: factorNames(k) } },
  };
}
