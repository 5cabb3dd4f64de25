/**
 * Reads a result folder written by any stnmf command (or one `.h5ad` file) back into one
 * `Dataset`, a {@link ResultDataset}: the reader `view`, `plot`, `report` and `export-vitessce`
 * share, and the one library users call to pick up a CLI result (and pass it on to any method
 * or to `writeH5ad`). Every file is read through a {@link Vfs}: the disk by default, the run's
 * files in memory in the browser app (which draws `stnmf plot`'s figures from them).
 */
// Node's path module only to resolve a disk path (node-builtins.ts, fetched at call time), so a
// browser bundle of this file loads.
import { nodePath } from './node-builtins.js';
import { nodeVfs } from './node-vfs.js';
import { baseName, type Vfs } from './vfs.js';
import { readWholeFile } from './text.js';
import { StnmfError } from '../errors.js';
import { KEYS } from '../keys.js';
import { frame, makeDataset, type CoordinateUnit, type Dataset, type NumMatrix } from '../dataset.js';
import { asResult, FACTOR_KEYS, LOADING_KEYS, type CategoryColumn, type ResultDataset, type ResultFolder, type SpotLayout } from '../result-dataset.js';
import { selectRows, type Csr } from '../linalg/csr.js';
import { parseCsvText } from '../csv-text.js';
import { parseNpy } from './npy.js';
import { readCoordinates } from './csv.js';
import { readH5ad } from './h5ad.js';
// The readers' index; it does not import this file (the package face io/entry.ts joins both).
import { readDataset } from './index.js';

export type { CategoryColumn, ExpressionByFeature, ImputedLayer, ResultDataset, ResultFolder, ResultParts, SpotLayout } from '../result-dataset.js';
export { asResult, requireCoordinates, FACTOR_KEYS, LOADING_KEYS } from '../result-dataset.js';

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

async function readAnyDataset(path: string, files: Vfs): Promise<Dataset> {
  if (path.toLowerCase().endsWith('.h5ad')) return readH5ad(path, { files });
  return readDataset(path, { files });
}

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

/** An n x p matrix with no stored values. */
function emptyCsr(rows: number, cols: number): Csr {
  return { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0), data: new Float32Array(0) };
}

/** H (k x p, row-major) as varm's p x k. */
function transposedLoadings(H: Float32Array, k: number): NumMatrix {
  const p = H.length / k;
  const data = new Float32Array(H.length);
  for (let f = 0; f < k; f++) for (let j = 0; j < p; j++) data[j * k + f] = H[f * p + j];
  return { rows: p, cols: k, data };
}

/**
 * Reads a result folder (or one `.h5ad` file) into one Dataset, a {@link ResultDataset}:
 * `result.h5ad` when present (its obs, var, X, obsm — the factor usage of {@link FACTOR_KEYS}
 * and `spatial` —, the loadings of {@link LOADING_KEYS}, categorical obs columns such as bcNMF's
 * `group`, `layers.imputed`), otherwise one built from `W.npy` + `H.npy` (or bcNMF's
 * `H_target.npy` + `H_background.npy` + `basis.npy`, with a `group` category) +
 * `barcodes.tsv`/`genes.tsv`/`var_names.txt`. Coordinates not in the h5ad come from `--coords`,
 * `spatial.csv` or `coords.csv` in the folder, or the `inputs` recorded in run.json; the
 * categories of `clusters.csv` join obs; without X, `data` (aligned by observation id) becomes
 * X. A folder's X-less result gets an X with no stored values and var `in_panel` false (nothing
 * measured). A result without coordinates loads with `x`/`y` undefined; commands that need them
 * call {@link requireCoordinates}.
 */
export async function readResult(target: string, opts: LoadOptions = {}): Promise<ResultDataset> {
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

  // Factor usage W: the h5ad's, else W.npy, else bcNMF's two coefficient files stacked.
  let usage: NumMatrix;
  /** bcNMF folders without result.h5ad: rows of H_target.npy, then of H_background.npy. */
  let groupSizes: [number, number] | undefined;
  const usageKey = FACTOR_KEYS.find((key) => h5ad?.obsm[key]);
  const matrix2d = (name: string, what: string): { rows: number; cols: number; data: Float32Array } => {
    const a = parseNpy(folder.bytes(name), files.get(name));
    if (a.shape.length !== 2) throw new StnmfError('BAD_INPUT', `${files.get(name)}: expected a 2-D array (${what}), got shape (${a.shape.join(', ')})`);
    return { rows: a.shape[0], cols: a.shape[1], data: asF32(a.data) };
  };
  if (h5ad && usageKey) {
    usage = h5ad.obsm[usageKey];
    sources.W = `${h5adPath}:obsm/${usageKey}`;
  } else if (files.has('W.npy')) {
    usage = matrix2d('W.npy', 'n x k');
    sources.W = files.get('W.npy') as string;
  } else if (files.has('H_target.npy') && files.has('H_background.npy')) {
    // `stnmf contrastive` / the demo's bcNMF step: coefficients of the two groups, stacked.
    const t = matrix2d('H_target.npy', 'target observations x k');
    const b = matrix2d('H_background.npy', 'background observations x k');
    if (b.cols !== t.cols) throw new StnmfError('BAD_INPUT', `${files.get('H_background.npy')}: ${b.cols} factors, but H_target.npy has ${t.cols}`);
    const data = new Float32Array((t.rows + b.rows) * t.cols);
    data.set(t.data, 0);
    data.set(b.data, t.rows * t.cols);
    usage = { rows: t.rows + b.rows, cols: t.cols, data };
    groupSizes = [t.rows, b.rows];
    sources.W = `${files.get('H_target.npy')} + ${files.get('H_background.npy')}`;
  } else {
    throw new StnmfError('BAD_FILE', `${target}: no W.npy, no H_target.npy + H_background.npy and no result.h5ad with obsm ${FACTOR_KEYS.join(', ')}; nothing to show`);
  }
  const n = usage.rows;
  const k = usage.cols;

  // Loadings H (k x p): H.npy/basis.npy before the h5ad's varm, whose H asResult reads.
  let loadings: { H: Float32Array; featureNames: string[] } | undefined;
  const hFile = files.has('H.npy') ? 'H.npy' : files.has('basis.npy') ? 'basis.npy' : undefined;
  const loadingKey = LOADING_KEYS.find((key) => h5ad?.varm[key] && h5ad.varm[key].cols === k);
  if (hFile) {
    const a = parseNpy(folder.bytes(hFile), files.get(hFile));
    if (a.shape.length !== 2 || a.shape[0] !== k) throw new StnmfError('BAD_INPUT', `${files.get(hFile)}: expected shape (${k}, p) to match W, got (${a.shape.join(', ')})`);
    const p = a.shape[1];
    let featureNames = Array.from({ length: p }, (_, j) => `feature_${j + 1}`);
    if (h5ad && h5ad.var.index.length === p) featureNames = h5ad.var.index;
    else {
      const namesFile = ['genes.tsv', 'features.tsv', 'var_names.txt'].find((f) => files.has(f));
      if (namesFile) {
        const g = readLines(folder, namesFile);
        if (g.length !== p) throw new StnmfError('BAD_INPUT', `${files.get(namesFile)}: ${g.length} names but H.npy has ${p} columns`);
        featureNames = g;
      }
    }
    loadings = { H: asF32(a.data), featureNames };
    sources.H = files.get(hFile) as string;
  } else if (h5ad && loadingKey) sources.H = `${h5adPath}:varm/${loadingKey}`;

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

  // The Dataset: the h5ad's when its observations are W's rows (copied maps, so the file's
  // Dataset is not changed), else one built from the folder's files.
  const ds: Dataset =
    h5ad && h5ad.obs.index.length === n
      ? { ...h5ad, obs: { index: h5ad.obs.index, columns: new Map(h5ad.obs.columns) }, var: { index: h5ad.var.index, columns: new Map(h5ad.var.columns) }, obsm: { ...h5ad.obsm }, varm: { ...h5ad.varm }, meta: { ...h5ad.meta } }
      : makeDataset(emptyCsr(n, 0), obsNames, [], { platform: 'stnmf-result', source: folder.root || target });
  if (!usageKey) ds.obsm[groupSizes ? KEYS.bcnmf.obsm : KEYS.nmf.obsm] = usage;
  if (groupSizes && ds.obs.columns.get('group')?.kind !== 'category') {
    const [nt] = groupSizes;
    ds.obs.columns.set('group', { kind: 'category', categories: ['target', 'background'], codes: Int32Array.from({ length: n }, (_, i) => (i < nt ? 0 : 1)) });
  }

  // Coordinates, as obsm.spatial.
  let unit = 'um';
  let micronsPerUnit: number | undefined;
  const hasCoords = (): boolean => ds.obsm.spatial?.rows === n;
  const setCoords = (xs: ArrayLike<number>, ys: ArrayLike<number>, ids: string[] | undefined, from: string): void => {
    const spatial = new Float64Array(2 * n);
    if (ids && ids.length === xs.length) {
      const pos = new Map<string, number>();
      ids.forEach((id, i) => pos.set(id, i));
      if (obsNames.every((id) => pos.has(id))) {
        obsNames.forEach((id, i) => {
          const j = pos.get(id) as number;
          spatial[2 * i] = xs[j];
          spatial[2 * i + 1] = ys[j];
        });
        ds.obsm.spatial = { rows: n, cols: 2, data: spatial };
        sources.coordinates = from;
        return;
      }
    }
    if (xs.length !== n) throw new StnmfError('BAD_INPUT', `${from}: ${xs.length} coordinates for ${n} observations, and the ids do not match`);
    for (let i = 0; i < n; i++) {
      spatial[2 * i] = xs[i];
      spatial[2 * i + 1] = ys[i];
    }
    ds.obsm.spatial = { rows: n, cols: 2, data: spatial };
    sources.coordinates = from;
  };
  const setCoordsOf = (other: Dataset, from: string): void => {
    const s = other.obsm.spatial as NumMatrix;
    setCoords(Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols]), Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols + 1]), other.obs.index, from);
    unit = other.meta.coordinateUnit ?? unit;
    micronsPerUnit = other.meta.micronsPerUnit ?? micronsPerUnit;
  };
  if (hasCoords()) {
    sources.coordinates = `${h5adPath}:obsm/spatial`;
    unit = ds.meta.coordinateUnit ?? 'um';
    micronsPerUnit = ds.meta.micronsPerUnit;
  } else delete ds.obsm.spatial;
  const coordFile = opts.coords ?? (hasCoords() ? undefined : (files.get('spatial.csv') ?? files.get('coords.csv') ?? files.get('coordinates.csv')));
  if (coordFile && !hasCoords()) {
    if (/\.(h5ad|h5)$/i.test(coordFile) || vfs.stat(coordFile)?.kind === 'folder') {
      const other = await readAnyDataset(coordFile, vfs);
      if (!other.obsm.spatial) throw new StnmfError('BAD_INPUT', `${coordFile}: has no spatial coordinates (obsm.spatial)`);
      setCoordsOf(other, coordFile);
    } else {
      const c = await readCoordinates(coordFile, { files: vfs });
      setCoords(c.x, c.y, c.labels, coordFile);
    }
  }
  if (!hasCoords()) {
    const inputs = (run?.inputs ?? {}) as Record<string, unknown>;
    const cand = [inputs.coordinates, inputs.coords, inputs.data, inputs.input].filter((v): v is string => typeof v === 'string' && vfs.stat(v) !== undefined);
    for (const c of cand) {
      try {
        if (/\.(csv|tsv|txt)(\.gz)?$/i.test(c)) {
          const t = await readCoordinates(c, { files: vfs });
          setCoords(t.x, t.y, t.labels, c);
        } else {
          const other = await readAnyDataset(c, vfs);
          if (other.obsm.spatial) setCoordsOf(other, c);
        }
      } catch {
        // Try the next recorded input.
      }
      if (hasCoords()) break;
    }
  }
  if (!hasCoords()) sources.coordinates = 'none';
  // A scale the run was given (--microns-per-unit) when the data carried none.
  const runScale = ((run?.parameters ?? {}) as Record<string, unknown>).micronsPerUnit;
  if (micronsPerUnit === undefined && typeof runScale === 'number' && runScale > 0) micronsPerUnit = runScale;
  ds.meta.coordinateUnit = unit as CoordinateUnit;
  ds.meta.micronsPerUnit = micronsPerUnit;

  // The categories of clusters.csv join obs (a categorical column of the same name wins).
  if (files.has('clusters.csv')) {
    for (const c of readClusterCsv(folder, 'clusters.csv', obsNames)) {
      if (ds.obs.columns.get(c.name)?.kind !== 'category') ds.obs.columns.set(c.name, { kind: 'category', categories: c.categories, codes: c.codes });
    }
  }

  // Expression for gene colouring: the h5ad's X, else `data` aligned to the observations.
  if (ds.X.cols > 0) sources.expression = `${h5adPath}:X${ds.var.columns.get('in_panel')?.kind === 'bool' ? ' (measured genes: var in_panel)' : ''}`;
  else if (opts.data) {
    const other = await (opts.readData ?? ((path: string) => readAnyDataset(path, vfs)))(opts.data);
    const rows = alignRows(other, obsNames, opts.data);
    ds.X = rows.every((v, i) => v === i) && rows.length === other.X.rows ? other.X : selectRows(other.X, rows);
    ds.var = other.var;
    sources.expression = opts.data;
  }
  // A folder's H.npy is also the Dataset's varm when its features are var (or there is no X).
  if (loadings && !loadingKey) {
    const names = loadings.featureNames;
    if (ds.var.index.length === 0) {
      ds.X = emptyCsr(n, names.length);
      ds.var = frame(names, { in_panel: { kind: 'bool', values: new Uint8Array(names.length) } });
    }
    if (ds.var.index.length === names.length && ds.var.index.every((g, j) => g === names[j])) ds.varm[hFile === 'basis.npy' ? KEYS.bcnmf.varm : KEYS.nmf.varm] = transposedLoadings(loadings.H, k);
  }

  // SIID: the spots proportions.csv describes, with the unit their header states.
  let spots: SpotLayout | undefined;
  const spotFile = files.get('spot_coordinates.csv');
  if (spotFile) {
    const t = await readCoordinates(spotFile, { files: vfs });
    if (!t.labels) throw new StnmfError('BAD_FILE', `${spotFile}: no spot id column (expected spot,x_um,y_um)`);
    spots = { ids: t.labels, x: t.x, y: t.y, unit: t.unitHint ?? 'unknown', source: spotFile };
    sources.spots = spotFile;
  }
  if (ds.meta.sampleKey !== undefined) sources.samples = `${h5adPath}:obs/${ds.meta.sampleKey}`;
  return asResult(ds, { folder, spots, summary, run, sources, loadings });
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
