// The streamed joint NMF (issue 18, point 5): HALS on the four breast slices with one slice's
// matrix in memory at a time gives the H (and every slice's W) of the in-memory HALS fit of
// the stacked matrix from the same start, to 1e-6 relative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSamples } from '../src/io/samples.js';
import { selectRows } from '../src/linalg/csr.js';
import { createKernels } from '../src/linalg/index.js';
import { initialize, nmf, streamingJointNmf } from '../src/nmf/index.js';
import { sampleGroups, sampleRows } from '../src/samples.js';
import { BREAST, breastManifest } from './samples-helpers.js';

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) ((d += (a[i] - b[i]) ** 2), (n += b[i] ** 2));
  return Math.sqrt(d / n);
}

// The TS reference kernels add Xᵀ W and WᵀW in float64 in the order the streamed fit does, so
// the two fits agree to rounding (bound 1e-6 relative, the issue's). The wasm kernels' in-memory
// products round differently; there the agreement measured after 60 iterations is ~1.7e-6,
// which the second case bounds at 1e-5.
for (const [backend, bound] of [['ts', 1e-6], ['auto', 1e-5]] as const)
test(`streamed joint NMF = in-memory NMF of the stacked slices (${backend} kernels, H and each W to ${bound} relative)`, { skip: !existsSync(join(BREAST, 'slice1.csv')) }, async () => {
  const { dataset: ds } = await readSamples(breastManifest(mkdtempSync(join(tmpdir(), 'stnmf-stream-'))));
  const kernels = await createKernels({ threads: 1, backend });
  const rank = 5;
  const start = await initialize(ds.X, { rank, init: 'nndsvda', kernels });
  // The streamed fit runs one sweep per half-step: the in-memory fit with halsAlpha 0.
  const mem = await nmf(ds.X, { rank, solver: 'hals', halsAlpha: 0, W0: start.W, H0: start.H, maxIter: 60, tol: 0, kernels });
  const rows = sampleRows(sampleGroups(ds)!);
  let loads = 0;
  const blocks = rows.map((r) => ({ rows: r.length, load: () => (loads++, selectRows(ds.X, r)) }));
  const W0 = rows.map((r) => ({ rows: r.length, cols: rank, data: Float32Array.from({ length: r.length * rank }, (_, q) => start.W.data[r[Math.floor(q / rank)] * rank + (q % rank)]) }));
  const st = await streamingJointNmf(blocks, { H0: start.H, W0, maxIter: 60, tol: 0, kernels });
  assert.equal(st.iterations, 60);
  assert.equal(loads, 60 * 4, 'each slice read once per iteration');
  const dH = relDiff(st.H.data, mem.H.data);
  assert.ok(dH <= bound, `H relative difference ${dH}`);
  console.log(`# ${backend}: H relative difference ${dH}`);
  rows.forEach((r, s) => {
    const ref = Float32Array.from({ length: r.length * rank }, (_, q) => mem.W.data[r[Math.floor(q / rank)] * rank + (q % rank)]);
    const dW = relDiff(st.W[s].data, ref);
    assert.ok(dW <= bound, `W of slice ${s + 1}: relative difference ${dW}`);
  });
  // Only one slice was held at once: the peak is the largest slice, well below the whole.
  assert.ok(st.peakNnz < ds.X.indptr[ds.X.rows] / 2);
});
