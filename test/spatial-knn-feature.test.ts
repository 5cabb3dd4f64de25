/**
 * The box-bounded k-d tree of src/spatial/knn-feature.ts (feature-space kNN behind
 * `knnQuery` for dim > 2 and hence UMAP connectivities) and the O(nnz) graph builders of
 * hSNMF (methods/snmf radiusGraphs, symmetrizeSum) must return exactly what the slower code
 * they replace returns: brute force / the kdbush-style KDTree, `radiusGraph`,
 * `graphFromAdjacency(A, 'sum')`. Checked on random data full of ties and duplicates and on the
 * real Xenium mouse-brain run (36,602 cells: smoothed NMF usages, coordinates, A_mix).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { BoxKDTree } from '../src/spatial/knn-feature.js';
import { KDTree, knnQuery, radiusGraph, umapConnectivities } from '../src/spatial/index.js';
import { graphFromAdjacency } from '../src/graph/index.js';
import { Rng } from '../src/linalg/rng.js';
import { readXenium } from '../src/io/xenium.js';
import { coordinatesInMicrons, mixAdjacency, radiusGraphs, snmf, symmetrizeSum } from '../src/methods/snmf/index.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

/** All k nearest others of every point by a full scan, ordered by (d², index). */
function bruteAll(pts: ArrayLike<number>, dim: number, k: number): { indices: Int32Array; distances: Float64Array } {
  const n = pts.length / dim;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const d2 = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      // Same summation order as the trees (axis 0 first) so the distances are bitwise comparable.
      for (let a = 0; a < dim; a++) {
        const u = pts[j * dim + a] - pts[i * dim + a];
        s += u * u;
      }
      d2[j] = s;
      order[j] = j;
    }
    const others = Array.from(order).filter((j) => j !== i).sort((x, y) => d2[x] - d2[y] || x - y);
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = others[t];
      distances[i * k + t] = Math.sqrt(d2[others[t]]);
    }
  }
  return { indices, distances };
}

function assertSameKnn(got: { indices: Int32Array; distances: Float64Array }, want: { indices: Int32Array; distances: Float64Array }, what: string): void {
  assert.equal(got.indices.length, want.indices.length, what);
  let bad = -1;
  for (let p = 0; p < want.indices.length && bad < 0; p++) {
    if (got.indices[p] !== want.indices[p] || !Object.is(got.distances[p], want.distances[p])) bad = p;
  }
  assert.equal(bad, -1, `${what}: first mismatch at entry ${bad} (got ${got.indices[bad]} @ ${got.distances[bad]}, want ${want.indices[bad]} @ ${want.distances[bad]})`);
}

test('box k-d tree kNN equals brute force on random data with ties, duplicates and constant sets', () => {
  const rng = new Rng(7);
  const cases: Array<{ name: string; dim: number; pts: Float64Array }> = [];
  // Integer grids: many exactly equal distances, and (with 3 levels in 3-D) many duplicate points.
  for (const dim of [3, 10]) cases.push({ name: `integers 0..2 in ${dim}-D`, dim, pts: Float64Array.from({ length: 400 * dim }, () => rng.int(3)) });
  cases.push({ name: 'gaussian 10-D', dim: 10, pts: Float64Array.from({ length: 600 * 10 }, () => rng.normal()) });
  cases.push({ name: 'gaussian 17-D', dim: 17, pts: Float64Array.from({ length: 300 * 17 }, () => rng.normal()) });
  // Non-negative, skewed like NMF usages, with 50 exact copies of earlier rows.
  const nmfLike = Float64Array.from({ length: 500 * 10 }, () => rng.gamma(0.3) * 0.01);
  for (let t = 0; t < 50; t++) nmfLike.copyWithin((450 + t) * 10, t * 7 * 10, (t * 7 + 1) * 10);
  cases.push({ name: 'NMF-like with duplicate rows', dim: 10, pts: nmfLike });
  cases.push({ name: 'all points identical', dim: 6, pts: new Float64Array(40 * 6).fill(0.25) });
  for (const { name, dim, pts } of cases) {
    const n = pts.length / dim;
    for (const k of [1, 14, n - 1]) {
      const want = bruteAll(pts, dim, k);
      for (const leaf of [1, 5, 32]) assertSameKnn(new BoxKDTree(pts, dim, leaf).knnAll(k), want, `${name}, k=${k}, leaf=${leaf}`);
      assertSameKnn(knnQuery(pts, dim, k), want, `${name}, knnQuery k=${k}`);
    }
  }
});

test('box k-d tree single queries: outside points, no exclusion, float32 input, k above n', () => {
  const rng = new Rng(3);
  const dim = 8;
  const pts = Float32Array.from({ length: 300 * dim }, () => rng.int(4) * 0.5);
  const tree = new BoxKDTree(pts, dim);
  const old = new KDTree(pts, dim);
  const k = 20;
  const oi = new Int32Array(k), od = new Float64Array(k), ri = new Int32Array(k), rd = new Float64Array(k);
  for (let t = 0; t < 50; t++) {
    const q = Float64Array.from({ length: dim }, () => rng.int(5) * 0.5 - 0.25);
    assert.equal(tree.knn(q, k, -1, oi, od), k);
    old.knn(q, k, -1, ri, rd);
    assert.deepEqual(Array.from(oi), Array.from(ri));
    assert.deepEqual(Array.from(od), Array.from(rd));
  }
  // Asking for more neighbours than exist returns all of them, sorted.
  const small = new BoxKDTree([0, 0, 1, 1, 0, 0], 2);
  const si = new Int32Array(5), sd = new Float64Array(5);
  assert.equal(small.knn([0, 0], 5, 0, si, sd), 2);
  assert.deepEqual(Array.from(si.subarray(0, 2)), [2, 1]);
  assert.deepEqual(Array.from(sd.subarray(0, 2)), [0, Math.SQRT2]);
});

test('Xenium (36,602 cells): kNN on the smoothed NMF usages, UMAP graph, radius graphs and A_mix + A_mixᵀ equal the reference code', async () => {
  const ds = await readXenium(shared('xenium-mouse-brain'));
  // A short NMF gives factors with the real geometry at a fraction of the full fit's cost.
  const s = await snmf(ds, { rank: 10, nmf: { maxIter: 30 }, threads: 1 });
  const n = s.Ws.rows;
  assert.equal(n, 36602);

  // Feature kNN (k = 14 others, as umapConnectivities uses) against the kdbush-style tree.
  const fast = knnQuery(s.Ws64, 10, 14);
  const ref = knnQuery(s.Ws64, 10, 14, new KDTree(s.Ws64, 10));
  assertSameKnn(fast, ref, 'Xenium Ws kNN');
  const conn = umapConnectivities(s.Ws64, 10, { nNeighbors: 15 });
  assert.equal(conn.indptr[n] > 14 * n, true);

  // Contact (20 µm) and context (80 µm) graphs from one pass equal two radiusGraph calls.
  const { xy } = coordinatesInMicrons(ds);
  const [c, r] = radiusGraphs(xy, [20, 80]);
  for (const [got, radius] of [[c, 20], [r, 80]] as const) {
    const want = radiusGraph(xy, radius);
    assert.deepEqual(got.indptr, want.indptr, `radius ${radius} indptr`);
    assert.deepEqual(got.indices, want.indices, `radius ${radius} indices`);
    assert.deepEqual(got.distances, want.distances, `radius ${radius} distances`);
    assert.deepEqual(got.weights, want.weights, `radius ${radius} weights`);
  }
  assert.equal(s.graphs.context.indptr[n], r.indptr[n]);

  // Leiden's graph: A_mix + A_mixᵀ by counting transpose equals graph/graphFromAdjacency.
  const A = mixAdjacency(s.graphs.hybrid, conn, 0.5);
  const got = symmetrizeSum(A);
  const want = graphFromAdjacency(A, 'sum');
  assert.deepEqual(got.indptr, want.indptr);
  assert.deepEqual(got.indices, want.indices);
  assert.deepEqual(got.weights, want.weights);
});
