// Real data: CODEX colorectal cancer (reg009) labelled cell types and the Xenium mouse-brain
// centroids (36,602 cells) for the speed of the permutation test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { colocalizationScores, encodeLabels, neighborhoodEnrichment, parseCsvText, radiusNeighbors } from '../src/methods/multiomics/index.js';

const shared = (p: string) => new URL(`../../../shared/data/${p}`, import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/multiomics/codex_nhood_r50.json', import.meta.url), 'utf8'));

function codexCells() {
  const rows = parseCsvText(readFileSync(shared('codex-crc-reg009/imaging_data.csv'), 'utf8'));
  const h = rows[0];
  const lab = h.indexOf('ClusterName');
  const body = rows.slice(1);
  return {
    x: Float64Array.from(body, (r) => Number(r[0])),
    y: Float64Array.from(body, (r) => Number(r[1])),
    labels: body.map((r) => r[lab]),
  };
}

const num = (v: number | null) => (v === null ? NaN : v);

test('CODEX: closed-form co-localization scores equal the NumPy oracle exactly', () => {
  const { x, y, labels } = codexCells();
  const g = radiusNeighbors(x, y, fixture.radius);
  assert.equal(g.indptr[g.n] / 2, fixture.n_edges);
  const coded = encodeLabels(labels);
  assert.deepEqual(coded.categories, fixture.categories);
  const c = colocalizationScores(g, coded);
  const T = coded.categories.length;
  for (let o = 0; o < T * T; o++) {
    assert.equal(c.edges[o], fixture.undirected_edges[o]);
    for (const [mine, theirs] of [
      [c.neighborRatioLiteral[o], fixture.neighbor_ratio_literal[o]],
      [c.edgeEnrichmentRatio[o], fixture.edge_enrichment_ratio[o]],
      [c.standardizedNeighborExcess[o], fixture.standardized_neighbor_excess[o]],
    ] as [number, number | null][]) {
      if (theirs === null) assert.ok(!Number.isFinite(mine));
      else assert.ok(Math.abs(mine - theirs) <= 1e-9 * Math.max(1, Math.abs(theirs)), `${mine} vs ${theirs}`);
    }
  }
});

test('CODEX: neighbourhood-enrichment z-scores agree with the NumPy permutation oracle within Monte-Carlo error', () => {
  const { x, y, labels } = codexCells();
  const g = radiusNeighbors(x, y, fixture.radius);
  const e = neighborhoodEnrichment(g, encodeLabels(labels), { nPerms: fixture.n_perms, seed: 1 });
  const T = e.categories.length;
  const N = fixture.n_perms;
  let compared = 0;
  for (let o = 0; o < T * T; o++) {
    assert.equal(e.count[o], fixture.count[o]);
    const zo = num(fixture.zscore[o]);
    if (!Number.isFinite(zo) || !Number.isFinite(e.zscore[o])) continue;
    // Two independent estimates of z from N permutations each: the mean carries sd/√N and the
    // sd a relative error ≈ 1/√(2N), so the difference has SD ≈ √(2(1 + z²/2)/N); allow 5 SD.
    const tol = 5 * Math.sqrt((2 * (1 + (zo * zo) / 2)) / N);
    assert.ok(Math.abs(e.zscore[o] - zo) <= tol, `${e.categories[Math.floor(o / T)]}/${e.categories[o % T]}: z ${e.zscore[o]} vs oracle ${zo} (tol ${tol})`);
    // The permutation means estimate the same analytic expectation.
    assert.ok(Math.abs(e.permMean[o] - num(fixture.perm_mean[o])) <= 6 * num(fixture.perm_sd[o]) / Math.sqrt(N) + 1e-9);
    compared++;
  }
  assert.ok(compared > 200, `compared ${compared} pairs`);
});

test('1000 permutations of the enrichment test on 36,602 Xenium cells take under 10 s', () => {
  const text = gunzipSync(readFileSync(shared('xenium-mouse-brain/cells.csv.gz'))).toString('utf8');
  const lines = text.trim().split('\n');
  const n = lines.length - 1;
  assert.equal(n, 36602);
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(',');
    x[i] = Number(f[1]);
    y[i] = Number(f[2]);
  }
  // 24 spatial-block labels: strongly self-enriched, so the test has real signal to find.
  const labels = Array.from(x, (xi, i) => `b${Math.floor(xi / 900)}_${Math.floor(y[i] / 900)}`);
  const g = radiusNeighbors(x, y, 30);
  const coded = encodeLabels(labels);
  const t0 = performance.now();
  const e = neighborhoodEnrichment(g, coded, { nPerms: 1000, seed: 0 });
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 10, `1000 permutations took ${seconds.toFixed(2)} s`);
  const T = coded.categories.length;
  for (let a = 0; a < T; a++) assert.ok(e.zscore[a * T + a] > 10, 'blocks are self-enriched');
});
