/**
 * hSNMF building blocks against brute force / closed forms (methods-spec M1.9), the
 * enrichment statistics against scipy values, and the bad-input errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset, type Dataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import type { Csr } from '../src/linalg/csr.js';
import { buildSpatialGraphs, diffusionSmooth, mixAdjacency, paretoFront, rowStochastic, snmf } from '../src/methods/snmf/index.js';
import { benjaminiHochberg, hypergeometricSf, overRepresentation, parseGmt, wilcoxonScores } from '../src/metrics/index.js';

function randomPoints(n: number, extent: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) xy[i] = r.uniform() * extent;
  // a coincident pair: never an edge
  xy[2] = xy[0];
  xy[3] = xy[1];
  return xy;
}

test('spatial graphs: identical edge sets to brute force on 2,000 random points; hybrid = radius edges, weight 2.5 (≤ 20 µm) / 1.0', () => {
  const n = 2000;
  const xy = randomPoints(n, 1500, 1);
  const g = buildSpatialGraphs(xy, { contactRadius: 20, contactWeight: 2.5, contextRadius: 80, contextWeight: 1, combine: 'max' });
  let contact = 0, radius = 0;
  for (let i = 0; i < n; i++) {
    const want = new Map<number, number>();
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]);
      if (d > 1e-6 && d <= 80) want.set(j, d <= 20 ? 2.5 : 1);
      if (d > 1e-6 && d <= 20) contact++;
      if (d > 1e-6 && d <= 80) radius++;
    }
    const got = new Map<number, number>();
    for (let p = g.hybrid.indptr[i]; p < g.hybrid.indptr[i + 1]; p++) got.set(g.hybrid.indices[p], g.hybrid.weights[p]);
    assert.deepEqual([...got.entries()].sort((a, b) => a[0] - b[0]), [...want.entries()].sort((a, b) => a[0] - b[0]), `row ${i}`);
  }
  assert.equal(g.contact.indptr[n], contact);
  assert.equal(g.context.indptr[n], radius);
  assert.ok(contact > 0 && radius > contact);
});

test('diffusion smoothing equals the closed form ((1−β)I + βT)^s W0 to 1e-12 (dense float64)', () => {
  const n = 60, k = 4;
  const xy = randomPoints(n, 200, 2);
  const g = buildSpatialGraphs(xy, { contactRadius: 20, contactWeight: 2.5, contextRadius: 80, contextWeight: 1, combine: 'max' }).hybrid;
  const r = new Rng(3);
  const W0 = { rows: n, cols: k, data: Float64Array.from({ length: n * k }, () => r.uniform() * 3) };
  // dense T = D⁻¹(A + I)
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    T[i * n + i] = 1;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) T[i * n + g.indices[p]] = g.weights[p];
    let s = 0;
    for (let j = 0; j < n; j++) s += T[i * n + j];
    for (let j = 0; j < n; j++) T[i * n + j] /= s;
  }
  for (const [beta, steps] of [[0.6, 2], [0.3, 1], [1, 3]]) {
    // M = (1−β)I + βT; closed form M^s W0
    let cur = Float64Array.from(W0.data);
    for (let t = 0; t < steps; t++) {
      const nxt = new Float64Array(n * k);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
        let s = (1 - beta) * cur[i * k + c];
        for (let j = 0; j < n; j++) s += beta * T[i * n + j] * cur[j * k + c];
        nxt[i * k + c] = s;
      }
      cur = nxt;
    }
    const got = diffusionSmooth(W0, g, { beta, steps });
    let diff = 0;
    for (let q = 0; q < got.length; q++) diff = Math.max(diff, Math.abs(got[q] - cur[q]));
    assert.ok(diff < 1e-12, `β=${beta} s=${steps}: ${diff}`);
  }
  // s = 0 is the identity
  assert.deepEqual(Array.from(diffusionSmooth(W0, g, { steps: 0 })), Array.from(W0.data));
});

test('mixed adjacency: rows sum to 1 (isolated rows of both stay 0); α = 1 gives rowstoch(A_S)', () => {
  const A = { n: 3, indptr: Int32Array.from([0, 1, 2, 2]), indices: Int32Array.from([1, 0]), weights: Float64Array.from([2.5, 2.5]) };
  const F = { n: 3, indptr: Int32Array.from([0, 1, 1, 1]), indices: Int32Array.from([2]), weights: Float64Array.from([0.5]) };
  const M = mixAdjacency(A, F, 0.5);
  // row 0: 0.5·[0,1,0] + 0.5·[0,0,1] → renormalised [0, .5, .5]; row 1: 0.5·[1,0,0] → [1,0,0]; row 2: empty
  assert.deepEqual(Array.from(M.indptr), [0, 2, 3, 3]);
  assert.deepEqual(Array.from(M.weights), [0.5, 0.5, 1]);
  const M1 = mixAdjacency(A, F, 1);
  assert.deepEqual(Array.from(M1.weights), Array.from(rowStochastic(A).weights));
  const raw = mixAdjacency(A, F, 0.5, { rowStochastic: false });
  assert.deepEqual(Array.from(raw.weights), [0.5, 0.5, 0.5]); // each divided by its max, then mixed, no renormalisation
});

test('Pareto front: both axes maximised, non-finite points excluded', () => {
  assert.deepEqual(paretoFront([1, 2, 3, 2, NaN], [3, 2, 1, 1, 9]), [true, true, true, false, false]);
  assert.deepEqual(paretoFront([1, 1], [1, 1]), [true, true]);
});

test('enrichment: hypergeometric tail and BH match scipy; GMT parsing; case-insensitive symbols', () => {
  // scipy.stats.hypergeom.sf(x-1, N, K, n)
  assert.ok(Math.abs(hypergeometricSf(3, 248, 20, 5) - 0.004079079362330116) < 1e-12);
  assert.ok(Math.abs(hypergeometricSf(1, 248, 20, 5) - 0.3455747796592104) < 1e-12);
  assert.equal(hypergeometricSf(0, 10, 3, 2), 1);
  assert.deepEqual(Array.from(benjaminiHochberg([0.01, 0.04, 0.03, 0.2])).map((v) => +v.toFixed(10)), [0.04, 0.0533333333, 0.0533333333, 0.2]); // sorted p·m/rank = .04, .06, .0533, .2, then the running minimum from the top
  const sets = parseGmt('# comment\nA\tdesc\tGAD1\tGAD2\tSST\nB\t\tMBP\tPLP1\n', 'x.gmt');
  assert.equal(sets.length, 2);
  const bg = ['Gad1', 'Gad2', 'Sst', 'Mbp', 'Plp1', 'Slc17a7', 'Pvalb', 'Vip'];
  const t = overRepresentation(['Gad1', 'Gad2', 'Sst'], sets, bg);
  assert.equal(t.length, 1);
  assert.equal(t[0].name, 'A');
  assert.equal(t[0].overlap, 3);
  assert.ok(Math.abs(t[0].pValue - 1 / 56) < 1e-12); // C(3,3)/C(8,3)
  assert.throws(() => parseGmt('only\tone\n', 'bad.gmt'), (e: unknown) => e instanceof StnmfError && /bad\.gmt: line 1/.test(e.message));
});

test('Wilcoxon scores: sparse zero-block ranking equals dense average ranks', () => {
  const r = new Rng(5);
  const n = 40, p = 6;
  const dense = Array.from({ length: n * p }, () => (r.uniform() < 0.5 ? 0 : Math.floor(r.uniform() * 4)));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const indptr = new Int32Array(n + 1), idx: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) if (dense[i * p + j]) { idx.push(j); val.push(dense[i * p + j]); } indptr[i + 1] = idx.length; }
  const X: Csr = { rows: n, cols: p, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  const s = wilcoxonScores(X, labels, 3);
  for (let g = 0; g < p; g++) {
    const col = Array.from({ length: n }, (_, i) => dense[i * p + g]);
    const sorted = [...col].sort((a, b) => a - b);
    const rank = (v: number) => { const f = sorted.indexOf(v), l = sorted.lastIndexOf(v); return (f + l) / 2 + 1; };
    for (let c = 0; c < 3; c++) {
      let R1 = 0, n1 = 0;
      for (let i = 0; i < n; i++) if (labels[i] === c) { R1 += rank(col[i]); n1++; }
      const n2 = n - n1;
      const want = (R1 - (n1 * (n + 1)) / 2) / Math.sqrt((n1 * n2 * (n + 1)) / 12);
      assert.ok(Math.abs(s[c * p + g] - want) < 1e-12, `gene ${g} cluster ${c}`);
    }
  }
});

function tinyDataset(n: number, p: number, spacing: number | undefined): Dataset {
  const r = new Rng(7);
  const indptr = new Int32Array(n + 1), idx: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) { const v = Math.floor(r.uniform() * 5); if (v) { idx.push(j); val.push(v); } } indptr[i + 1] = idx.length; }
  const X: Csr = { rows: n, cols: p, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  const ds = makeDataset(X, Array.from({ length: n }, (_, i) => `c${i}`), Array.from({ length: p }, (_, j) => `g${j}`), { coordinateUnit: 'px', source: 'tiny.h5ad' });
  if (spacing !== undefined) ds.obsm.spatial = { rows: n, cols: 2, data: Float64Array.from({ length: 2 * n }, (_, t) => (t % 2 ? Math.floor(t / 2 / 10) : (t / 2) % 10) * spacing) };
  return ds;
}

test('bad input: no coordinates, radii giving no edges (message names the unit), rank larger than genes → StnmfError', async () => {
  await assert.rejects(snmf(tinyDataset(50, 8, undefined), { rank: 3 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /obsm\.spatial is missing/.test(e.message));
  // Pixel coordinates without a known pixel size: refused before any graph is built (no µm default).
  await assert.rejects(
    snmf(tinyDataset(50, 8, 1000), { rank: 3 }),
    (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && /in 'px' with no known size in µm/.test(e.message) && /--microns-per-unit/.test(e.message),
  );
  // A scale that makes the radii find no neighbours: the message names the unit and the spacing.
  await assert.rejects(
    snmf(tinyDataset(50, 8, 1000), { rank: 3, micronsPerUnit: 1 }),
    (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /no edges/.test(e.message) && /unit 'px'/.test(e.message) && /micronsPerUnit/.test(e.message) && /1000 coordinate units/.test(e.message),
  );
  await assert.rejects(snmf(tinyDataset(50, 8, 10), { rank: 9 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && /rank 9 is larger than the number of genes \(8\)/.test(e.message));
  // with the unit fixed the same data works: 1000 px x 0.05 µm/px = 50 µm spacing
  const ok = await snmf(tinyDataset(50, 8, 1000), { rank: 3, micronsPerUnit: 0.05, nmf: { maxIter: 50 } });
  assert.ok(ok.graphs.hybrid.indptr[50] > 0);
  assert.equal(ok.Ws.rows, 50);
});
