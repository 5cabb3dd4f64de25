// The four ST breast-cancer slices (issue 18's must-show): one H shared by the slices against
// four separate fits, and LIGER's integrative fit. Fits run through the CLI as a user runs them;
// then, per slice, Moran's I of every usage map (radius graph of 1.6 x the median nearest-spot
// distance, row-standardised, within the slice) and the Pearson correlation of matched programs
// (one-to-one matching, src/simulate/cnmf.ts matchPrograms) on the 6,397 genes all slices share.
// Run after `npm run build`:
//   node scripts/samples-evidence.mjs OUTDIR [--rank 6] [--max-iter 1000]
// Prints the tables of docs/results.md ("Several slices") and writes OUTDIR/evidence.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const D = new URL('../dist/src/', import.meta.url).href;
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const DATA = new URL('../../shared/data/st-breast-cancer-layers/', import.meta.url).pathname;
const { readNpy, npyToDense } = await import(D + 'io/npy.js');
const { readH5ad } = await import(D + 'io/h5ad.js');
const { matchPrograms } = await import(D + 'simulate/cnmf.js');
const { moransI } = await import(D + 'metrics/autocorrelation.js');
const { knnQuery, radiusGraph, rowStandardize } = await import(D + 'spatial/index.js');

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rank: { type: 'string', default: '6' }, 'max-iter': { type: 'string', default: '1000' } } });
const outDir = positionals[0];
if (!outDir) throw new Error('usage: node scripts/samples-evidence.mjs OUTDIR [--rank 6] [--max-iter 1000]');
mkdirSync(outDir, { recursive: true });
const SLICES = ['slice1', 'slice2', 'slice3', 'slice4'];
const manifestRow = (s) => `${s},${DATA}${s}.csv,${DATA}${s}_coor.csv,200`;
const manifest = (name, slices) => {
  const p = join(outDir, name);
  writeFileSync(p, ['sample_id,path,coords,microns_per_unit', ...slices.map(manifestRow)].join('\n') + '\n');
  return p;
};
const common = ['--rank', values.rank, '--normalize', 'total-log1p', '--max-iter', values['max-iter'], '--force'];
const run = (args) => {
  const r = spawnSync(process.execPath, [CLI, 'nmf', ...args, ...common], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stnmf nmf ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(readFileSync(join(args[args.indexOf('--out') + 1], 'summary.json'), 'utf8'));
};
const all = manifest('slices.csv', SLICES);
const joint = run(['--samples', all, '--normalize-per-sample', '--out', join(outDir, 'joint')]);
const integ = run(['--samples', all, '--normalize-per-sample', '--inmf', '--out', join(outDir, 'inmf')]);
for (const s of SLICES) run(['--samples', manifest(`${s}.csv`, [s]), '--out', join(outDir, `separate-${s}`)]);

const lines = (p) => readFileSync(p, 'utf8').trim().split('\n');
const sharedGenes = lines(join(outDir, 'joint', 'var_names.txt'));
/** H (k x genes) of a run restricted to `genes`, by name. */
function hOn(dir, genes, file = 'H.npy') {
  const H = npyToDense(readNpy(join(dir, file)));
  const at = new Map(lines(join(dir, 'var_names.txt')).map((g, j) => [g, j]));
  const out = { rows: H.rows, cols: genes.length, data: new Float32Array(H.rows * genes.length) };
  genes.forEach((g, j) => {
    const src = at.get(g);
    if (src === undefined) throw new Error(`${dir}: no gene ${g}`);
    for (let t = 0; t < H.rows; t++) out.data[t * genes.length + j] = H.data[t * H.cols + src];
  });
  return out;
}
/** Moran's I of every column of W (n x k) on a slice's spots. */
function moranColumns(W, xy) {
  const n = W.rows;
  const nn = knnQuery(xy, 2, 1);
  const d = Array.from({ length: n }, (_, i) => nn.distances[i]).sort((a, b) => a - b);
  const radius = 1.6 * d[n >> 1];
  const g = rowStandardize(radiusGraph(xy, radius)).graph;
  return { I: moransI({ rows: n, cols: W.cols, data: W.data }, g).results.map((r) => r.I), radius };
}
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const ds = await readH5ad(join(outDir, 'joint', 'result.h5ad'));
const sampleCol = ds.obs.columns.get('sample');
const xyOf = (s) => {
  const code = sampleCol.categories.indexOf(s);
  const rows = [];
  for (let i = 0; i < ds.X.rows; i++) if (sampleCol.codes[i] === code) rows.push(i);
  const xy = new Float64Array(rows.length * 2);
  rows.forEach((r, a) => ((xy[2 * a] = ds.obsm.spatial.data[2 * r]), (xy[2 * a + 1] = ds.obsm.spatial.data[2 * r + 1])));
  return xy;
};

const report = { rank: Number(values.rank), maxIter: Number(values['max-iter']), sharedGenes: sharedGenes.length, slices: [] };
const Hjoint = hOn(join(outDir, 'joint'), sharedGenes);
const Hinmf = hOn(join(outDir, 'inmf'), sharedGenes);
const HinmfAll = npyToDense(readNpy(join(outDir, 'inmf', 'H.npy')));
const Hsep = SLICES.map((s) => hOn(join(outDir, `separate-${s}`), sharedGenes));
for (const [a, s] of SLICES.entries()) {
  const xy = xyOf(s);
  const Wj = npyToDense(readNpy(join(outDir, 'joint', `W_${s}.npy`)));
  const Wi = npyToDense(readNpy(join(outDir, 'inmf', `W_${s}.npy`)));
  const Ws = npyToDense(readNpy(join(outDir, `separate-${s}`, 'W.npy')));
  const mj = moranColumns(Wj, xy), mi = moranColumns(Wi, xy), ms = moranColumns(Ws, xy);
  // H + V_s of the integrative fit: the slice's own version of the shared programs.
  const V = npyToDense(readNpy(join(outDir, 'inmf', `V_${s}.npy`)));
  const HV = { rows: V.rows, cols: V.cols, data: Float32Array.from(V.data, (v, q) => v + HinmfAll.data[q]) };
  const sepVsJoint = Array.from(matchPrograms(Hjoint, Hsep[a]));
  report.slices.push({
    slice: s,
    spots: Wj.rows,
    radius: mj.radius,
    moranJoint: mj.I,
    moranInmf: mi.I,
    moranSeparate: ms.I,
    separateVsJoint: sepVsJoint,
    inmfOwnVsShared: Array.from(matchPrograms(HinmfAll, HV)),
    specificShare: integ.perSample.find((p) => p.sample === s).specificShare,
  });
}
// Separate fits against each other: every pair of slices, matched one to one.
const pairs = [];
for (let a = 0; a < SLICES.length; a++) for (let b = a + 1; b < SLICES.length; b++) {
  const r = Array.from(matchPrograms(Hsep[a], Hsep[b]));
  pairs.push({ a: SLICES[a], b: SLICES[b], r, min: Math.min(...r), mean: mean(r) });
}
report.separatePairs = pairs;
report.jointVsInmf = Array.from(matchPrograms(Hjoint, Hinmf));
report.losses = { joint: joint.loss, inmf: integ.loss, inmfObjective: integ.objective, joint_iterations: joint.iterations, inmf_iterations: integ.iterations };
writeFileSync(join(outDir, 'evidence.json'), JSON.stringify(report, null, 2) + '\n');

const f3 = (x) => x.toFixed(3);
console.log(`rank ${report.rank}, ${report.sharedGenes} shared genes, max-iter ${report.maxIter}`);
console.log("\n| slice | spots | Moran's I, shared H (mean, min–max over factors) | iNMF | separate fit | separate fit vs shared H: matched r (mean, min) | iNMF: H+V_s vs H (min r) | iNMF own share |");
console.log('|---|---|---|---|---|---|---|---|');
for (const r of report.slices) {
  const mm = (a) => `${f3(mean(a))} (${f3(Math.min(...a))}–${f3(Math.max(...a))})`;
  console.log(`| ${r.slice} | ${r.spots} | ${mm(r.moranJoint)} | ${mm(r.moranInmf)} | ${mm(r.moranSeparate)} | ${f3(mean(r.separateVsJoint))}, ${f3(Math.min(...r.separateVsJoint))} | ${f3(Math.min(...r.inmfOwnVsShared))} | ${(100 * r.specificShare).toFixed(2)} % |`);
}
console.log('\n| separately fitted slices | matched r, mean | min | programs with r ≥ 0.9 |\n|---|---|---|---|');
for (const p of pairs) console.log(`| ${p.a} – ${p.b} | ${f3(p.mean)} | ${f3(p.min)} | ${p.r.filter((x) => x >= 0.9).length} / ${p.r.length} |`);
console.log(`\nshared H vs iNMF H: matched r ${report.jointVsInmf.map(f3).join(', ')}`);
console.log(`losses (½‖X − WH‖² on the shared genes): joint ${joint.loss.toFixed(1)} (${joint.iterations} iterations), iNMF ${integ.loss.toFixed(1)} (${integ.iterations} iterations)`);
