/**
 * Generic delimited text (CSV/TSV, optionally gzip): count or intensity matrices in either
 * orientation, coordinate tables, annotation tables; and the CSV writer.
 *
 * Matrices are parsed record by record into a growing CSR, so the file is never one string
 * (a 1 GB CSV costs its parsed non-zeros plus one 1 MB chunk).
 */
import { StnmfError } from '../errors.js';
import type { Column, CoordinateUnit, Dataset, Frame, NumMatrix } from '../dataset.js';
import { csvField } from '../csv-text.js';
import { makeDataset } from '../dataset.js';
import type { Csr } from '../linalg/csr.js';
import { transposeCsr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { openAtomic, type WriteOptions } from './atomic.js';
import { basename } from './paths.js';
import type { FileSource, Vfs } from './vfs.js';
import type { Orientation } from './input-options.js';
import { decideOrientation, OBS_ID_HEADER, VAR_ID_HEADER } from './orientation.js';
import { forEachRecord, isNumeric, num, readSmallTable, unquote, type Delimiter } from './text.js';
import { badFile, badInput, CsrBuilder, matchIds, q, requireUnique, takeColumn } from './util.js';

/** A parsed numeric table, rows as in the file. */
export interface MatrixTable {
  rowNames: string[] | undefined;
  colNames: string[] | undefined;
  X: Csr;
  /** Every value is a whole number. */
  integer: boolean;
  /** Smallest value seen (0 when all stored values are positive). */
  min: number;
  delimiter: Delimiter;
  /** Header text of the label column (`''` for an empty corner or R layout), when there is one. */
  idHeader?: string;
  /**
   * Columns kept out of X, by header (one string per row): named per-row attributes (x/y,
   * in_tissue, array_row, ...) and columns holding text. Only read with a header.
   */
  side: Map<string, string[]>;
}

/** Options of {@link readMatrixTable}. */
export interface MatrixTableOptions extends FileSource {
  delimiter?: Delimiter;
  /** Whether the first record is a header; default: detected (non-numeric fields or an empty corner). */
  header?: boolean;
  /** Whether the first column holds row labels; default: detected (non-numeric first field, or an id header such as `cell_id`). */
  rowNames?: boolean;
  /** Keep every column in X, even named attributes and text columns (default false). */
  noSideColumns?: boolean;
}

/** Header texts that mark the first column as ids whatever its values (pandas `Unnamed: 0`, R `X`, `index`). */
const ID_HEADER = /^(unnamed: ?0|index|rownames|row\.names|x1|\.\.\.1)$/i;
/** Per-observation attributes that are never features, recognised in a matrix header. */
const OBS_ATTRIBUTE = /^(in_tissue|array_row|array_col|fov|z|cell_area|nucleus_area|area|cell_size|total_counts|transcript_counts|n_counts|n_genes|n_genes_by_counts|ncount_rna|nfeature_rna|numi|leiden|louvain|seurat_clusters|sample|batch|slice|region)$/i;

/** Index of the x and y columns named in a header, or undefined (both or neither). */
function namedXY(h: string[], strict: boolean): [number, number] | undefined {
  const xr = strict ? MATRIX_X_NAMES : X_NAMES;
  const yr = strict ? MATRIX_Y_NAMES : Y_NAMES;
  const xi = h.findIndex((n) => xr.test(n));
  const yi = h.findIndex((n) => yr.test(n));
  return xi >= 0 && yi >= 0 ? [xi, yi] : undefined;
}

/**
 * Streams a numeric matrix table. Header and row-label column are detected unless given; an R
 * style header with one field fewer than the data rows (no corner cell) is accepted; a first
 * header cell naming ids (`cell_id`, `barcode`, `gene`, `Unnamed: 0`, ...) marks the label
 * column even when the ids are integers (pandas `to_csv`). Named per-row attributes (x/y
 * columns, in_tissue, array_row, ...) and text columns are kept out of X in `side`, so a
 * coordinate column is never read as counts. Row labels in single or double quotes are unquoted.
 */
export async function readMatrixTable(path: string, opts: MatrixTableOptions = {}): Promise<MatrixTable> {
  const vfs = opts.files;
  // Pre-scan: the header and a few records decide the layout before the stream.
  const head: string[][] = [];
  await forEachRecord(path, (f) => head.push(f) < 20, { delimiter: opts.delimiter, files: vfs });
  const f0 = head[0];
  const isHeader = opts.header ?? (f0[0] === '' || f0.slice(1).some((s) => s !== '' && !isNumeric(s)) || (f0.length === 1 && !isNumeric(f0[0])));
  const header = isHeader ? f0.map(unquote) : undefined;
  const data0 = isHeader ? head[1] : head[0];
  if (!data0) throw badFile(path, header ? 'header only, no data rows' : 'no data rows');
  const rLayout = header !== undefined && header.length === data0.length - 1; // R: no corner cell
  let hasLabels = opts.rowNames;
  if (hasLabels === undefined) {
    hasLabels =
      !isNumeric(data0[0]) ||
      rLayout ||
      (header !== undefined && (header[0] === '' || ID_HEADER.test(header[0]) || OBS_ID_HEADER.test(header[0]) || VAR_ID_HEADER.test(header[0])));
  }
  const first = hasLabels ? 1 : 0;
  const fieldCount = data0.length;
  // Header name of each record field (R layout: the header lacks the label column's cell).
  const fieldName = (j: number): string | undefined => (header ? (rLayout ? header[j - 1] : header[j]) : undefined);
  const sideIdx: number[] = [];
  if (header && !opts.noSideColumns) {
    const names = Array.from({ length: fieldCount }, (_, j) => (j < first ? '' : fieldName(j) ?? ''));
    const xy = namedXY(names, true);
    for (let j = first; j < fieldCount; j++) {
      const n = names[j];
      // A text column: every scanned row non-numeric (one odd value is a data error, reported as such).
      const rows = head.slice(isHeader ? 1 : 0);
      const text = rows.length >= 3 && rows.every((r) => r[j] !== undefined && r[j] !== '' && r[j] !== 'NA' && !isNumeric(r[j]));
      if ((xy && (j === xy[0] || j === xy[1])) || OBS_ATTRIBUTE.test(n) || text) sideIdx.push(j);
    }
  }
  const isSide = new Uint8Array(fieldCount);
  for (const j of sideIdx) isSide[j] = 1;
  const valueIdx: number[] = [];
  for (let j = first; j < fieldCount; j++) if (!isSide[j]) valueIdx.push(j);
  const width = valueIdx.length;
  const side = new Map<string, string[]>(sideIdx.map((j) => [fieldName(j) ?? String(j), []]));
  const sideCols = sideIdx.map((j) => side.get(fieldName(j) ?? String(j))!);

  const b = new CsrBuilder();
  let rowNames: string[] | undefined;
  let integer = true;
  let min = 0;
  const res = await forEachRecord(
    path,
    (f, rec, lineNo) => {
      if (rec === 1 && isHeader) return;
      if (f.length !== fieldCount) {
        // A trailing delimiter yields one empty extra field; tolerate it.
        if (!(f.length === fieldCount + 1 && f[f.length - 1] === '')) {
          throw badFile(path, `line ${lineNo}: expected ${fieldCount} fields, found ${f.length}`);
        }
      }
      if (hasLabels) (rowNames ??= []).push(unquote(f[0]));
      for (let k = 0; k < width; k++) {
        const s = f[valueIdx[k]];
        const v = num(s);
        if (v !== v) {
          const col = fieldName(valueIdx[k]) ?? `${valueIdx[k] + 1}`;
          throw badInput(path, `line ${lineNo}, column ${q(col)}: expected a number, found ${q(s)}`);
        }
        if (v !== 0) {
          b.push(k, v);
          if (integer && v !== Math.round(v)) integer = false;
          if (v < min) min = v;
        }
      }
      for (let k = 0; k < sideIdx.length; k++) sideCols[k].push(unquote(f[sideIdx[k]] ?? ''));
      b.endRow();
    },
    { delimiter: opts.delimiter, files: vfs },
  );
  let colNames: string[] | undefined;
  if (header) {
    const expected = rLayout ? fieldCount - 1 : fieldCount;
    const trailing = header.length === expected + 1 && header[header.length - 1] === '';
    if (header.length !== expected && !trailing) {
      throw badFile(path, `header has ${header.length} fields but data rows have ${fieldCount - first} values${hasLabels ? ' plus a label' : ''}`);
    }
    colNames = valueIdx.map((j) => fieldName(j)!);
  }
  const idHeader = hasLabels && header ? (rLayout ? '' : header[0]) : undefined;
  return { rowNames, colNames, X: b.build(width), integer, min, delimiter: res.delimiter, idHeader, side };
}

/** A coordinate table: optional labels, x and y, and any further columns. */
export interface CoordTable {
  labels: string[] | undefined;
  x: Float64Array;
  y: Float64Array;
  /** Columns that were not used as label, x or y (numbers when every value parses). */
  extra: Map<string, Column>;
  xName: string;
  yName: string;
  /** Unit stated by the column names (`x_um`, `pxl_col_in_fullres`, `x_global_px`), else undefined. */
  unitHint?: CoordinateUnit;
}

const LABEL_NAMES = /^(|barcode|barcodes|spot|spots|cell|cells|cell_id|cellid|cell_ids|cell_name|id|object|entityid|index|bead|beads|name|unnamed: ?0)$/i;
const X_CORE = 'x|xcoord|x_coord|x_centroid|center_x|centroid_x|centerx|imagecol|pxl_col_in_fullres|global_x|x_global_px|centerx_global_px|x_location|pos_x|coord_x|sdimx|x_um|x_px|spatial_x|x_position';
const Y_CORE = 'y|ycoord|y_coord|y_centroid|center_y|centroid_y|centery|imagerow|pxl_row_in_fullres|global_y|y_global_px|centery_global_px|y_location|pos_y|coord_y|sdimy|y_um|y_px|spatial_y|y_position';
const X_NAMES = new RegExp(`^(${X_CORE}|col)$`, 'i');
const Y_NAMES = new RegExp(`^(${Y_CORE}|row)$`, 'i');
// In a count matrix header a bare `row`/`col` could be anything; only the specific names count.
const MATRIX_X_NAMES = new RegExp(`^(${X_CORE})$`, 'i');
const MATRIX_Y_NAMES = new RegExp(`^(${Y_CORE})$`, 'i');

/** The unit a coordinate column's name states (`_um`, `µm`, `micron` → um; `px`, `pxl`, `pixel`, `image` → px). */
export function unitFromColumnName(name: string): CoordinateUnit | undefined {
  if (/(^|_)um$|µm|micron/i.test(name)) return 'um';
  if (/(^|_)px$|_px_|pxl|pixel|^image(col|row)$/i.test(name)) return 'px';
  return undefined;
}

/**
 * Reads a coordinates table. Columns are chosen by name when there is a header (label:
 * `barcode`, `spot`, `cell_id`, empty corner...; x: `x`, `x_centroid`, `sdimx`, `center_x`,
 * `imagecol`, `pxl_col_in_fullres`...). Without a name match, x and y are taken by position only
 * when they are the only two numeric columns: a header-less Space Ranger positions list
 * (barcode, in_tissue, array_row, array_col, pxl_row, pxl_col) is recognised as such, and any
 * other table with more numeric columns is refused rather than reading `in_tissue`/`array_row`
 * as x/y. Coordinates may be negative or zero. Repeated labels are an error.
 */
export async function readCoordinates(path: string, opts: { delimiter?: Delimiter; x?: string; y?: string; label?: string; files?: Vfs } = {}): Promise<CoordTable> {
  const vfs = opts.files;
  const first = await readSmallTable(path, { delimiter: opts.delimiter, header: false, files: vfs });
  const rows0 = first.rows;
  if (rows0.length === 0) throw badFile(path, 'no rows');
  const r0 = rows0[0];
  // Header when the first row has more non-numeric fields than the second (or an empty corner).
  const nonNum = (r: string[]) => r.filter((s) => !isNumeric(s)).length;
  const isHeader = r0[0] === '' || (rows0.length > 1 ? nonNum(r0) > nonNum(rows0[1]) : nonNum(r0) === r0.length);
  let header = isHeader ? r0.map(unquote) : undefined;
  const rows = header ? rows0.slice(1) : rows0;
  if (rows.length === 0) throw badFile(path, 'header only, no rows');
  // A loop, not Math.max(...rows): a spread of 300,000 rows overflows the call stack.
  let ncol = 0;
  for (const r of rows) if (r.length > ncol) ncol = r.length;
  // R's write.csv header lacks the row-name column's cell.
  if (header && header.length === ncol - 1) header = [''].concat(header);
  const numericCol = (j: number) => rows.every((r) => r[j] !== undefined && isNumeric(r[j]));
  let names = header ?? Array.from({ length: ncol }, (_, i) => `column_${i + 1}`);
  let unitHint: CoordinateUnit | undefined;
  if (!header && ncol === 6 && !numericCol(0) && [1, 2, 3, 4, 5].every(numericCol) && rows.every((r) => r[1] === '0' || r[1] === '1')) {
    // Space Ranger < 2.0 tissue_positions_list.csv (formats.md §1.3).
    names = ['barcode', 'in_tissue', 'array_row', 'array_col', 'pxl_row_in_fullres', 'pxl_col_in_fullres'];
    header = names;
  }
  const find = (re: RegExp, given?: string) => {
    if (given !== undefined) {
      const j = names.indexOf(given);
      if (j < 0) throw badFile(path, `missing column ${q(given)} (columns: ${names.join(', ')})`);
      return j;
    }
    return header ? names.findIndex((n) => re.test(n)) : -1;
  };
  let li = find(LABEL_NAMES, opts.label);
  if (li < 0 && !numericCol(0)) li = 0;
  let xi = find(X_NAMES, opts.x);
  let yi = find(Y_NAMES, opts.y);
  if (xi < 0 || yi < 0) {
    if (header && (opts.x !== undefined || opts.y !== undefined)) throw badFile(path, `missing x/y columns`);
    const numeric = [];
    for (let j = 0; j < ncol; j++) if (j !== li && numericCol(j)) numeric.push(j);
    if (numeric.length < 2) {
      throw badFile(path, `missing columns: expected x and y coordinates (by name or two numeric columns), found columns ${names.join(', ')}`);
    }
    if (numeric.length > 2) {
      throw badFile(path, `cannot tell which columns hold x and y: ${numeric.length} numeric columns (${numeric.map((j) => names[j]).join(', ')}) and none named x/y, x_centroid/y_centroid, sdimx/sdimy, pxl_col_in_fullres/pxl_row_in_fullres...; rename the coordinate columns x and y`);
    }
    [xi, yi] = [numeric[0], numeric[1]];
  } else unitHint = unitFromColumnName(names[xi]) ?? unitFromColumnName(names[yi]);
  const n = rows.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = num(rows[i][xi] ?? '');
    y[i] = num(rows[i][yi] ?? '');
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw badInput(path, `row ${i + 1 + (isHeader ? 1 : 0)}: columns ${q(names[xi])}/${q(names[yi])}: expected numbers, found ${q(rows[i][xi])}, ${q(rows[i][yi])}`);
    }
  }
  const labels = li >= 0 ? rows.map((r) => unquote(r[li])) : undefined;
  if (labels) requireUnique(path, `column ${q(names[li] || '(first)')} (observation ids)`, labels);
  const extra = new Map<string, Column>();
  for (let j = 0; j < ncol; j++) {
    if (j === li || j === xi || j === yi) continue;
    extra.set(names[j], columnFromStrings(rows.map((r) => unquote(r[j] ?? ''))));
  }
  return { labels, x, y, extra, xName: names[xi], yName: names[yi], unitHint };
}

/** A typed column from text: numbers when every value parses (empty = NaN), else strings. */
export function columnFromStrings(values: string[]): Column {
  let numeric = values.length > 0;
  for (const s of values) {
    if (s !== '' && s !== 'NA' && !isNumeric(s)) {
      numeric = false;
      break;
    }
  }
  if (numeric) return { kind: 'number', values: Float64Array.from(values, (s) => (s === '' || s === 'NA' ? NaN : Number(s))) };
  if (values.every((s) => s === 'True' || s === 'False' || s === 'TRUE' || s === 'FALSE' || s === 'true' || s === 'false')) {
    return { kind: 'bool', values: Uint8Array.from(values, (s) => (s.toLowerCase() === 'true' ? 1 : 0)) };
  }
  return { kind: 'string', values };
}

/** Options of {@link readCsvDataset}. */
export interface CsvDatasetOptions extends MatrixTableOptions {
  /** `obs-rows`: observations are rows (Python convention); `var-rows`: features are rows (10x/R). Default: decided on evidence ({@link decideOrientation}) or refused. */
  orientation?: Orientation;
  /** Coordinates file joined by id (or by row order when neither side has ids). */
  coords?: string;
  /** Unit of the coordinates (default: what the coordinate column names state, else `unknown`). */
  coordinateUnit?: CoordinateUnit;
  /** Micrometres per coordinate unit, when known. */
  micronsPerUnit?: number;
  /** Tables joined on observation labels whose other columns go into obs (e.g. layer annotations). */
  annotations?: string[];
  /** Require whole-number counts (default false: intensities allowed). Negative values are always rejected. */
  counts?: boolean;
  /** Platform name recorded in meta (default `csv`). */
  platform?: string;
  /** Feature names of another input, used as orientation evidence (siid, multiomics). */
  otherFeatures?: readonly string[];
}

/** How a matrix's observations got their coordinates, recorded in `uns.reader.id_join`. */
export type IdJoin = 'id' | 'row-order' | 'same-table' | 'none';

/**
 * Reads a delimited matrix (+ optional coordinates and annotation tables) as a Dataset.
 * Orientation: `opts.orientation`, else decided on evidence (names, id header, positions ids,
 * named attribute columns) and refused with a one-line error when the evidence is weak or
 * contradictory. `uns.reader` records `orientation`, `confidence`, `reason` (the evidence),
 * `id_join` and its `join_reason`.
 */
export async function readCsvDataset(path: string, opts: CsvDatasetOptions = {}): Promise<Dataset> {
  const vfs = opts.files;
  const t = await readMatrixTable(path, opts);
  if (t.min < 0) throw badInput(path, `values: expected non-negative values, found ${t.min}`);
  if (opts.counts && !t.integer) throw badInput(path, 'values: expected integer counts, found non-integer values');
  // Names on either axis become obs or var names: repeats are an error whichever way it is read.
  if (t.rowNames) requireUnique(path, 'row names (first column)', t.rowNames);
  if (t.colNames) requireUnique(path, 'column names (header)', t.colNames);
  const coords = opts.coords ? await readCoordinates(opts.coords, { files: vfs }) : undefined;
  const sideXY = namedXY([...t.side.keys()], true);
  const attrCols = [...t.side.keys()].filter((k, j) => OBS_ATTRIBUTE.test(k) || (sideXY !== undefined && (j === sideXY[0] || j === sideXY[1])));
  let orientation = opts.orientation;
  let reason = `given (--orientation ${orientation})`;
  let confidence = 'given';
  if (!orientation) {
    const dec = decideOrientation({
      rowNames: t.rowNames,
      colNames: t.colNames,
      nRows: t.X.rows,
      nCols: t.X.cols,
      idHeader: t.idHeader,
      obsIds: coords?.labels,
      obsIdsFrom: opts.coords ? basename(opts.coords) : undefined,
      obsCount: coords && !coords.labels ? coords.x.length : undefined,
      obsAttributeColumns: attrCols,
      otherFeatures: opts.otherFeatures,
    });
    if (!dec.orientation) {
      const looked = dec.reasons.join('; ');
      throw badInput(
        path,
        `cannot tell whether rows are observations or features (${dec.confidence} evidence: ${looked}); pass --orientation obs-rows (one row per cell/spot) or --orientation var-rows (one row per gene)`,
      );
    }
    orientation = dec.orientation;
    confidence = dec.confidence;
    reason = dec.reasons.join('; ');
  }
  const obsRows = orientation === 'obs-rows';
  const X = obsRows ? t.X : transposeCsr(t.X);
  let obsNames = obsRows ? t.rowNames : t.colNames;
  const obsHaveIds = obsNames !== undefined;
  let varNames = obsRows ? t.colNames : t.rowNames;
  if (!obsNames) {
    obsNames = coords?.labels && coords.labels.length === X.rows ? coords.labels : Array.from({ length: X.rows }, (_, i) => String(i));
  }
  varNames ??= Array.from({ length: X.cols }, (_, i) => `feature_${i + 1}`);
  const d = makeDataset(X, obsNames, varNames, { platform: opts.platform ?? 'csv', source: path });
  d.uns.reader = { format: 'delimited', orientation, confidence, reason, delimiter: t.delimiter, id_join: 'none' as IdJoin };
  const reader = d.uns.reader as Record<string, unknown>;
  // Side columns (named attributes, text) belong to whichever axis the rows are.
  const sideFrame = obsRows ? d.obs : d.var;
  for (const [k, v] of t.side) {
    if (obsRows && sideXY && (k === [...t.side.keys()][sideXY[0]] || k === [...t.side.keys()][sideXY[1]])) continue;
    if (!sideFrame.columns.has(k)) sideFrame.columns.set(k, columnFromStrings(v));
  }
  const textCols = [...t.side.keys()].filter((k) => !attrCols.includes(k));
  if (textCols.length > 0) {
    d.meta.filtered.push({ axis: 'features', what: textCols.join(', '), count: textCols.length, why: `text columns, not numbers: kept in ${obsRows ? 'obs' : 'var'}` });
  }
  if (sideXY && obsRows && !coords) {
    const keys = [...t.side.keys()];
    const xName = keys[sideXY[0]];
    const yName = keys[sideXY[1]];
    const own: CoordTable = { labels: undefined, x: parseCoords(path, xName, t.side.get(xName)!), y: parseCoords(path, yName, t.side.get(yName)!), extra: new Map(), xName, yName, unitHint: unitFromColumnName(xName) ?? unitFromColumnName(yName) };
    attachCoordinates(d, own, path, path, opts.coordinateUnit ?? own.unitHint ?? 'unknown', opts.micronsPerUnit);
    reader.id_join = 'same-table';
    reader.join_reason = `coordinates from the matrix's own columns ${q(xName)}/${q(yName)}`;
  }
  if (coords && opts.coords) {
    if (coords.labels && obsHaveIds) {
      reader.id_join = 'id';
      reader.join_reason = `positions joined by id (${basename(opts.coords)} column of ids)`;
    } else {
      if (coords.x.length !== X.rows) {
        throw badInput(opts.coords, `has ${coords.x.length} rows and ${coords.labels ? 'the matrix has no observation ids' : 'no id column'}, so it must match ${path} row for row, but the matrix has ${X.rows} observations`);
      }
      reader.id_join = 'row-order';
      reader.join_reason = coords.labels ? `the matrix has no observation ids: names and positions taken from ${basename(opts.coords)} in row order` : `${basename(opts.coords)} has no id column: joined in row order`;
      if (!coords.labels) checkSpotIds(opts.coords, obsNames, coords);
      coords.labels = undefined;
    }
    attachCoordinates(d, coords, opts.coords, path, opts.coordinateUnit ?? coords.unitHint ?? 'unknown', opts.micronsPerUnit);
  }
  for (const a of opts.annotations ?? []) await attachAnnotations(d, a, vfs);
  return d;
}

function parseCoords(path: string, name: string, vals: string[]): Float64Array {
  const out = new Float64Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    out[i] = num(vals[i]);
    if (!Number.isFinite(out[i])) throw badInput(path, `row ${i + 1}, column ${q(name)}: expected a coordinate, found ${q(vals[i])}`);
  }
  return out;
}

/**
 * ST spot ids encode the position (`13.064x6.086`): when a positions table without ids is joined
 * by row order, the ids must agree with it, else the row orders differ.
 */
function checkSpotIds(coordPath: string, names: readonly string[], c: CoordTable): void {
  if (!names.every((s) => /^\d+(\.\d+)?x\d+(\.\d+)?$/.test(s))) return;
  for (let i = 0; i < names.length; i++) {
    const [sx, sy] = names[i].split('x').map(Number);
    if (Math.abs(sx - c.x[i]) > 1e-3 * Math.max(1, Math.abs(sx)) || Math.abs(sy - c.y[i]) > 1e-3 * Math.max(1, Math.abs(sy))) {
      throw badInput(coordPath, `row ${i + 1} is (${c.x[i]}, ${c.y[i]}) but the matrix's spot id in that row is ${q(names[i])}: the row orders differ; add an id column`);
    }
  }
}

/**
 * Joins a coordinate table to a dataset (by label when the table has labels, else by order) and
 * sets `obsm.spatial` = [x, y]; the table's other columns go to obs. Observations missing from
 * the table are an error naming both files. Negative and zero coordinates are legal.
 */
export function attachCoordinates(d: Dataset, c: CoordTable, coordPath: string, matrixPath: string, unit: CoordinateUnit, micronsPerUnit?: number): void {
  const n = d.obs.index.length;
  let map: Int32Array = new Int32Array(n);
  if (c.labels) {
    const m = matchIds(d.obs.index, c.labels);
    map = m.map;
    const { missing, first: firstMissing } = m;
    if (missing > 0) {
      throw badInput(coordPath, `${missing} of ${n} observations of ${matrixPath} have no row in this positions file (first: ${q(firstMissing)})`);
    }
  } else {
    if (c.x.length !== n) throw badInput(coordPath, `has ${c.x.length} rows but ${matrixPath} has ${n} observations (unlabelled coordinates must match row for row)`);
    for (let i = 0; i < n; i++) map[i] = i;
  }
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = c.x[map[i]];
    xy[2 * i + 1] = c.y[map[i]];
  }
  d.obsm.spatial = { rows: n, cols: 2, data: xy };
  for (const [k, col] of c.extra) {
    if (!d.obs.columns.has(k)) d.obs.columns.set(k, takeColumn(col, map));
  }
  d.meta.coordinateUnit = unit;
  if (micronsPerUnit !== undefined) d.meta.micronsPerUnit = micronsPerUnit;
  else if (unit === 'um') d.meta.micronsPerUnit = 1;
}

/**
 * Joins a labelled table (first column = observation label) into obs. Observations without a
 * row get NaN / missing category; string columns become categoricals.
 */
export async function attachAnnotations(d: Dataset, path: string, vfs?: Vfs): Promise<void> {
  const { header, rows } = await readSmallTable(path, { header: true, files: vfs });
  if (!header || header.length < 2) throw badFile(path, 'expected a header with a label column and at least one annotation column');
  const pos = new Map<string, number>();
  rows.forEach((r, i) => pos.set(unquote(r[0]), i));
  const n = d.obs.index.length;
  const map = Int32Array.from(d.obs.index, (l) => pos.get(l) ?? -1);
  if (!map.some((i) => i >= 0)) throw badInput(path, `no label in column ${q(header[0])} matches an observation name`);
  for (let j = 1; j < header.length; j++) {
    const vals = rows.map((r) => unquote(r[j] ?? ''));
    const col = columnFromStrings(vals);
    const name = unquote(header[j]);
    if (col.kind === 'number') {
      d.obs.columns.set(name, { kind: 'number', values: Float64Array.from(map, (i) => (i < 0 ? NaN : col.values[i])) });
    } else {
      const cats = [...new Set(vals.filter((s) => s !== '' && s !== 'NA'))].sort();
      const idx = new Map(cats.map((c, k) => [c, k]));
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = map[i] < 0 ? -1 : idx.get(vals[map[i]]) ?? -1;
      d.obs.columns.set(name, { kind: 'category', codes, categories: cats });
    }
  }
}

// ---------------------------------------------------------------- writing

/** A labelled matrix for {@link writeCsv}. */
export interface LabelledMatrix {
  matrix: Dense | NumMatrix | Csr;
  rowNames?: string[];
  colNames?: string[];
  /** Header of the label column (default empty, as pandas writes it). */
  indexName?: string;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(v);
}

/**
 * Writes a labelled matrix or a Frame (obs/var table) as CSV, atomically and in 1 MB blocks.
 * Numbers are written in shortest round-trip form, so reading back gives the same float64 (and
 * float32) values. Matrices: header = `indexName` + column names, one row per matrix row.
 */
export function writeCsv(path: string, data: LabelledMatrix | Frame, opts: WriteOptions & { delimiter?: ',' | '\t' } = {}): void {
  const w = openAtomic(path, opts);
  try {
    for (const line of csvLines(data, opts.delimiter ?? ',')) w.write(line);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** {@link writeCsv}'s text as one string (a browser download, a small table). */
export function csvText(data: LabelledMatrix | Frame, opts: { delimiter?: ',' | '\t' } = {}): string {
  return [...csvLines(data, opts.delimiter ?? ',')].join('');
}

/** The lines (each ending in `\n`) of {@link writeCsv}'s table. */
function* csvLines(data: LabelledMatrix | Frame, sep: ',' | '\t'): Generator<string> {
  const field = sep === ',' ? csvField : (s: string) => s;
  if ('columns' in data) {
    const cols = [...data.columns.entries()];
    yield [''].concat(cols.map(([k]) => field(k))).join(sep) + '\n';
    for (let i = 0; i < data.index.length; i++) {
      const parts = [field(data.index[i])];
      for (const [, c] of cols) parts.push(field(cellText(c, i)));
      yield parts.join(sep) + '\n';
    }
    return;
  }
  const { matrix: m } = data;
  const rows = m.rows;
  const cols = m.cols;
  const rn = data.rowNames;
  const cn = data.colNames ?? Array.from({ length: cols }, (_, j) => String(j));
  if (rn && rn.length !== rows) throw new StnmfError('BAD_INPUT', `writeCsv: ${rn.length} row names for ${rows} rows`);
  if (cn.length !== cols) throw new StnmfError('BAD_INPUT', `writeCsv: ${cn.length} column names for ${cols} columns`);
  yield (rn ? [field(data.indexName ?? '')] : []).concat(cn.map(field)).join(sep) + '\n';
  const rowVals = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    if ('indptr' in m) {
      rowVals.fill(0);
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) rowVals[m.indices[p]] += m.data[p];
    } else for (let j = 0; j < cols; j++) rowVals[j] = m.data[i * cols + j];
    const parts: string[] = rn ? [field(rn[i])] : [];
    for (let j = 0; j < cols; j++) parts.push(fmt(rowVals[j]));
    yield parts.join(sep) + '\n';
  }
}

function cellText(c: Column, i: number): string {
  switch (c.kind) {
    case 'string':
      return c.values[i];
    case 'number':
      return Number.isNaN(c.values[i]) ? '' : fmt(c.values[i]);
    case 'bool':
      return c.values[i] ? 'True' : 'False';
    case 'category':
      return c.codes[i] < 0 ? '' : c.categories[c.codes[i]];
  }
}
