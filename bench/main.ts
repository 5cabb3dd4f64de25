/**
 * `npm run bench -- <name ...>`: runs the named benchmarks (all when none is named), each
 * comparing stnmf with its peer in the same run and printing the ratio. Figures go into
 * docs/benchmarks.md together with the command that produced them.
 *   nmf          NMF vs scikit-learn and RcppML on Xenium, plus the 200k-cell scale run
 *   kernels      kernel GFLOP/s vs compute-notes.md
 *   graph        Leiden vs leidenalg, metrics vs their oracles
 *   hsnmf        the hSNMF pipeline vs scikit-learn NMF + leidenalg
 *   siid         SIID vs the PyTorch reference on the checkerboard simulation
 *   contrastive  one bcNMF sweep vs one plain NMF sweep
 *   io           read throughput and streaming CSV memory
 *   consensus    cNMF's 100 replicate fits (5 ranks x 20) vs scikit-learn's, one thread each
 *   scale        1M x 5k x 200 nnz (simulate counts) vs scikit-learn mu/KL: init, s/iteration, RSS
 *   app          the browser app's NMF (headless Chromium) vs stnmf nmf on the same run
 */
import { runAppBench } from './app.js';
import { runConsensusBench } from './consensus.js';
import { runContrastiveBench } from './contrastive.js';
import { runGraphBench } from './graph.js';
import { runHsnmfBench } from './hsnmf.js';
import { runIoBench } from './io.js';
import { runKernelBench } from './kernels.js';
import { runNmfBench, runScaleBench } from './nmf.js';
import { runScaleCaseBench } from './scale.js';
import { runSiidBench } from './siid.js';

const BENCHES: Record<string, () => Promise<unknown>> = {
  kernels: () => runKernelBench(),
  nmf: async () => {
    await runNmfBench();
    runScaleBench();
  },
  graph: () => runGraphBench(),
  hsnmf: () => runHsnmfBench(),
  siid: () => runSiidBench(),
  contrastive: () => runContrastiveBench(),
  io: () => runIoBench(),
  consensus: () => runConsensusBench(),
  scale: () => runScaleCaseBench(),
  app: () => runAppBench(),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(BENCHES)) {
  console.log(`\n## bench ${name} (${new Date().toISOString()})`);
  await BENCHES[name]();
}
