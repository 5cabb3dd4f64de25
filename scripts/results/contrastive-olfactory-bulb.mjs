#!/usr/bin/env node
// The spatial use case of bcNMF in docs/results.md: mouse olfactory bulb (Ståhl et al. 2016 ST),
// target = 'Mitral Cell Layer' spots, background = 'Granular Cell Layer' spots, top 2,000 genes.
// Run after 'npm run build':  node scripts/results/contrastive-olfactory-bulb.mjs 'Mitral Cell Layer' 'Granular Cell Layer'
import { readFileSync } from 'node:fs';
import { readCsvDataset } from '../../dist/src/io/csv.js';
import { selectRows, selectCols } from '../../dist/src/linalg/csr.js';
import { makeDataset } from '../../dist/src/dataset.js';
import { contrastiveNmf, targetNmfBaseline, topFeatures } from '../../dist/src/methods/contrastive/index.js';
const D = new URL('../../../shared/data/st-mouse-olfactory-bulb/', import.meta.url).pathname;
const ds = await readCsvDataset(D + 'counts.csv.gz', { orientation: 'var-rows' });
const ann = new Map(readFileSync(D + 'annotation.csv', 'utf8').trim().split('\n').slice(1).map(l => l.split(',').map(s => s.replace(/"/g, ''))));
const layers = [...new Set(ann.values())]; console.log(ds.X.rows, ds.X.cols, layers);
const [T, B] = [process.argv[2], process.argv[3]];
const idx = (name) => ds.obs.index.map((s, i) => [s, i]).filter(([s]) => ann.get(s) === name).map(([, i]) => i);
// Genes: the 2000 with the largest total counts over both groups.
const ti = idx(T), bi = idx(B);
const tot = new Float64Array(ds.X.cols);
for (const i of [...ti, ...bi]) for (let q = ds.X.indptr[i]; q < ds.X.indptr[i + 1]; q++) tot[ds.X.indices[q]] += ds.X.data[q];
const genes = Array.from({ length: ds.X.cols }, (_, j) => j).sort((a, b) => tot[b] - tot[a]).slice(0, 2000).sort((a, b) => a - b);
const sub = (ids) => makeDataset(selectCols(selectRows(ds.X, ids), genes), ids.map(i => ds.obs.index[i]), genes.map(j => ds.var.index[j]));
const t = sub(ti), b = sub(bi);
console.log(T, ti.length, B, bi.length);
const t0 = performance.now();
const r = await contrastiveNmf(t, b, { rank: 4, alpha: 1, alphaScale: 'perSample', loss: 'poisson', maxIter: 500, seed: 0 });
console.log('seconds', ((performance.now() - t0) / 1000).toFixed(2), 'J', r.objective.toExponential(4), 'terms', r.targetTerm.toExponential(4), r.backgroundTerm.toExponential(4));
for (const k of r.enrichmentOrder) console.log('bcNMF factor', k, 'enrichment', r.enrichment[k].toFixed(2), topFeatures(r.basis, k, 12, r.featureNames).map(x => x.feature).join(' '));
const r0 = await contrastiveNmf(t, b, { rank: 4, alpha: 0, loss: 'poisson', maxIter: 500, seed: 0 });
for (const k of r0.enrichmentOrder) console.log('alpha0 factor', k, 'enrichment', r0.enrichment[k].toFixed(2), topFeatures(r0.basis, k, 12, r0.featureNames).map(x => x.feature).join(' '));
