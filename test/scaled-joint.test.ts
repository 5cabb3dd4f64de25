// The joint NMF with a scale per sample and feature (src/nmf/scaled-joint.ts, issue 18 point 2's
// "per-sample scaling as in SIID's platform scaling"): on samples simulated with known per-gene
// capture factors it recovers them (the reference sample fixed at 1), its reported loss is the
// loss of the factors it returns (recomputed densely), it never increases, it ends at a KKT
// point, and it fits better than the plain joint NMF. The CLI part runs `stnmf nmf
// --sample-scaling` on the four breast slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5ad } from '../src/io/h5ad.js';
import { readNpy } from '../src/io/npy.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { Rng } from '../src/linalg/rng.js';
import { nmf, scaledJointNmf } from '../src/nmf/index.js';
import { BREAST, breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const stnmf = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** Three samples of k = 3 programs over 30 genes (every gene loaded by every program); samples b and c measure every gene with their own factor in [0.3, 1.7]. */
function simulate() {
  const k = 3, p = 30, per = 150, S = 3, n = per * S;
  const rng = new Rng(5);
  const H = new Float64Array(k * p);
  // Every gene in every program: a gene of one program alone trades its scale with that
  // program's usage in the sample (see the file comment of scaled-joint.ts), so no scale would
  // be identifiable there.
  for (let q = 0; q < k * p; q++) H[q] = 0.2 + 3 * rng.uniform() ** 2;
  const phi = [new Float64Array(p).fill(1), Float64Array.from({ length: p }, () => 0.3 + 1.4 * rng.uniform()), Float64Array.from({ length: p }, () => 0.3 + 1.4 * rng.uniform())];
  const X = new Float64Array(n * p), codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(i / per);
    codes[i] = s;
    const w = [rng.uniform(), rng.uniform(), rng.uniform()];
    for (let j = 0; j < p; j++) {
      let v = 0;
      for (let t = 0; t < k; t++) v += w[t] * H[t * p + j];
      X[i * p + j] = v * phi[s][j] * (0.97 + 0.06 * rng.uniform());
    }
  }
  return { X, n, p, k, phi, groups: { key: 'sample', ids: ['a', 'b', 'c'], codes } };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) ((ma += a[i] / n), (mb += b[i] / n));
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) ((sab += (a[i] - ma) * (b[i] - mb)), (saa += (a[i] - ma) ** 2), (sbb += (b[i] - mb) ** 2));
  return sab / Math.sqrt(saa * sbb);
}

test('scaled joint NMF recovers per-gene sample scales, reports its own loss, descends and ends at a KKT point', async () => {
  const { X, n, p, k, phi, groups } = simulate();
  const Xc = csrFromDense({ rows: n, cols: p, data: Float32Array.from(X) });
  const r = await scaledJointNmf(Xc, groups, { rank: k, maxIter: 3000, tol: 1e-9 });
  assert.equal(r.reference, 'a');
  assert.ok(r.samples[0].phi.every((v) => v === 1));
  for (const s of [1, 2]) {
    const c = pearson(r.samples[s].phi, phi[s]);
    assert.ok(c > 0.99, `sample ${groups.ids[s]}: recovered scales correlate ${c.toFixed(4)} with the truth`);
  }
  // Dense residual and gradients in float64 from the returned factors.
  let loss = 0;
  // Gradients, and their data parts (the gradient at a zero fit) as the scale of the KKT check.
  const gW = new Float64Array(n * k), gH = new Float64Array(k * p), dW = new Float64Array(n * k), dH = new Float64Array(k * p);
  for (let i = 0; i < n; i++) {
    const s = groups.codes[i], f = r.samples[s].phi;
    for (let j = 0; j < p; j++) {
      let m = 0;
      for (let t = 0; t < k; t++) m += r.W.data[i * k + t] * r.H.data[t * p + j];
      const e = f[j] * m - X[i * p + j];
      loss += 0.5 * e * e;
      for (let t = 0; t < k; t++) {
        gW[i * k + t] += e * f[j] * r.H.data[t * p + j];
        gH[t * p + j] += e * f[j] * r.W.data[i * k + t];
        dW[i * k + t] += X[i * p + j] * f[j] * r.H.data[t * p + j];
        dH[t * p + j] += X[i * p + j] * f[j] * r.W.data[i * k + t];
      }
    }
  }
  assert.ok(Math.abs(loss - r.loss) / loss < 1e-3, `loss ${r.loss} vs dense ${loss}`);
  let xx = 0;
  for (const v of X) xx += v * v;
  for (let a = 1; a < r.history.length; a++) assert.ok(r.history[a].loss <= r.history[a - 1].loss + 1e-6 * xx, `loss rose at iteration ${r.history[a].iteration}`);
  const kkt = (x: ArrayLike<number>, g: Float64Array, d: Float64Array) => {
    let worst = 0;
    for (let q = 0; q < g.length; q++) worst = Math.max(worst, (x[q] > 0 ? Math.abs(g[q]) : Math.max(0, -g[q])) / Math.max(1e-12, Math.abs(d[q])));
    return worst;
  };
  const kW = kkt(r.W.data, gW, dW), kH = kkt(r.H.data, gH, dH);
  console.log(`scales r ${[1, 2].map((s) => pearson(r.samples[s].phi, phi[s]).toFixed(4))}; KKT W ${kW.toExponential(2)} H ${kH.toExponential(2)}; ${r.iterations} iterations`);
  assert.ok(kW < 1e-4 && kH < 1e-4, `KKT violations W ${kW}, H ${kH}`);
  const joint = await nmf(Xc, { rank: k, maxIter: 3000, tol: 1e-9 });
  assert.ok(r.loss < 0.5 * joint.loss, `scaled loss ${r.loss} against the plain joint fit's ${joint.loss}`);
});

test('scaledJointNmf refuses a reference that is no sample', async () => {
  const { X, n, p, groups } = simulate();
  const Xc = csrFromDense({ rows: n, cols: p, data: Float32Array.from(X) });
  await assert.rejects(scaledJointNmf(Xc, groups, { rank: 3, reference: 'z' }), /reference 'z' is not a sample with observations \(samples: a, b, c\)/);
});

test('stnmf nmf --sample-scaling on the breast slices writes sample_scaling.csv and the scales in result.h5ad', { skip: !existsSync(join(BREAST, 'slice1.csv')) }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-scaled-'));
  const m = breastManifest(dir);
  const out = join(dir, 'out');
  const r = stnmf('nmf', '--samples', m, '--rank', '4', '--sample-scaling', '--scaling-reference', 'slice2', '--max-iter', '30', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.scalingReference, 'slice2');
  const csv = readFileSync(join(out, 'sample_scaling.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'feature,slice1,slice2,slice3,slice4');
  const H = readNpy(join(out, 'H.npy'));
  assert.equal(csv.length - 1, H.shape[1]);
  const ds = await readH5ad(join(out, 'result.h5ad'));
  const phi = ds.varm.sample_scaling;
  assert.deepEqual([phi.rows, phi.cols], [H.shape[1], 4]);
  for (const line of [1, 500, csv.length - 1]) {
    const f = csv[line].split(',');
    assert.equal(f[2], '1');
    for (let s = 0; s < 4; s++) assert.equal(Number(f[s + 1]), phi.data[(line - 1) * 4 + s]);
  }
  let lossSum = 0;
  for (const s of summary.perSample) lossSum += s.loss;
  assert.ok(Math.abs(lossSum - summary.loss) < 1e-9 * summary.loss);
  for (const bad of [['--sample-scaling', '--inmf'], ['--scaling-reference', 'slice1'], ['--sample-scaling', '--loss', 'poisson'], ['--sample-scaling', '--scaling-reference', 'nope']]) {
    const o = join(dir, 'bad');
    const b = stnmf('nmf', '--samples', m, '--rank', '3', ...bad, '--out', o);
    assert.ok(b.status === 2, `${bad.join(' ')}: exit ${b.status} ${b.stderr}`);
    assert.ok(!existsSync(o), `${bad.join(' ')} left output`);
    assert.match(b.stderr.trim().split('\n').pop()!, bad[0] === '--scaling-reference' ? /add --sample-scaling/ : bad[1] === '--inmf' ? /two models/ : bad[1] === '--loss' ? /--loss poisson is not available/ : /reference 'nope'/);
  }
});
