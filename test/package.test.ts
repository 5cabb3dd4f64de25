// The package as a user gets it: `npm pack`, install the tarball into a fresh project (offline,
// --prefer-offline: tarballs from the npm cache that `npm ci` filled), then from that project (a) import every subpath,
// (b) run hSNMF, SIID, multi-omics, bcNMF, Leiden and Moran's I through the library on small
// simulated data and compare with what the installed `stnmf` CLI writes for the same data and
// options (same numbers: same code, one thread), (c) type-check a consumer .ts file against the
// shipped types with `tsc --strict`, under both NodeNext and the older node10 resolution
// (which finds `stnmf/io` through typesVersions), and the README's TypeScript examples with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUBPATHS = ['stnmf', 'stnmf/spatial', 'stnmf/graph', 'stnmf/metrics', 'stnmf/methods', 'stnmf/methods/snmf', 'stnmf/methods/siid', 'stnmf/methods/multiomics', 'stnmf/methods/contrastive', 'stnmf/methods/leiden', 'stnmf/simulate', 'stnmf/plot', 'stnmf/outputs', 'stnmf/io'];

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

// The library side, run inside the consumer project: every call goes through the package name.
const CONSUMER_MJS = String.raw`
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const work = process.argv[2];
const subpaths = JSON.parse(process.argv[3]);
const step = process.argv[4];
const counts = {};
for (const s of subpaths) counts[s] = Object.keys(await import(s)).length;
const core = await import('stnmf');
const io = await import('stnmf/io');
const sim = await import('stnmf/simulate');
const M = await import('stnmf/methods');
const metrics = await import('stnmf/metrics');
const out = { counts };
const kernels = await core.createKernels({ threads: 1 });
if (step === 'data') {
  const slide = sim.simulateSpatialCounts({ cells: 400, genes: 40, programs: 3, seed: 1 });
  await io.writeH5ad(join(work, 'slide.h5ad'), slide.dataset);
  const c = sim.simulateContrastive({ nTarget: 120, nBackground: 80, features: 30, seed: 2 });
  await io.writeH5ad(join(work, 'target.h5ad'), c.target);
  await io.writeH5ad(join(work, 'background.h5ad'), c.background);
} else {
  const slide = await io.readH5ad(join(work, 'slide.h5ad'));
  const h = await M.hsnmf(slide, { rank: 3, seed: 0, kernels, nmf: { maxIter: 40, tol: 1e-4, seed: 0 } });
  out.hsnmf = { Ws: Array.from(h.snmf.Ws.data), labels: Array.from(h.labels) };
  const nmfOut = await io.readH5ad(join(work, 'o', 'nmf', 'result.h5ad'));
  const lc = await M.leidenClusters(nmfOut, { use: 'X_nmf', neighbors: 15, resolution: 1, iterations: 2, seed: 0 });
  out.leiden = Array.from(lc.membership);
  M.attachLeiden(nmfOut, lc);
  const xy = nmfOut.obsm.spatial;
  const labels = Array.from(lc.membership, String);
  const emb = nmfOut.obsm.X_nmf;
  const m = metrics.computeMetrics({ xy: Float64Array.from(xy.data), labels, embedding: emb.data, dim: emb.cols }, { radius: 60, sampleSize: 10000, seed: 0 });
  out.moransI = Array.from(m.moransI);
  const cells = await io.readH5ad(join(work, 'o', 'siidsim', 'cells.h5ad'));
  const spots = await io.readH5ad(join(work, 'o', 'siidsim', 'spots.h5ad'));
  const s = await M.runSiid(cells, spots, undefined, { rank: 4, maxIter: 20, restarts: 1, entropyLambda: null, kernels, visiumGenes: 'panelOnly', mappingDistance: 100 }, 0, 0, { log() {}, progress() {} });
  out.siidP = Array.from(s.fit.params.P);
  const tx = await io.readDataset(join(work, 'o', 'mosim', 'transcripts.csv'));
  const prot = await io.readDataset(join(work, 'o', 'mosim', 'proteins.csv'));
  const { readFileSync } = await import('node:fs');
  const markers = M.parseMarkerTable(readFileSync(join(work, 'o', 'mosim', 'markers.csv'), 'utf8'), 'markers.csv');
  const mo = await M.multiOmics(tx, prot, markers, {
    nFactors: 4, radius: 50, annotation: 'overlap', overlap: { tieBreak: 'first' }, normalization: 'log1p', nTopGenes: 2000, blockBalance: 'frobenius',
    init: 'nndsvda', maxIter: 100, tol: 1e-4, seed: 42, align: { matchBy: 'id', radius: 5, spotRadius: 27.5, unmatched: 'drop' }, includeSelf: false, nPerms: 0, coOccurrence: false, kernels,
  });
  out.multiomicsW = Array.from(mo.W.data);
  out.multiomicsLabels = mo.labels;
  const t = await io.readH5ad(join(work, 'target.h5ad'));
  const b = await io.readH5ad(join(work, 'background.h5ad'));
  const bc = await M.contrastiveNmf(t, b, { rank: 2, alpha: 1, loss: 'frobenius', maxIter: 30, tol: 0, alphaScale: 'raw', seed: 0, kernels });
  out.bcnmfHTarget = Array.from(bc.hTarget.data);
}
kernels.dispose();
writeFileSync(join(work, 'library-' + step + '.json'), JSON.stringify(out));
`;

// Compiled with tsc --strict against the shipped .d.ts files.
const CONSUMER_TS = `
import { nmf, KEYS, factorName, StnmfError, asResult, type Dataset, type NmfResult } from 'stnmf';
import { readH5ad, readResult, type ResultDataset } from 'stnmf/io';
import { hsnmf, runSiid, multiOmics, contrastiveNmf, leidenClusters, attachLeiden, type HsnmfResult, type LeidenClusters } from 'stnmf/methods';
import { siid } from 'stnmf/methods/siid';
import { moransI } from 'stnmf/metrics';
import { radiusGraph } from 'stnmf/spatial';
import { leiden } from 'stnmf/graph';
import { simulateSpatialCounts } from 'stnmf/simulate';
import { sceneToSvg, vitessceExport } from 'stnmf/plot';

export async function pipeline(path: string): Promise<number> {
  const ds: Dataset = await readH5ad(path);
  const r: NmfResult = await nmf(ds.X, { rank: 3 });
  const h: HsnmfResult = await hsnmf(ds, { rank: 3 });
  const c: LeidenClusters = await leidenClusters(ds, { use: KEYS.nmf.obsm });
  attachLeiden(ds, c);
  const res: ResultDataset = await readResult('out');
  // A result read back is a Dataset: any method takes it, asResult redraws it.
  const asData: Dataset = res;
  const again: ResultDataset = asResult(asData);
  const name: string = factorName(0);
  const e: StnmfError | undefined = undefined;
  void [r, h, res, again, name, e, runSiid, multiOmics, contrastiveNmf, siid, moransI, radiusGraph, leiden, simulateSpatialCounts, sceneToSvg, vitessceExport];
  return h.nClusters + r.W.rows;
}
`;

function npyValues(path: string): Float64Array {
  // NPY v1: magic, version, header length (LE u16), header, data; float32 or float64, C order.
  const b = readFileSync(path);
  const hl = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + hl).toString('latin1');
  const off = 10 + hl;
  const bytes = b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length);
  if (header.includes("'<f4'")) return Float64Array.from(new Float32Array(bytes));
  if (header.includes("'<f8'")) return new Float64Array(bytes);
  throw new Error(`${path}: unexpected dtype in ${header}`);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(expected.length > 0 && scale > 0, `${what}: empty or all-zero`);
  assert.ok(diff <= 1e-6 * scale, `${what}: library and CLI differ by ${diff} (scale ${scale})`);
}

function csvColumn(path: string, col: string): string[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const j = head.split(',').indexOf(col);
  assert.ok(j >= 0, `${path}: no column ${col}`);
  return rows.map((r) => r.split(',')[j]);
}

test('npm pack → install in a fresh project → every subpath imports, each method matches the CLI, types check under --strict', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'stnmf-pack-'));
  // The test runs on a built tree; --ignore-scripts packs that build instead of rebuilding (prepack).
  const packOut = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], ROOT).trim().split('\n');
  const tgz = join(tmp, packOut[packOut.length - 1]);
  const proj = join(tmp, 'consumer');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--silent', tgz], proj);
  writeFileSync(join(proj, 'consumer.mjs'), CONSUMER_MJS);
  const work = join(proj, 'work');
  mkdirSync(join(work, 'o'), { recursive: true });
  const lib = (step: string) => {
    run(process.execPath, ['consumer.mjs', work, JSON.stringify(SUBPATHS), step], proj);
    return JSON.parse(readFileSync(join(work, `library-${step}.json`), 'utf8'));
  };
  const cliJs = join(proj, 'node_modules', 'stnmf', 'dist', 'src', 'cli', 'main.js');
  const cli = (...args: string[]) => run(process.execPath, [cliJs, ...args], work);

  // (a) every subpath imports and exports something.
  const first = lib('data');
  for (const s of SUBPATHS) assert.ok(first.counts[s] > 0, `${s}: no exports`);

  // The CLI on the same data, one thread.
  const o = (name: string) => join(work, 'o', name);
  cli('hsnmf', 'slide.h5ad', '--rank', '3', '--max-iter', '40', '--seed', '0', '--threads', '1', '--out', o('hsnmf'));
  cli('nmf', 'slide.h5ad', '--rank', '3', '--max-iter', '30', '--threads', '1', '--out', o('nmf'));
  cli('cluster', join(o('nmf'), 'result.h5ad'), '--out', o('cluster'));
  cli('metrics', join(o('cluster'), 'result.h5ad'), '--labels', 'leiden', '--radius', '60', '--out', o('metrics'));
  cli('simulate', 'siid', '--cells', '300', '--genes', '60', '--panel', '30', '--types', '4', '--grid', '4', '--extent', '800', '--out', o('siidsim'));
  cli('siid', '--cells', join(o('siidsim'), 'cells.h5ad'), '--spots', join(o('siidsim'), 'spots.h5ad'), '--rank', '4', '--holdout-folds', '0', '--max-iter', '20', '--restarts', '1', '--entropy-lambda', '0', '--threads', '1', '--out', o('siid'));
  cli('simulate', 'multiomics', '--seed', '3', '--out', o('mosim'));
  cli('multiomics', '--tx', join(o('mosim'), 'transcripts.csv'), '--prot', join(o('mosim'), 'proteins.csv'), '--tx-platform', 'csv', '--prot-platform', 'csv', '--markers', join(o('mosim'), 'markers.csv'), '--n-factors', '4', '--max-iter', '100', '--n-perms', '0', '--no-co-occurrence', '--threads', '1', '--tx-coordinate-unit', 'um', '--prot-coordinate-unit', 'um', '--out', o('mo'));
  cli('contrastive', '--target', 'target.h5ad', '--background', 'background.h5ad', '--rank', '2', '--alpha', '1', '--max-iter', '30', '--threads', '1', '--out', o('bc'));

  // (b) the library gives the CLI's numbers.
  const r = lib('compare');
  assertClose(r.hsnmf.Ws, npyValues(join(o('hsnmf'), 'X_snmf.npy')), 'hSNMF smoothed usages');
  assert.deepEqual(r.hsnmf.labels.map(String), csvColumn(join(o('hsnmf'), 'clusters.csv'), 'hsnmf'), 'hSNMF domains');
  assert.deepEqual(r.leiden.map(String), csvColumn(join(o('cluster'), 'clusters.csv'), 'leiden'), 'Leiden clusters');
  assertClose(r.moransI, csvColumn(join(o('metrics'), 'moran.csv'), 'morans_i').map(Number), "Moran's I per factor");
  const siidH5 = spawnSync(process.execPath, ['--input-type=module', '-e', `import { readH5ad } from 'stnmf/io'; const d = await readH5ad(${JSON.stringify(join(o('siid'), 'result.h5ad'))}); process.stdout.write(JSON.stringify(Array.from(d.obsm.X_siid.data)));`], { cwd: proj, encoding: 'utf8' });
  assert.equal(siidH5.status, 0, siidH5.stderr);
  assertClose(r.siidP, JSON.parse(siidH5.stdout), 'SIID cell factors P (obsm X_siid)');
  assertClose(r.multiomicsW, npyValues(join(o('mo'), 'W.npy')), 'multi-omics W');
  assert.deepEqual(r.multiomicsLabels, csvColumn(join(o('mo'), 'shared_labels.csv'), 'cell_type'), 'multi-omics cell types');
  assertClose(r.bcnmfHTarget, npyValues(join(o('bc'), 'H_target.npy')), 'bcNMF target coefficients');

  // (c) a consumer's TypeScript against the shipped types, strict, both resolutions; under
  // nodenext also every ```ts block of the README, as a user would paste it (the Web Worker
  // example's `files` declared as the FileList it names).
  writeFileSync(join(proj, 'consumer.ts'), CONSUMER_TS);
  const readmeBlocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(readmeBlocks.length >= 3, `README has ${readmeBlocks.length} TypeScript examples`);
  const readmeFiles = readmeBlocks.map((code, i) => {
    const file = `readme-${i + 1}.ts`;
    writeFileSync(join(proj, file), `${/\bfiles\b/.test(code) ? 'declare const files: File[];\n' : ''}${code}\nexport {};\n`);
    return file;
  });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const common = ['--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'consumer.ts'];
  run(process.execPath, [tsc, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false', ...common, ...readmeFiles], proj);
  // node10 resolution cannot see h5wasm's own `exports`-only types, a dependency's limit: the
  // consumer file is still checked against our .d.ts files, found through typesVersions.
  run(process.execPath, [tsc, '--module', 'esnext', '--moduleResolution', 'node10', '--skipLibCheck', 'true', ...common], proj);
});
