/**
 * Visium Space Ranger output folders (formats.md §1.3) and Visium HD bin folders (§1.4).
 *
 * Matrix: `filtered_feature_bc_matrix.h5`, else the MEX folder of the same name (raw_* on
 * request). Positions: `tissue_positions_list.csv` (Space Ranger 1.x, no header),
 * `tissue_positions.csv` (>= 2.0, header) or `tissue_positions.parquet` (HD); the header is
 * detected by the first field being `barcode` (squidpy's rule), never by file name. Coordinates:
 * `obsm.spatial` = [pxl_col_in_fullres, pxl_row_in_fullres] (x = image column, as scanpy and
 * squidpy store it) in full-resolution pixels, with µm per pixel from `microns_per_pixel` or
 * 55 µm / `spot_diameter_fullres`; `coordinates: 'um'` converts to µm instead.
 */
import { nodeVfs } from './node-vfs.js';
import { basename, join } from './paths.js';
import { exists, isFolder, type FileSource, type Vfs } from './vfs.js';
import type { Column, Dataset } from '../dataset.js';
import { selectRows } from '../linalg/csr.js';
import { findMexFiles, readMex } from './mex.js';
import { readParquetColumns } from './parquet.js';
import { readTenxH5 } from './tenx-h5.js';
import { forEachRecord, readTextFile } from './text.js';
import { scaleFromVisiumArray } from './units.js';
import { badFile, badInput, matchIds, q, takeFrame } from './util.js';

/** Options of {@link readVisium}. */
export interface VisiumOptions extends FileSource {
  /** `filtered` (default) or `raw` matrix. */
  matrix?: 'filtered' | 'raw';
  /** Drop spots with in_tissue = 0 (default true; only matters for raw matrices). */
  inTissueOnly?: boolean;
  /** `px` (default, full-resolution pixels as scanpy) or `um`. */
  coordinates?: 'px' | 'um';
  /** Keep only Gene Expression features (default true). */
  gexOnly?: boolean;
}

/**
 * The diameter `spot_diameter_fullres` spans: Space Ranger defines it as "a theoretical 65 µm
 * spot" (the physical spots are 55 µm). 55 µm made distances 1.18x short; the lattice fit below
 * (100 µm pitch) gives 0.7264 µm/px on visium-mouse-brain-seurat, = 65 / 89.47.
 */
const SPOT_DIAMETER_FULLRES_UM = 65;

/** The Space Ranger `outs` folder inside `dir` (dir itself, or dir/outs), or undefined. */
export function findVisiumRoot(dir: string, vfs: Vfs = nodeVfs): string | undefined {
  for (const d of [dir, join(dir, 'outs')]) {
    if (!isFolder(vfs, join(d, 'spatial'))) continue;
    if (positionsFile(d, vfs) && matrixSource(d, 'filtered', vfs)) return d;
  }
  return undefined;
}

function positionsFile(root: string, vfs: Vfs): string | undefined {
  return ['tissue_positions.parquet', 'tissue_positions.csv', 'tissue_positions_list.csv']
    .map((n) => join(root, 'spatial', n))
    .find((p) => exists(vfs, p));
}

function matrixSource(root: string, which: 'filtered' | 'raw', vfs: Vfs): { path: string; kind: 'h5' | 'mex' } | undefined {
  const h5 = join(root, `${which}_feature_bc_matrix.h5`);
  if (exists(vfs, h5)) return { path: h5, kind: 'h5' };
  const mex = join(root, `${which}_feature_bc_matrix`);
  if (findMexFiles(mex, undefined, vfs)) return { path: mex, kind: 'mex' };
  return undefined;
}

interface Positions {
  barcode: string[];
  inTissue: Int32Array;
  arrayRow: Int32Array;
  arrayCol: Int32Array;
  pxlRow: Float64Array;
  pxlCol: Float64Array;
}

const POS_COLUMNS = ['barcode', 'in_tissue', 'array_row', 'array_col', 'pxl_row_in_fullres', 'pxl_col_in_fullres'];

/** Reads any of the three positions variants. */
export async function readTissuePositions(path: string, vfs: Vfs = nodeVfs): Promise<Positions> {
  if (path.endsWith('.parquet')) {
    const cols = await readParquetColumns(path, vfs);
    for (const c of POS_COLUMNS) if (!cols.has(c)) throw badFile(path, `missing column '${c}' (columns: ${[...cols.keys()].join(', ')})`);
    const dec = new TextDecoder();
    const num = (c: string) => Float64Array.from(cols.get(c)!, Number);
    return {
      barcode: cols.get('barcode')!.map((v) => (v instanceof Uint8Array ? dec.decode(v) : String(v))),
      inTissue: Int32Array.from(num('in_tissue')),
      arrayRow: Int32Array.from(num('array_row')),
      arrayCol: Int32Array.from(num('array_col')),
      pxlRow: num('pxl_row_in_fullres'),
      pxlCol: num('pxl_col_in_fullres'),
    };
  }
  const rows: string[][] = [];
  let order = [0, 1, 2, 3, 4, 5];
  await forEachRecord(path, (f, rec, lineNo) => {
    if (rec === 1 && f[0].trim() === 'barcode') {
      order = POS_COLUMNS.map((c) => f.indexOf(c));
      const missing = POS_COLUMNS.filter((_, k) => order[k] < 0);
      if (missing.length > 0) throw badFile(path, `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} in header`);
      return;
    }
    if (f.length < 6) throw badFile(path, `line ${lineNo}: expected 6 columns (${POS_COLUMNS.join(', ')}), found ${f.length}`);
    rows.push(f);
  }, { files: vfs });
  const n = rows.length;
  const p: Positions = {
    barcode: new Array<string>(n),
    inTissue: new Int32Array(n),
    arrayRow: new Int32Array(n),
    arrayCol: new Int32Array(n),
    pxlRow: new Float64Array(n),
    pxlCol: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    p.barcode[i] = r[order[0]];
    const vals = [1, 2, 3, 4, 5].map((k) => Number(r[order[k]]));
    if (vals.some((v) => !Number.isFinite(v))) throw badInput(path, `row ${i + 1}: expected numbers in columns 2-6, found ${q(r.join(','))}`);
    [p.inTissue[i], p.arrayRow[i], p.arrayCol[i], p.pxlRow[i], p.pxlCol[i]] = vals;
  }
  return p;
}

/**
 * Reads a Space Ranger output folder (the folder holding `spatial/`, or its parent with `outs/`).
 * obs gets `in_tissue`, `array_row`, `array_col`; `uns.spatial[library_id]` gets the scale
 * factors and metadata (scanpy layout, without images).
 */
export async function readVisium(dir: string, opts: VisiumOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const root = findVisiumRoot(dir, vfs) ?? dir;
  const which = opts.matrix ?? 'filtered';
  const src = matrixSource(root, which, vfs);
  if (!src) throw badFile(dir, `not a Space Ranger folder: no ${which}_feature_bc_matrix.h5 or ${which}_feature_bc_matrix/ next to spatial/`);
  const posPath = positionsFile(root, vfs);
  if (!posPath) throw badFile(join(root, 'spatial'), 'missing tissue_positions.csv, tissue_positions_list.csv or tissue_positions.parquet');
  let d = src.kind === 'h5' ? await readTenxH5(src.path, { gexOnly: opts.gexOnly, files: vfs }) : await readMex(src.path, { gexOnly: opts.gexOnly, files: vfs });
  const pos = await readTissuePositions(posPath, vfs);
  const n = d.obs.index.length;
  const { map, missing, first } = matchIds(d.obs.index, pos.barcode);
  if (missing > 0) throw badInput(posPath, `${missing} of ${n} barcodes of ${src.path} are absent from this positions file (first: ${q(first)})`);

  const sfPath = join(root, 'spatial', 'scalefactors_json.json');
  let scalefactors: Record<string, number> = {};
  if (exists(vfs, sfPath)) {
    try {
      scalefactors = JSON.parse(readTextFile(sfPath, vfs));
    } catch {
      throw badFile(sfPath, 'not valid JSON');
    }
  }
  // µm per pixel: stated (HD), else the array lattice's 100 µm pitch, else the spot diameter.
  const allXY = new Float64Array(2 * pos.barcode.length);
  for (let i = 0; i < pos.barcode.length; i++) (allXY[2 * i] = pos.pxlCol[i]), (allXY[2 * i + 1] = pos.pxlRow[i]);
  const umPerPx =
    typeof scalefactors.microns_per_pixel === 'number'
      ? scalefactors.microns_per_pixel
      : scaleFromVisiumArray(allXY, pos.arrayRow, pos.arrayCol) ??
        (typeof scalefactors.spot_diameter_fullres === 'number' && scalefactors.spot_diameter_fullres > 0
          ? SPOT_DIAMETER_FULLRES_UM / scalefactors.spot_diameter_fullres
          : undefined);
  const toUm = opts.coordinates === 'um';
  if (toUm && umPerPx === undefined) throw badFile(sfPath, "cannot convert to µm: no 'microns_per_pixel' or 'spot_diameter_fullres'");
  const f = toUm ? umPerPx! : 1;
  const xy = new Float64Array(2 * n);
  const cols: Record<string, Column> = {
    in_tissue: { kind: 'number', values: new Int32Array(n) },
    array_row: { kind: 'number', values: new Int32Array(n) },
    array_col: { kind: 'number', values: new Int32Array(n) },
  };
  for (let i = 0; i < n; i++) {
    const k = map[i];
    xy[2 * i] = pos.pxlCol[k] * f;
    xy[2 * i + 1] = pos.pxlRow[k] * f;
    (cols.in_tissue as { values: Int32Array }).values[i] = pos.inTissue[k];
    (cols.array_row as { values: Int32Array }).values[i] = pos.arrayRow[k];
    (cols.array_col as { values: Int32Array }).values[i] = pos.arrayCol[k];
  }
  for (const [k, c] of Object.entries(cols)) d.obs.columns.set(k, c);
  d.obsm.spatial = { rows: n, cols: 2, data: xy };

  const attrs = (d.uns.tenx_attrs ?? {}) as Record<string, unknown>;
  const libIds = attrs.library_ids;
  const lib = Array.isArray(libIds) && typeof libIds[0] === 'string' ? libIds[0] : basename(root === dir ? dir : join(dir));
  const metadata: Record<string, unknown> = {};
  for (const k of ['chemistry_description', 'software_version']) if (attrs[k] !== undefined) metadata[k] = attrs[k];
  d.uns.spatial = { [lib]: { scalefactors, metadata } };
  d.meta.platform = 'visium';
  d.meta.source = dir;
  d.meta.coordinateUnit = toUm ? 'um' : 'px_fullres';
  if (umPerPx !== undefined) d.meta.micronsPerUnit = toUm ? 1 : umPerPx;

  if (opts.inTissueOnly ?? true) {
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (pos.inTissue[map[i]] === 1) keep.push(i);
    if (keep.length < n) d = dropObs(d, keep, 'in_tissue == 0', 'spots outside the tissue (in_tissue = 0 in the positions file)');
  }
  return d;
}

/** Keeps observations `keep` (in order), recording the rest in meta.filtered. */
export function dropObs(d: Dataset, keep: number[], what: string, why: string): Dataset {
  const n = d.X.rows;
  const obsm: Dataset['obsm'] = {};
  for (const [k, m] of Object.entries(d.obsm)) {
    const out = new (m.data.constructor as { new (n: number): Float64Array | Float32Array })(keep.length * m.cols);
    keep.forEach((i, r) => out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols));
    obsm[k] = { rows: keep.length, cols: m.cols, data: out };
  }
  return {
    ...d,
    X: selectRows(d.X, keep),
    obs: takeFrame(d.obs, keep),
    obsm,
    obsp: {},
    layers: {},
    meta: { ...d.meta, filtered: [...d.meta.filtered, { axis: 'observations', what, count: n - keep.length, why }] },
  };
}

/** Bin folders of a Visium HD run (`binned_outputs/square_XXXum`), smallest bin first. */
export function findVisiumHdBins(dir: string, vfs: Vfs = nodeVfs): { binUm: number; path: string }[] {
  const roots = [join(dir, 'binned_outputs'), join(dir, 'outs', 'binned_outputs')];
  for (const r of roots) {
    if (!exists(vfs, r)) continue;
    return vfs.readdir(r)
      .map((n) => ({ n, m: /^square_(\d+)um$/.exec(n) }))
      .filter((x) => x.m)
      .map((x) => ({ binUm: Number(x.m![1]), path: join(r, x.n) }))
      .sort((a, b) => a.binUm - b.binUm);
  }
  return [];
}

/**
 * Reads one bin size of a Visium HD run (default 8 µm when present, else the smallest above
 * 2 µm, since 2 µm bins are tens of millions of rows). Coordinates default to µm here because
 * `microns_per_pixel` is always present in HD scale factors.
 */
export async function readVisiumHd(dir: string, opts: VisiumOptions & { binSize?: number } = {}): Promise<Dataset> {
  const bins = findVisiumHdBins(dir, opts.files);
  if (bins.length === 0) {
    if (/square_\d+um\/?$/.test(dir)) return tagHd(await readVisium(dir, { ...opts, coordinates: opts.coordinates ?? 'um' }), dir);
    throw badFile(dir, 'not a Visium HD folder: no binned_outputs/square_XXXum');
  }
  const want = opts.binSize ?? (bins.some((b) => b.binUm === 8) ? 8 : (bins.find((b) => b.binUm > 2) ?? bins[0]).binUm);
  const bin = bins.find((b) => b.binUm === want);
  if (!bin) throw badFile(dir, `no square_${String(want).padStart(3, '0')}um bin folder (have ${bins.map((b) => b.binUm + ' µm').join(', ')})`);
  const d = await readVisium(bin.path, { ...opts, coordinates: opts.coordinates ?? 'um' });
  d.uns.visium_hd = { bin_size_um: bin.binUm, available_bins_um: bins.map((b) => b.binUm) };
  return tagHd(d, dir);
}

function tagHd(d: Dataset, dir: string): Dataset {
  d.meta.platform = 'visium-hd';
  d.meta.source = dir;
  return d;
}
