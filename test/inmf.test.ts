// LIGER's integrative NMF (src/nmf/inmf.ts, issue 18 point 2): the objective it reports is the
// objective of the factors it returns (recomputed densely in float64 here), it never increases,
// the converged factors satisfy the KKT conditions of every block (an algorithm-independent
// check: LIGER's own ANLS reaches points with the same conditions), and a program that only one
// sample carries goes to that sample's V_s instead of contaminating the shared H as in the plain
// joint fit. The CLI part runs `stnmf nmf --inmf` on the four breast slices as a user would.
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
import { inmf, nmf, type InmfResult } from '../src/nmf/index.js';
import type { SampleGroups } from '../src/samples.js';
import { BREAST, breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const stnmf = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** Three samples of k = 3 programs over 40 genes; sample 1 alone adds genes 30–37 to program 0. */
function simulate(): { X: Float64Array; n: number; p: number; groups: SampleGroups; Htrue: Float64Array; extra: number[] } {
  const k = 3, p = 40, perSample = 120, S = 3, n = perSample * S;
  const rng = new Rng(11);
  const Htrue = new Float64Array(k * p);
  // Each program has its own ten marker genes plus a low background; genes 30–39 are silent.
  for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) Htrue[t * p + j] = j >= 10 * t && j < 10 * (t + 1) ? 4 + rng.uniform() : 0.2 * rng.uniform();
  const extra = [30, 31, 32, 33, 34, 35, 36, 37];
  const X = new Float64Array(n * p);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(i / perSample);
    codes[i] = s;
    const w = [rng.uniform(), rng.uniform(), rng.uniform()].map((v) => v * v * 2);
    for (let j = 0; j < p; j++) {
      let v = 0;
      for (let t = 0; t < k; t++) v += w[t] * (Htrue[t * p + j] + (s === 1 && t === 0 && extra.includes(j) ? 3 : 0));
      X[i * p + j] = v * (0.95 + 0.1 * rng.uniform());
    }
  }
  return { X, n, p, groups: { key: 'sample', ids: ['a', 'b', 'c'], codes }, Htrue, extra };
}

function csrOf(X: Float64Array, n: number, p: number) {
  return csrFromDense({ rows: n, cols: p, data: Float32Array.from(X) });
}

/** LIGER's objective and the three blocks' gradients, densely in float64 from the returned factors. */
function denseTerms(X: Float64Array, n: number, p: number, r: InmfResult, lambda: number) {
  const k = r.H.rows;
  let objective = 0;
  const gH = new Float64Array(k * p);
  const gW = new Float64Array(n * k);
  const gV = r.samples.map(() => new Float64Array(k * p));
  // The gradients' data parts (the gradient at a zero fit): the scale of each entry's KKT check.
  const dH = new Float64Array(k * p), dW = new Float64Array(n * k), dV = r.samples.map(() => new Float64Array(k * p));
  r.samples.forEach((smp, s) => {
    for (const i of smp.rows) {
      // residual e = W_i (H + V) − x_i and the penalty row q = W_i V
      const e = new Float64Array(p), q = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        let m = 0, v = 0;
        for (let t = 0; t < k; t++) {
          m += r.W.data[i * k + t] * (r.H.data[t * p + j] + smp.V.data[t * p + j]);
          v += r.W.data[i * k + t] * smp.V.data[t * p + j];
        }
        e[j] = m - X[i * p + j];
        q[j] = v;
        objective += e[j] * e[j] + lambda * v * v;
      }
      for (let t = 0; t < k; t++) {
        const w = r.W.data[i * k + t];
        let g = 0, dg = 0;
        for (let j = 0; j < p; j++) {
          g += 2 * e[j] * (r.H.data[t * p + j] + smp.V.data[t * p + j]) + 2 * lambda * q[j] * smp.V.data[t * p + j];
          dg += 2 * X[i * p + j] * (r.H.data[t * p + j] + smp.V.data[t * p + j]);
          gH[t * p + j] += 2 * w * e[j];
          gV[s][t * p + j] += 2 * w * e[j] + 2 * lambda * w * q[j];
          dH[t * p + j] += 2 * w * X[i * p + j];
          dV[s][t * p + j] += 2 * w * X[i * p + j];
        }
        gW[i * k + t] = g;
        dW[i * k + t] = dg;
      }
    }
  });
  return { objective, gH, gW, gV, dH, dW, dV };
}

/**
 * Largest KKT violation of a block, each entry's relative to its gradient's data part d (the
 * gradient at a zero fit): |g| where x > 0, max(0, −g) where x = 0.
 */
function kktViolation(x: ArrayLike<number>, g: Float64Array, d: Float64Array): number {
  let worst = 0;
  for (let q = 0; q < g.length; q++) worst = Math.max(worst, (x[q] > 0 ? Math.abs(g[q]) : Math.max(0, -g[q])) / Math.max(1e-12, Math.abs(d[q])));
  return worst;
}

test('iNMF reports the objective of its factors, never increases it, and ends at a KKT point of every block', async () => {
  const { X, n, p, groups } = simulate();
  const lambda = 0.5;
  const r = await inmf(csrOf(X, n, p), groups, { rank: 3, lambda, maxIter: 3000, tol: 1e-9 });
  const d = denseTerms(X, n, p, r, lambda);
  assert.ok(Math.abs(d.objective - r.objective) / d.objective < 1e-4, `objective ${r.objective} vs dense ${d.objective}`);
  let lossDense = 0;
  for (const smp of r.samples) lossDense += smp.loss;
  assert.ok(Math.abs(lossDense - r.loss) < 1e-9 * r.loss);
  // Each sweep is an exact coordinate minimisation, so the objective cannot rise in exact
  // arithmetic; the reported one comes from float32 Gram forms, ‖X‖² − 2⟨XᵀW, M⟩ + ⟨WᵀW, MMᵀ⟩,
  // whose rounding is a few 1e-7 of ‖X‖² (here the residual is ~1 % of ‖X‖²).
  let xx = 0;
  for (const v of X) xx += v * v;
  for (let a = 1; a < r.history.length; a++) {
    const prev = r.history[a - 1].objective, cur = r.history[a].objective;
    assert.ok(cur <= prev + 1e-6 * xx, `objective rose at iteration ${r.history[a].iteration}: ${prev} → ${cur} (‖X‖² ${xx})`);
  }
  const kH = kktViolation(r.H.data, d.gH, d.dH);
  const kW = kktViolation(r.W.data, d.gW, d.dW);
  const kV = Math.max(...r.samples.map((s, i) => kktViolation(s.V.data, d.gV[i], d.dV[i])));
  console.log(`KKT H ${kH.toExponential(2)} W ${kW.toExponential(2)} V ${kV.toExponential(2)}, ${r.iterations} iterations, converged ${r.converged}`);
  assert.ok(kH < 1e-4 && kW < 1e-4 && kV < 1e-4, `KKT violations H ${kH}, W ${kW}, V ${kV} (iterations ${r.iterations})`);
});

test("a program one sample carries goes to its V_s; the plain joint fit puts it in the shared H", async () => {
  const { X, n, p, groups, extra } = simulate();
  const X32 = csrOf(X, n, p);
  const r = await inmf(X32, groups, { rank: 3, lambda: 0.5, maxIter: 2000, tol: 1e-8 });
  const joint = await nmf(X32, { rank: 3, maxIter: 2000, tol: 1e-8 });
  // The factor of program 0: the one with the most weight on its markers (genes 0–9).
  const factorOf = (H: ArrayLike<number>) => {
    let best = 0, bestMass = -1;
    for (let t = 0; t < 3; t++) {
      let m = 0;
      for (let j = 0; j < 10; j++) m += H[t * p + j];
      if (m > bestMass) ((bestMass = m), (best = t));
    }
    return best;
  };
  /** Weight of the extra genes relative to the markers in factor t of H. */
  const contamination = (H: ArrayLike<number>, t: number) => {
    let e = 0, m = 0;
    for (const j of extra) e += H[t * p + j];
    for (let j = 0; j < 10; j++) m += H[t * p + j];
    return e / m;
  };
  const cI = contamination(r.H.data, factorOf(r.H.data));
  const cJ = contamination(joint.H.data, factorOf(joint.H.data));
  // Two samples without the extra genes against one with them: the joint H takes about a third
  // of them; with λ = 0.5, c = λ/(1+λ) and the shared share drops to c/(2+c) = 1/7.
  console.log(`contamination iNMF ${cI.toFixed(4)} joint ${cJ.toFixed(4)}; shares ${r.samples.map((s) => s.specificShare.toExponential(2))}`);
  assert.ok(cI < 0.6 * cJ, `shared H contamination ${cI.toFixed(4)} (iNMF) vs ${cJ.toFixed(4)} (joint)`);
  const V1 = r.samples[1].V.data;
  let onExtra = 0, all = 0;
  for (let t = 0; t < 3; t++) for (let j = 0; j < p; j++) ((all += V1[t * p + j]), extra.includes(j) && (onExtra += V1[t * p + j]));
  assert.ok(onExtra / all > 0.8, `sample b's V holds ${(100 * onExtra / all).toFixed(1)} % of its mass on the extra genes`);
  assert.ok(r.samples[1].specificShare > 5 * Math.max(r.samples[0].specificShare, r.samples[2].specificShare), `specific shares ${r.samples.map((s) => s.specificShare.toExponential(2)).join(', ')}`);
});

test('inmf refuses one sample and an out-of-range lambda, naming the option', async () => {
  const { X, n, p, groups } = simulate();
  const X32 = csrOf(X, n, p);
  await assert.rejects(inmf(X32, { key: 'sample', ids: ['a'], codes: new Int32Array(n) }, { rank: 3 }), /at least two samples/);
  await assert.rejects(inmf(X32, groups, { rank: 3, lambda: 0 }), /inmf: lambda must be > 0/);
  await assert.rejects(inmf(X32, groups, { rank: 99 }), /rank/);
});

const hasBreast = existsSync(join(BREAST, 'slice1.csv'));

test('stnmf nmf --inmf on the four breast slices writes the shared H, each W_s and V_s, and an h5ad holding them', { skip: !hasBreast }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-inmf-'));
  const m = breastManifest(dir);
  const out = join(dir, 'out');
  const r = stnmf('nmf', '--samples', m, '--rank', '4', '--normalize', 'total-log1p', '--inmf', '--inmf-lambda', '2', '--max-iter', '40', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.lambda, 2);
  assert.deepEqual(summary.perSample.map((s: { sample: string }) => s.sample), ['slice1', 'slice2', 'slice3', 'slice4']);
  const H = readNpy(join(out, 'H.npy'));
  const ds = await readH5ad(join(out, 'result.h5ad'));
  const [k, p] = H.shape;
  assert.equal(ds.varm.nmf.rows, p);
  let lossSum = 0;
  for (const s of summary.perSample) {
    const V = readNpy(join(out, `V_${s.sample}.npy`));
    assert.deepEqual(V.shape, [k, p]);
    const Vt = ds.varm[`inmf_V_${s.sample}`];
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j += 97) assert.equal(Vt.data[j * k + t], V.data[t * p + j]);
    assert.equal(readNpy(join(out, `W_${s.sample}.npy`)).shape[0], s.observations);
    lossSum += s.loss;
  }
  assert.ok(Math.abs(lossSum - summary.loss) < 1e-9 * summary.loss);
  const hist = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
  assert.equal(hist[0], 'iteration,objective');
  assert.equal(hist.length, 41);
});

test('stnmf nmf --inmf refusals name the flag and leave no output', { skip: !hasBreast }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-inmf-bad-'));
  const m = breastManifest(dir);
  const cases: [string[], RegExp][] = [
    [[join(BREAST, 'slice1.csv'), '--inmf'], /--inmf fits several samples; give --samples/],
    [['--samples', m, '--inmf-lambda', '3'], /--inmf-lambda sets the penalty of the integrative fit; add --inmf/],
    [['--samples', m, '--inmf', '--loss', 'poisson'], /--loss poisson is not available .* with --inmf/],
    [['--samples', m, '--inmf', '--stream'], /--stream is not available .* with --inmf/],
    [['--samples', m, '--inmf', '--inmf-lambda', '0'], /--inmf-lambda must be > 0/],
  ];
  for (const [args, msg] of cases) {
    const out = join(dir, 'o');
    const r = stnmf('nmf', ...args, '--rank', '3', '--out', out);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), `${args.join(' ')} left ${out}`);
  }
});
