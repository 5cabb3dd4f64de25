import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leiden, graphFromEdges, graphFromAdjacency, qualityRB, modularity, communitiesConnected, edgeWeight, type Graph } from '../src/graph/index.js';
import { knnGraph } from '../src/spatial/index.js';
import { adjustedRandIndex } from '../src/metrics/index.js';
import { StnmfError } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import { fixture, loadOsmfish, loadXenium, relDiff } from './spatial-data.js';

// Zachary's karate club (igraph Graph.Famous('Zachary')), 78 edges.
const KARATE = '0-1 0-2 0-3 0-4 0-5 0-6 0-7 0-8 0-10 0-11 0-12 0-13 0-17 0-19 0-21 0-31 1-2 1-3 1-7 1-13 1-17 1-19 1-21 1-30 2-3 2-7 2-27 2-28 2-32 2-9 2-8 2-13 3-7 3-12 3-13 4-6 4-10 5-6 5-10 5-16 6-16 8-30 8-32 8-33 9-33 13-33 14-32 14-33 15-32 15-33 18-32 18-33 19-33 20-32 20-33 22-32 22-33 23-25 23-27 23-32 23-33 23-29 24-25 24-27 24-31 25-31 26-29 26-33 27-33 28-31 28-33 29-32 29-33 30-32 30-33 31-32 31-33 32-33'
  .split(' ')
  .map((e) => e.split('-').map(Number));

function sizesDescending(m: Int32Array, k: number): boolean {
  const size = new Int32Array(k);
  for (const c of m) size[c]++;
  for (let c = 1; c < k; c++) if (size[c] > size[c - 1]) return false;
  return size.every((s) => s > 0);
}

test('quality functions equal leidenalg quality() and igraph modularity (loops, parallel edges, isolated nodes)', () => {
  const fx = fixture('graph/quality.json');
  for (const c of fx.cases) {
    const g = graphFromEdges(c.n, c.src, c.dst, c.w);
    for (const p of c.partitions) {
      for (const gamma of [1, 0.5, 2]) {
        const want = p[`rb_quality_${gamma.toFixed(1)}`];
        assert.ok(relDiff(qualityRB(g, p.membership, gamma), want) < 1e-9, `RB γ=${gamma}`);
      }
      assert.ok(relDiff(modularity(g, p.membership), p.modularity_igraph) < 1e-9);
      assert.ok(relDiff(modularity(g, p.membership), p.modularity_quality) < 1e-9);
    }
  }
});

test('karate club: modularity 0.4198 with 4 connected communities for most seeds', () => {
  const g = graphFromEdges(34, KARATE.map((e) => e[0]), KARATE.map((e) => e[1]));
  let hits = 0;
  for (let seed = 0; seed < 20; seed++) {
    const r = leiden(g, { objective: 'modularity', seed, nIterations: -1 });
    assert.ok(communitiesConnected(g, r.membership));
    assert.ok(sizesDescending(r.membership, r.nClusters));
    assert.equal(r.quality, r.modularity);
    if (Math.abs(r.modularity - 0.4198) < 5e-5 && r.nClusters === 4) hits++;
  }
  assert.ok(hits >= 15, `best-known Q reached for ${hits}/20 seeds`);
  // The randomised igraph refinement reaches it too.
  const ig = leiden(g, { objective: 'modularity', seed: 3, nIterations: -1, refinement: 'igraph' });
  assert.ok(Math.abs(ig.modularity - 0.4198) < 5e-5);
});

test('planted partition: ARI ≥ 0.99 vs the truth; seeded runs are deterministic', () => {
  const rng = new Rng(4);
  const n = 2000;
  const groups = 10;
  const truth = Int32Array.from({ length: n }, (_, i) => i % groups);
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 12; t++) {
      let j = rng.int(n);
      if (t < 10) j = (Math.floor(j / groups) * groups + truth[i]) % n; // same group
      if (j !== i) {
        src.push(i);
        dst.push(j);
      }
    }
  }
  const g = graphFromEdges(n, src, dst);
  for (const refinement of ['leidenalg', 'igraph'] as const) {
    const r = leiden(g, { seed: 1, refinement });
    assert.ok(adjustedRandIndex(truth, r.membership) >= 0.99, `${refinement}: ARI ${adjustedRandIndex(truth, r.membership)}`);
    assert.ok(communitiesConnected(g, r.membership));
    assert.deepEqual(leiden(g, { seed: 1, refinement }).membership, r.membership);
  }
});

function checkRealGraph(name: 'xenium' | 'osmfish', xy: Float64Array): void {
  const fx = fixture('graph/knn_leiden.json')[name];
  const g = knnGraph(xy, 15);
  assert.equal(g.n, fx.n);
  const ours: number[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const r = leiden(g, { seed, resolution: 1, nIterations: 2 });
    assert.ok(communitiesConnected(g, r.membership), `${name} seed ${seed}: disconnected community`);
    assert.ok(sizesDescending(r.membership, r.nClusters));
    assert.ok(relDiff(r.quality, qualityRB(g, r.membership, 1)) < 1e-12);
    ours.push(r.modularity);
  }
  const theirs = fx.leidenalg_rb_gamma1_iter2.map((x: { modularity: number }) => x.modularity);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(ours) >= mean(theirs) - 0.005, `${name}: mean Q ${mean(ours)} vs leidenalg ${mean(theirs)}`);
  assert.ok(Math.min(...ours) >= Math.min(...theirs) - 0.005, `${name}: min Q ${Math.min(...ours)} vs ${Math.min(...theirs)}`);
}

test('Leiden on the Xenium 15-NN graph (36,602 cells): modularity ≥ leidenalg − 0.005 over 5 seeds, connected communities', () => {
  checkRealGraph('xenium', loadXenium().xy);
});

test('Leiden on the osmFISH 15-NN graph: modularity ≥ leidenalg − 0.005 over 5 seeds, connected communities', () => {
  checkRealGraph('osmfish', loadOsmfish().xy);
});

test('iterations, resolution and objective semantics', () => {
  const o = loadOsmfish();
  const g = knnGraph(o.xy, 10);
  const one = leiden(g, { seed: 2, nIterations: 1 });
  const stable = leiden(g, { seed: 2, nIterations: -1 });
  assert.ok(stable.iterations >= 2);
  assert.ok(stable.quality >= one.quality - 1e-9);
  // Leiden only makes improving moves: starting from a partition never lowers its quality.
  const again = leiden(g, { seed: 5, nIterations: 1, initialMembership: stable.membership });
  assert.ok(again.quality >= stable.quality - 1e-9 * Math.abs(stable.quality));
  const fromCoarse = leiden(g, { seed: 5, nIterations: 1, initialMembership: Int32Array.from(stable.membership, (c) => c % 3) });
  assert.ok(fromCoarse.quality >= qualityRB(g, Int32Array.from(stable.membership, (c) => c % 3)) - 1e-9);
  const coarse = leiden(g, { seed: 0, resolution: 0.2 });
  const fine = leiden(g, { seed: 0, resolution: 3 });
  assert.ok(coarse.nClusters < one.nClusters && one.nClusters < fine.nClusters);
  const mod = leiden(g, { seed: 2, objective: 'modularity', nIterations: 1 });
  assert.deepEqual(mod.membership, one.membership); // same moves: Q = Q_RB(1)/2m
  assert.ok(relDiff(mod.quality, one.quality / (2 * (g.indices.length / 2))) < 1e-12);
  const zero = leiden(g, { nIterations: 0 });
  assert.equal(zero.nClusters, g.n);
});

test('adjacency conversion and bad input', () => {
  // Asymmetric adjacency (hSNMF's mixed graph): sum-symmetrisation W = A + Aᵀ.
  const a = { rows: 3, cols: 3, indptr: Int32Array.from([0, 2, 3, 3]), indices: Int32Array.from([1, 2, 0]), data: Float32Array.from([2, 1, 5]) };
  const s: Graph = graphFromAdjacency(a, 'sum');
  assert.equal(edgeWeight(s, 0, 1), 7);
  assert.equal(edgeWeight(s, 1, 0), 7);
  assert.equal(edgeWeight(s, 2, 0), 1);
  assert.equal(edgeWeight(graphFromAdjacency(a, 'max'), 0, 1), 5);
  assert.equal(edgeWeight(graphFromAdjacency(a, 'min'), 0, 2), 0);
  assert.equal(edgeWeight(graphFromAdjacency(a, 'min'), 1, 0), 2);
  assert.throws(() => graphFromAdjacency(a, 'assume-symmetric'), (e: unknown) => e instanceof StnmfError && e.message.includes('not symmetric'));
  assert.throws(() => leiden(a), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT');
  const g = graphFromEdges(4, [0, 1, 2], [1, 2, 3]);
  assert.throws(() => leiden(g, { resolution: -1 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => leiden(g, { nIterations: 1.5 }), StnmfError);
  assert.throws(() => leiden(g, { initialMembership: [0, 0, 1] }), (e: unknown) => e instanceof StnmfError && e.message.includes('expected 4'));
  assert.throws(() => modularity(g, [0, 0, 1]), (e: unknown) => e instanceof StnmfError && e.message.includes('one per node'));
  assert.throws(() => graphFromEdges(3, [0], [3]), StnmfError);
  assert.throws(() => graphFromEdges(3, [0], [1], [NaN]), StnmfError);
  // Isolated-only graph: no edges → every node alone, modularity NaN.
  const empty = graphFromEdges(5, [], []);
  const r = leiden(empty);
  assert.equal(r.nClusters, 5);
  assert.ok(Number.isNaN(r.modularity));
});
