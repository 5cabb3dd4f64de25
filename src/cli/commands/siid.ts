/**
 * `stnmf siid`: joint imputation and deconvolution of a single-cell slide and a spot slide
 * (methods-spec M2). Writes result.h5ad (cells x modelled genes; layers `imputed` and, with a
 * holdout, `holdout`), proportions.csv (spot x factor), holdout_r2.csv (gene, R², fold and the
 * baselines), summary.json and run.json. Also `demoSiid` for `stnmf demo`.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDataset, type Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { writeCsv } from '../../io/csv.js';
import { writeH5ad } from '../../io/h5ad.js';
import { npyToFloat64, readNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import { csrFromCoo } from '../../linalg/csr.js';
import {
  cellClusters,
  imputeGenes,
  prepareSiid,
  resolveSiidOptions,
  scoreAgainstTruth,
  siidFit,
  siidHoldout,
  spotProportions,
  type HoldoutResult,
  type PreparedSiid,
  type SiidFit,
  type SiidOptions,
} from '../../methods/siid/index.js';
import { simulateSiid } from '../../simulate/index.js';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import { loadDataset } from '../input.js';
import { RunOutput, jsonReplacer } from '../output.js';

export const siidCommand: Command = {
  name: 'siid',
  summary: 'SIID: impute unmeasured genes of a single-cell slide and deconvolve a spot slide jointly',
  usage: 'stnmf siid --cells <path> --spots <path> [--rank 20] [--holdout-folds 10] [--solver mu|adam] [--entropy-lambda 1000] --out DIR',
  examples: [
    'stnmf siid --cells xenium/ --spots visium/ --rank 20 --out siid-out',
    'stnmf siid --cells sim/cells.h5ad --spots sim/spots.h5ad --rank 8 --truth obs:type --entropy-lambda 0 --out siid-out --json',
    'stnmf siid --cells cells.h5ad --spots spots.h5ad --visium-genes all --impute Gad1,Slc17a7 --holdout-folds 0 --out siid-out',
  ],
  flags: {
    cells: { type: 'string', input: 'dataset', required: true, help: 'single-cell slide (Xenium-like), any format stnmf reads' },
    spots: { type: 'string', input: 'dataset', required: true, help: 'spot slide (Visium-like), any format stnmf reads; its genes must include the cell panel' },
    rank: { type: 'int', min: 1, short: 'k', default: 20, help: 'latent factors h (paper: 20 breast, 40 colorectal)' },
    'holdout-folds': { type: 'int', min: 0, default: 10, help: 'k-fold gene holdout over the panel (0 = skip; paper: 10)' },
    'fold-seed': { type: 'int', min: 0, default: 0, help: 'seed of the gene folds' },
    solver: { type: 'string', choices: ['mu', 'adam'], default: 'mu', help: 'mu = ECM multiplicative updates (fast); adam = paper parity' },
    'entropy-lambda': { type: 'number', min: 0, default: 1000, help: 'entropy schedule λ, ω = exp(epoch/λ) (0 = off; paper: 1000 imputation, 500 deconvolution)' },
    'entropy-reduction': { type: 'string', choices: ['sum', 'meanOverCells'], default: 'sum', help: 'entropy summed over cells (paper) or averaged (public code)' },
    'entropy-schedule': { type: 'string', choices: ['continuous', 'step100'], default: 'continuous', help: 'ω every epoch (paper) or every 100 epochs (public code)' },
    'max-iter': { type: 'int', min: 1, help: 'sweeps (mu, default 100) or epochs (adam, default 5000)' },
    restarts: { type: 'int', min: 1, default: 3, help: 'random restarts; the lowest objective is kept (paper: 3)' },
    'restart-screening': { type: 'int', min: 0, help: 'mu: sweeps after which only the best restart continues (default 20; 0 = run all to the end)' },
    'learning-rate': { type: 'number', exclusiveMin: 0, default: 0.05, help: 'adam learning rate (paper 0.05)' },
    seed: { type: 'int', min: 0, default: 0, help: 'random seed' },
    threads: { type: 'int', min: 1, help: 'threads of the fused passes (default: all cores)' },
    'mapping-distance': { type: 'number', exclusiveMin: 0, default: 100, help: 'map each cell to its nearest spot within this distance (µm)' },
    mapping: { type: 'string', input: 'file', help: 'given mapping instead: .npy or text file with the spot index of every cell (-1 = none)' },
    intersect: { type: 'boolean', help: 'drop cell genes missing from the spot slide instead of failing' },
    'visium-genes': { type: 'string', choices: ['panel', 'all'], default: 'panel', help: 'spot genes modelled: the cell panel (+ --impute) or all' },
    impute: { type: 'string', help: 'comma-separated spot genes to impute (added to the model and to result.h5ad)' },
    'no-platform-scaling': { type: 'boolean', help: 'turn off the per-gene platform factor φ' },
    truth: { type: 'string', input: 'file', notPathPrefix: 'obs:', help: "true cell types for ARI / JS: 'obs:<column>' of the cells, or a text/CSV file with one label per cell" },
    out: { type: 'string', short: 'o', required: true, help: 'output folder' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length) throw new StnmfError('USAGE', `stnmf siid: unexpected argument '${args.positionals[0]}' (inputs go with --cells and --spots)`);
    const cells = await loadDataset('siid', f.cells as string, ctx);
    const spots = await loadDataset('siid', f.spots as string, ctx);
    const mapping = f.mapping ? readMapping(f.mapping as string, cells.X.rows, spots.X.rows) : undefined;
    const options = optionsFromFlags(f);
    const truth = f.truth ? readTruth(f.truth as string, cells) : undefined;
    const out = await RunOutput.open(f.out as string);
    try {
      const r = await runSiid(cells, spots, mapping, options, Number(f['holdout-folds']), Number(f['fold-seed']), ctx, truth);
      await writeOutputs(r, cells, spots, (name) => out.path(name));
      await finishRun(
        out,
        {
          command: 'siid',
          parameters: { ...resolveSiidOptions(options), holdoutFolds: f['holdout-folds'], foldSeed: f['fold-seed'] },
          inputs: {
            cells: f.cells,
            spots: f.spots,
            mapping: f.mapping,
            cellsPlatform: cells.meta.platform,
            spotsPlatform: spots.meta.platform,
            notes: r.prepared.notes,
          },
          seed: options.seed,
          summary: r.summary,
          seconds: r.summary.seconds as number,
        },
        ctx,
        Boolean(f.json),
      );
    } catch (e) {
      await out.abort();
      throw e;
    }
  },
};

function optionsFromFlags(f: Record<string, string | number | boolean | undefined>): SiidOptions {
  const lambda = f['entropy-lambda'] as number;
  if (lambda < 0) throw new StnmfError('USAGE', `stnmf siid: --entropy-lambda must be >= 0 (0 = off), got ${lambda}`);
  const threads = f.threads as number | undefined;
  if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf siid: --threads must be >= 1, got ${threads}`);
  return {
    threads,
    rank: f.rank as number,
    solver: f.solver as 'mu' | 'adam',
    maxIter: f['max-iter'] as number | undefined,
    restarts: f.restarts as number,
    restartScreening: f['restart-screening'] as number | undefined,
    seed: f.seed as number,
    entropyLambda: lambda > 0 ? lambda : null,
    entropyReduction: f['entropy-reduction'] as 'sum' | 'meanOverCells',
    entropySchedule: f['entropy-schedule'] as 'continuous' | 'step100',
    learningRate: f['learning-rate'] as number,
    platformScaling: !f['no-platform-scaling'],
    mappingDistance: f['mapping-distance'] as number,
    missingGenes: f.intersect ? 'intersect' : 'error',
    visiumGenes: f['visium-genes'] === 'all' ? 'all' : 'panelOnly',
    imputeGenes: f.impute ? String(f.impute).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  };
}

function readMapping(path: string, n: number, nSpots: number): Int32Array {
  let vals: number[];
  if (path.endsWith('.npy')) vals = Array.from(npyToFloat64(readNpy(path), path).data);
  else {
    vals = [];
    for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
      const t = line.split(/[,\t]/).pop()!.trim();
      if (t === '') continue;
      const v = Number(t);
      if (!Number.isFinite(v)) {
        if (vals.length === 0) continue; // header
        throw new StnmfError('BAD_FILE', `${path} (--mapping): '${t}' is not a spot index`);
      }
      vals.push(v);
    }
  }
  if (vals.length !== n) throw new StnmfError('BAD_FILE', `${path} (--mapping): ${vals.length} entries, expected one spot index per cell (${n})`);
  // Int32Array.from would truncate 1.5 to 1 without a word.
  vals.forEach((v, i) => {
    if (!Number.isInteger(v) || v < -1 || v >= nSpots) {
      throw new StnmfError('BAD_INPUT', `${path} (--mapping): entry ${i + 1} is ${v}; expected a spot index (a whole number from 0 to ${nSpots - 1}) or -1 for none`);
    }
  });
  return Int32Array.from(vals);
}

function readTruth(spec: string, cells: Dataset): string[] {
  if (spec.startsWith('obs:')) {
    const name = spec.slice(4);
    const c = cells.obs.columns.get(name);
    if (!c) throw new StnmfError('BAD_OPTION', `stnmf siid: --truth ${spec}: the cells have no obs column '${name}' (have: ${[...cells.obs.columns.keys()].join(', ') || 'none'})`);
    if (c.kind === 'category') return Array.from(c.codes, (k) => (k >= 0 ? c.categories[k] : ''));
    return Array.from(c.values as ArrayLike<unknown>, (v) => String(v));
  }
  const lines = readFileSync(spec, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  let labels = lines.map((l) => l.split(',').pop()!.trim());
  if (labels.length === cells.X.rows + 1) labels = labels.slice(1);
  if (labels.length !== cells.X.rows) throw new StnmfError('BAD_FILE', `${spec} (--truth): ${labels.length} labels, expected one per cell (${cells.X.rows})`);
  return labels;
}

/** Everything a SIID run produces, ready to write. */
export interface SiidRun {
  prepared: PreparedSiid;
  fit: SiidFit;
  holdout?: HoldoutResult;
  proportions: Float64Array;
  /** Genes outside the panel written to result.h5ad as imputed. */
  imputeList: string[];
  summary: Record<string, unknown>;
}

/** Runs the holdout (when folds > 0) and the full fit; scores against the truth when given. */
export async function runSiid(
  cells: Dataset,
  spots: Dataset,
  mapping: Int32Array | undefined,
  options: SiidOptions,
  folds: number,
  foldSeed: number,
  ctx: CommandContext,
  truth?: string[],
): Promise<SiidRun> {
  const t0 = performance.now();
  const prepared = prepareSiid({ cells, spots, mapping }, options);
  const p = prepared.problem;
  const notes = prepared.notes;
  ctx.log(
    `stnmf siid: ${p.n} cells (${notes.unmappedCells} unmapped), ${p.m} spots (${notes.droppedSpots} without cells dropped), ${p.panelCols.length} panel genes, ${p.G} modelled genes` +
      (notes.droppedCellGenes.length ? `; dropped ${notes.droppedCellGenes.length} cell genes missing from the spots` : ''),
  );
  const progress = (label: string) => (e: { restart: number; restarts: number; iteration: number; maxIter: number; objective: number }) =>
    ctx.progress(`${label} restart ${e.restart + 1}/${e.restarts}`, e.iteration, e.maxIter, Number.isFinite(e.objective) ? `objective ${e.objective.toPrecision(8)}` : undefined);
  // One kernel backend (and its worker threads) for the holdout and the final fit.
  const kernels = options.kernels ?? (await createKernels({ threads: options.threads }));
  try {
    let holdout: HoldoutResult | undefined;
    if (folds > 0) {
      const cxy = cells.obsm.spatial;
      const cellXY = cxy ? Float64Array.from({ length: cxy.rows * 2 }, (_, t) => cxy.data[Math.floor(t / 2) * cxy.cols + (t % 2)]) : undefined;
      holdout = await siidHoldout(p, {
        ...options,
        kernels,
        folds,
        foldSeed,
        cellXY,
        keepPredictions: true,
        signal: ctx.signal,
        onFold: (k, K, e) => {
          if (e) progress(`siid holdout fold ${k + 1}/${K}`)(e);
        },
      });
      const b = holdout.baselines!;
      ctx.log(`stnmf siid: holdout R² ${holdout.siid.mean.toFixed(4)} (baselines A ${b.A.mean.toFixed(4)}, B ${b.B.mean.toFixed(4)}, C ${b.C.mean.toFixed(4)}, D ${b.D.mean.toFixed(4)})`);
    }
    const fit = await siidFit(p, { ...options, kernels, signal: ctx.signal, onProgress: progress('siid fit') });
    const proportions = spotProportions(fit, p);
    const seconds = (performance.now() - t0) / 1000;
    const summary: Record<string, unknown> = {
      holdoutR2: holdout ? holdout.siid.mean : null,
      objective: fit.objective,
      lossX: fit.lossX,
      lossV: fit.lossV,
      entropy: fit.entropy,
      omega: fit.omega,
      iterations: fit.iterations,
      restartObjectives: fit.restarts.map((r) => r.objective),
      rank: fit.h,
      nCells: p.n,
      nSpots: p.m,
      nPanelGenes: p.panelCols.length,
      nModelledGenes: p.G,
      unmappedCells: notes.unmappedCells,
      droppedSpots: notes.droppedSpots,
      droppedCellGenes: notes.droppedCellGenes,
      backend: kernels.name,
      threads: kernels.threads,
    };
    if (holdout) {
      summary.holdoutR2NanGenes = holdout.siid.nNaN;
      summary.holdoutR2NanAsZero = holdout.siid.meanNanAsZero;
      summary.holdoutFolds = holdout.folds.length;
      summary.baselineR2 = Object.fromEntries(Object.entries(holdout.baselines!).map(([k, v]) => [k, v.mean]));
      summary.baselineExcludedCells = holdout.baselineExcludedCells;
    }
    if (truth) {
      const cats = [...new Set(truth)].sort();
      const codes = Int32Array.from(truth, (t) => cats.indexOf(t));
      const props = trueProportions(p, codes, cats.length);
      const s = scoreAgainstTruth(fit, p, codes, props, cats.length, 'cells');
      summary.ari = s.ari;
      summary.jsDivergence = s.jsDivergence;
      summary.jsDivergenceMedian = s.jsMedian;
    }
    summary.seconds = seconds;
    return { prepared, fit, holdout, proportions, imputeList: options.imputeGenes ?? [], summary };
  } finally {
    if (!options.kernels) kernels.dispose();
  }
}

/** Type mix of the cells mapped to each spot (the deconvolution truth of M2.8). */
export function trueProportions(p: { n: number; m: number; gamma: { indptr: Int32Array; indices: Int32Array } }, types: Int32Array, nTypes: number): Float64Array {
  const out = new Float64Array(p.m * nTypes);
  for (let i = 0; i < p.n; i++) for (let q = p.gamma.indptr[i]; q < p.gamma.indptr[i + 1]; q++) out[p.gamma.indices[q] * nTypes + types[i]]++;
  return out;
}

/** Writes result.h5ad, proportions.csv and holdout_r2.csv. */
export async function writeOutputs(r: SiidRun, cells: Dataset, spots: Dataset, path: (name: string) => string): Promise<void> {
  const { prepared, fit, holdout } = r;
  const p = prepared.problem;
  const h = fit.h;
  const gX = p.panelCols.length;
  // Genes in result.h5ad: the panel plus the requested imputed genes (never all of G_V unasked).
  const panelSet = new Set(prepared.panelGenes);
  const outGenes = [...prepared.panelGenes, ...[...new Set(r.imputeList)].filter((g) => !panelSet.has(g))];
  const pos = new Map(prepared.genes.map((g, j) => [g, j]));
  const geneIdx = outGenes.map((g) => pos.get(g)!);
  const nOut = outGenes.length;
  const imputed = imputeGenes(fit, geneIdx);
  // X: the observed panel counts (zero columns for imputed genes).
  const ri: number[] = [], ci: number[] = [], v: number[] = [];
  for (let i = 0; i < p.n; i++) for (let q = p.AX.indptr[i]; q < p.AX.indptr[i + 1]; q++) {
    ri.push(i);
    ci.push(p.AX.indices[q]);
    v.push(p.AX.data[q]);
  }
  const ds = makeDataset(csrFromCoo(p.n, nOut, ri, ci, v), [...cells.obs.index], outGenes, { platform: 'stnmf-siid', source: cells.meta.source, coordinateUnit: cells.meta.coordinateUnit });
  ds.layers.imputed = { rows: p.n, cols: nOut, data: imputed.data };
  if (holdout?.predictions) {
    const hp = new Float32Array(p.n * nOut);
    for (let i = 0; i < p.n; i++) for (let j = 0; j < gX; j++) hp[i * nOut + j] = holdout.predictions[i * gX + j];
    ds.layers.holdout = { rows: p.n, cols: nOut, data: hp };
  }
  if (cells.obsm.spatial) ds.obsm.spatial = cells.obsm.spatial;
  ds.obsm.X_siid = { rows: p.n, cols: h, data: Float32Array.from(fit.params.P) };
  const Qv = new Float32Array(nOut * h);
  geneIdx.forEach((g, j) => {
    for (let k = 0; k < h; k++) Qv[j * h + k] = fit.params.Qt[g * h + k];
  });
  ds.varm.siid_Q = { rows: nOut, cols: h, data: Qv };
  const clusters = cellClusters(fit);
  ds.obs.columns.set('siid_cluster', { kind: 'category', codes: clusters, categories: Array.from({ length: h }, (_, k) => `F${k}`) });
  ds.obs.columns.set('siid_N', { kind: 'number', values: Float64Array.from(fit.params.N) });
  ds.obs.columns.set('siid_spot', { kind: 'number', values: Int32Array.from(prepared.cellSpot, (s) => (s >= 0 ? prepared.spotRows[s] : -1)) });
  const inPanel = new Uint8Array(nOut);
  for (let j = 0; j < gX; j++) inPanel[j] = 1;
  ds.var.columns.set('in_panel', { kind: 'bool', values: inPanel });
  ds.var.columns.set('platform_scaling', { kind: 'number', values: Float64Array.from(geneIdx, (g) => fit.params.phi[g]) });
  ds.uns.siid = { objective: fit.objective, rank: h, solver: fit.solver, holdoutR2: holdout?.siid.mean ?? null };
  await writeH5ad(path('result.h5ad'), ds);
  // Spot proportions (model π_s), spot names of the input.
  writeCsv(path('proportions.csv'), {
    matrix: { rows: p.m, cols: h, data: r.proportions },
    rowNames: Array.from(prepared.spotRows, (s) => spots.obs.index[s]),
    colNames: Array.from({ length: h }, (_, k) => `F${k}`),
    indexName: 'spot',
  });
  if (holdout) {
    const lines = ['gene,r2,fold,baseline_A,baseline_B,baseline_C,baseline_D'];
    const b = holdout.baselines!;
    const fmt = (x: number) => (Number.isFinite(x) ? String(x) : 'NaN');
    for (let j = 0; j < gX; j++) {
      lines.push([csvSafe(prepared.panelGenes[j]), fmt(holdout.siid.r2[j]), holdout.fold[j], fmt(b.A.r2[j]), fmt(b.B.r2[j]), fmt(b.C.r2[j]), fmt(b.D.r2[j])].join(','));
    }
    await writeFile(path('holdout_r2.csv'), lines.join('\n') + '\n');
  }
}

function csvSafe(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * `stnmf demo` step: SIID on a small checkerboard simulation (1500 cells, 120 of 400 genes,
 * 6 types), 5-fold holdout and the full fit; writes the outputs of `stnmf siid` into outDir.
 */
export async function demoSiid(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateSiid({ nCells: 1500, nGenes: 400, nPanel: 120, types: 6, grid: 6, extent: 1200, seed: 0 });
  const truth = Array.from(sim.types, (t) => `type${t}`);
  const r = await runSiid(sim.cells, sim.spots, undefined, { rank: 6, visiumGenes: 'all', imputeGenes: [], restarts: 2, maxIter: 80 }, 5, 0, ctx, truth);
  await writeOutputs(r, sim.cells, sim.spots, (name) => join(outDir, name));
  await writeFile(join(outDir, 'summary.json'), JSON.stringify(r.summary, jsonReplacer, 2) + '\n');
  return r.summary;
}
