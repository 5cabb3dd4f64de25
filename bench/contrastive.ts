/**
 * bcNMF sweep cost vs plain NMF (issue 8: one contrastive sweep ≤ 2.2x one plain NMF sweep of
 * the same size). Target and background are both n x p, so a contrastive sweep does the work
 * of two NMF half-problems plus the shared-basis glue; the plain NMF sweep is the core engine's
 * multiplicative-update sweep on the target alone. Per-sweep times are differences of runs with
 * 2N and N sweeps, so setup and initialisation cancel. Run alone: node dist/bench/contrastive.js
 */
import { readDataset } from '../src/io/index.js';
import { createKernels } from '../src/linalg/backend.js';
import { csrFromDense, selectRows } from '../src/linalg/csr.js';
import type { Dense } from '../src/linalg/dense.js';
import { Rng } from '../src/linalg/rng.js';
import { contrastiveNmf } from '../src/methods/contrastive/index.js';
import { nmf } from '../src/nmf/index.js';

function data(n: number, p: number, seed: number, density: number): Dense {
  const rng = new Rng(seed);
  const d = new Float32Array(n * p);
  for (let q = 0; q < d.length; q++) d[q] = rng.uniform() < density ? rng.poisson(3) : 0;
  return { rows: n, cols: p, data: d };
}

async function fastest(f: () => Promise<number>, reps: number): Promise<number> {
  const t: number[] = [];
  for (let r = 0; r < reps; r++) t.push(await f());
  // The minimum is the least disturbed sample on a shared machine.
  return Math.min(...t);
}

/** Prints and returns the per-sweep times and ratios for a dense Frobenius and a sparse Poisson case. */
export async function runContrastiveBench(): Promise<Record<string, unknown>> {
  const kernels = await createKernels({ threads: 1 });
  const out: Record<string, unknown> = { backend: kernels.name };
  try {
    const cases = [
      { name: 'dense frobenius', n: 1500, p: 800, k: 10, loss: 'frobenius' as const, density: 1, N: 6 },
      { name: 'sparse poisson', n: 3000, p: 1000, k: 10, loss: 'poisson' as const, density: 0.1, N: 6 },
    ];
    for (const c of cases) {
      const Xd = data(c.n, c.p, 1, c.density), Yd = data(c.n, c.p, 2, c.density);
      const X = c.density < 1 ? csrFromDense(Xd) : Xd, Y = c.density < 1 ? csrFromDense(Yd) : Yd;
      const timeBc = async (sweeps: number) => {
        const t0 = performance.now();
        await contrastiveNmf(X, Y, { rank: c.k, alpha: 1, loss: c.loss, maxIter: sweeps, evalEvery: 1000, seed: 0, kernels });
        return performance.now() - t0;
      };
      const timeNmf = async (sweeps: number) => {
        const t0 = performance.now();
        await nmf(X, { rank: c.k, loss: c.loss, solver: 'mu', init: 'random', maxIter: sweeps, tol: 0, seed: 0, kernels, historyEvery: 1000 });
        return performance.now() - t0;
      };
      await timeBc(1);
      await timeNmf(1);
      const bc = (await fastest(() => timeBc(2 * c.N), 3) - (await fastest(() => timeBc(c.N), 3))) / c.N;
      const pl = (await fastest(() => timeNmf(2 * c.N), 3) - (await fastest(() => timeNmf(c.N), 3))) / c.N;
      const ratio = bc / pl;
      console.log(`bcNMF ${c.name} (${c.n}+${c.n} x ${c.p}, k=${c.k}, ${kernels.name}): contrastive sweep ${bc.toFixed(2)} ms, plain NMF sweep ${pl.toFixed(2)} ms, ratio ${ratio.toFixed(2)}x (target <= 2.2x)`);
      out[c.name] = { contrastiveMs: bc, plainMs: pl, ratio };
    }
    // Real size: the Xenium run split at the median x into two regions (target = left half,
    // background = right half, ~18,300 cells x 248 genes each), Poisson, k = 20. At the toy
    // sizes above a plain sweep takes ~1.5 ms and fixed per-call costs weigh in; here the
    // kernels dominate, as they do for users.
    const xen = await readDataset(new URL('../../../shared/data/xenium-mouse-brain', import.meta.url).pathname);
    const sp = xen.obsm.spatial!;
    const xs = Array.from({ length: sp.rows }, (_, i) => sp.data[i * sp.cols]);
    const med = [...xs].sort((a, b) => a - b)[sp.rows >> 1];
    const left = xs.flatMap((x, i) => (x < med ? [i] : []));
    const right = xs.flatMap((x, i) => (x >= med ? [i] : []));
    const T = selectRows(xen.X, left), B = selectRows(xen.X, right);
    const N = 10;
    const timeBc = async (sweeps: number) => {
      const t0 = performance.now();
      await contrastiveNmf(T, B, { rank: 20, alpha: 1, loss: 'poisson', maxIter: sweeps, evalEvery: 1000, seed: 0, kernels });
      return performance.now() - t0;
    };
    const timeNmf = async (sweeps: number) => {
      const t0 = performance.now();
      await nmf(T, { rank: 20, loss: 'poisson', solver: 'mu', init: 'random', maxIter: sweeps, tol: 0, seed: 0, kernels, historyEvery: 1000 });
      return performance.now() - t0;
    };
    await timeBc(1);
    await timeNmf(1);
    const bc = (await fastest(() => timeBc(2 * N), 3) - (await fastest(() => timeBc(N), 3))) / N;
    const pl = (await fastest(() => timeNmf(2 * N), 3) - (await fastest(() => timeNmf(N), 3))) / N;
    console.log(`bcNMF Xenium halves, poisson (${T.rows}+${B.rows} x ${T.cols}, k=20, ${kernels.name}): contrastive sweep ${bc.toFixed(2)} ms, plain NMF sweep ${pl.toFixed(2)} ms, ratio ${(bc / pl).toFixed(2)}x (target <= 2.2x)`);
    out['xenium poisson'] = { contrastiveMs: bc, plainMs: pl, ratio: bc / pl };
  } finally {
    kernels.dispose();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await runContrastiveBench();
