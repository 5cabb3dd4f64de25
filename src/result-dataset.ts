/**
 * A finished result as one `Dataset`: what `readResult` (src/io/result.ts) returns for a result
 * folder or an .h5ad file, and what {@link asResult} makes of any Dataset a library user holds
 * (after `attach…` calls, before writing anything). The Dataset's own fields are the truth
 * (obsm usages, varm loadings, obs categories, X, layers.imputed, obsm.spatial); the typed
 * views beside them (`W`, `H`, `x`, `y`, `clusters`, `expression`, …) are derived from those
 * fields once, sharing their arrays where the layout allows, for the viewer, the plots, the
 * report and the Vitessce export to draw from.
 *
 * Layer 0: imports only errors, dataset, keys, samples and linalg; runs in browsers.
 */
import { StnmfError } from './errors.js';
import type { Column, Dataset } from './dataset.js';
import { KEYS, factorNames as factorNamesOf } from './keys.js';
import { sampleGroups, type SampleGroups } from './samples.js';
import { transposeCsr } from './linalg/csr.js';

/** A categorical annotation of the observations (clusters, cell types). */
export interface CategoryColumn {
  name: string;
  categories: string[];
  /** Index into `categories` per observation; -1 = missing. */
  codes: Int32Array;
}

/** Expression of the features, stored by feature (CSC) for fast per-gene colouring. */
export interface ExpressionByFeature {
  names: string[];
  /** Length p + 1. */
  indptr: Int32Array;
  /** Observation index of each stored value. */
  indices: Int32Array;
  data: Float32Array;
}

/** Imputed values per observation and gene (SIID's `layers.imputed`), dense and row-major. */
export interface ImputedLayer {
  names: string[];
  /** n x names.length, row-major. */
  data: Float32Array;
  /** 1 where the gene was also measured (var `in_panel`), 0 where only imputed; undefined when the result does not say. */
  measured?: Uint8Array;
}

/**
 * Positions of a deconvolution's spots (SIID's spot_coordinates.csv), whose rows differ from
 * the result's observations (the cells).
 */
export interface SpotLayout {
  /** Spot ids, as in proportions.csv. */
  ids: string[];
  x: Float64Array;
  y: Float64Array;
  /** Coordinate unit stated by the file's header: `um`, `px` or `unknown`. */
  unit: string;
  /** Where the positions came from. */
  source: string;
}

/**
 * The files of a result folder (or of one `.h5ad` file) and their reader: on Node the disk, in
 * the browser app the run's files in memory, so the figures of a run are drawn from the same
 * files either way. A result made in memory by {@link asResult} has no files.
 */
export interface ResultFolder {
  /** Display name (folder or file name). */
  name: string;
  /** The folder whose files may be served ('' for a result made in memory). */
  root: string;
  /** Servable files: name → path in the folder's file system (regular files directly in `root`; only the file itself for an .h5ad target). */
  files: Map<string, string>;
  /** True when the result was one `.h5ad` file rather than a folder. */
  isFile: boolean;
  /** The whole content of the file called `name` (a key of `files`); a BAD_FILE error when it cannot be read. */
  bytes(name: string): Uint8Array;
}

/**
 * obsm keys holding per-observation factor usages, in order of preference: NMF/hSNMF `X_nmf`,
 * SIID `X_siid` (cell x factor P), bcNMF `X_bcnmf` (target and background coefficients
 * stacked), smoothed hSNMF `X_snmf`.
 */
export const FACTOR_KEYS: string[] = [KEYS.nmf.obsm, KEYS.siid.obsm, KEYS.bcnmf.obsm, KEYS.snmf.obsm];

/** varm keys holding the matching loadings (features x factors, i.e. Hᵀ): NMF `nmf`, bcNMF `bcnmf`, SIID `siid_Q`. */
export const LOADING_KEYS: string[] = [KEYS.nmf.varm, KEYS.bcnmf.varm, KEYS.siid.varm];

/**
 * A result: the Dataset (pass it to any method, `writeH5ad` it, attach more results) with the
 * folder it came from and the views drawn from it. The views are read-only by convention:
 * change the Dataset and call {@link asResult} again.
 */
export interface ResultDataset extends Dataset, ResultFolder {
  /** Observations (= `obs.index.length`). */
  n: number;
  /** Factors (columns of the usage matrix). */
  k: number;
  /** `obs.index`. */
  obsNames: string[];
  /** Names of H's columns (features); `var.index` unless the loadings came with features of their own. */
  featureNames: string[];
  /** `Factor_1 … Factor_k`. */
  factorNames: string[];
  /** The obsm key the usages were found under (one of {@link FACTOR_KEYS}). */
  usageKey: string;
  /** Coordinates (`obsm.spatial`) in `unit`; undefined when the result has none (plot/report then draw only the non-spatial figures). */
  x?: Float64Array;
  y?: Float64Array;
  /** `meta.coordinateUnit` (default `um`). */
  unit: string;
  /** `meta.micronsPerUnit`: micrometres per coordinate unit when the data or the run says; undefined = not known. */
  micronsPerUnit?: number;
  /** n x k factor usage (W), row-major: the data of `obsm[usageKey]`. */
  W: Float32Array;
  /** k x p loadings (H), row-major: the varm loadings transposed; undefined when the result has none. */
  H?: Float32Array;
  /** The categorical obs columns (clusters, cell types, groups, samples), in obs order. */
  clusters: CategoryColumn[];
  /** X by feature, only the measured genes (var `in_panel`, when present, leaves SIID's imputed-only genes out); undefined when X holds nothing. */
  expression?: ExpressionByFeature;
  /** `layers.imputed`, dense, when the result has it. */
  imputed?: ImputedLayer;
  /** The spots of a deconvolution (SIID), when the result lists their positions. */
  spots?: SpotLayout;
  /** The sample of each observation (`meta.sampleKey`), when the result holds several: spatial figures keep them apart. */
  samples?: SampleGroups;
  /** summary.json and run.json of a result folder. */
  summary?: Record<string, unknown>;
  run?: Record<string, unknown>;
  /** Where each part came from, for messages and the viewer's info panel. */
  sources: Record<string, string>;
}

/** What a result has besides its Dataset: where it was read from, and the run's side files. */
export interface ResultParts {
  /** The folder (default: none; a result made in memory). */
  folder?: ResultFolder;
  spots?: SpotLayout;
  summary?: Record<string, unknown>;
  run?: Record<string, unknown>;
  sources?: Record<string, string>;
  /**
   * Loadings whose features are not the Dataset's var (a folder's H.npy beside `--data` of
   * other genes): H (k x p, row-major) and its feature names. Default: the varm loadings.
   */
  loadings?: { H: Float32Array; featureNames: string[] };
}

/**
 * The result view of a Dataset (called on a ResultDataset, it keeps that result's folder, side
 * files and own loadings unless `given` replaces them): usages from the first obsm key of {@link FACTOR_KEYS}, loadings
 * from the first varm key of {@link LOADING_KEYS} with as many columns, coordinates from
 * `obsm.spatial`, clusters from the categorical obs columns, expression from X (the measured
 * genes only: var `in_panel`, when present), imputed values from `layers.imputed`.
 * @throws StnmfError('BAD_INPUT') when the Dataset holds no factor usages
 */
export function asResult(ds: Dataset, given: ResultParts = {}): ResultDataset {
  // A result redrawn after changes (e.g. an attached clustering) keeps its folder and side files.
  const parts = { ...partsOf(ds), ...given };
  const usageKey = FACTOR_KEYS.find((key) => ds.obsm[key]);
  if (!usageKey) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: no factor usages (obsm ${FACTOR_KEYS.join(', ')}); run a factorisation and attach it first`);
  const usage = ds.obsm[usageKey];
  const n = usage.rows;
  const k = usage.cols;
  if (n !== ds.obs.index.length) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: obsm '${usageKey}' has ${n} rows for ${ds.obs.index.length} observations`);
  const W = asF32(usage.data);

  let H: Float32Array | undefined;
  let featureNames: string[] = [];
  if (parts.loadings) ({ H, featureNames } = parts.loadings);
  else {
    const loadingKey = LOADING_KEYS.find((key) => ds.varm[key] && ds.varm[key].cols === k);
    if (loadingKey) {
      const m = ds.varm[loadingKey]; // p x k (Hᵀ)
      H = new Float32Array(m.rows * m.cols);
      for (let j = 0; j < m.rows; j++) for (let f = 0; f < m.cols; f++) H[f * m.rows + j] = m.data[j * m.cols + f];
      featureNames = ds.var.index;
    }
  }

  const s = ds.obsm.spatial;
  const hasXY = s !== undefined && s.rows === n && s.cols >= 2;
  const x = hasXY ? Float64Array.from({ length: n }, (_, i) => s.data[i * s.cols]) : undefined;
  const y = hasXY ? Float64Array.from({ length: n }, (_, i) => s.data[i * s.cols + 1]) : undefined;

  const inPanel = ds.var.columns.get('in_panel');
  const measured = inPanel?.kind === 'bool' && inPanel.values.length === ds.X.cols ? inPanel.values : undefined;
  const expression = ds.X.rows === n && ds.X.cols > 0 ? expressionByFeature(ds, measured) : undefined;
  const layer = ds.layers.imputed;
  const imputed = layer && layer.rows === n && layer.cols === ds.var.index.length ? { names: ds.var.index, data: denseOf(layer), measured } : undefined;

  const folder = parts.folder ?? { name: ds.meta.source, root: '', files: new Map<string, string>(), isFile: false, bytes: (f: string) => { throw new StnmfError('BAD_FILE', `${ds.meta.source}: a result in memory has no file ${f}`); } };
  return {
    ...ds,
    name: folder.name,
    root: folder.root,
    files: folder.files,
    isFile: folder.isFile,
    bytes: folder.bytes,
    n,
    k,
    obsNames: ds.obs.index,
    featureNames,
    factorNames: factorNamesOf(k),
    usageKey,
    x,
    y,
    unit: ds.meta.coordinateUnit ?? 'um',
    micronsPerUnit: ds.meta.micronsPerUnit,
    W,
    H,
    clusters: categoryColumns(ds.obs.columns),
    expression,
    imputed,
    spots: parts.spots,
    samples: sampleGroups(ds),
    summary: parts.summary,
    run: parts.run,
    sources: parts.sources ?? {},
  };
}

/** What a ResultDataset carries besides its Dataset (nothing for a plain Dataset). */
function partsOf(ds: Dataset): ResultParts {
  const r = ds as Partial<ResultDataset>;
  if (!(r.files instanceof Map) || typeof r.bytes !== 'function') return {};
  const folder: ResultFolder = { name: r.name as string, root: r.root as string, files: r.files, isFile: r.isFile === true, bytes: r.bytes };
  // Loadings whose features are not var (a folder's H.npy beside other genes) stay with the result.
  const loadings = r.H && r.featureNames && r.featureNames !== ds.var.index ? { H: r.H, featureNames: r.featureNames } : undefined;
  return { folder, spots: r.spots, summary: r.summary, run: r.run, sources: r.sources, loadings };
}

/**
 * The coordinates of a result, or a one-line error naming what is missing and what to do
 * (`what` names the command that needs them).
 */
export function requireCoordinates(r: ResultDataset, what: string): { x: Float64Array; y: Float64Array } {
  if (r.x && r.y) return { x: r.x, y: r.y };
  throw new StnmfError(
    'BAD_INPUT',
    `${r.root || r.meta.source}: no coordinates (no obsm/spatial in result.h5ad, no spatial.csv, no usable input in run.json), and ${what} draws observations at their positions; pass --coords FILE (CSV id,x,y or a dataset), or use 'stnmf plot'/'stnmf report' for the non-spatial figures`,
  );
}

function asF32(data: ArrayLike<number>): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

function categoryColumns(cols: Map<string, Column>): CategoryColumn[] {
  const out: CategoryColumn[] = [];
  for (const [name, c] of cols) if (c.kind === 'category') out.push({ name, categories: c.categories, codes: c.codes });
  return out;
}

/**
 * X by feature (the CSR of Xᵀ); `keep` (per column, 1 = keep) drops columns such as SIID's
 * imputed-only genes, whose X column is all zero. Undefined when no column is kept.
 */
function expressionByFeature(ds: Dataset, keep?: Uint8Array): ExpressionByFeature | undefined {
  const t = transposeCsr(ds.X);
  if (!keep || keep.every((v) => v === 1)) return { names: ds.var.index, indptr: t.indptr, indices: t.indices, data: t.data };
  const cols: number[] = [];
  keep.forEach((v, j) => v && cols.push(j));
  if (cols.length === 0) return undefined;
  const indptr = new Int32Array(cols.length + 1);
  cols.forEach((j, c) => (indptr[c + 1] = indptr[c] + t.indptr[j + 1] - t.indptr[j]));
  const indices = new Int32Array(indptr[cols.length]);
  const data = new Float32Array(indptr[cols.length]);
  cols.forEach((j, c) => {
    indices.set(t.indices.subarray(t.indptr[j], t.indptr[j + 1]), indptr[c]);
    data.set(t.data.subarray(t.indptr[j], t.indptr[j + 1]), indptr[c]);
  });
  return { names: cols.map((j) => ds.var.index[j]), indptr, indices, data };
}

/** A layer as a dense row-major float32 array. */
function denseOf(m: { rows: number; cols: number; data: ArrayLike<number>; indptr?: Int32Array; indices?: Int32Array }): Float32Array {
  if (!m.indptr || !m.indices) return asF32(m.data);
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let q = m.indptr[i]; q < m.indptr[i + 1]; q++) out[i * m.cols + m.indices[q]] = m.data[q];
  return out;
}
