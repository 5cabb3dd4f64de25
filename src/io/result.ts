/**
 * Reads a result folder written by any stnmf command (or one `.h5ad` file) back into memory as a
 * {@link LoadedResult}: the reader `view`, `plot`, `report` and `export-vitessce` share, and the
 * one library users call to pick up a CLI result. Every file is read through a {@link Vfs}: the
 * disk by default, the run's files in memory in the browser app (which draws `stnmf plot`'s
 * figures from them).
 */
// Node's path module only to resolve a disk path (node-builtins.ts, fetched at call time), so a
// browser bundle of this file loads.
import { nodePath } from './node-builtins.js';
import { nodeVfs } from './node-vfs.js';
import { baseName, type Vfs } from './vfs.js';
import { readWholeFile } from './text.js';
import { StnmfError } from '../errors.js';
import { KEYS } from '../keys.js';
import type { Column, Dataset } from '../dataset.js';
import type { CategoryColumn, ExpressionByFeature, ImputedLayer, LoadedResult, ResultFolder, SpotLayout } from '../loaded-result.js';
import { selectRows } from '../linalg/csr.js';
import { parseCsvText } from '../csv-text.js';
import { parseNpy } from './npy.js';
import { readCoordinates } from './csv.js';
import { readH5ad } from './h5ad.js';
// The readers' index; it does not import this file (the package face io/entry.ts joins both).
import { readDataset } from './index.js';
import { factorNames as factorNamesOf } from '../keys.js';
import { sampleGroups } from '../samples.js';

export type { CategoryColumn, ExpressionByFeature, ImputedLayer, LoadedResult, ResultFolder } from '../loaded-result.js';
export { requireCoordinates } from '../loaded-result.js';

/** Options of {@link readResult}. */
export interface LoadOptions {
  /** A coordinates table (CSV/TSV: id, x, y) or a dataset with `obsm.spatial`. */
  coords?: string;
  /** The count data (10x .h5, or anything `readDataset` reads) for colouring by gene. */
  data?: string;
  /**
   * How to read `data` (the CLI passes its input-contract loader so `--data-orientation`,
   * `--data-coords` etc. apply); default: detection with no options.
   */
  readData?: (path: string) => Promise<Dataset>;
  /**
   * The file system the result (and `coords`/`data`) is read from. Default: the disk, where
   * `target` is resolved against the working folder; given, paths are used as they are
   * (e.g. `memoryVfs` over a run's files in the browser).
   */
  files?: Vfs;
}

/** The folder's file `name` as text (UTF-8). */
export function folderText(folder: ResultFolder, name: string): string {
  return new TextDecoder().decode(folder.bytes(name));
}

function readJson(folder: ResultFolder, name: string): Record<string, unknown> | undefined {
  if (!folder.files.has(name)) return undefined;
  try {
    return JSON.parse(folderText(folder, name)) as Record<string, unknown>;
  } catch (e) {
    throw new StnmfError('BAD_FILE', `${folder.files.get(name)}: not valid JSON (${(e as Error).message})`);
  }
}

function readLines(folder: ResultFolder, name: string): string[] {
  return folderText(folder, name)
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .map((l) => l.split('\t')[0]);
}

function asF32(data: ArrayLike<number> | BigInt64Array): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
  return Float32Array.from(data as ArrayLike<number>);
}

/** X by feature; `keep` (per column, 1 = keep) drops columns such as SIID's imputed-only genes, whose X column is all zero. */
function cscFromDataset(ds: Dataset, keep?: Uint8Array): ExpressionByFeature {
  const full = cscAll(ds);
  if (!keep || keep.every((v) => v === 1)) return full;
  const cols: number[] = [];
  keep.forEach((v, j) => v && cols.push(j));
  const indptr = new Int32Array(cols.length + 1);
  cols.forEach((j, c) => (indptr[c + 1] = indptr[c] + full.indptr[j + 1] - full.indptr[j]));
  const indices = new Int32Array(indptr[cols.length]);
  const data = new Float32Array(indptr[cols.length]);
  cols.forEach((j, c) => {
    indices.set(full.indices.subarray(full.indptr[j], full.indptr[j + 1]), indptr[c]);
    data.set(full.data.subarray(full.indptr[j], full.indptr[j + 1]), indptr[c]);
  });
  return { names: cols.map((j) => full.names[j]), indptr, indices, data };
}

function cscAll(ds: Dataset): ExpressionByFeature {
  const X = ds.X;
  const p = X.cols;
  const counts = new Int32Array(p + 1);
  const nnz = X.indptr[X.rows];
  for (let e = 0; e < nnz; e++) counts[X.indices[e] + 1]++;
  for (let j = 0; j < p; j++) counts[j + 1] += counts[j];
  const indptr = Int32Array.from(counts);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  const next = Int32Array.from(counts.subarray(0, p));
  for (let i = 0; i < X.rows; i++) {
    for (let e = X.indptr[i]; e < X.indptr[i + 1]; e++) {
      const q = next[X.indices[e]]++;
      indices[q] = i;
      data[q] = X.data[e];
    }
  }
  return { names: ds.var.index, indptr, indices, data };
}

/** Reorders dataset rows to `obsNames` (by name when the names overlap, else by position). */
function alignRows(ds: Dataset, obsNames: string[], what: string): Int32Array {
  const pos = new Map<string, number>();
  ds.obs.index.forEach((id, i) => pos.set(id, i));
  const map = new Int32Array(obsNames.length).fill(-1);
  let hits = 0;
  obsNames.forEach((id, i) => {
    const j = pos.get(id);
    if (j !== undefined) {
      map[i] = j;
      hits++;
    }
  });
  if (hits === obsNames.length) return map;
  if (ds.obs.index.length === obsNames.length) return Int32Array.from({ length: obsNames.length }, (_, i) => i);
  throw new StnmfError('BAD_INPUT', `${what}: ${ds.obs.index.length} observations, ${hits} of the result's ${obsNames.length} ids found; cannot align`);
}

function subsetRows(ds: Dataset, map: Int32Array): Dataset {
  if (map.every((v, i) => v === i) && map.length === ds.X.rows) return ds;
  return { ...ds, X: selectRows(ds.X, map), obs: { index: Array.from(map, (j) => ds.obs.index[j]), columns: new Map() } };
}

async function readAnyDataset(path: string, files: Vfs): Promise<Dataset> {
  if (path.toLowerCase().endsWith('.h5ad')) return readH5ad(path, { files });
  return readDataset(path, { files });
}

function categoryColumns(cols: Map<string, Column>, map?: Int32Array): CategoryColumn[] {
  const out: CategoryColumn[] = [];
  for (const [name, c] of cols) {
    if (c.kind === 'category') out.push({ name, categories: c.categories, codes: map ? Int32Array.from(map, (j) => (j >= 0 ? c.codes[j] : -1)) : c.codes });
  }
  return out;
}

/**
 * obsm keys holding per-observation factor usages, in order of preference: NMF/hSNMF `X_nmf`,
 * SIID `X_siid` (cell x factor P), bcNMF `X_bcnmf` (target and background coefficients
 * stacked), smoothed hSNMF `X_snmf`.
 */
export const FACTOR_KEYS: string[] = [KEYS.nmf.obsm, KEYS.siid.obsm, KEYS.bcnmf.obsm, KEYS.snmf.obsm];

/** varm keys holding the matching loadings (features x factors, i.e. Hᵀ): NMF `nmf`, bcNMF `bcnmf`, SIID `siid_Q`. */
export const LOADING_KEYS: string[] = [KEYS.nmf.varm, KEYS.bcnmf.varm, KEYS.siid.varm];

/** Coordinate columns that clusters.csv-like tables carry beside the labels. */
const COORDINATE_COLUMN = /^(x|y|z)(_?(um|px|centroid|location|global_px))?$/i;

/**
 * Reads `clusters.csv`-like tables: first column ids, every other column a category, except
 * coordinate columns (x, y, x_um, ...) and columns with more distinct values than a labelling
 * has (over 1,000), which are measurements rather than categories.
 */
function readClusterCsv(folder: ResultFolder, name: string, obsNames: string[]): CategoryColumn[] {
  const path = folder.files.get(name) as string;
  const rows = parseCsvText(folderText(folder, name).trimEnd());
  if (rows.length < 2) return [];
  const [head, ...body] = rows;
  const pos = new Map<string, number>();
  obsNames.forEach((id, i) => pos.set(id, i));
  const byName = body.every((r) => pos.has(r[0]));
  if (!byName && body.length !== obsNames.length) {
    throw new StnmfError('BAD_INPUT', `${path}: ${body.length} rows whose ids do not match the result's ${obsNames.length} observations`);
  }
  const out: CategoryColumn[] = [];
  for (let c = 1; c < head.length; c++) {
    if (COORDINATE_COLUMN.test(head[c].trim())) continue;
    if (new Set(body.map((r) => r[c])).size > 1000) continue;
    const cats: string[] = [];
    const catPos = new Map<string, number>();
    const codes = new Int32Array(obsNames.length).fill(-1);
    body.forEach((r, i) => {
      const v = r[c] ?? '';
      if (v === '' || v === 'NA' || v === 'nan') return;
      let code = catPos.get(v);
      if (code === undefined) {
        code = cats.length;
        cats.push(v);
        catPos.set(v, code);
      }
      codes[byName ? (pos.get(r[0]) as number) : i] = code;
    });
    // Natural order: numeric labels by value ("2" before "10"), others alphabetically.
    const order = cats.map((_, i) => i).sort((a, b) => cats[a].localeCompare(cats[b], 'en', { numeric: true }));
    const remap = new Int32Array(cats.length);
    order.forEach((old, nw) => (remap[old] = nw));
    for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) codes[i] = remap[codes[i]];
    out.push({ name: head[c] || `column${c}`, categories: order.map((i) => cats[i]), codes });
  }
  return out;
}

/**
 * Reads a result folder (or one `.h5ad` file) into memory: `result.h5ad` when present
 * (obs names, obsm.spatial, the factor usage of {@link FACTOR_KEYS}, the loadings of
 * {@link LOADING_KEYS}, var names, X, categorical obs columns such as bcNMF's `group`,
 * `layers.imputed`), otherwise `W.npy` + `H.npy` (or bcNMF's `H_target.npy` +
 * `H_background.npy` + `basis.npy`, with a `group` category) + `barcodes.tsv`/`genes.tsv`/
 * `var_names.txt` + coordinates from `--coords`, `spatial.csv` or `coords.csv` in the folder,
 * or the `inputs` recorded in run.json. A result without coordinates loads with `x`/`y`
 * undefined; commands that need them call {@link requireCoordinates}.
 */
export async function readResult(target: string, opts: LoadOptions = {}): Promise<LoadedResult> {
  const vfs = opts.files ?? nodeVfs;
  const folder = resultFolder(target, vfs);
  const { files } = folder;
  const isFile = folder.isFile;
  const sources: Record<string, string> = {};
  const summary = isFile ? undefined : readJson(folder, 'summary.json');
  const run = isFile ? undefined : readJson(folder, 'run.json');
  const h5adPath = isFile ? (files.get(folder.name) as string) : files.get('result.h5ad');
  let h5ad: Dataset | undefined;
  if (h5adPath) {
    h5ad = await readH5ad(h5adPath, { files: vfs });
    sources.h5ad = h5adPath;
  }

  // Factor usage W.
  let W: Float32Array;
  let n: number;
  let k: number;
  /** bcNMF folders without result.h5ad: rows of H_target.npy, then of H_background.npy. */
  let groupSizes: [number, number] | undefined;
  const usageKey = FACTOR_KEYS.find((key) => h5ad?.obsm[key]);
  const matrix2d = (name: string, what: string): { rows: number; cols: number; data: Float32Array } => {
    const a = parseNpy(folder.bytes(name), files.get(name));
    if (a.shape.length !== 2) throw new StnmfError('BAD_INPUT', `${files.get(name)}: expected a 2-D array (${what}), got shape (${a.shape.join(', ')})`);
    return { rows: a.shape[0], cols: a.shape[1], data: asF32(a.data) };
  };
  if (h5ad && usageKey) {
    const m = h5ad.obsm[usageKey];
    W = asF32(m.data);
    n = m.rows;
    k = m.cols;
    sources.W = `${h5adPath}:obsm/${usageKey}`;
  } else if (files.has('W.npy')) {
    const a = matrix2d('W.npy', 'n x k');
    [n, k, W] = [a.rows, a.cols, a.data];
    sources.W = files.get('W.npy') as string;
  } else if (files.has('H_target.npy') && files.has('H_background.npy')) {
    // `stnmf contrastive` / the demo's bcNMF step: coefficients of the two groups, stacked.
    const t = matrix2d('H_target.npy', 'target observations x k');
    const b = matrix2d('H_background.npy', 'background observations x k');
    if (b.cols !== t.cols) throw new StnmfError('BAD_INPUT', `${files.get('H_background.npy')}: ${b.cols} factors, but H_target.npy has ${t.cols}`);
    n = t.rows + b.rows;
    k = t.cols;
    W = new Float32Array(n * k);
    W.set(t.data, 0);
    W.set(b.data, t.rows * k);
    groupSizes = [t.rows, b.rows];
    sources.W = `${files.get('H_target.npy')} + ${files.get('H_background.npy')}`;
  } else {
    throw new StnmfError('BAD_FILE', `${target}: no W.npy, no H_target.npy + H_background.npy and no result.h5ad with obsm ${FACTOR_KEYS.join(', ')}; nothing to show`);
  }

  // Loadings H (k x p) and feature names.
  let H: Float32Array | undefined;
  let featureNames: string[] = [];
  const hFile = files.has('H.npy') ? 'H.npy' : files.has('basis.npy') ? 'basis.npy' : undefined;
  const loadingKey = LOADING_KEYS.find((key) => h5ad?.varm[key] && h5ad.varm[key].cols === k);
  if (hFile) {
    const a = parseNpy(folder.bytes(hFile), files.get(hFile));
    if (a.shape.length !== 2 || a.shape[0] !== k) throw new StnmfError('BAD_INPUT', `${files.get(hFile)}: expected shape (${k}, p) to match W, got (${a.shape.join(', ')})`);
    H = asF32(a.data);
    sources.H = files.get(hFile) as string;
    featureNames = Array.from({ length: a.shape[1] }, (_, j) => `feature_${j + 1}`);
  } else if (h5ad && loadingKey) {
    const m = h5ad.varm[loadingKey]; // p x k (Hᵀ)
    H = new Float32Array(m.rows * m.cols);
    for (let j = 0; j < m.rows; j++) for (let f = 0; f < m.cols; f++) H[f * m.rows + j] = m.data[j * m.cols + f];
    featureNames = h5ad.var.index;
    sources.H = `${h5adPath}:varm/${loadingKey}`;
  }
  const p = H ? H.length / k : 0;
  if (h5ad && h5ad.var.index.length === p) featureNames = h5ad.var.index;
  else {
    const namesFile = ['genes.tsv', 'features.tsv', 'var_names.txt'].find((f) => files.has(f));
    if (namesFile) {
      const g = readLines(folder, namesFile);
      if (H && g.length !== p) throw new StnmfError('BAD_INPUT', `${files.get(namesFile)}: ${g.length} names but H.npy has ${p} columns`);
      featureNames = g;
    }
  }

  // Observation names.
  let obsNames: string[];
  if (h5ad && h5ad.obs.index.length === n) obsNames = h5ad.obs.index;
  else if (files.has('barcodes.tsv') || files.has('obs_names.txt')) {
    const idsFile = files.has('barcodes.tsv') ? 'barcodes.tsv' : 'obs_names.txt';
    obsNames = readLines(folder, idsFile);
    if (obsNames.length !== n) throw new StnmfError('BAD_INPUT', `${files.get(idsFile)}: ${obsNames.length} ids but W has ${n} rows`);
  } else if (groupSizes) {
    // The names result.h5ad of `stnmf contrastive` would give, with row numbers for ids.
    const [nt] = groupSizes;
    obsNames = Array.from({ length: n }, (_, i) => (i < nt ? `target:${i}` : `background:${i - nt}`));
  } else obsNames = Array.from({ length: n }, (_, i) => String(i));

  // Coordinates.
  let x: Float64Array | undefined;
  let y: Float64Array | undefined;
  let unit = 'um';
  let micronsPerUnit: number | undefined;
  const setCoords = (xs: ArrayLike<number>, ys: ArrayLike<number>, ids: string[] | undefined, from: string): void => {
    if (ids && ids.length === xs.length) {
      const pos = new Map<string, number>();
      ids.forEach((id, i) => pos.set(id, i));
      if (obsNames.every((id) => pos.has(id))) {
        x = Float64Array.from(obsNames, (id) => xs[pos.get(id) as number]);
        y = Float64Array.from(obsNames, (id) => ys[pos.get(id) as number]);
        sources.coordinates = from;
        return;
      }
    }
    if (xs.length !== n) throw new StnmfError('BAD_INPUT', `${from}: ${xs.length} coordinates for ${n} observations, and the ids do not match`);
    x = Float64Array.from(xs);
    y = Float64Array.from(ys);
    sources.coordinates = from;
  };
  if (h5ad?.obsm.spatial && h5ad.obsm.spatial.rows === n) {
    const s = h5ad.obsm.spatial;
    setCoords(
      Float64Array.from({ length: n }, (_, i) => s.data[i * s.cols]),
      Float64Array.from({ length: n }, (_, i) => s.data[i * s.cols + 1]),
      undefined,
      `${h5adPath}:obsm/spatial`,
    );
    unit = h5ad.meta.coordinateUnit ?? 'um';
    micronsPerUnit = h5ad.meta.micronsPerUnit;
  }
  const coordFile = opts.coords ?? (x ? undefined : (files.get('spatial.csv') ?? files.get('coords.csv') ?? files.get('coordinates.csv')));
  if (coordFile && !x) {
    if (/\.(h5ad|h5)$/i.test(coordFile) || vfs.stat(coordFile)?.kind === 'folder') {
      const ds = await readAnyDataset(coordFile, vfs);
      const s = ds.obsm.spatial;
      if (!s) throw new StnmfError('BAD_INPUT', `${coordFile}: has no spatial coordinates (obsm.spatial)`);
      setCoords(Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols]), Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols + 1]), ds.obs.index, coordFile);
      unit = ds.meta.coordinateUnit ?? unit;
      micronsPerUnit = ds.meta.micronsPerUnit ?? micronsPerUnit;
    } else {
      const c = await readCoordinates(coordFile, { files: vfs });
      setCoords(c.x, c.y, c.labels, coordFile);
    }
  }
  if (!x) {
    const inputs = (run?.inputs ?? {}) as Record<string, unknown>;
    const cand = [inputs.coordinates, inputs.coords, inputs.data, inputs.input].filter((v): v is string => typeof v === 'string' && vfs.stat(v) !== undefined);
    for (const c of cand) {
      try {
        if (/\.(csv|tsv|txt)(\.gz)?$/i.test(c)) {
          const t = await readCoordinates(c, { files: vfs });
          setCoords(t.x, t.y, t.labels, c);
        } else {
          const ds = await readAnyDataset(c, vfs);
          if (ds.obsm.spatial) {
            const s = ds.obsm.spatial;
            setCoords(Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols]), Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols + 1]), ds.obs.index, c);
            unit = ds.meta.coordinateUnit ?? unit;
            micronsPerUnit = ds.meta.micronsPerUnit ?? micronsPerUnit;
          }
        }
      } catch {
        // Try the next recorded input.
      }
      if (x) break;
    }
  }
  if (!x || !y) sources.coordinates = 'none';

  // Categories.
  const clusters: CategoryColumn[] = h5ad && h5ad.obs.index.length === n ? categoryColumns(h5ad.obs.columns) : [];
  if (groupSizes) {
    const [nt] = groupSizes;
    clusters.push({ name: 'group', categories: ['target', 'background'], codes: Int32Array.from({ length: n }, (_, i) => (i < nt ? 0 : 1)) });
  }
  if (files.has('clusters.csv')) {
    for (const c of readClusterCsv(folder, 'clusters.csv', obsNames)) if (!clusters.some((d) => d.name === c.name)) clusters.push(c);
  }

  // Expression for gene colouring.
  let expression: ExpressionByFeature | undefined;
  let imputed: ImputedLayer | undefined;
  const inPanel = h5ad?.var.columns.get('in_panel');
  const measured = inPanel?.kind === 'bool' && inPanel.values.length === h5ad?.X.cols ? inPanel.values : undefined;
  if (h5ad && h5ad.X.rows === n && h5ad.X.cols > 0) {
    expression = cscFromDataset(h5ad, measured);
    sources.expression = `${h5adPath}:X${measured ? ' (measured genes: var in_panel)' : ''}`;
  }
  const layer = h5ad?.layers.imputed;
  if (h5ad && layer && layer.rows === n && layer.cols === h5ad.var.index.length) {
    imputed = { names: h5ad.var.index, data: denseOf(layer), measured };
    sources.imputed = `${h5adPath}:layers/imputed`;
  }
  if (!expression && opts.data) {
    const ds = await (opts.readData ?? ((path: string) => readAnyDataset(path, vfs)))(opts.data);
    expression = cscFromDataset(subsetRows(ds, alignRows(ds, obsNames, opts.data)));
    sources.expression = opts.data;
  }
  if (featureNames.length === 0 && expression && expression.names.length === p) featureNames = expression.names;

  // A scale the run was given (--microns-per-unit) when the data carried none.
  const runScale = ((run?.parameters ?? {}) as Record<string, unknown>).micronsPerUnit;
  if (micronsPerUnit === undefined && typeof runScale === 'number' && runScale > 0) micronsPerUnit = runScale;
  // SIID: the spots proportions.csv describes, with the unit their header states.
  let spots: SpotLayout | undefined;
  const spotFile = files.get('spot_coordinates.csv');
  if (spotFile) {
    const t = await readCoordinates(spotFile, { files: vfs });
    if (!t.labels) throw new StnmfError('BAD_FILE', `${spotFile}: no spot id column (expected spot,x_um,y_um)`);
    spots = { ids: t.labels, x: t.x, y: t.y, unit: t.unitHint ?? 'unknown', source: spotFile };
    sources.spots = spotFile;
  }
  const factorNames = factorNamesOf(k);
  const samples = h5ad && h5ad.obs.index.length === n ? sampleGroups(h5ad) : undefined;
  if (samples) sources.samples = `${h5adPath}:obs/${samples.key}`;
  return { ...folder, samples, n, k, obsNames, featureNames, factorNames, x, y, unit, micronsPerUnit, W, H, clusters, expression, imputed, spots, summary, run, sources };
}

/**
 * The files of a result folder, or of one `.h5ad` file, in `files` (default the disk, where
 * `target` is resolved against the working folder): regular, non-hidden files directly in the
 * folder, by name. Reads go through `files` too.
 * @throws StnmfError('BAD_FILE') when nothing is at `target`, or it is a file but not an .h5ad
 */
export function resultFolder(target: string, files: Vfs = nodeVfs): ResultFolder {
  const abs = files === nodeVfs ? nodePath().resolve(target) : target.replace(/\/+$/, '');
  const st = files.stat(abs);
  if (!st) throw new StnmfError('BAD_FILE', `${target}: no such folder or file`);
  if (st.kind !== 'folder' && st.kind !== 'file') throw new StnmfError('BAD_FILE', `${target}: not a folder or a regular file`);
  const isFile = st.kind === 'file';
  if (isFile && !abs.toLowerCase().endsWith('.h5ad')) throw new StnmfError('BAD_FILE', `${target}: expected a result folder or an .h5ad file`);
  const name = baseName(abs);
  const root = isFile ? abs.slice(0, Math.max(0, abs.length - name.length - 1)) : abs;
  const map = new Map<string, string>();
  if (isFile) map.set(name, abs);
  else {
    for (const entry of files.readdir(root)) {
      if (entry.startsWith('.')) continue;
      const p = root === '' ? entry : `${root}/${entry}`;
      if (files.stat(p)?.kind === 'file') map.set(entry, p);
    }
  }
  return {
    name,
    root,
    files: map,
    isFile,
    bytes(file: string): Uint8Array {
      const p = map.get(file);
      if (p === undefined) throw new StnmfError('BAD_FILE', `${root}: no file ${file}`);
      return readWholeFile(p, files);
    },
  };
}

/** A layer as a dense row-major float32 array. */
function denseOf(m: { rows: number; cols: number; data: ArrayLike<number>; indptr?: Int32Array; indices?: Int32Array }): Float32Array {
  if (!m.indptr || !m.indices) return asF32(m.data as Float32Array);
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let q = m.indptr[i]; q < m.indptr[i + 1]; q++) out[i * m.cols + m.indices[q]] = m.data[q];
  return out;
}

