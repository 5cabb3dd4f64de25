/**
 * `npm run bench -- consensus`: the replicate stage of cNMF — 5 ranks x 20 replicates (100 NMF
 * fits from seeded random starts, cNMF's settings: Frobenius, multiplicative updates, max_iter
 * 1000, tol 1e-4) on the Xenium mouse-brain counts (248 genes x 36,602 cells) — with stnmf's
 * `runReplicate` and with scikit-learn's `NMF(init='random', solver='mu')` (what cNMF calls),
 * one thread each, in the same run; prints both times, their ratio and the mean final losses.
 * Beside it, the wall time of the `stnmf consensus` command a user runs for the same plan on one
 * thread (start, read, the same replicates, then consensus, refits, k selection and figures).
 * Overrides (small checks): BENCH_CNMF_RANKS=5,10 BENCH_CNMF_REPLICATES=2 BENCH_CNMF_MAX_ITER=50.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeCsrNpz } from '../src/io/npz.js';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { createKernels } from '../src/linalg/backend.js';
import { replicatePlan, runReplicate } from '../src/nmf/cnmf.js';
import { commandWallSeconds } from './command-wall.js';
import { DATA, pythonHas } from './peers.js';

const PEER = `
import sys, json, time, numpy as np, scipy.sparse as sp, warnings
from sklearn.decomposition import NMF
from threadpoolctl import threadpool_limits
warnings.filterwarnings('ignore')
z = np.load(sys.argv[1]); A = sp.csr_matrix((z['data'], z['indices'], z['indptr']), shape=tuple(z['shape'])).astype(np.float64)
plan = json.load(open(sys.argv[2])); max_iter = int(sys.argv[3]); tol = float(sys.argv[4])
losses = []; iters = 0
with threadpool_limits(1):
    t0 = time.perf_counter()
    for s in plan:
        m = NMF(s['k'], init='random', solver='mu', beta_loss='frobenius', max_iter=max_iter, tol=tol, random_state=s['seed'] % (2**32 - 1))
        W = m.fit_transform(A); iters += m.n_iter_
        losses.append(0.5 * m.reconstruction_err_ ** 2)
    t = time.perf_counter() - t0
print(json.dumps({'seconds': t, 'iterations': int(iters), 'mean_loss': float(np.mean(losses))}))
`;

/** Runs the benchmark; returns both times. */
export async function runConsensusBench(log: (s: string) => void = console.log): Promise<{ ours: number; commandSeconds: number; sklearn?: number }> {
  const ranks = (process.env.BENCH_CNMF_RANKS ?? '5,10,15,20,25').split(',').map(Number);
  const R = Number(process.env.BENCH_CNMF_REPLICATES ?? 20);
  const maxIter = Number(process.env.BENCH_CNMF_MAX_ITER ?? 1000);
  const tol = 1e-4;
  const h5 = join(DATA, 'xenium-mouse-brain/cell_feature_matrix.h5');
  const ds = await readTenxH5(h5);
  const plan = replicatePlan(ranks, R, 0);
  log(`# cNMF replicates: ranks ${ranks.join(',')} x ${R} replicates = ${plan.length} fits on ${ds.X.rows} x ${ds.X.cols}; mu, Frobenius, random init, max_iter ${maxIter}, tol ${tol}, one thread each`);
  const kernels = await createKernels({ threads: 1 });
  let ours = 0, iters = 0, lossSum = 0;
  try {
    const t0 = performance.now();
    for (const s of plan) {
      const r = await runReplicate(ds.X, s, { loss: 'frobenius', solver: 'mu', maxIter, tol, kernels });
      iters += r.iterations;
      lossSum += r.loss;
    }
    ours = (performance.now() - t0) / 1000;
  } finally {
    kernels.dispose();
  }
  log(`stnmf (${kernels.name}, 1 thread): ${ours.toFixed(2)} s, ${iters} iterations, mean final loss ${(lossSum / plan.length).toPrecision(8)}`);
  const commandSeconds = commandWallSeconds(['consensus', h5, '--ranks', ranks.join(','), '--replicates', String(R), '--max-iter', String(maxIter), '--tol', String(tol), '--threads', '1']);
  log(`stnmf consensus command, 1 thread (start, read, replicates, consensus, refits, k selection, figures): ${commandSeconds.toFixed(2)} s wall`);
  if (!pythonHas('sklearn', 'threadpoolctl')) {
    log('# scikit-learn peer skipped: /usr/bin/python3 lacks sklearn/threadpoolctl (apt-get install python3-sklearn)');
    return { ours, commandSeconds };
  }
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bench-cnmf-'));
  try {
    const npz = join(dir, 'X.npz');
    writeCsrNpz(npz, ds.X);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const out = execFileSync('/usr/bin/python3', ['-c', PEER, npz, join(dir, 'plan.json'), String(maxIter), String(tol)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const j = JSON.parse(out.trim().split('\n').pop()!);
    log(`scikit-learn NMF(solver='mu', init='random') (1 thread): ${j.seconds.toFixed(2)} s, ${j.iterations} iterations, mean final loss ${j.mean_loss.toPrecision(8)}`);
    log(`ratio scikit-learn / stnmf: ${(j.seconds / ours).toFixed(2)}x`);
    return { ours, commandSeconds, sklearn: j.seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runConsensusBench();
