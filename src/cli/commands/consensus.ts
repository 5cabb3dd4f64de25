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
import { StnmfError } from '../../errors.js';
import { npyToDense, readNpy, writeNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import { cnmfConsensus, parseRanks, replicatePlan, scaleGenes, workerShare, type CnmfFitOptions, type ReplicateSpec } from '../../nmf/cnmf.js';
import { CONSENSUS_OPTIONS } from '../../nmf/index.js';
import { optionsFromFlags } from '../../options.js';
import { consensusRankFiles, kSelectionFiles, kSelectionRow, type KSelectionRow } from '../../outputs/consensus.js';
import type { Command } from '../command.js';
import { finishRun } from '../command.js';
import { runReplicates } from '../consensus-runner.js';
import { inputFlags, loadInput } from '../input.js';
import { optionFlags } from '../option-flags.js';
import { RunOutput } from '../output.js';
import { diskSink } from '../outputs/sink.js';

export const consensusCommand: Command = {
  name: 'consensus',
  summary: 'consensus NMF (cNMF) over a rank sweep: stable programs, usages and the k-selection plot',
  usage: 'stnmf consensus <input> | --samples manifest.csv --ranks 5:30:5 [--replicates 20] [--seed 0] [--worker-index i --total-workers n | --combine] --out DIR',
  examples: [
    "stnmf consensus xenium/ --ranks 5,7 --replicates 4 --max-iter 100 --out cnmf-out",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --worker-index 0 --total-workers 2 --out cnmf-split   # one of 2 machines",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --worker-index 1 --total-workers 2 --out cnmf-split",
    "stnmf consensus xenium/ --ranks 5 --replicates 4 --max-iter 100 --combine --out cnmf-split   # after all workers",
    "stnmf consensus --samples breast-samples.csv --ranks 3,4 --replicates 3 --max-iter 50 --out cnmf-slices   # one set of spectra for every slice; usages_<sample>.npy per rank",
  ],
  flags: {
    ranks: { type: 'string', required: true, help: 'ranks k: a list 5,7,10 or a range start:stop:step (stop included)' },
    ...optionFlags(CONSENSUS_OPTIONS),
    'scale-genes': { type: 'boolean', help: 'cNMF-style gene scaling: counts normalised to the median total, each gene divided by its standard deviation' },
    threads: { type: 'int', min: 1, help: 'replicates run at once (default: all cores); results do not depend on it' },
    'worker-index': { type: 'int', min: 0, help: 'run only this worker\'s share of the replicates (0-based; needs --total-workers) and save them' },
    'total-workers': { type: 'int', min: 1, help: 'number of workers sharing the replicates' },
    combine: { type: 'boolean', help: 'build the consensus from the replicates saved in --out by all workers' },
    out: { type: 'string', short: 'o', required: true, help: 'output folder (shared by all workers)' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
  },
  async run(args, ctx) {
    const f = args.flags;
    // One input, or several samples as one (--samples manifest.csv): one set of spectra shared by all.
    if (args.positionals.length > 1 || (args.positionals.length === 0 && f.samples === undefined)) throw new StnmfError('USAGE', `stnmf consensus: one input (or --samples manifest.csv) expected, got ${args.positionals.length} inputs`);
    const input: string | undefined = args.positionals[0];
    const ranks = parseRanks(f.ranks as string);
    // Every option has a default, so the parsed flags give each one.
    const o = optionsFromFlags<{ replicates: number; seed: number; localNeighborhoodSize: number; densityThreshold: number } & Required<Omit<CnmfFitOptions, 'kernels' | 'signal'>>>(CONSENSUS_OPTIONS, f);
    const R = o.replicates;
    const wi = f['worker-index'] as number | undefined, tw = f['total-workers'] as number | undefined;
    if ((wi === undefined) !== (tw === undefined)) throw new StnmfError('USAGE', 'stnmf consensus: --worker-index and --total-workers go together');
    if (wi !== undefined && f.combine) throw new StnmfError('USAGE', 'stnmf consensus: --combine runs after the workers; do not give it with --worker-index');
    const threads = (f.threads as number | undefined) ?? availableParallelism();
    const { dataset: ds, record } = await loadInput('consensus', input, f, ctx, { nonNegative: true });
    for (const k of ranks) if (k > Math.min(ds.X.rows, ds.X.cols)) throw new StnmfError('USAGE', `stnmf consensus: rank ${k} exceeds min(observations, features) = ${Math.min(ds.X.rows, ds.X.cols)}`);
    const X = f['scale-genes'] ? scaleGenes(ds.X).X : ds.X;
    const fit: Omit<CnmfFitOptions, 'kernels' | 'signal'> = { loss: o.loss, solver: o.solver, maxIter: o.maxIter, tol: o.tol };
    if (fit.solver === 'hals' && fit.loss === 'poisson') throw new StnmfError('USAGE', 'stnmf consensus: --solver hals minimises the Frobenius loss only; use --solver mu with --loss poisson');
    const plan = replicatePlan(ranks, R, o.seed);
    const dir = f.out as string;
    const repDir = join(dir, 'replicates');
    await mkdir(repDir, { recursive: true });
    await checkPlan(join(dir, 'plan.json'), { input: input ?? `--samples ${f.samples}`, ranks, replicates: R, seed: o.seed, scaleGenes: Boolean(f['scale-genes']), nObs: ds.X.rows, nVars: ds.X.cols, ...fit });
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
      const rows: KSelectionRow[] = [];
      for (const k of ranks) {
        const Hs = plan.filter((s) => s.k === k).map((s) => npyToDense(readNpy(file(s)), file(s)));
        ctx.progress('consensus', ranks.indexOf(k), ranks.length, `k=${k}`);
        const c = await cnmfConsensus(X, k, Hs, { ...fit, kernels, signal: ctx.signal, localNeighborhoodSize: o.localNeighborhoodSize, densityThreshold: o.densityThreshold });
        rows.push(kSelectionRow(c));
        const sub = join(out.staging, `consensus_k${k}`);
        await mkdir(sub);
        await consensusRankFiles(ds, c, o.densityThreshold, diskSink((name) => join(sub, name)), ctx.signal);
      }
      const mostStableK = await kSelectionFiles(rows, { loss: o.loss, densityThreshold: o.densityThreshold, localNeighborhoodSize: o.localNeighborhoodSize }, diskSink(out));
      for (const k of ranks) await rm(join(dir, `consensus_k${k}`), { recursive: true, force: true }); // commit renames folders, which needs the old ones gone
      const seconds = (performance.now() - t0) / 1000;
      await finishRun(out, {
        command: 'consensus',
        parameters: { ranks, replicates: R, seed: o.seed, localNeighborhood: o.localNeighborhoodSize, densityThreshold: o.densityThreshold, scaleGenes: Boolean(f['scale-genes']), threads, ...fit },
        inputs: { input: record },
        seed: o.seed,
        summary: { ranks, mostStableK, kSelection: rows, seconds },
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

