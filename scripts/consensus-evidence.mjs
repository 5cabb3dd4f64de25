// Consensus against single replicates on simulated data with known programs (issue 17): cNMF's
// defaults (MU, random starts, 1000 iterations, tol 1e-4, cNMF's gene scaling) on the cNMF-style
// simulator (src/simulate/cnmf.ts: identity programs + activity programs), k = the true number of
// programs, R replicates; every program of the consensus and of each replicate matched to the
// truth (Pearson, in the scaled space the factorisation saw). Prints one JSON line per seed and a
// markdown table. Run after `npm run build`:
//   node scripts/consensus-evidence.mjs [cells 1000] [identities 7] [activities 2] [replicates 20]
const D = new URL('../dist/src/', import.meta.url).href;
const { createKernels } = await import(D + 'linalg/backend.js');
const { cnmfConsensus, replicatePlan, runReplicate, scaleGenes } = await import(D + 'nmf/cnmf.js');
const { matchPrograms, simulateCnmf } = await import(D + 'simulate/cnmf.js');
const [cells = 1000, ids = 7, acts = 2, reps = 20] = process.argv.slice(2).map(Number);
const kernels = await createKernels({ threads: 1 });
const mean = (v) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
const rows = [];
try {
  for (const seed of [0, 1, 2]) {
    const sim = simulateCnmf({ cells, genes: 300, identities: ids, activities: acts, seed });
    const { X, geneScale } = scaleGenes(sim.X);
    const p = X.cols;
    const truth = { ...sim.programs, data: sim.programs.data.map((v, q) => v * geneScale[q % p]) };
    const k = ids + acts;
    const fit = { solver: 'mu', maxIter: 1000, tol: 1e-4, kernels };
    const Hs = [];
    for (const s of replicatePlan([k], reps, seed)) Hs.push((await runReplicate(X, s, fit)).H);
    const c = await cnmfConsensus(X, k, Hs, fit);
    const cons = matchPrograms(truth, c.H);
    const singles = Hs.map((H) => matchPrograms(truth, H));
    const sMean = singles.map(mean).sort((a, b) => a - b);
    const sMin = singles.map((r) => Math.min(...r)).sort((a, b) => a - b);
    const row = { seed, k, consensusMean: mean(cons), consensusWorst: Math.min(...cons), replicateMeanMedian: sMean[reps >> 1], replicateWorstMedian: sMin[reps >> 1], replicateWorstBest: sMin[reps - 1], replicateWorstWorst: sMin[0], keptSpectra: c.kept.length, totalSpectra: c.spectra.length };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  kernels.dispose();
}
const f = (v) => v.toFixed(4);
console.log(`\n| seed | consensus: mean r | consensus: worst program | replicates: median of mean r | replicates: median worst program | replicates: best worst program |\n|---|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.seed} | ${f(r.consensusMean)} | ${f(r.consensusWorst)} | ${f(r.replicateMeanMedian)} | ${f(r.replicateWorstMedian)} | ${f(r.replicateWorstBest)} |`);
