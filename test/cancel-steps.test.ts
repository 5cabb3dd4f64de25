/**
 * Cancellation points of the long synchronous stages (issue 15): graph building, kNN, the
 * UMAP feature graph, smoothing, the Leiden adjacency, Moran's I, CHAOS/PAS, the silhouette and
 * the Wilcoxon marker tests are written as `Steps` generators (errors.ts). What matters for
 * Ctrl-C is the longest stretch of work between two yields: a signal handler can only run at a
 * yield, so that stretch bounds how long an interrupted run keeps computing. Each stage here
 * runs long enough (hundreds of ms) that a version without its yields fails the bound, and its
 * result must equal the synchronous function's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSteps, runStepsCancellable, StnmfError, type Steps } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import type { Csr } from '../src/linalg/csr.js';
import { knnQuery, knnQuerySteps, radiusGraphSteps, umapConnectivities, umapConnectivitiesSteps } from '../src/spatial/index.js';
import { radiusGraphs, radiusGraphsSteps } from '../src/methods/snmf/radius.js';
import { mergeGraphsSteps, mixAdjacencySteps, symmetrizeSum, symmetrizeSumSteps } from '../src/methods/snmf/adjacency.js';
import { diffusionSmoothSteps } from '../src/methods/snmf/smooth.js';
import { chaosSteps, moransISteps, pasSteps, rankGenesGroupsSteps, silhouetteSteps, wilcoxonScoresSteps } from '../src/metrics/index.js';
import { leidenAsync } from '../src/graph/leiden.js';

/** Runs `steps` to the end, timing every stretch between two yields (ms). */
function timeStretches<T>(steps: Steps<T>): { value: T; total: number; longest: number; yields: number } {
  let longest = 0;
  let yields = 0;
  const t0 = performance.now();
  let last = t0;
  for (;;) {
    const r = steps.next();
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    if (r.done) return { value: r.value, total: t - t0, longest, yields };
    yields++;
  }
}

/**
 * The stage yields often: its longest stretch is under a third of its run and under 250 ms
 * (a generous bound on a loaded 2-core CI machine: the yields come every 10–80 ms here). A
 * stage without its yields has one stretch, the whole run, and fails.
 */
function assertYieldsOften(name: string, r: { total: number; longest: number; yields: number }, minTotal = 150): void {
  assert.ok(r.total >= minTotal, `${name}: the input is too small to test (${r.total.toFixed(0)} ms in all)`);
  assert.ok(r.longest < Math.min(250, r.total / 3), `${name}: ${r.longest.toFixed(0)} ms without a cancellation point of ${r.total.toFixed(0)} ms (${r.yields} yields)`);
}

// 60,000 cells at Xenium's density (a 5.5 mm square holds 300,000): about 100 neighbours in 80 µm.
const rng = new Rng(7);
const n = 60000;
const side = 5500 * Math.sqrt(n / 300000);
const xy = Float64Array.from({ length: 2 * n }, () => rng.uniform() * side);
const k = 6;
const W = Float64Array.from({ length: n * k }, () => rng.uniform());

// Shared inputs of the later stages, built once (synchronously: they are what is compared).
const [contact0, context] = radiusGraphs(xy, [20, 80]);
const conn = umapConnectivities(W, k, { nNeighbors: 15 });

test('graph building yields: radius graphs, merged hybrid graph, kNN in 2-D and in factor space', () => {
  const rg = timeStretches(radiusGraphsSteps(xy, [20, 80]));
  assertYieldsOften('radiusGraphs', rg);
  assert.deepEqual(rg.value[1].indices, context.indices);
  assert.deepEqual(rg.value[1].distances, context.distances);
  const contact = { ...contact0, weights: new Float64Array(contact0.weights.length).fill(2.5) };
  const merged = timeStretches(mergeGraphsSteps(contact, context, 'max'));
  assertYieldsOften('mergeGraphs', merged, 30);
  // The exact-size merge: every context pair once (contact pairs are a subset), weights max'ed.
  assert.equal(merged.value.indptr[n], context.indptr[n]);
  assert.equal(merged.value.indices.length, context.indptr[n]);
  assertYieldsOften('radiusGraph (k-d tree)', timeStretches(radiusGraphSteps(xy, 40)));
  const q2 = timeStretches(knnQuerySteps(xy, 2, 15));
  assertYieldsOften('knnQuery 2-D', q2, 50);
  assert.deepEqual(q2.value.indices, knnQuery(xy, 2, 15).indices);
  const u = timeStretches(umapConnectivitiesSteps(W, k, { nNeighbors: 15 }));
  assertYieldsOften('umapConnectivities', u);
  assert.deepEqual(u.value.weights, conn.weights);
});

test('hSNMF stages yield: smoothing, the mixed adjacency, A + Aᵀ, Leiden', async () => {
  const smooth = timeStretches(diffusionSmoothSteps({ rows: n, cols: k, data: W }, context, { beta: 0.6, steps: 2 }));
  assertYieldsOften('diffusionSmooth', smooth, 50);
  const mix = timeStretches(mixAdjacencySteps(context, conn, 0.5));
  assertYieldsOften('mixAdjacency', mix, 30);
  const sym = timeStretches(symmetrizeSumSteps(mix.value));
  assertYieldsOften('symmetrizeSum', sym, 30);
  assert.deepEqual(sym.value.weights, symmetrizeSum(mix.value).weights);
  // Allocated at the exact size: no stored entries past indptr[n].
  assert.equal(sym.value.indices.length, sym.value.indptr[n]);
  assert.equal(sym.value.weights.length, sym.value.indptr[n]);
  // Leiden through its public cancellable entry: an abort 100 ms in ends it within 250 ms.
  const controller = new AbortController();
  const t0 = performance.now();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort();
  }, 100);
  await assert.rejects(leidenAsync(sym.value, { resolution: 1, nIterations: -1, signal: controller.signal }), (e: unknown) => e instanceof StnmfError && e.code === 'ABORTED');
  const late = performance.now() - abortedAt;
  assert.ok(abortedAt > 0 && late < 250, `leiden: ${late.toFixed(0)} ms from the abort to the stop (${(performance.now() - t0).toFixed(0)} ms in all)`);
});

test('evaluation stages yield: Moran, CHAOS, PAS, silhouette, Wilcoxon markers, rank_genes_groups', async () => {
  // Row-standardised weights, as hSNMF's evaluation uses.
  const w = Float64Array.from(context.weights);
  for (let i = 0; i < n; i++) {
    const a = context.indptr[i], b = context.indptr[i + 1];
    for (let p = a; p < b; p++) w[p] = 1 / (b - a);
  }
  const rowStd = { n, indptr: context.indptr, indices: context.indices, weights: w };
  assertYieldsOften("Moran's I", timeStretches(moransISteps({ rows: n, cols: 2, data: W.subarray(0, 2 * n) }, rowStd)), 50);
  // Spatially coherent labels (vertical bands) so CHAOS/PAS see real clusters; they are fast,
  // so they get 400,000 cells.
  const labels = Int32Array.from({ length: n }, (_, i) => Math.min(9, Math.floor((xy[2 * i] / side) * 10)));
  const nBig = 400000;
  const xyBig = Float64Array.from({ length: 2 * nBig }, () => rng.uniform() * side);
  const bands = Int32Array.from({ length: nBig }, (_, i) => Math.min(9, Math.floor((xyBig[2 * i] / side) * 10)));
  assertYieldsOften('CHAOS', timeStretches(chaosSteps(xyBig, bands)));
  assertYieldsOften('PAS', timeStretches(pasSteps(xyBig, bands, 10)));
  assertYieldsOften('silhouette', timeStretches(silhouetteSteps(W, k, labels, { sampleSize: 6000, seed: 0, stratified: true })));
  // Counts: 60,000 cells x 300 genes, ~10 % non-zero.
  const genes = 300;
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < genes; j++) if (rng.uniform() < 0.1) (idx.push(j), val.push(1 + Math.floor(rng.uniform() * 5)));
    indptr[i + 1] = idx.length;
  }
  const X: Csr = { rows: n, cols: genes, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  assertYieldsOften('Wilcoxon scores', timeStretches(wilcoxonScoresSteps(X, labels, 10)));
  const names = Array.from({ length: 10 }, (_, c) => String(c));
  const rg = timeStretches(rankGenesGroupsSteps(X, labels, names, { groupby: 'band' }));
  assertYieldsOften('rankGenesGroups', rg);
  // And the cancellable runner stops it: aborted before the first step, nothing is computed.
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runStepsCancellable(rankGenesGroupsSteps(X, labels, names), controller.signal, 'markers'), (e: unknown) => e instanceof StnmfError && e.code === 'ABORTED');
  assert.deepEqual(runSteps(rankGenesGroupsSteps(X, labels, names, { groupby: 'band' })).scores, rg.value.scores);
});
