import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delaunayGraph, knnGraph, knnQuery, radiusGraph, rowStandardize, setWeights, umapConnectivities, smoothKnnDist, graphToCsr } from '../src/spatial/index.js';
import { StnmfError } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import { loadOsmfish } from './spatial-data.js';

function hasEdge(g: { indptr: Int32Array; indices: Int32Array }, i: number, j: number): boolean {
  for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) if (g.indices[p] === j) return true;
  return false;
}

test('Delaunay graph: symmetric, contains every nearest-neighbour edge, planar edge count, duplicates re-attached', () => {
  const rng = new Rng(11);
  const n = 2000;
  const pts = Float64Array.from({ length: 2 * n }, () => rng.uniform() * 1000);
  const g = delaunayGraph(pts);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      assert.ok(hasEdge(g, g.indices[p], i));
      if (g.indices[p] > i) edges++;
    }
  }
  assert.ok(edges <= 3 * n - 6 && edges >= 2 * n, `edge count ${edges}`);
  // The nearest-neighbour graph is a subgraph of the Delaunay triangulation.
  const nn = knnQuery(pts, 2, 1);
  for (let i = 0; i < n; i++) assert.ok(hasEdge(g, i, nn.indices[i]), `NN edge of ${i}`);
  // Duplicates: copy point 0 onto point 1 → point 1 gets point 0's neighbours, no 0–1 edge.
  const dup = pts.slice();
  dup[2] = dup[0];
  dup[3] = dup[1];
  const gd = delaunayGraph(dup);
  assert.ok(!hasEdge(gd, 0, 1));
  assert.deepEqual(
    Array.from(gd.indices.subarray(gd.indptr[1], gd.indptr[2])).filter((j) => j !== 0),
    Array.from(gd.indices.subarray(gd.indptr[0], gd.indptr[1])).filter((j) => j !== 1),
  );
  // Collinear points: a chain in order along the line.
  const line = Float64Array.from([0, 0, 3, 3, 1, 1, 2, 2, 5, 5]);
  const gl = delaunayGraph(line);
  assert.deepEqual(Array.from(gl.indices.subarray(gl.indptr[0], gl.indptr[1])), [2]);
  assert.deepEqual(Array.from(gl.indices.subarray(gl.indptr[1], gl.indptr[2])), [3, 4]);
  // Length cut.
  const cut = delaunayGraph(pts, { maxEdgeLength: 20 });
  for (let p = 0; p < cut.distances.length; p++) assert.ok(cut.distances[p] <= 20);
  assert.throws(() => delaunayGraph(Float64Array.from([0, NaN, 1, 1, 2, 0])), StnmfError);
});

test('weights: binary, Gaussian, inverse distance; row standardisation sums to n − islands', () => {
  const o = loadOsmfish();
  const g = radiusGraph(o.xy, 200, { weights: 'gaussian', bandwidth: 80 });
  for (let p = 0; p < g.weights.length; p++) {
    const want = Math.exp(-(g.distances[p] ** 2) / (2 * 80 * 80));
    assert.ok(Math.abs(g.weights[p] - want) <= 1e-15 * want);
  }
  const inv = setWeights(g, 'inverse-distance');
  for (let p = 0; p < g.weights.length; p++) assert.equal(inv.weights[p], 1 / g.distances[p]);
  const { graph: r, islands } = rowStandardize(g);
  let total = 0;
  let isl = 0;
  for (let i = 0; i < r.n; i++) {
    let s = 0;
    for (let p = r.indptr[i]; p < r.indptr[i + 1]; p++) s += r.weights[p];
    if (r.indptr[i + 1] === r.indptr[i]) isl++;
    else assert.ok(Math.abs(s - 1) < 1e-12);
    total += s;
  }
  assert.equal(islands, isl);
  assert.ok(islands > 0, 'radius 200 px leaves some osmFISH cells without neighbours');
  assert.ok(Math.abs(total - (r.n - islands)) < 1e-9);
  const csr = graphToCsr(r);
  assert.equal(csr.rows, r.n);
  assert.equal(csr.data.length, r.indices.length);
});

/** Direct transcription of G3.5 with brute-force neighbours, as a second implementation. */
function umapBrute(pts: Float64Array, dim: number, K: number): Map<string, number> {
  const n = pts.length / dim;
  const idx: number[][] = [];
  const dst: number[][] = [];
  for (let i = 0; i < n; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let a = 0; a < dim; a++) d2 += (pts[i * dim + a] - pts[j * dim + a]) ** 2;
      all.push([j === i ? -1 : Math.sqrt(d2), j]);
    }
    all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    idx.push(all.slice(0, K).map((x) => x[1]));
    dst.push(all.slice(0, K).map((x) => Math.max(0, x[0])));
  }
  const flat = Float64Array.from(dst.flat());
  const { sigma, rho } = smoothKnnDist(flat, n, K);
  const v = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    for (let t = 1; t < K; t++) {
      const d = dst[i][t];
      v.set(`${i},${idx[i][t]}`, d - rho[i] <= 0 ? 1 : Math.exp(-(d - rho[i]) / sigma[i]));
    }
  }
  const w = new Map<string, number>();
  for (const [key, a] of v) {
    const [i, j] = key.split(',');
    const b = v.get(`${j},${i}`) ?? 0;
    w.set(key, a + b - a * b);
    w.set(`${j},${i}`, a + b - a * b);
  }
  return w;
}

test('UMAP connectivities (G3.5): σ solves the target, symmetric, in (0, 1], nearest neighbour 1, equals the direct formula', () => {
  const rng = new Rng(21);
  const n = 600;
  const dim = 5;
  const pts = Float64Array.from({ length: n * dim }, () => rng.normal());
  const K = 15;
  const g = umapConnectivities(pts, dim, { nNeighbors: K });
  const ref = umapBrute(pts, dim, K);
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      assert.notEqual(j, i);
      const w = g.weights[p];
      assert.ok(w > 0 && w <= 1);
      const r = ref.get(`${i},${j}`);
      assert.ok(r !== undefined && Math.abs(r - w) < 1e-12, `(${i},${j}) ${w} vs ${r}`);
      let back = NaN;
      for (let q = g.indptr[j]; q < g.indptr[j + 1]; q++) if (g.indices[q] === i) back = g.weights[q];
      assert.equal(back, w);
      count++;
    }
  }
  assert.equal(count, ref.size);
  const nn = knnQuery(pts, dim, 1);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) if (g.indices[p] === nn.indices[i]) w = g.weights[p];
    // v = 1 for the nearest neighbour; the fuzzy union 1 + b − b may round one ulp below 1 (as in umap-learn).
    assert.ok(Math.abs(w - 1) < 1e-15);
  }
  // σ bisection hits Σ exp(−(d − ρ)/σ) = log2 K within the tolerance.
  const q = knnQuery(pts, dim, K - 1);
  const d = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let t = 1; t < K; t++) d[i * K + t] = q.distances[i * (K - 1) + t - 1];
  const { sigma, rho } = smoothKnnDist(d, n, K);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 1; t < K; t++) s += Math.exp(-Math.max(0, d[i * K + t] - rho[i]) / sigma[i]);
    assert.ok(Math.abs(s - Math.log2(K)) < 1e-5);
  }
  assert.throws(() => umapConnectivities(pts, dim, { nNeighbors: 1 }), StnmfError);
});

test('kNN graph weights from distances: Gaussian on real osmFISH, union shares the pair distance', () => {
  const o = loadOsmfish();
  const g = knnGraph(o.xy, 8, { weights: 'gaussian' });
  for (let i = 0; i < g.n; i += 7) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      const d = Math.sqrt((o.xy[2 * i] - o.xy[2 * j]) ** 2 + (o.xy[2 * i + 1] - o.xy[2 * j + 1]) ** 2);
      assert.equal(g.distances[p], d);
    }
  }
});
