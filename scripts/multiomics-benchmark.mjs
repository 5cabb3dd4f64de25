#!/usr/bin/env node
// The SpatialMultiOmics synthetic benchmark (methods-spec M3.9) over seeds 0..9: cell-type
// assignment accuracy (mean ± SD), ARI and seconds, for the paper's size (200 cells) and a
// 10x larger one. Default pipeline settings except k = number of types (4), as in the paper.
// Usage (after `npx tsc -p tsconfig.json`): node scripts/multiomics-benchmark.mjs [cells ...] [--k K] [--annotation overlap|correlation]
import { simulateMultiOmics } from '../dist/src/simulate/multiomics.js';
import { runSpatialMultiOmics, assignmentAccuracy } from '../dist/src/methods/multiomics/index.js';
import { adjustedRandIndex } from '../dist/src/metrics/index.js';
import { createKernels } from '../dist/src/linalg/index.js';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const k = Number(opt('k', 4));
const annotation = opt('annotation', 'overlap');
const sizes = argv.length ? argv.map(Number) : [200, 2000];
const kernels = await createKernels({ threads: 1 });
console.log(`backend ${kernels.name}, k = ${k}, annotation = ${annotation}`);
for (const cells of sizes) {
  const accs = [], aris = [], secs = [];
  for (let seed = 0; seed < 10; seed++) {
    const sim = simulateMultiOmics({ seed, nCells: cells });
    const markers = { types: sim.types, markers: sim.types.map((t) => sim.markers.filter((m) => m.cellType === t).map((m) => ({ feature: m.feature, modality: m.modality }))) };
    const t0 = performance.now();
    const r = await runSpatialMultiOmics({ ...sim.transcripts, name: 'tx' }, { ...sim.proteins, name: 'prot' }, markers, { nFactors: k, annotation, kernels, nPerms: 0, coOccurrence: false });
    secs.push((performance.now() - t0) / 1000);
    const truth = sim.transcripts.ids.map((_, i) => sim.types[sim.truth[i]]);
    accs.push(assignmentAccuracy(r.ids, r.labels, new Map(sim.transcripts.ids.map((id, i) => [id, truth[i]]))).accuracy);
    aris.push(adjustedRandIndex(truth, r.labels));
  }
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  const sd = (a) => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1));
  console.log(`cells ${cells}: accuracy ${mean(accs).toFixed(4)} ± ${sd(accs).toFixed(4)} (min ${Math.min(...accs).toFixed(4)}), ARI ${mean(aris).toFixed(4)}, seconds/run ${mean(secs).toFixed(2)}`);
  console.log(`  per seed: ${accs.map((a) => a.toFixed(4)).join(' ')}`);
}
kernels.dispose();
