import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../src/linalg/rng.js';
import { csrFromDense, csrToDense } from '../src/linalg/csr.js';
import { fromRows } from '../src/linalg/dense.js';
import { StnmfError } from '../src/errors.js';
import {
  alignModalities,
  annotateCorrelation,
  annotateOverlap,
  assignCells,
  coOccurrence,
  colocalizationScores,
  encodeLabels,
  highlyVariableGenes,
  log1pCsr,
  neighborhoodEnrichment,
  nicheComposition,
  parseMarkerTable,
  radiusNeighbors,
  requireNeighbors,
  resolveMarkers,
  runSpatialMultiOmics,
  type ModalityTable,
} from '../src/methods/multiomics/index.js';
import { shuffleInPlace } from '../src/metrics/index.js';
import { simulateMultiOmics } from '../src/simulate/multiomics.js';

const shared = (p: string) => new URL(`../../../shared/data/${p}`, import.meta.url);

function randomPoints(n: number, seed: number, extent = 100): { x: Float64Array; y: Float64Array } {
  const r = new Rng(seed);
  const x = Float64Array.from({ length: n }, () => Math.round(r.uniform() * extent * 4) / 4);
  const y = Float64Array.from({ length: n }, () => Math.round(r.uniform() * extent * 4) / 4);
  return { x, y };
}

test('radius neighbours equal brute force (d <= r, coincident points included)', () => {
  const { x, y } = randomPoints(600, 1);
  x[5] = x[6];
  y[5] = y[6];
  for (const r of [0.5, 3, 7.25]) {
    const g = radiusNeighbors(x, y, r);
    for (let i = 0; i < x.length; i++) {
      const want: number[] = [];
      for (let j = 0; j < x.length; j++) if (j !== i && Math.hypot(x[i] - x[j], y[i] - y[j]) <= r) want.push(j);
      assert.deepEqual(Array.from(g.indices.subarray(g.indptr[i], g.indptr[i + 1])), want);
    }
  }
});

test('radius neighbours (spatial k-d tree) equal brute force on clustered cells: M3.9 layout and tight clumps with duplicates', () => {
  // The k-d tree once pruned the wrong half on clustered data (8 of 790 pairs on M3.9); cover
  // that layout, plus clumps far smaller than the radius where whole subtrees sit on one side.
  const sim = simulateMultiOmics({ seed: 3, nCells: 400 });
  const r = new Rng(12);
  const cx = new Float64Array(1200), cy = new Float64Array(1200);
  for (let i = 0; i < 1200; i++) {
    const c = i % 6;
    cx[i] = 1000 * (c % 3) + 0.8 * r.normal();
    cy[i] = 700 * Math.floor(c / 3) + 0.8 * r.normal();
  }
  cx.copyWithin(0, 600, 650); // 50 exact duplicates
  cy.copyWithin(0, 600, 650);
  for (const [x, y, radii] of [
    [sim.transcripts.x, sim.transcripts.y, [20, 50, 150]],
    [cx, cy, [0.3, 2, 5, 1000]],
  ] as [Float64Array, Float64Array, number[]][]) {
    for (const rad of radii) {
      const g = radiusNeighbors(x, y, rad);
      let pairs = 0;
      for (let i = 0; i < x.length; i++) {
        const want: number[] = [];
        for (let j = 0; j < x.length; j++) if (j !== i && (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 <= rad * rad) want.push(j);
        assert.deepEqual(Array.from(g.indices.subarray(g.indptr[i], g.indptr[i + 1])), want, `radius ${rad}, row ${i}`);
        pairs += want.length;
      }
      assert.ok(pairs > 0);
    }
  }
});

/** 10 x 10 unit lattice, radius 1 (4-neighbour): left half A, right half B. */
function lattice() {
  const x = new Float64Array(100), y = new Float64Array(100);
  const labels: string[] = [];
  for (let i = 0; i < 100; i++) {
    x[i] = i % 10;
    y[i] = Math.floor(i / 10);
    labels.push(x[i] < 5 ? 'A' : 'B');
  }
  return { x, y, labels };
}

test('co-localization scores on a 2-type lattice match hand counts', () => {
  const { x, y, labels } = lattice();
  const g = radiusNeighbors(x, y, 1);
  assert.equal(g.indptr[100] / 2, 180);
  const c = colocalizationScores(g, encodeLabels(labels));
  // Undirected edges: AB = 10 across the middle, AA = BB = 10*4 + 5*9 = 85.
  assert.deepEqual(Array.from(c.edges), [85, 10, 10, 85]);
  // Literal ratio: E_exp = 50*50/100 = 25.
  assert.ok(Math.abs(c.neighborRatioLiteral[1] - (10 - 25) / 25) < 1e-12);
  // Corrected: E[AB] = 180*2*2500/9900, E[AA] = 180*50*49/9900.
  assert.ok(Math.abs(c.expectedEdges[1] - (180 * 2 * 2500) / 9900) < 1e-9);
  assert.ok(Math.abs(c.edgeEnrichmentRatio[0] - (85 / ((180 * 50 * 49) / 9900) - 1)) < 1e-12);
  // Standardised excess by brute force: mean fraction of B neighbours over A cells.
  let sum = 0;
  for (let i = 0; i < 100; i++) {
    if (labels[i] !== 'A') continue;
    let nb = 0, nB = 0;
    for (let j = 0; j < 100; j++) {
      if (j !== i && Math.hypot(x[i] - x[j], y[i] - y[j]) <= 1) {
        nb++;
        if (labels[j] === 'B') nB++;
      }
    }
    sum += nB / nb;
  }
  const want = (sum / 50 - 0.5) / Math.sqrt(0.25);
  assert.ok(Math.abs(c.standardizedNeighborExcess[1] - want) < 1e-12);
});

test('standardised excess respects its bound S <= sqrt((1-p)/p)', () => {
  const { x, y } = randomPoints(300, 2, 60);
  const g = radiusNeighbors(x, y, 6);
  const r = new Rng(3);
  for (let rep = 0; rep < 20; rep++) {
    const T = 2 + (rep % 5);
    // Spatially clustered labels push the score towards its bound.
    const labels = Array.from(x, (xi, i) => `t${Math.min(T - 1, Math.floor((xi / 60) * T + (r.uniform() < 0.1 ? 1 : 0)))}${i < 0 ? '' : ''}`);
    const coded = encodeLabels(labels);
    const s = colocalizationScores(g, coded, rep % 2 === 0);
    const K = coded.categories.length;
    const counts = new Float64Array(K);
    for (const c of coded.codes) counts[c]++;
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        const p = counts[b] / 300;
        assert.ok(s.standardizedNeighborExcess[a * K + b] <= Math.sqrt((1 - p) / p) + 1e-12);
      }
    }
  }
});

test('neighbourhood enrichment equals a straightforward permutation test with the same permutations', () => {
  const { x, y } = randomPoints(400, 4, 50);
  const g = radiusNeighbors(x, y, 4);
  const labels = Array.from(x, (xi, i) => (xi < 20 ? 'a' : i % 3 === 0 ? 'b' : 'c'));
  const coded = encodeLabels(labels);
  const nPerms = 200;
  const fast = neighborhoodEnrichment(g, coded, { nPerms, seed: 9 });
  const T = 3;
  const count = (lab: ArrayLike<number>) => {
    const c = new Float64Array(T * T);
    for (let i = 0; i < g.n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) c[lab[i] * T + lab[g.indices[p]]]++;
    return c;
  };
  const obs = count(coded.codes);
  const rng = new Rng(9);
  const lab = Uint8Array.from(coded.codes);
  const sims: Float64Array[] = [];
  for (let r = 0; r < nPerms; r++) {
    shuffleInPlace(rng, lab);
    sims.push(count(lab));
  }
  for (let o = 0; o < T * T; o++) {
    const v = sims.map((s) => s[o]);
    const mean = v.reduce((a, b) => a + b) / nPerms;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / nPerms);
    assert.equal(fast.count[o], obs[o]);
    assert.ok(Math.abs(fast.permMean[o] - mean) < 1e-9);
    assert.ok(Math.abs(fast.permSd[o] - sd) < 1e-7);
    assert.ok(Math.abs(fast.zscore[o] - (obs[o] - mean) / sd) < 1e-7);
    // The permutation mean estimates the analytic expectation.
    assert.ok(Math.abs(fast.permMean[o] - fast.expected[o]) < 5 * (sd / Math.sqrt(nPerms)) + 1e-9);
  }
});

test('shuffleInPlace is uniform over positions (chi-square on 3 elements)', () => {
  const rng = new Rng(11);
  const seen = new Map<string, number>();
  const N = 60000;
  for (let t = 0; t < N; t++) {
    const a = [0, 1, 2];
    shuffleInPlace(rng, a);
    seen.set(a.join(''), (seen.get(a.join('')) ?? 0) + 1);
  }
  assert.equal(seen.size, 6);
  let chi = 0;
  for (const c of seen.values()) chi += (c - N / 6) ** 2 / (N / 6);
  assert.ok(chi < 20.5, `chi-square ${chi} (5 df, p = 0.001 critical value 20.5)`);
});

test('co-occurrence ratios equal a brute-force count', () => {
  const { x, y } = randomPoints(150, 5, 40);
  const labels = Array.from(x, (xi) => (xi < 15 ? 'L' : xi < 30 ? 'M' : 'R'));
  const coded = encodeLabels(labels);
  const th = [0, 5, 10, 20];
  for (const cumulative of [false, true]) {
    const co = coOccurrence(x, y, coded, { thresholds: th, cumulative });
    const T = 3;
    for (let s = 0; s < 3; s++) {
      const cnt = new Float64Array(T * T);
      for (let i = 0; i < 150; i++) {
        for (let j = 0; j < 150; j++) {
          if (i === j) continue;
          const d = Math.hypot(x[i] - x[j], y[i] - y[j]);
          if ((cumulative ? true : d > th[s]) && d <= th[s + 1]) cnt[coded.codes[i] * T + coded.codes[j]]++;
        }
      }
      const total = cnt.reduce((a, b) => a + b);
      for (let a = 0; a < T; a++) {
        const row = cnt.slice(a * T, a * T + T).reduce((u, v) => u + v);
        for (let b = 0; b < T; b++) {
          const col = [0, 1, 2].reduce((u, q) => u + cnt[q * T + b], 0);
          const want = cnt[a * T + b] / row / (col / total);
          assert.equal(co.counts[(a * T + b) * 3 + s], cnt[a * T + b]);
          assert.ok(Math.abs(co.ratio[(a * T + b) * 3 + s] - want) < 1e-9);
        }
      }
    }
  }
});

test('niche composition: fractions, ties to sorted order, isolated cells, includeSelf', () => {
  const x = Float64Array.from([0, 1, 2, 10]);
  const y = new Float64Array(4);
  const g = radiusNeighbors(x, y, 1);
  const coded = encodeLabels(['b', 'a', 'b', 'a']);
  const c = nicheComposition(g, coded.codes, 2);
  assert.deepEqual(Array.from(c.nNeighbors), [1, 2, 1, 0]);
  assert.deepEqual(Array.from(c.fractions), [1, 0, 0, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(c.niche), [0, 1, 0, -1]);
  const s = nicheComposition(g, coded.codes, 2, true);
  assert.deepEqual(Array.from(s.nNeighbors), [2, 3, 2, 1]);
  assert.equal(s.niche[0], 0); // tie a/b → 'a' (sorted first)
});

test('radius yielding no neighbours is an actionable StnmfError', () => {
  const g = radiusNeighbors(Float64Array.from([0, 100]), Float64Array.from([0, 0]), 1);
  assert.throws(() => requireNeighbors(g, 1), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && /no pair/.test(e.message));
  assert.throws(() => radiusNeighbors([0], [0], 0), StnmfError);
});

test('marker tables: long format and the CELESTA prior (wide, NA, non-marker columns ignored)', () => {
  const long = parseMarkerTable('cell_type,feature,modality\nT,CD3,protein\nT,CD3E,transcript\nB,MS4A1,\n');
  assert.deepEqual(long.types, ['T', 'B']);
  assert.deepEqual(long.markers[0], [{ feature: 'CD3', modality: 'protein' }, { feature: 'CD3E', modality: 'transcript' }]);
  const prior = parseMarkerTable(readFileSync(shared('codex-crc-reg009/prior_marker_info.csv'), 'utf8'));
  assert.equal(prior.types.length, 16);
  const tumor = prior.types.indexOf('tumor cells');
  assert.deepEqual(prior.markers[tumor].map((m) => m.feature), ['Cytokeratin - epithelia:Cyc_10_ch_2']);
  const macro = prior.types.indexOf('CD68+CD163+ macrophages');
  assert.deepEqual(prior.markers[macro].map((m) => m.feature).sort(), ['CD163 - macrophages:Cyc_17_ch_3', 'CD68 - macrophages:Cyc_18_ch_4']);
  assert.ok(!prior.markers.flat().some((m) => m.feature === 'Lineage_level'));
  const res = resolveMarkers(long, ['CD3E'], ['cd3']);
  assert.deepEqual(Array.from(res.genes[0]), [0]);
  assert.deepEqual(Array.from(res.proteins[0]), [0]);
  assert.deepEqual(res.missing, ['B: MS4A1']);
  assert.throws(() => parseMarkerTable('a,b\n1,2\n'), StnmfError);
});

test('annotation variants recover planted factors (recall 1.0 at 5 markers per type)', () => {
  const T = 4, G = 60, P = 20, n = 400;
  const table = { types: ['t0', 't1', 't2', 't3'], markers: [0, 1, 2, 3].map((t) => [0, 1, 2, 3, 4].map((m) => ({ feature: `g${t * 5 + m}`, modality: 'any' as const })).concat([{ feature: `p${t * 5}`, modality: 'any' as const }])) };
  const genes = Array.from({ length: G }, (_, j) => `g${j}`);
  const prots = Array.from({ length: P }, (_, j) => `p${j}`);
  const res = resolveMarkers(table, genes, prots);
  const r = new Rng(7);
  // Planted H in a shuffled factor order: factor f carries type perm[f].
  const perm = [2, 0, 3, 1];
  const Htx = fromRows(perm.map((t) => Array.from({ length: G }, (_, j) => (j >= t * 5 && j < t * 5 + 5 ? 5 + r.uniform() : r.uniform()))));
  const Hp = fromRows(perm.map((t) => Array.from({ length: P }, (_, j) => (j === t * 5 ? 5 : r.uniform()))));
  const a = annotateOverlap(Htx, Hp, res);
  assert.deepEqual(a.factors.map((f) => f.cellType), perm.map((t) => `t${t}`));
  assert.ok(a.factors.every((f) => f.geneScore === 1 && f.proteinScore === 1));
  // Variant B: cells of type t use factor perm^-1(t); data = W H + noise.
  const Wrows: number[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i % T;
    truth.push(t);
    Wrows.push(perm.map((pt) => (pt === t ? 1 + r.uniform() : 0.05 * r.uniform())));
  }
  const W = fromRows(Wrows);
  const dense = (H: typeof Htx) => fromRows(Wrows.map((w) => Array.from({ length: H.cols }, (_, j) => w.reduce((s, v, f) => s + v * H.data[f * H.cols + j], 0) + 0.1 * r.uniform())));
  const b = annotateCorrelation(W, csrFromDense(dense(Htx)), csrFromDense(dense(Hp)), res);
  assert.deepEqual(b.factors.map((f) => f.cellType), perm.map((t) => `t${t}`));
  const cells = assignCells(W, b.factors.map((f) => f.cellType));
  assert.equal(cells.labels.filter((l, i) => l === `t${truth[i]}`).length, n);
});

test('HVG (seurat flavour): keeps everything when nTop >= genes, prefers over-dispersed genes', () => {
  const r = new Rng(8);
  const n = 300, G = 40;
  // Same mean (8) everywhere, so all genes share a mean bin; genes 0-2 are over-dispersed (0 or 16).
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: G }, (_, j) => (j < 3 ? (i % 2 ? r.poisson(16) : 0) : r.poisson(8))));
  const X = log1pCsr(csrFromDense(fromRows(rows)));
  assert.equal(highlyVariableGenes(X, 100).selected.length, G);
  const sel = Array.from(highlyVariableGenes(X, 3).selected);
  assert.deepEqual(sel, [0, 1, 2]);
});

function tableOf(sim: ReturnType<typeof simulateMultiOmics>['transcripts'], name: string): ModalityTable {
  return { ...sim, name };
}

test('alignment: by id, by mutual nearest coordinates, spot binning, and the no-overlap errors', () => {
  const sim = simulateMultiOmics({ seed: 1, nCells: 60 });
  const tx = tableOf(sim.transcripts, 'tx');
  // Proteins: drop 10 cells, rename the rest, jitter the positions by < 1 unit.
  const keep = Array.from({ length: 50 }, (_, i) => i + 10);
  const X = csrFromDense(fromRows(keep.map((i) => Array.from(csrToDense(sim.proteins.X).data.subarray(i * 10, i * 10 + 10)))));
  const prot: ModalityTable = {
    ids: keep.map((i) => `p${i}`),
    features: sim.proteins.features,
    X,
    x: Float64Array.from(keep, (i) => sim.proteins.x[i] + 0.3),
    y: Float64Array.from(keep, (i) => sim.proteins.y[i] - 0.3),
    name: 'prot',
  };
  assert.throws(() => alignModalities(tx, prot, { matchBy: 'id' }), (e: unknown) => e instanceof StnmfError && /no cell id appears in both/.test(e.message));
  const byXY = alignModalities(tx, prot, { matchBy: 'coordinates', radius: 5 });
  assert.equal(byXY.nMatched, 50);
  assert.deepEqual(Array.from(byXY.txRow), keep);
  assert.deepEqual(Array.from(csrToDense(byXY.prot).data), Array.from(csrToDense(X).data));
  const sameIds = { ...prot, ids: keep.map((i) => sim.transcripts.ids[i]) };
  const byId = alignModalities(tx, sameIds, { matchBy: 'id' });
  assert.equal(byId.ids.length, 50);
  assert.ok(byId.warnings[0].includes('dropped 10 transcript-only'));
  const far = { ...prot, x: prot.x!.map((v) => v + 1e5) };
  assert.throws(() => alignModalities(tx, far, { matchBy: 'coordinates' }), (e: unknown) => e instanceof StnmfError && /no common area/.test(e.message));
  // Spots: two spots at (0,0) and (100,0); three cells in the first, one in the second, one outside.
  const spots: ModalityTable = { ids: ['s1', 's2'], features: ['g'], X: csrFromDense(fromRows([[1], [2]])), x: Float64Array.from([0, 100]), y: Float64Array.from([0, 0]), name: 'spots' };
  const cells: ModalityTable = {
    ids: ['a', 'b', 'c', 'd', 'e'],
    features: ['p'],
    X: csrFromDense(fromRows([[1], [2], [6], [4], [9]])),
    x: Float64Array.from([1, -5, 10, 95, 50]),
    y: Float64Array.from([0, 3, -20, 0, 0]),
    name: 'cells',
  };
  const bySpot = alignModalities(spots, cells, { matchBy: 'spots' });
  assert.deepEqual(bySpot.ids, ['s1', 's2']);
  assert.deepEqual(Array.from(csrToDense(bySpot.prot).data), [3, 4]);
});

test('pipeline warns with the list of absent markers and fails on unusable inputs', async () => {
  const sim = simulateMultiOmics({ seed: 2, nCells: 80, nGenes: 100 });
  const markers = {
    types: sim.types,
    markers: sim.types.map((t) => sim.markers.filter((m) => m.cellType === t).map((m) => ({ feature: m.feature, modality: m.modality as 'transcript' | 'protein' }))),
  };
  markers.markers[0].push({ feature: 'NOT_A_GENE', modality: 'transcript' });
  markers.markers[2].push({ feature: 'CD999', modality: 'protein' });
  const tx = tableOf(sim.transcripts, 'tx');
  const prot = tableOf(sim.proteins, 'prot');
  const r = await runSpatialMultiOmics(tx, prot, markers, { nFactors: 4, nPerms: 50, maxIter: 100, coOccurrence: false });
  const w = r.warnings.find((s) => s.startsWith('marker table'));
  assert.ok(w && w.includes('T cells: NOT_A_GENE') && w.includes('Epithelial: CD999'), String(w));
  // Shapes: W n x k, H blocks k x features; blocks balanced to unit norm.
  assert.deepEqual([r.W.rows, r.W.cols, r.Htranscript.rows, r.Htranscript.cols, r.Hprotein.rows, r.Hprotein.cols], [80, 4, 4, 100, 4, 10]);
  await assert.rejects(
    runSpatialMultiOmics(tx, prot, markers, { nFactors: 4, radius: 1e-3, nPerms: 10, maxIter: 20 }),
    (e: unknown) => e instanceof StnmfError && /radius 0.001: no pair/.test(e.message),
  );
  const none = { types: ['X'], markers: [[{ feature: 'nothing', modality: 'any' as const }]] };
  await assert.rejects(runSpatialMultiOmics(tx, prot, none, { nFactors: 4 }), (e: unknown) => e instanceof StnmfError && /none of its 1 types/.test(e.message));
  const disjoint = { ...prot, ids: prot.ids.map((s) => `z${s}`) };
  await assert.rejects(runSpatialMultiOmics(tx, disjoint, markers, { nFactors: 4 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT');
});
