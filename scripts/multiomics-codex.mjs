#!/usr/bin/env node
// Real-data figures of docs/results-multiomics.md: the multi-omics pipeline (protein-only) on
// CODEX CRC reg009 with the CELESTA prior, scored against the published ClusterName labels, and
// the neighbourhood-enrichment z-scores of the labelled types next to the NumPy oracle
// (test/fixtures/multiomics/codex_nhood_r50.json). Run after `npx tsc -p tsconfig.json`:
//   node scripts/multiomics-codex.mjs
import { readFileSync } from 'node:fs';
import { parseCsvText, parseMarkerTable, runSpatialMultiOmics, assignmentAccuracy, radiusNeighbors, encodeLabels, neighborhoodEnrichment } from '../dist/src/methods/multiomics/index.js';
import { csrFromDense } from '../dist/src/linalg/csr.js';
import { adjustedRandIndex } from '../dist/src/metrics/index.js';
import { createKernels } from '../dist/src/linalg/index.js';

const dir = new URL('../../shared/data/codex-crc-reg009/', import.meta.url);
const rows = parseCsvText(readFileSync(new URL('imaging_data.csv', dir), 'utf8'));
const h = rows[0];
const cols = h.map((c, j) => [c, j]).filter(([c]) => c.includes(':Cyc_') && !c.startsWith('HOECHST') && !c.startsWith('DRAQ5'));
const n = rows.length - 1;
const data = new Float32Array(n * cols.length);
const x = new Float64Array(n), y = new Float64Array(n);
const ids = [], truthLabels = [];
for (let i = 0; i < n; i++) {
  const r = rows[i + 1];
  x[i] = +r[0];
  y[i] = +r[1];
  ids.push(r[h.indexOf('CellID')]);
  truthLabels.push(r[h.indexOf('ClusterName')]);
  cols.forEach(([, j], c) => (data[i * cols.length + c] = +r[j]));
}
const prot = { ids, features: cols.map(([c]) => c), X: csrFromDense({ rows: n, cols: cols.length, data }), x, y, name: 'codex' };
const priorText = readFileSync(new URL('prior_marker_info.csv', dir), 'utf8');
const markers = parseMarkerTable(priorText);
// Published label → CELESTA prior type (labels without a counterpart can never be "correct").
const MAP = { 'smooth muscle': 'aSMA+ stroma', granulocytes: 'CD15+ granulocytes', vasculature: 'vasculature', 'tumor cells': 'tumor cells', 'CD68+CD163+ macrophages': 'CD68+CD163+ macrophages', 'CD68+ macrophages': 'CD68+CD163+ macrophages', 'CD11b+CD68+ macrophages': 'CD68+CD163+ macrophages', 'CD8+ T cells': 'CD8+ T cells', 'CD4+ T cells CD45RO+': 'CD4+ T cells CD45RO+', Tregs: 'Tregs', 'plasma cells': 'plasma cells', lymphatics: 'lymphatics', 'B cells': 'B cells' };
// Lineage from the prior's Lineage_level "level_parent_id": a prediction of an ancestor type is lineage-consistent.
const prior = parseCsvText(priorText).slice(1);
const idOf = new Map(prior.map((r) => [r[1].split('_')[2], r[0]]));
const parent = new Map(prior.map((r) => [r[0], idOf.get(r[1].split('_')[1])]));
const ancestors = (t) => { const out = []; for (let p = parent.get(t); p; p = parent.get(p)) out.push(p); return out; };
const truth = new Map(ids.map((id, i) => [id, MAP[truthLabels[i]] ?? '(no prior type)']));
const kernels = await createKernels({ threads: 1 });
console.log(`cells ${n}, markers ${cols.length}, prior types ${markers.types.length}; backend ${kernels.name}`);
console.log('| k | annotation | protein transform | accuracy (strict) | accuracy (lineage-consistent) | ARI vs ClusterName |');
console.log('|---|---|---|---|---|---|');
for (const [k, annotation, norm] of [[15, 'overlap', 'log1p'], [15, 'overlap', 'minmax'], [15, 'correlation', 'log1p'], [15, 'correlation', 'minmax'], [20, 'correlation', 'minmax']]) {
  const r = await runSpatialMultiOmics(null, prot, markers, { nFactors: k, annotation, normalization: norm, overlap: { tieBreak: 'mostMarkers' }, kernels, nPerms: 0, coOccurrence: false });
  const strict = assignmentAccuracy(r.ids, r.labels, truth).accuracy;
  let lin = 0;
  r.labels.forEach((l, i) => { const t = truth.get(ids[i]); if (l === t || ancestors(t).includes(l)) lin++; });
  console.log(`| ${k} | ${annotation} | ${norm} | ${strict.toFixed(3)} | ${(lin / n).toFixed(3)} | ${adjustedRandIndex(truthLabels, r.labels).toFixed(3)} |`);
}
const fx = JSON.parse(readFileSync(new URL('../test/fixtures/multiomics/codex_nhood_r50.json', import.meta.url), 'utf8'));
const coded = encodeLabels(truthLabels);
const t0 = performance.now();
const e = neighborhoodEnrichment(radiusNeighbors(x, y, fx.radius), coded, { nPerms: 1000, seed: 1 });
console.log(`\nenrichment: 1000 permutations in ${((performance.now() - t0) / 1000).toFixed(2)} s; oracle (NumPy) ${fx.perm_seconds.toFixed(2)} s`);
const T = coded.categories.length;
const big = coded.categories.map((c, t) => [c, t]).filter(([c]) => truthLabels.filter((l) => l === c).length >= 35);
console.log('\n| A | B | count | z (stnmf) | z (NumPy oracle) |');
console.log('|---|---|---|---|---|');
for (const [a, ia] of big) for (const [b, ib] of big) {
  if (ib < ia) continue;
  const o = ia * T + ib;
  console.log(`| ${a} | ${b} | ${e.count[o]} | ${e.zscore[o].toFixed(2)} | ${fx.zscore[o]?.toFixed(2)} |`);
}
let maxStd = 0;
for (let o = 0; o < T * T; o++) {
  const zo = fx.zscore[o];
  if (zo === null || !Number.isFinite(e.zscore[o])) continue;
  maxStd = Math.max(maxStd, Math.abs(e.zscore[o] - zo) / Math.sqrt((2 * (1 + zo * zo / 2)) / 1000));
}
console.log(`\nlargest |z − z_oracle| in Monte-Carlo SDs over all ${T}x${T} pairs: ${maxStd.toFixed(2)}`);
kernels.dispose();
