/**
 * Child process of the scale benchmark: generates 200,000 x 500 Poisson counts at exactly 10 %
 * density (50 distinct genes per cell, values 1 + Poisson(2)), runs Poisson NMF (k = 20,
 * nndsvda, 100 iterations, no early stop) and prints one JSON line with seconds and peak RSS.
 * Usage: node dist/bench/nmf-scale.js [threads (0 = all cores)]
 */
import { createKernels } from '../src/linalg/backend.js';
import { Rng } from '../src/linalg/rng.js';
import { nmf } from '../src/nmf/index.js';

const threadsArg = Number(process.argv[2] ?? 0);
const n = 200_000, p = 500, perRow = 50;
const g0 = performance.now();
const rng = new Rng(2026);
const indptr = new Int32Array(n + 1);
const indices = new Int32Array(n * perRow);
const data = new Float32Array(n * perRow);
const chosen = new Uint8Array(p);
const cols = new Int32Array(perRow);
for (let i = 0; i < n; i++) {
  // Floyd's sampling of perRow distinct columns, then sorted.
  let c = 0;
  for (let j = p - perRow; j < p; j++) {
    const t = rng.int(j + 1);
    const pick = chosen[t] ? j : t;
    chosen[pick] = 1;
    cols[c++] = pick;
  }
  cols.sort();
  for (let q = 0; q < perRow; q++) {
    indices[i * perRow + q] = cols[q];
    data[i * perRow + q] = 1 + rng.poisson(2);
    chosen[cols[q]] = 0;
  }
  indptr[i + 1] = (i + 1) * perRow;
}
const generateSeconds = (performance.now() - g0) / 1000;
const kernels = await createKernels(threadsArg > 0 ? { threads: threadsArg } : {});
const t0 = performance.now();
const r = await nmf({ rows: n, cols: p, indptr, indices, data }, { rank: 20, loss: 'poisson', maxIter: 100, tol: 0, historyEvery: 1000, kernels });
const seconds = (performance.now() - t0) / 1000;
const threads = kernels.threads;
kernels.dispose();
console.log(JSON.stringify({ rows: n, cols: p, nnz: n * perRow, iterations: r.iterations, loss: r.loss, seconds, generateSeconds, threads, backend: kernels.name, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
