// Every metric vs the oracle values in test/fixtures/metrics (made by
// scripts/fixtures/metrics_fixtures.py from peers/metrics.py and SciPy), to 1e-9 relative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knnGraph, knnQuery, radiusGraph, rowStandardize, type NeighborGraph } from '../src/spatial/index.js';
import {
  twoSidedNormalP,
  adjustedRandIndex,
  chaos,
  coOccurrence,
  daviesBouldin,
  gearysC,
  holdoutR2,
  jensenShannon,
  moransI,
  neighborhoodEnrichment,
  normalizedMutualInfo,
  pas,
  silhouette,
} from '../src/metrics/index.js';
import { fixture, loadOsmfish, loadXenium, relDiff, xeniumLeidenLabels } from './spatial-data.js';

const TOL = 1e-9;

function close(actual: number, expected: number | null, what: string, tol = TOL): void {
  // p-values in the subnormal range carry no relative precision on either side.
  if (expected !== null && Math.abs(expected) < 1e-290 && Math.abs(actual) < 1e-290) return;
  const d = relDiff(actual, expected);
  assert.ok(d <= tol, `${what}: ${actual} vs oracle ${expected} (rel ${d})`);
}

function checkMoranBlock(values: { rows: number; cols: number; data: Float64Array }, w: NeighborGraph, fx: any, what: string): void {
  const m = moransI(values, w);
  close(m.sums.S0, fx.S0, `${what} S0`);
  close(m.sums.S1, fx.S1, `${what} S1`);
  close(m.sums.S2, fx.S2, `${what} S2`);
  assert.equal(m.sums.nIslands, fx.n_isolated);
  m.results.forEach((r, c) => {
    close(r.I, fx.I[c], `${what} I[${c}]`);
    close(r.expectedI, fx.expected_I, `${what} E[I]`);
    close(r.varianceNormal, fx.var_I_normal, `${what} Var_N`);
    close(r.zNormal, fx.z_normal[c], `${what} z_N[${c}]`);
    // p = erfc(|z|/√2) has relative condition number ≈ z² in z: compare p at 1e-9·max(1, z²), and
    // our erfc itself on the oracle's z at 1e-12.
    close(r.pNormal, fx.p_normal[c], `${what} p_N[${c}]`, TOL * Math.max(1, r.zNormal ** 2));
    close(twoSidedNormalP(fx.z_normal[c]), fx.p_normal[c], `${what} erfc(z_N[${c}])`, 1e-12);
    close(r.varianceRandomization, fx.var_I_randomization[c], `${what} Var_R[${c}]`);
    close(r.zRandomization, fx.z_randomization[c], `${what} z_R[${c}]`);
    close(r.pRandomization, fx.p_randomization[c], `${what} p_R[${c}]`, TOL * Math.max(1, r.zRandomization ** 2));
    close(twoSidedNormalP(fx.z_randomization[c]), fx.p_randomization[c], `${what} erfc(z_R[${c}])`, 1e-12);
  });
  const g = gearysC(values, w);
  g.results.forEach((r, c) => {
    close(r.C, fx.geary_C[c], `${what} Geary C[${c}]`);
    close(r.varianceNormal, fx.geary_var_normal, `${what} Geary Var`);
    close(r.zNormal, fx.geary_z[c], `${what} Geary z[${c}]`);
    close(r.pNormal, fx.geary_p[c], `${what} Geary p[${c}]`, TOL * Math.max(1, r.zNormal ** 2));
    close(twoSidedNormalP(fx.geary_z[c]), fx.geary_p[c], `${what} erfc(Geary z[${c}])`, 1e-12);
  });
}

function binary(g: NeighborGraph): NeighborGraph {
  return { ...g, weights: new Float64Array(g.weights.length).fill(1) };
}

function checkNhood(graph: NeighborGraph, labels: ArrayLike<number> | string[], fx: any, what: string): void {
  const r = neighborhoodEnrichment(graph, labels, { nPerms: 1000, seed: 0 });
  assert.deepEqual(r.labels.map(String), fx.labels.map(String));
  assert.deepEqual(Array.from(r.counts), fx.counts, `${what}: observed counts`);
  let compared = 0;
  for (let c = 0; c < r.counts.length; c++) {
    // Analytic permutation mean vs both Monte-Carlo means (SE = sd/√1000).
    const se = Math.max(fx.perm_sd[c], 1e-9) / Math.sqrt(1000);
    assert.ok(Math.abs(r.permMean[c] - r.expected[c]) <= 5 * se + 1e-9, `${what}: perm mean ${c}`);
    assert.ok(Math.abs(fx.perm_mean[c] - r.expected[c]) <= 5 * se + 1e-9, `${what}: oracle perm mean ${c}`);
    const z = fx.zscore[c];
    if (z === null || !Number.isFinite(r.zscore[c])) continue;
    // Both z-scores are independent 1000-permutation estimates. A z estimated from N draws has
    // variance ≈ (1 + z²/2)/N (the sd estimate dominates for large z); their difference has
    // twice that. Agreement within 5 standard errors of the difference.
    const seDiff = Math.sqrt((2 * (1 + (z * z) / 2)) / 1000);
    assert.ok(Math.abs(r.zscore[c] - z) <= 5 * seDiff, `${what}: z[${c}] ${r.zscore[c]} vs oracle ${z} (5 SE = ${5 * seDiff})`);
    compared++;
  }
  assert.ok(compared > r.counts.length / 2);
}

test('Xenium (36,602 cells): Moran I / Geary C (kNN-6 row/binary, radius 20 µm with islands) equal the oracle', () => {
  const x = loadXenium();
  const fx = fixture('metrics/xenium.json');
  const values = { rows: x.n, cols: 4, data: x.features };
  const knn = knnGraph(x.xy, 6, { symmetrize: 'none' });
  checkMoranBlock(values, rowStandardize(knn).graph, fx.moran_knn6_row, 'knn6 row');
  checkMoranBlock(values, binary(knn), fx.moran_knn6_binary, 'knn6 binary');
  const rad = rowStandardize(radiusGraph(x.xy, 20, { dropCoincident: false }));
  assert.ok(rad.islands > 0);
  checkMoranBlock(values, rad.graph, fx.moran_radius20_row, 'radius20 row');
});

test('Xenium: silhouette (exact, all 36,602), Davies–Bouldin, ARI, NMI, CHAOS, PAS, neighbourhood enrichment equal the oracle', () => {
  const x = loadXenium();
  const fx = fixture('metrics/xenium.json');
  const lab = xeniumLeidenLabels();
  const grid = Int32Array.from({ length: x.n }, (_, i) => Math.floor(x.xy[2 * i] / 500) * 100 + Math.floor(x.xy[2 * i + 1] / 500));
  close(silhouette(x.xy, 2, lab), fx.cluster_xy.silhouette, 'silhouette');
  close(daviesBouldin(x.xy, 2, lab), fx.cluster_xy.davies_bouldin, 'Davies–Bouldin');
  const logf = Float64Array.from(x.features, Math.log1p);
  close(daviesBouldin(logf, 4, lab), fx.davies_bouldin_logfeatures, 'Davies–Bouldin log features');
  close(adjustedRandIndex(grid, lab), fx.cluster_xy.ari, 'ARI');
  close(normalizedMutualInfo(grid, lab), fx.cluster_xy.nmi, 'NMI');
  close(chaos(x.xy, lab).chaos, fx.chaos_sample, 'CHAOS');
  close(chaos(x.xy, lab, { sdConvention: 'population' }).chaos, fx.chaos_population, 'CHAOS population SD');
  close(pas(x.xy, lab).pas, fx.pas_k10, 'PAS');
  checkNhood(knnGraph(x.xy, 15), lab, fx.nhood_knn15, 'xenium nhood');
});

test('osmFISH: Moran I / Geary C of 33 genes (kNN-10, radius 300 px) equal the oracle', () => {
  const o = loadOsmfish();
  const fx = fixture('metrics/osmfish.json');
  assert.equal(o.n, fx.n);
  const values = { rows: o.n, cols: o.nGenes, data: o.counts };
  checkMoranBlock(values, rowStandardize(knnGraph(o.xy, 10, { symmetrize: 'none' })).graph, fx.moran_knn10_row, 'knn10 row');
  checkMoranBlock(values, rowStandardize(radiusGraph(o.xy, 300, { dropCoincident: false })).graph, fx.moran_radius300_row, 'radius300 row');
});

test('osmFISH: silhouette, Davies–Bouldin, ARI, NMI (cell types vs regions), CHAOS, PAS, JSD, R², enrichment, co-occurrence equal the oracle', () => {
  const o = loadOsmfish();
  const fx = fixture('metrics/osmfish.json');
  const logc = Float64Array.from(o.counts, Math.log1p);
  close(silhouette(logc, o.nGenes, o.cluster), fx.cluster_logcounts.silhouette, 'silhouette');
  close(daviesBouldin(logc, o.nGenes, o.cluster), fx.cluster_logcounts.davies_bouldin, 'Davies–Bouldin');
  close(adjustedRandIndex(o.region, o.cluster), fx.cluster_logcounts.ari, 'ARI');
  close(normalizedMutualInfo(o.region, o.cluster), fx.cluster_logcounts.nmi, 'NMI');
  close(chaos(o.xy, o.region).chaos, fx.chaos_region_sample, 'CHAOS region');
  close(chaos(o.xy, o.region, { sdConvention: 'population' }).chaos, fx.chaos_region_population, 'CHAOS region population');
  close(pas(o.xy, o.region).pas, fx.pas_region_k10, 'PAS region');
  close(chaos(o.xy, o.cluster).chaos, fx.chaos_cluster_sample, 'CHAOS cluster');
  close(pas(o.xy, o.cluster).pas, fx.pas_cluster_k10, 'PAS cluster');
  // hSNMF's CHAOS = SpatialPCA's × √(n/(n−1)).
  const n = o.n;
  close(chaos(o.xy, o.region, { sdConvention: 'population' }).chaos, chaos(o.xy, o.region).chaos * Math.sqrt(n / (n - 1)), 'CHAOS ratio', 1e-12);

  const h = fx.js.rows;
  const P = { rows: h, cols: o.nGenes, data: o.counts.subarray(0, h * o.nGenes) };
  const Q = { rows: h, cols: o.nGenes, data: o.counts.subarray(h * o.nGenes, 2 * h * o.nGenes) };
  const js = jensenShannon(P, Q);
  close(js.mean, fx.js.base2_mean, 'JSD mean');
  close(js.median, fx.js.base2_median, 'JSD median');
  assert.equal(js.perRow.filter(Number.isNaN).length, fx.js.n_nan);
  fx.js.base2_first50.forEach((v: number | null, i: number) => close(js.perRow[i], v, `JSD row ${i}`));
  close(jensenShannon(P, Q, Math.E).mean, fx.js.e_mean, 'JSD nats');

  const nb = knnQuery(o.xy, 2, 10);
  const pred = new Float64Array(o.counts.length);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 10; t++) {
      const j = nb.indices[i * 10 + t];
      for (let g = 0; g < o.nGenes; g++) pred[i * o.nGenes + g] += o.counts[j * o.nGenes + g];
    }
    for (let g = 0; g < o.nGenes; g++) pred[i * o.nGenes + g] /= 10;
  }
  const r2 = holdoutR2({ rows: n, cols: o.nGenes, data: o.counts }, { rows: n, cols: o.nGenes, data: pred });
  fx.r2_knn10_mean.per_gene.forEach((v: number | null, g: number) => close(r2.perGene[g], v, `R² gene ${g}`));
  close(r2.mean, fx.r2_knn10_mean.r2_mean, 'R² mean');
  close(r2.meanNanAsZero, fx.r2_knn10_mean.r2_mean_nan_as_zero, 'R² mean NaN as 0');
  assert.equal(r2.nNan, fx.r2_knn10_mean.n_nan);

  checkNhood(knnGraph(o.xy, 15), o.cluster, fx.nhood_knn15_cluster, 'osmFISH nhood');

  const co = coOccurrence(o.xy, o.region);
  const fc = fx.cooccurrence_region;
  assert.deepEqual(co.labels, fc.labels);
  fc.thresholds.forEach((t: number, b: number) => close(co.thresholds[b], t, `threshold ${b}`, 1e-12));
  const L = co.labels.length;
  for (let b = 0; b < co.thresholds.length - 1; b++) {
    let tot = 0;
    for (let c = 0; c < L * L; c++) tot += co.counts[b * L * L + c];
    assert.equal(tot, fc.pairs_per_annulus[b], `pairs in annulus ${b}`);
  }
  for (const b of fc.annuli) {
    assert.deepEqual(Array.from(co.counts.subarray(b * L * L, (b + 1) * L * L)), fc.counts[String(b)]);
    fc.ratio[String(b)].forEach((v: number | null, c: number) => close(co.ratio[b * L * L + c], v, `co-occurrence ratio ${b}/${c}`));
  }
});
