import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adjustedRandIndex,
  chaos,
  coOccurrence,
  computeMetrics,
  daviesBouldin,
  encodeLabels,
  erfc,
  gearysC,
  holdoutR2,
  jensenShannon,
  moransI,
  neighborhoodEnrichment,
  normalizedMutualInfo,
  pas,
  silhouette,
  shuffleInPlace,
  silhouetteSubsample,
} from '../src/metrics/index.js';
import { knnGraph, rowStandardize } from '../src/spatial/index.js';
import { StnmfError } from '../src/errors.js';
import { Rng } from '../src/linalg/rng.js';
import { loadOsmfish } from './spatial-data.js';

test('erfc: scipy.special.erfc values to 1e-14 relative', () => {
  // scipy.special.erfc values.
  const ref: [number, number][] = [
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028516],
    [1.5, 0.03389485352468927],
    [2, 0.004677734981047266],
    [2.5, 0.00040695201744495886],
    [3, 2.2090496998585445e-5],
    [5, 1.5374597944280347e-12],
    [10, 2.0884875837625446e-45],
    [-1, 1.8427007929497148],
  ];
  for (const [x, v] of ref) assert.ok(Math.abs(erfc(x) - v) <= 1e-14 * v, `erfc(${x}) = ${erfc(x)} vs ${v}`);
});

test('hand-checked values: ARI/NMI special cases, Moran on a 4-cycle, JSD of disjoint rows, R² of a line', () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1], [5, 5, 7, 7]), 1);
  assert.equal(adjustedRandIndex(['a', 'a', 'a'], ['b', 'b', 'b']), 1);
  assert.ok(Math.abs(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) - -0.5) < 1e-15);
  assert.equal(normalizedMutualInfo([1, 1, 1], [2, 2, 2]), 1);
  assert.equal(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1]), 0);
  // 4-cycle with alternating values: perfect negative autocorrelation, I = −1, C = 2·(n−1)/n... = 1.5
  const cyc = { n: 4, indptr: Int32Array.from([0, 2, 4, 6, 8]), indices: Int32Array.from([1, 3, 0, 2, 1, 3, 0, 2]), weights: new Float64Array(8).fill(1) };
  assert.ok(Math.abs(moransI([1, -1, 1, -1], cyc).results[0].I - -1) < 1e-15);
  assert.ok(Math.abs(gearysC([1, -1, 1, -1], cyc).results[0].C - 1.5) < 1e-15);
  assert.ok(Number.isNaN(moransI([2, 2, 2, 2], cyc).results[0].I));
  const js = jensenShannon({ rows: 2, cols: 2, data: [1, 0, 0, 0] }, { rows: 2, cols: 2, data: [0, 3, 1, 1] });
  assert.equal(js.perRow[0], 1);
  assert.ok(Number.isNaN(js.perRow[1]));
  const r2 = holdoutR2({ rows: 3, cols: 2, data: [1, 5, 2, 5, 3, 5] }, { rows: 3, cols: 2, data: [10, 1, 8, 2, 6, 3] });
  assert.ok(Math.abs(r2.perGene[0] - 1) < 1e-15);
  assert.ok(Number.isNaN(r2.perGene[1]));
  assert.equal(r2.nNan, 1);
  assert.equal(r2.meanNanAsZero, 0.5);
  const enc = encodeLabels(['b', '', 'a', null, 'b']);
  assert.deepEqual(Array.from(enc.codes), [1, -1, 0, -1, 1]);
});

test('silhouette subsample: random and stratified subsamples are seeded and close to the exact score', () => {
  const o = loadOsmfish();
  const logc = Float64Array.from(o.counts, Math.log1p);
  const exact = silhouette(logc, o.nGenes, o.region);
  const a = silhouette(logc, o.nGenes, o.region, { sampleSize: 2000, seed: 1 });
  assert.equal(silhouette(logc, o.nGenes, o.region, { sampleSize: 2000, seed: 1 }), a);
  assert.notEqual(silhouette(logc, o.nGenes, o.region, { sampleSize: 2000, seed: 2 }), a);
  assert.ok(Math.abs(a - exact) < 0.02, `subsample ${a} vs exact ${exact}`);
  const strat = silhouetteSubsample(o.region, o.n, 1000, 0, true);
  const size = new Map<string, number>();
  for (const r of o.region) size.set(r, (size.get(r) ?? 0) + 1);
  const got = new Map<string, number>();
  for (const i of strat) got.set(o.region[i], (got.get(o.region[i]) ?? 0) + 1);
  for (const [r, s] of size) assert.equal(got.get(r), Math.max(1, Math.round((1000 * s) / o.n)));
  assert.ok(Math.abs(silhouette(logc, o.nGenes, o.region, { sampleSize: 1000, stratified: true }) - exact) < 0.03);
});

test('computeMetrics: summary keys on real osmFISH and consistency with the single metrics', () => {
  const o = loadOsmfish();
  const rng = new Rng(0);
  const emb = Float64Array.from({ length: o.n * 3 }, (_, t) => o.counts[Math.floor(t / 3) * o.nGenes + (t % 3)] + rng.uniform());
  const s = computeMetrics({ xy: o.xy, labels: o.region, embedding: emb, dim: 3, truth: o.cluster }, { radius: 300, sampleSize: 0 });
  assert.equal(s.n, o.n);
  assert.equal(s.nClusters, 11);
  assert.equal(s.moransI.length, 3);
  assert.equal(s.silhouette, silhouette(emb, 3, o.region));
  assert.equal(s.daviesBouldin, daviesBouldin(emb, 3, o.region));
  assert.equal(s.chaos, chaos(o.xy, o.region).chaos);
  assert.equal(s.pas, pas(o.xy, o.region).pas);
  assert.equal(s.ari, adjustedRandIndex(o.cluster, o.region));
  assert.ok(s.adjacencyScore > 0.5 && s.adjacencyScore < 1);
  assert.ok(s.moransI.every((v) => v > 0 && v < 1));
});

test('bad input: labels of the wrong length, NaN values, unlabelled entries, bad options → StnmfError', () => {
  const o = loadOsmfish();
  const short = o.region.slice(1);
  const wrongLength = (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /expected|different lengths|labels have/.test(e.message);
  assert.throws(() => chaos(o.xy, short), wrongLength);
  assert.throws(() => pas(o.xy, short), wrongLength);
  assert.throws(() => silhouette(o.xy, 2, short), wrongLength);
  assert.throws(() => daviesBouldin(o.xy, 2, short), wrongLength);
  assert.throws(() => adjustedRandIndex(o.region, short), wrongLength);
  assert.throws(() => normalizedMutualInfo(short, o.region), wrongLength);
  const w = rowStandardize(knnGraph(o.xy, 5)).graph;
  assert.throws(() => moransI(new Float64Array(o.n - 1), w), wrongLength);
  assert.throws(() => gearysC(new Float64Array(o.n + 3), w), wrongLength);
  const bad = new Float64Array(o.n);
  bad[7] = NaN;
  assert.throws(() => moransI(bad, w), (e: unknown) => e instanceof StnmfError && e.message.includes('row 7'));
  const xyNaN = o.xy.slice();
  xyNaN[9] = NaN;
  assert.throws(() => chaos(xyNaN, o.region), (e: unknown) => e instanceof StnmfError && e.message.includes('point 4'));
  assert.throws(() => silhouette(o.xy, 2, ['a', '', ...o.region.slice(2)]), (e: unknown) => e instanceof StnmfError && e.message.includes('missing'));
  assert.throws(() => pas(o.xy, o.region, o.n), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => silhouette(o.xy, 2, o.region, { sampleSize: 1 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  assert.throws(() => jensenShannon({ rows: 1, cols: 2, data: [1, 2] }, { rows: 1, cols: 3, data: [1, 2, 3] }), StnmfError);
  assert.throws(() => jensenShannon({ rows: 1, cols: 2, data: [1, -2] }, { rows: 1, cols: 2, data: [1, 2] }), StnmfError);
  assert.throws(() => holdoutR2({ rows: 2, cols: 1, data: [1, 2] }, { rows: 1, cols: 2, data: [1, 2] }), StnmfError);
  assert.throws(() => computeMetrics({ xy: o.xy, labels: short }, { radius: 100 }), wrongLength);
  assert.throws(() => computeMetrics({ xy: o.xy, labels: o.region }, { radius: 0 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
  // Fewer than 2 labels: NaN, as metrics.py.
  assert.ok(Number.isNaN(silhouette(o.xy, 2, new Array(o.n).fill('x'))));
});

test('neighbourhood enrichment on directed, self-loop and unsorted graphs, and with minCellCount, equals a per-entry count under the same permutations', () => {
  const rng = new Rng(21);
  const n = 300;
  const xy = Float64Array.from({ length: 2 * n }, () => rng.uniform() * 100);
  const lab = Int32Array.from({ length: n }, (_, i) => (xy[2 * i] < 40 ? 0 : i % 7 === 0 ? 3 : 1 + (i % 2)));
  const directed = knnGraph(xy, 5, { symmetrize: 'none' });
  const sym = knnGraph(xy, 5);
  // Symmetric plus self-entries on every fifth point, rows reversed (unsorted).
  const ptr = [0];
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(sym.indices.subarray(sym.indptr[i], sym.indptr[i + 1]));
    if (i % 5 === 0) row.push(i);
    idx.push(...row.reverse());
    ptr.push(idx.length);
  }
  const loopy = { n, indptr: Int32Array.from(ptr), indices: Int32Array.from(idx) };
  const nPerms = 120;
  for (const [graph, minCellCount, what] of [
    [directed, 0, 'directed'],
    [loopy, 0, 'self loops, unsorted rows'],
    [sym, 50, 'minCellCount 50'],
  ] as const) {
    const r = neighborhoodEnrichment(graph, lab, { nPerms, seed: 4, minCellCount });
    const size = [0, 0, 0, 0];
    for (const c of lab) size[c]++;
    const keep = size.map((c) => c >= minCellCount);
    const kept = Array.from(lab.keys()).filter((i) => keep[lab[i]]);
    const pos = new Map(kept.map((i, t) => [i, t]));
    const count = (codes: ArrayLike<number>) => {
      const c = new Float64Array(16);
      for (const i of kept) {
        for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
          const j = graph.indices[p];
          if (pos.has(j)) c[codes[pos.get(i)!] * 4 + codes[pos.get(j)!]]++;
        }
      }
      return c;
    };
    const work = Uint8Array.from(kept, (i) => lab[i]);
    const obs = count(work);
    const sum = new Float64Array(16), sq = new Float64Array(16);
    const pr = new Rng(4);
    for (let t = 0; t < nPerms; t++) {
      shuffleInPlace(pr, work);
      const c = count(work);
      for (let o = 0; o < 16; o++) {
        sum[o] += c[o];
        sq[o] += c[o] * c[o];
      }
    }
    let E = 0;
    for (const i of kept) for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) if (pos.has(graph.indices[p])) E++;
    for (let o = 0; o < 16; o++) {
      const [a, b] = [Math.floor(o / 4), o % 4];
      if (!keep[a] || !keep[b]) {
        assert.ok(Number.isNaN(r.counts[o]) && Number.isNaN(r.zscore[o]), `${what}: excluded entry ${o}`);
        continue;
      }
      const mean = sum[o] / nPerms;
      assert.equal(r.counts[o], obs[o], `${what}: count ${o}`);
      assert.ok(Math.abs(r.permMean[o] - mean) < 1e-9, `${what}: mean ${o}`);
      assert.ok(Math.abs(r.permSd[o] - Math.sqrt(Math.max(0, sq[o] / nPerms - mean * mean))) < 1e-7, `${what}: sd ${o}`);
      const m = kept.length;
      assert.ok(Math.abs(r.expected[o] - (E * size[a] * (size[b] - (a === b ? 1 : 0))) / (m * (m - 1))) < 1e-9, `${what}: expected ${o}`);
    }
    assert.deepEqual(r.excluded, minCellCount ? [3] : []);
  }
});

test('co-occurrence: maxCells scores the seeded subsample; cumulative bins are running sums of the annuli', () => {
  const rng = new Rng(22);
  const n = 500;
  const xy = Float64Array.from({ length: 2 * n }, () => rng.uniform() * 60);
  const lab = Array.from({ length: n }, (_, i) => (xy[2 * i] < 25 ? 'a' : i % 3 ? 'b' : 'c'));
  const th = [0, 4, 9, 15];
  const sub = coOccurrence(xy, lab, { thresholds: th, maxCells: 200, seed: 5 });
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(5).shuffle(idx);
  const keep = idx.slice(0, 200).sort();
  const direct = coOccurrence(Float64Array.from(Array.from(keep).flatMap((i) => [xy[2 * i], xy[2 * i + 1]])), Array.from(keep, (i) => lab[i]), { thresholds: th });
  assert.equal(sub.nCells, 200);
  assert.deepEqual(Array.from(sub.counts), Array.from(direct.counts));
  const ann = coOccurrence(xy, lab, { thresholds: th });
  const cum = coOccurrence(xy, lab, { thresholds: th, cumulative: true });
  const LL = 9;
  const within = (d: number) => {
    const c = new Float64Array(LL);
    const e = encodeLabels(lab);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && (xy[2 * i] - xy[2 * j]) ** 2 + (xy[2 * i + 1] - xy[2 * j + 1]) ** 2 <= d * d) c[e.codes[i] * 3 + e.codes[j]]++;
    return c;
  };
  for (let b = 0; b < 3; b++) {
    const w = within(th[b + 1]);
    let run = new Float64Array(LL);
    for (let q = 0; q <= b; q++) run = run.map((v, o) => v + ann.counts[q * LL + o]);
    assert.deepEqual(Array.from(cum.counts.subarray(b * LL, (b + 1) * LL)), Array.from(w), `disc ${b}`);
    // Annuli start above t_0 = 0, so only coincident pairs (none here) would be missing.
    assert.deepEqual(Array.from(run), Array.from(w), `running sum ${b}`);
  }
});
