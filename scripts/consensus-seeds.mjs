// Stability of `stnmf consensus` across seeds (issue 17): for two runs of the same rank sweep
// with different --seed, the most stable k of each and, per k, the Pearson correlation of each
// consensus program of the first run with its matched program of the second (one-to-one
// matching, src/simulate/cnmf.ts matchPrograms). Run after `npm run build`:
//   node scripts/consensus-seeds.mjs RUN_SEED0 RUN_SEED1 [FIGURE.png]
// With FIGURE.png, also draws both runs' stability and error against k, one line per run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const D = new URL('../dist/src/', import.meta.url).href;
const { readNpy, npyToDense } = await import(D + 'io/npy.js');
const { matchPrograms } = await import(D + 'simulate/cnmf.js');
const [a, b, figure] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node scripts/consensus-seeds.mjs RUN_A RUN_B');
const summary = (dir) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
const sa = summary(a), sb = summary(b);
console.log(`most stable k: ${sa.mostStableK} (${a}), ${sb.mostStableK} (${b})`);
console.log('| k | stability A | stability B | matched programs: min r | mean r | programs with r ≥ 0.95 |\n|---|---|---|---|---|---|');
for (const k of sa.ranks) {
  const H = (dir) => npyToDense(readNpy(join(dir, `consensus_k${k}`, 'spectra.npy')));
  const r = matchPrograms(H(a), H(b));
  const st = (s) => s.kSelection.find((x) => x.k === k).stability.toFixed(3);
  console.log(`| ${k} | ${st(sa)} | ${st(sb)} | ${Math.min(...r).toFixed(4)} | ${(r.reduce((x, y) => x + y, 0) / r.length).toFixed(4)} | ${r.filter((x) => x >= 0.95).length} / ${k} |`);
}
if (figure) {
  const { sceneToPng, sweepPlot } = await import(D + 'plot/index.js');
  const runs = [sa, sb];
  const rows = runs.flatMap((s, g) => s.kSelection.map((r) => ({ ...r, g })));
  const labels = [a, b].map((d, g) => `seed ${JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')).seed ?? g}`);
  const scene = sweepPlot({
    x: rows.map((r) => r.k),
    xLabel: 'k (number of programs)',
    series: [{ name: 'Stability (silhouette)', values: rows.map((r) => r.stability) }, { name: 'Error (refit sum of squared residuals)', values: rows.map((r) => r.error) }],
    groups: { name: 'run', labels, of: rows.map((r) => r.g) },
    panelWidth: 300,
    title: 'cNMF k selection, two seeds',
  });
  writeFileSync(figure, sceneToPng(scene, { pixelRatio: 2 }));
  console.log(`wrote ${figure}`);
}
