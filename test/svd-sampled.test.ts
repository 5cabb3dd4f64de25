// The large-n start of NNDSVD (issue 16): above `sampleAbove` rows the randomized SVD's power
// iterations run on a row sample, two more on all rows, and the left side comes from the
// eigenproblem of YᵀY instead of orthonormalising the n x l block. It must give the classic
// scheme's leading singular triplets. Lowered thresholds make it run on a 30,000-cell matrix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernels } from '../src/linalg/index.js';
import { Rng } from '../src/linalg/rng.js';
import { prepareData } from '../src/nmf/data.js';
import { truncatedSvd, type TruncatedSvd } from '../src/nmf/svd.js';

/** Poisson counts of 6 programs over 120 genes (each cell mixes two), as CSR. */
function lowRankCounts(n: number, p: number, seed: number) {
  const rng = new Rng(seed);
  const programs = Array.from({ length: 6 }, () => Float64Array.from({ length: p }, () => (rng.uniform() < 0.25 ? 2 + 4 * rng.uniform() : 0.05)));
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [], data: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.int(6), b = rng.int(6), mix = rng.uniform();
    for (let j = 0; j < p; j++) {
      const c = rng.poisson(0.3 * (mix * programs[a][j] + (1 - mix) * programs[b][j]));
      if (c > 0) {
        indices.push(j);
        data.push(c);
      }
    }
    indptr[i + 1] = indices.length;
  }
  return { rows: n, cols: p, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

function column(a: Float64Array, rows: number, j: number): Float64Array {
  return a.subarray(j * rows, (j + 1) * rows);
}

function cosine(x: Float64Array, y: Float64Array): number {
  let xy = 0, xx = 0, yy = 0;
  for (let i = 0; i < x.length; i++) {
    xy += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return Math.abs(xy) / Math.sqrt(xx * yy);
}

test('the sampled gene-side SVD gives the classic scheme’s leading singular triplets', async () => {
  const X = lowRankCounts(30000, 120, 5);
  const kernels = await createKernels({ threads: 2 });
  const data = prepareData(kernels, X, undefined);
  try {
    const k = 6;
    const classic: TruncatedSvd = truncatedSvd(kernels, data, k, { seed: 3 });
    const sampled: TruncatedSvd = truncatedSvd(kernels, data, k, { seed: 3, sampleAbove: 10000, sampleRows: 4000 });
    let differs = false;
    for (let q = 0; q < classic.u.length && !differs; q++) differs = classic.u[q] !== sampled.u[q];
    assert.ok(differs, 'the sampled path did not run (U is bit-identical to the classic scheme’s)');
    for (let j = 0; j < k; j++) {
      const rel = Math.abs(sampled.s[j] - classic.s[j]) / classic.s[j];
      assert.ok(rel < 1e-5, `σ${j + 1}: ${sampled.s[j]} vs ${classic.s[j]} (rel ${rel})`);
      const cu = cosine(column(sampled.u, X.rows, j), column(classic.u, X.rows, j));
      const cv = cosine(column(sampled.v, X.cols, j), column(classic.v, X.cols, j));
      assert.ok(cu > 0.9999 && cv > 0.9999, `component ${j + 1}: |cos| of U ${cu}, of V ${cv}`);
    }
    // U is orthonormal and Xᵀ·U = V·Σ (the left side really is X's, not only Y's).
    for (let j = 0; j < k; j++) {
      const uj = column(sampled.u, X.rows, j);
      let nrm = 0;
      for (const x of uj) nrm += x * x;
      assert.ok(Math.abs(nrm - 1) < 1e-4, `‖u${j + 1}‖² = ${nrm}`);
      const xtu = new Float64Array(X.cols);
      for (let i = 0; i < X.rows; i++) for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) xtu[X.indices[q]] += X.data[q] * uj[i];
      const vj = column(sampled.v, X.cols, j);
      let err = 0, ref = 0;
      for (let c = 0; c < X.cols; c++) {
        err += (xtu[c] - vj[c] * sampled.s[j]) ** 2;
        ref += xtu[c] ** 2;
      }
      assert.ok(Math.sqrt(err / ref) < 1e-3, `Xᵀu${j + 1} vs σ·v${j + 1}: relative error ${Math.sqrt(err / ref)}`);
    }
  } finally {
    data.release();
    kernels.dispose();
  }
});
