/**
 * `npm run bench -- nmf`: our NMF against scikit-learn (mu/KL and cd/Frobenius) and RcppML
 * (one thread) on the real Xenium run (36,602 cells x 248 genes, k = 20), in one run; the time
 * each of our solvers needs to reach the peer's final loss, and the ratio. Then the 200,000-cell
 * scale run (child process, for its peak RSS). Kernel GFLOP/s come from `bench -- kernels`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { writeCsrNpz } from '../src/io/npz.js';
import { createKernels } from '../src/linalg/backend.js';
import type { Csr } from '../src/linalg/csr.js';
import { nmf, type NmfResult } from '../src/nmf/index.js';
import { commandWallSeconds } from './command-wall.js';
import { DATA, pythonHas, rcppmlAvailable, runPeer } from './peers.js';

/** One comparison row. */
export interface NmfBenchRow {
  solver: string;
  /** Our initialisation (the peers use their own: scikit-learn nndsvda, RcppML random). */
  init: string;
  peer: string;
  peerSeconds: number;
  peerLoss: number;
  peerIterations: number;
  threads: number;
  /** Our seconds (init + iterations, loss evaluations for the trace excluded) to reach the peer's final loss. */
  secondsToPeerLoss: number | null;
  iterationsToPeerLoss: number | null;
  /** Our final loss when run to convergence (tol 1e-6, up to 1000 iterations). */
  convergedLoss: number;
  /** convergedLoss / peerLoss (≤ 1.001 required). */
  lossRatio: number;
  /** peerSeconds / secondsToPeerLoss (> 1: we are faster). */
  speedup: number | null;
  /**
   * Wall seconds of the `stnmf nmf` command that runs the same start, solver, threads and
   * iterations (read + init + iterations + writing the folder and its figures).
   */
  commandSeconds: number | null;
}

/**
 * Mean milliseconds per iteration over the first and the last `span` iterations of a run, from
 * its history (solver seconds; loss evaluations excluded). The history must hold the points
 * `span` and `iterations − span` or earlier ones (historyEvery dividing them); a flat run has
 * ratio last/first ≈ 1 (issue 16: subnormals once made it 4x).
 */
export function iterationTimes(r: NmfResult, span = 100): { firstMs: number; lastMs: number; ratio: number } | null {
  const h = r.history;
  if (r.iterations < span || h.length < 2) return null;
  const endFirst = h.filter((x) => x.iteration <= span).pop()!;
  const last = h[h.length - 1];
  const startLast = h.filter((x) => x.iteration <= last.iteration - span).pop()!;
  if (endFirst.iteration === 0 || startLast.iteration === last.iteration) return null;
  const firstMs = (1000 * endFirst.seconds) / endFirst.iteration;
  const lastMs = (1000 * (last.seconds - startLast.seconds)) / (last.iteration - startLast.iteration);
  return { firstMs, lastMs, ratio: lastMs / firstMs };
}

function describeTimes(r: NmfResult): string {
  const t = iterationTimes(r);
  return t ? `${t.firstMs.toFixed(1)} ms/iteration over the first 100, ${t.lastMs.toFixed(1)} over the last 100 (x${t.ratio.toFixed(2)})` : 'fewer than 100 iterations';
}

function timeToTarget(r: NmfResult, target: number): { seconds: number; iteration: number } | null {
  for (const h of r.history) if (h.loss <= target) return { seconds: r.initSeconds + h.seconds, iteration: h.iteration };
  return null;
}

/** Runs the NMF comparison; `threads` lists our thread counts (default 1 and 2). */
export async function runNmfBench(options: { threads?: number[]; log?: (s: string) => void } = {}): Promise<{ rows: NmfBenchRow[]; nnz: number }> {
  const log = options.log ?? ((s: string) => console.log(s));
  const h5 = join(DATA, 'xenium-mouse-brain/cell_feature_matrix.h5');
  const ds = await readTenxH5(h5);
  const X: Csr = ds.X;
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bench-nmf-'));
  const rows: NmfBenchRow[] = [];
  try {
    const npz = join(dir, 'X.npz');
    writeCsrNpz(npz, X);
    const peers: Array<{ solver: 'mu-kl' | 'hals-fro'; peer: string; run: () => Record<string, unknown> }> = [];
    if (pythonHas('sklearn', 'threadpoolctl')) {
      for (const variant of ['mu-kl', 'cd-fro'] as const) {
        peers.push({
          solver: variant === 'mu-kl' ? 'mu-kl' : 'hals-fro',
          peer: `scikit-learn ${variant}`,
          run: () => {
            const j = runPeer('/usr/bin/python3', 'sklearn_nmf.py', ['--input', npz, '--rank', '20', '--variant', variant, '--init', 'nndsvda', '--seed', '0', '--max-iter', '200', '--tol', '1e-4', '--threads', '1'], join(dir, `sk-${variant}.json`));
            return (j.results as Record<string, unknown>[])[0];
          },
        });
      }
    } else log('# scikit-learn peer skipped: /usr/bin/python3 lacks sklearn (see ../shared/tools/peers/README.md)');
    if (rcppmlAvailable()) {
      peers.push({
        solver: 'hals-fro',
        peer: 'RcppML (1 thread, min of 3)',
        run: () => {
          const j = runPeer('Rscript', 'rcppml_nmf.R', ['--input', npz, '--rank', '20', '--seed', '0', '--maxit', '100', '--tol', '1e-4', '--threads', '1', '--repeats', '3', '--out-dir', dir], join(dir, 'rcppml.json'));
          return (j.results as Record<string, unknown>[])[0];
        },
      });
    } else log('# RcppML peer skipped: Rscript with RcppML not installed');

    const threadCounts = options.threads ?? [1, 2];
    // Initialisations we run per solver: nndsvda is scikit-learn's default (and ours); for HALS
    // plain nndsvd is also run because on sparse counts it reaches a lower optimum (under MU its
    // zeros would never move, G1.5).
    // `nndsvd α=0` is the default start with one sweep per half-step (scikit-learn's cd step for
    // step) beside the default accelerated HALS (α = 0.5, Gillis & Glineur 2012).
    const inits = { 'mu-kl': ['nndsvda'], 'hals-fro': ['nndsvda', 'nndsvd', 'nndsvd α=0'] } as const;
    // Our runs do not depend on the peer, so each solver/init is run once per thread count.
    const ours = new Map<string, { trace: NmfResult; converged: NmfResult }>();
    for (const threads of threadCounts) {
      const kernels = await createKernels({ threads });
      try {
        for (const solver of ['mu-kl', 'hals-fro'] as const) {
          const base = solver === 'mu-kl' ? { loss: 'poisson' as const, solver: 'mu' as const } : { loss: 'frobenius' as const, solver: 'hals' as const };
          for (const variant of inits[solver]) {
            const init = variant === 'nndsvd α=0' ? 'nndsvd' : variant;
            const alpha = variant === 'nndsvd α=0' ? { halsAlpha: 0 } : {};
            const trace = await nmf(X, { rank: 20, ...base, ...alpha, init, maxIter: 400, tol: 0, historyEvery: 1, kernels });
            // historyEvery 10: the MU tolerance check evaluates the loss every 10 iterations anyway,
            // and the points give the first/last-100 iteration times.
            const converged = await nmf(X, { rank: 20, ...base, ...alpha, init, maxIter: 1000, tol: 1e-6, historyEvery: 10, kernels });
            ours.set(`${solver}/${variant}/${threads}`, { trace, converged });
            log(`# ours ${solver} ${variant} ${threads} thread(s) [${kernels.name}]: ${trace.iterations} iterations in ${(trace.initSeconds + trace.history[trace.history.length - 1].seconds).toFixed(2)} s, loss ${trace.loss.toPrecision(8)}; converged (tol 1e-6) ${converged.loss.toPrecision(8)} after ${converged.iterations}`);
            log(`#   trace run: ${describeTimes(trace)}; converged run: ${describeTimes(converged)}`);
          }
        }
      } finally {
        kernels.dispose();
      }
    }
    // The command a user runs for a row, timed once per distinct flag set.
    const walls = new Map<string, number>();
    const commandSeconds = (solver: 'mu-kl' | 'hals-fro', variant: string, threads: number, iterations: number): number => {
      const flags = solver === 'mu-kl' ? ['--loss', 'poisson', '--solver', 'mu'] : ['--loss', 'frobenius', '--solver', 'hals'];
      const init = variant === 'nndsvd α=0' ? ['--init', 'nndsvd', '--hals-alpha', '0'] : ['--init', variant];
      const args = ['nmf', h5, '--rank', '20', ...flags, ...init, '--max-iter', String(Math.max(1, iterations)), '--tol', '0', '--threads', String(threads)];
      const key = args.join(' ');
      if (!walls.has(key)) walls.set(key, commandWallSeconds(args));
      return walls.get(key)!;
    };
    for (const p of peers) {
      const r = p.run();
      const peerLoss = r.loss as number;
      const peerSeconds = r.time_s as number;
      log(`# ${p.peer}: ${r.iterations} iterations in ${peerSeconds.toFixed(2)} s, loss ${peerLoss.toPrecision(8)}`);
      for (const init of inits[p.solver]) for (const threads of threadCounts) {
        const o = ours.get(`${p.solver}/${init}/${threads}`)!;
        const hit = timeToTarget(o.trace, peerLoss);
        rows.push({
          solver: p.solver === 'mu-kl' ? 'mu, Poisson/KL' : 'hals, Frobenius',
          init,
          peer: p.peer,
          peerSeconds,
          peerLoss,
          peerIterations: r.iterations as number,
          threads,
          secondsToPeerLoss: hit ? hit.seconds : null,
          iterationsToPeerLoss: hit ? hit.iteration : null,
          convergedLoss: o.converged.loss,
          lossRatio: o.converged.loss / peerLoss,
          speedup: hit ? peerSeconds / hit.seconds : null,
          commandSeconds: hit ? commandSeconds(p.solver, init, threads, hit.iteration) : null,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log('');
  log('| ours | our init | peer | peer s | peer loss | threads | ours s to peer loss (iters) | speedup | command wall s, same iters | converged loss / peer |');
  log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(`| ${r.solver} | ${r.init} | ${r.peer} | ${r.peerSeconds.toFixed(2)} | ${r.peerLoss.toPrecision(7)} | ${r.threads} | ${r.secondsToPeerLoss === null ? 'not reached' : `${r.secondsToPeerLoss.toFixed(2)} (${r.iterationsToPeerLoss})`} | ${r.speedup === null ? '–' : r.speedup.toFixed(2) + 'x'} | ${r.commandSeconds === null ? '–' : r.commandSeconds.toFixed(2)} | ${r.lossRatio.toFixed(5)} |`);
  }
  return { rows, nnz: X.indptr[X.rows] };
}

/**
 * The scale run of issue 2: simulated 200,000 x 500 counts at 10 % density, Poisson NMF,
 * k = 20, 100 iterations. Runs in a child process so that its peak RSS is its own.
 */
export function runScaleBench(options: { threads?: number; log?: (s: string) => void } = {}): { seconds: number; peakRssMB: number; nnz: number; threads: number } {
  const log = options.log ?? ((s: string) => console.log(s));
  const script = new URL('./nmf-scale.js', import.meta.url).pathname;
  const out = execFileSync(process.execPath, [script, String(options.threads ?? 0)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  log(`# scale run: ${r.rows} x ${r.cols}, nnz ${r.nnz}, Poisson k = 20, 100 iterations, ${r.threads} thread(s): ${r.seconds.toFixed(1)} s (generation ${r.generateSeconds.toFixed(1)} s not included), peak RSS ${r.peakRssMB.toFixed(0)} MB`);
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runNmfBench();
  runScaleBench();
}
