/**
 * The SIID pipeline as one library call: preparation, k-fold gene holdout with baselines, the
 * full fit, spot proportions, scoring against a known truth, and the result as a Dataset.
 * Layer 2 (no Node imports): `stnmf siid` and `stnmf demo` call this and write the files.
 */
import { makeDataset, type Dataset } from '../../dataset.js';
import { KEYS } from '../../keys.js';
import { createKernels } from '../../linalg/backend.js';
import { csrFromCoo, type Csr } from '../../linalg/csr.js';
import { cellClusters, imputeGenes, siidFit, spotProportions, type SiidFit, type SiidOptions } from './siid.js';
import { prepareSiid, type PreparedSiid } from './prepare.js';
import { siidHoldout, type HoldoutResult } from './holdout.js';
import { scoreAgainstTruth } from './evaluate.js';
import { factorNames } from '../../keys.js';

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

/** Where {@link runSiid} reports: a one-line log, progress of the long steps, and the abort signal (the CLI's `CommandContext` is one). */
export interface SiidReporter {
  /** Writes one line of notes (cells mapped, holdout R²). */
  log(text: string): void;
  /** Reports progress of a fit: label, iteration, maximum, detail. */
  progress(label: string, done: number, total: number, detail?: string): void;
  /** Stops the holdout and the fit between sweeps. */
  signal?: AbortSignal;
}

/**
 * The SIID pipeline (methods-spec M2): prepares the cell/spot problem, runs the k-fold gene
 * holdout with its baselines (when `folds` > 0, seeded by `foldSeed`) and the full fit, and
 * scores against the true cell types when `truth` (one label per cell) is given. One kernel
 * backend serves holdout and fit; it is created from `options.threads` and disposed here
 * unless `options.kernels` is passed.
 */
export async function runSiid(
  cells: Dataset,
  spots: Dataset,
  mapping: Int32Array | undefined,
  options: SiidOptions,
  folds: number,
  foldSeed: number,
  ctx: SiidReporter,
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

/**
 * The SIID result as an AnnData-shaped {@link Dataset} (what `stnmf siid` writes as
 * result.h5ad): cells x (panel genes + requested imputed genes), X = the observed panel counts
 * (zero columns for imputed genes), `layers.imputed` (and `layers.holdout` with a holdout),
 * `obsm.X_siid` (P), `varm.siid_Q`, obs `siid_cluster`, `siid_N`, `siid_spot`, var `in_panel`,
 * `platform_scaling`, `uns.siid`.
 */
export function siidToDataset(r: SiidRun, cells: Dataset): Dataset {
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
  const ds = makeDataset(panelCounts(p.AX, nOut), [...cells.obs.index], outGenes, { platform: 'stnmf-siid', source: cells.meta.source, coordinateUnit: cells.meta.coordinateUnit, micronsPerUnit: cells.meta.micronsPerUnit });
  // The cells' own obs columns come first (results chain, issue 13 point 8); SIID's columns follow.
  for (const [name, col] of cells.obs.columns) ds.obs.columns.set(name, col);
  ds.layers[KEYS.siid.layer] = { rows: p.n, cols: nOut, data: imputed.data };
  if (holdout?.predictions) {
    const hp = new Float32Array(p.n * nOut);
    for (let i = 0; i < p.n; i++) for (let j = 0; j < gX; j++) hp[i * nOut + j] = holdout.predictions[i * gX + j];
    ds.layers.holdout = { rows: p.n, cols: nOut, data: hp };
  }
  if (cells.obsm.spatial) ds.obsm[KEYS.spatial.obsm] = cells.obsm.spatial;
  ds.obsm[KEYS.siid.obsm] = { rows: p.n, cols: h, data: Float32Array.from(fit.params.P) };
  const Qv = new Float32Array(nOut * h);
  geneIdx.forEach((g, j) => {
    for (let k = 0; k < h; k++) Qv[j * h + k] = fit.params.Qt[g * h + k];
  });
  ds.varm[KEYS.siid.varm] = { rows: nOut, cols: h, data: Qv };
  const clusters = cellClusters(fit);
  ds.obs.columns.set(KEYS.siid.obs, { kind: 'category', codes: clusters, categories: factorNames(h) });
  ds.obs.columns.set('siid_N', { kind: 'number', values: Float64Array.from(fit.params.N) });
  ds.obs.columns.set('siid_spot', { kind: 'number', values: Int32Array.from(prepared.cellSpot, (s) => (s >= 0 ? prepared.spotRows[s] : -1)) });
  const inPanel = new Uint8Array(nOut);
  for (let j = 0; j < gX; j++) inPanel[j] = 1;
  ds.var.columns.set('in_panel', { kind: 'bool', values: inPanel });
  ds.var.columns.set('platform_scaling', { kind: 'number', values: Float64Array.from(geneIdx, (g) => fit.params.phi[g]) });
  ds.uns[KEYS.siid.uns] = { objective: fit.objective, rank: h, solver: fit.solver, holdoutR2: holdout?.siid.mean ?? null };
  return ds;
}

/**
 * The panel counts `AX` widened to `cols` columns (the imputed genes' columns empty), as
 * `csrFromCoo` would build them (rows sorted, explicit zeros dropped) but in typed arrays:
 * the triplet copy took a quarter of a second on Xenium, all of it before result.h5ad.
 */
function panelCounts(AX: Csr, cols: number): Csr {
  const n = AX.rows;
  let sorted = true;
  let nnz = 0;
  for (let i = 0; i < n && sorted; i++) {
    for (let q = AX.indptr[i]; q < AX.indptr[i + 1]; q++) {
      if (q > AX.indptr[i] && AX.indices[q] <= AX.indices[q - 1]) {
        sorted = false;
        break;
      }
      if (AX.data[q] !== 0) nnz++;
    }
  }
  if (!sorted) {
    // Not canonical (no reader gives this): sum duplicates and sort as csrFromCoo does.
    const ri: number[] = [];
    for (let i = 0; i < n; i++) for (let q = AX.indptr[i]; q < AX.indptr[i + 1]; q++) ri.push(i);
    return csrFromCoo(n, cols, ri, AX.indices, AX.data);
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let q = AX.indptr[i]; q < AX.indptr[i + 1]; q++) {
      if (AX.data[q] === 0) continue;
      indices[t] = AX.indices[q];
      data[t++] = AX.data[q];
    }
    indptr[i + 1] = t;
  }
  return { rows: n, cols, indptr, indices, data };
}
