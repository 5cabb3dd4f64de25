import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KDTree, knnQuery, knnGraph, radiusGraph, mapToNearest, mappingByTarget } from '../src/spatial/index.js';
import { StnmfError } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import { fixture, loadOsmfishAllXY, loadXenium } from './spatial-data.js';

/** Brute-force k nearest others of point i: sorted by (d², index). */
function bruteKnn(pts: ArrayLike<number>, dim: number, i: number, k: number): { idx: number[]; d2: number[] } {
  const n = pts.length / dim;
  // Keep the k best (d², index) pairs in a sorted array: plain insertion, no tree.
  const bd: number[] = [];
  const bi: number[] = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let d2 = 0;
    for (let a = 0; a < dim; a++) d2 += (pts[i * dim + a] - pts[j * dim + a]) ** 2;
    if (bd.length === k && d2 >= bd[k - 1]) continue; // equal d² loses to the earlier (smaller) index
    let t = bd.length;
    while (t > 0 && bd[t - 1] > d2) t--;
    bd.splice(t, 0, d2);
    bi.splice(t, 0, j);
    if (bd.length > k) {
      bd.pop();
      bi.pop();
    }
  }
  return { idx: bi, d2: bd };
}

function checkKnnAgainstBrute(pts: Float64Array, dim: number, k: number, queries: number[]): void {
  const q = knnQuery(pts, dim, k);
  for (const i of queries) {
    const b = bruteKnn(pts, dim, i, k);
    assert.deepEqual(Array.from(q.indices.subarray(i * k, (i + 1) * k)), b.idx, `row ${i}`);
    for (let t = 0; t < k; t++) assert.equal(q.distances[i * k + t], Math.sqrt(b.d2[t]));
  }
}

test('kd-tree kNN equals brute force: random 2-D, 7-D, and integer grids full of ties and duplicates', () => {
  const rng = new Rng(1);
  const a = Float64Array.from({ length: 2 * 3000 }, () => rng.uniform() * 100);
  checkKnnAgainstBrute(a, 2, 15, Array.from({ length: 3000 }, (_, i) => i));
  const b = Float64Array.from({ length: 7 * 1500 }, () => rng.normal());
  checkKnnAgainstBrute(b, 7, 10, Array.from({ length: 1500 }, (_, i) => i));
  // Integer coordinates in a 12 x 12 box: many exact distance ties and duplicate points.
  const c = Float64Array.from({ length: 2 * 2000 }, () => rng.int(12));
  checkKnnAgainstBrute(c, 2, 20, Array.from({ length: 2000 }, (_, i) => i));
  // All points identical.
  const d = new Float64Array(2 * 50).fill(3);
  checkKnnAgainstBrute(d, 2, 7, Array.from({ length: 50 }, (_, i) => i));
});

test('kd-tree kNN equals brute force on real points (osmFISH with repeated coordinates, Xenium sample)', () => {
  const o = loadOsmfishAllXY();
  checkKnnAgainstBrute(o, 2, 10, Array.from({ length: o.length / 2 }, (_, i) => i).filter((i) => i % 3 === 0));
  const x = loadXenium().xy;
  checkKnnAgainstBrute(x, 2, 15, Array.from({ length: 400 }, (_, t) => t * 91));
});

test('15-NN union graph of the 36,602 Xenium cells equals scikit-learn (knn_graph.py edges)', () => {
  const fx = fixture('graph/knn_leiden.json');
  for (const [name, xy] of [['xenium', loadXenium().xy]] as const) {
    const g = knnGraph(xy, 15);
    let edges = 0;
    let checksum = 0;
    for (let i = 0; i < g.n; i++) {
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        const j = g.indices[p];
        if (j > i) {
          edges++;
          checksum += (i + 1) * (j + 1);
        }
      }
    }
    assert.equal(edges, fx[name].n_edges);
    assert.equal(checksum, fx[name].edge_checksum);
  }
});

function bruteRadius(pts: Float64Array, r: number, dropCoincident: boolean): Set<string> {
  const n = pts.length / 2;
  const s = new Set<string>();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const d = Math.sqrt((pts[2 * i] - pts[2 * j]) ** 2 + (pts[2 * i + 1] - pts[2 * j + 1]) ** 2);
      if (d <= r && (!dropCoincident || d > 1e-6)) s.add(`${i},${j}`);
    }
  }
  return s;
}

function graphPairs(g: { n: number; indptr: Int32Array; indices: Int32Array }): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i < g.n; i++) {
    let last = -1;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      assert.ok(g.indices[p] > last, 'row sorted, no duplicates');
      last = g.indices[p];
      s.add(`${i},${g.indices[p]}`);
    }
  }
  return s;
}

test('radius graph equals brute force: random with duplicates and isolated points, real osmFISH', () => {
  const rng = new Rng(3);
  const pts = Float64Array.from({ length: 2 * 1500 }, () => Math.round(rng.uniform() * 400) / 2);
  pts.copyWithin(0, 2 * 1000, 2 * 1100); // 100 exact duplicates
  for (const drop of [true, false]) {
    for (const r of [0.5, 3, 7.25]) {
      const g = radiusGraph(pts, r, { dropCoincident: drop });
      assert.deepEqual(graphPairs(g), bruteRadius(pts, r, drop));
      for (let p = 0; p < g.indices.length; p++) assert.ok(g.distances[p] <= r);
    }
  }
  const g0 = radiusGraph(pts, 0.5);
  let isolated = 0;
  for (let i = 0; i < g0.n; i++) if (g0.indptr[i + 1] === g0.indptr[i]) isolated++;
  assert.ok(isolated > 100, `expected isolated points, got ${isolated}`);
  const o = loadOsmfishAllXY();
  for (const drop of [true, false]) assert.deepEqual(graphPairs(radiusGraph(o, 250, { dropCoincident: drop })), bruteRadius(o, 250, drop));
});

test('kNN graph symmetrisation: union ⊇ directed ⊇ mutual, all symmetric', () => {
  const rng = new Rng(5);
  const pts = Float64Array.from({ length: 2 * 800 }, () => rng.uniform());
  const dir = graphPairs(knnGraph(pts, 6, { symmetrize: 'none' }));
  const uni = graphPairs(knnGraph(pts, 6));
  const mut = graphPairs(knnGraph(pts, 6, { symmetrize: 'mutual' }));
  for (const e of dir) assert.ok(uni.has(e));
  for (const e of mut) assert.ok(dir.has(e));
  for (const s of [uni, mut]) for (const e of s) assert.ok(s.has(e.split(',').reverse().join(',')));
  for (const e of dir) {
    const rev = e.split(',').reverse().join(',');
    assert.equal(mut.has(e), dir.has(rev));
    assert.ok(uni.has(rev));
  }
});

test('mapToNearest equals brute force, honours maxDistance, groups by target', () => {
  const rng = new Rng(9);
  const a = Float64Array.from({ length: 2 * 2000 }, () => rng.uniform() * 1000);
  const b = Float64Array.from({ length: 2 * 150 }, () => Math.round(rng.uniform() * 20) * 50);
  const m = mapToNearest(a, b, 40);
  const byTarget = mappingByTarget(m.target, 150);
  let mapped = 0;
  for (let i = 0; i < 2000; i++) {
    let best = -1;
    let bd = Infinity;
    for (let j = 0; j < 150; j++) {
      const d = Math.sqrt((a[2 * i] - b[2 * j]) ** 2 + (a[2 * i + 1] - b[2 * j + 1]) ** 2);
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    assert.equal(m.distance[i], bd);
    assert.equal(m.target[i], bd <= 40 ? best : -1);
    if (bd <= 40) mapped++;
  }
  assert.equal(byTarget.members.length, mapped);
  for (let s = 0; s < 150; s++) for (let p = byTarget.indptr[s]; p < byTarget.indptr[s + 1]; p++) assert.equal(m.target[byTarget.members[p]], s);
  assert.ok(mapped > 100 && mapped < 2000);
  assert.deepEqual(Array.from(mapToNearest(a, b, Infinity).target).every((t) => t >= 0), true);
});

test('bad input: NaN coordinates, k >= n, radius <= 0 → StnmfError', () => {
  const pts = Float64Array.from([0, 0, 1, 1, 2, NaN, 3, 3]);
  const ok = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
  const isErr = (code: string) => (e: unknown) => e instanceof StnmfError && e.code === code && /point 2|finite/.test(e.message) || (e instanceof StnmfError && e.code === code);
  assert.throws(() => new KDTree(pts, 2), isErr('BAD_INPUT'));
  assert.throws(() => knnGraph(pts, 2), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && e.message.includes('point 2'));
  assert.throws(() => radiusGraph(pts, 1), (e: unknown) => e instanceof StnmfError && e.message.includes('point 2'));
  assert.throws(() => knnGraph(ok, 4), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && e.message.includes('k must'));
  assert.throws(() => knnGraph(ok, 0), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => knnQuery(ok, 2, 4), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => radiusGraph(ok, 0), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && e.message.includes('radius'));
  assert.throws(() => radiusGraph(ok, -2), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => radiusGraph(ok, NaN), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => mapToNearest(pts, ok, 1), (e: unknown) => e instanceof StnmfError && e.message.includes('(A)'));
  assert.throws(() => mapToNearest(ok, ok, -1), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => knnGraph(Float64Array.from([0, 1, 2]), 1), (e: unknown) => e instanceof StnmfError && e.message.includes('multiple of dim'));
});
