/**
 * Generic delimited text (CSV/TSV, optionally gzip): count or intensity matrices in either
 * orientation, coordinate tables, annotation tables; and the CSV writer.
 *
 * Matrices are parsed record by record into a growing CSR, so the file is never one string
 * (a 1 GB CSV costs its parsed non-zeros plus one 1 MB chunk).
 */
import type { Column, CoordinateUnit, Dataset, Frame, NumMatrix } from '../dataset.js';
import { frame } from '../dataset.js';
import type { Csr } from '../linalg/csr.js';
import { transposeCsr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { openAtomic, type WriteOptions } from './atomic.js';
import { forEachRecord, isNumeric, num, readSmallTable, unquote, type Delimiter } from './text.js';
import { badFile, badInput, CsrBuilder, matchIds, q, requireUnique } from './util.js';

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
}

/** Options of {@link readMatrixTable}. */
export interface MatrixTableOptions {
  delimiter?: Delimiter;
  /** Whether the first record is a header; default: detected (non-numeric fields or an empty corner). */
  header?: boolean;
  /** Whether the first column holds row labels; default: detected (non-numeric first field). */
  rowNames?: boolean;
}

/**
 * Streams a numeric matrix table. Header and row-label column are detected unless given; an R
 * style header with one field fewer than the data rows (no corner cell) is accepted. Row labels
 * in single or double quotes are unquoted.
 */
export async function readMatrixTable(path: string, opts: MatrixTableOptions = {}): Promise<MatrixTable> {
  const b = new CsrBuilder();
  let header: string[] | undefined;
  let rowNames: string[] | undefined;
  let hasLabels: boolean | undefined = opts.rowNames;
  let width = -1; // value fields per record
  let integer = true;
  let min = 0;
  const res = await forEachRecord(
    path,
    (f, rec, lineNo) => {
      if (rec === 1) {
        const isHeader = opts.header ?? (f[0] === '' || f.slice(1).some((s) => s !== '' && !isNumeric(s)) || (f.length === 1 && !isNumeric(f[0])));
        if (isHeader) {
          header = f;
          return;
        }
      }
      if (hasLabels === undefined) {
        hasLabels = !isNumeric(f[0]) || (header !== undefined && (header[0] === '' || header.length === f.length - 1));
      }
      const first = hasLabels ? 1 : 0;
      if (width < 0) width = f.length - first;
      else if (f.length - first !== width) {
        // A trailing delimiter yields one empty extra field; tolerate it.
        if (!(f.length - first === width + 1 && f[f.length - 1] === '')) {
          throw badFile(path, `line ${lineNo}: expected ${width + first} fields, found ${f.length}`);
        }
      }
      if (hasLabels) (rowNames ??= []).push(unquote(f[0]));
      for (let j = 0; j < width; j++) {
        const s = f[first + j];
        const v = num(s);
        if (v !== v) {
          const col = header ? header[header.length - width + j] : `${j + 1 + first}`;
          throw badInput(path, `line ${lineNo}, column ${q(col)}: expected a number, found ${q(s)}`);
        }
        if (v !== 0) {
          b.push(j, v);
          if (integer && v !== Math.round(v)) integer = false;
          if (v < min) min = v;
        }
      }
      b.endRow();
    },
    { delimiter: opts.delimiter },
  );
  if (width < 0) throw badFile(path, header ? 'header only, no data rows' : 'no data rows');
  let colNames: string[] | undefined;
  if (header) {
    if (header.length === width + (hasLabels ? 1 : 0)) colNames = header.slice(hasLabels ? 1 : 0).map(unquote);
    else if (header.length === width) colNames = header.map(unquote);
    else if (header.length === width + 1 + (hasLabels ? 1 : 0) && header[header.length - 1] === '') {
      colNames = header.slice(hasLabels ? 1 : 0, -1).map(unquote);
    } else throw badFile(path, `header has ${header.length} fields but data rows have ${width} values${hasLabels ? ' plus a label' : ''}`);
  }
  return { rowNames, colNames, X: b.build(width), integer, min, delimiter: res.delimiter };
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
}

const LABEL_NAMES = /^(|barcode|barcodes|spot|spots|cell|cells|cell_id|cellid|cell_ids|id|object|entityid|index|bead|beads|name)$/i;
const X_NAMES = /^(x|xcoord|x_coord|x_centroid|center_x|centroid_x|centerx|imagecol|pxl_col_in_fullres|global_x|x_global_px|centerx_global_px|x_location|pos_x|col|coord_x)$/i;
const Y_NAMES = /^(y|ycoord|y_coord|y_centroid|center_y|centroid_y|centery|imagerow|pxl_row_in_fullres|global_y|y_global_px|centery_global_px|y_location|pos_y|row|coord_y)$/i;

/**
 * Reads a coordinates table. Columns are chosen by name when there is a header (label:
 * `barcode`, `spot`, `cell`, `ID`, empty corner...; x: `x`, `xcoord`, `x_centroid`, `center_x`,
 * `imagecol`...), otherwise label = first column if it is not numeric and x, y = the next two
 * numeric columns.
 */
export async function readCoordinates(path: string, opts: { delimiter?: Delimiter; x?: string; y?: string; label?: string } = {}): Promise<CoordTable> {
  const first = await readSmallTable(path, { delimiter: opts.delimiter, header: false });
  const rows0 = first.rows;
  if (rows0.length === 0) throw badFile(path, 'no rows');
  const r0 = rows0[0];
  // Header when the first row has more non-numeric fields than the second (or an empty corner).
  const nonNum = (r: string[]) => r.filter((s) => !isNumeric(s)).length;
  const isHeader = r0[0] === '' || (rows0.length > 1 ? nonNum(r0) > nonNum(rows0[1]) : nonNum(r0) === r0.length);
  const header = isHeader ? r0.map(unquote) : undefined;
  const rows = header ? rows0.slice(1) : rows0;
  if (rows.length === 0) throw badFile(path, 'header only, no rows');
  const ncol = Math.max(...rows.map((r) => r.length));
  const names = header ?? Array.from({ length: ncol }, (_, i) => `column_${i + 1}`);
  const numericCol = (j: number) => rows.every((r) => r[j] !== undefined && isNumeric(r[j]));
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
    [xi, yi] = [numeric[0], numeric[1]];
  }
  const n = rows.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = num(rows[i][xi] ?? '');
    y[i] = num(rows[i][yi] ?? '');
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw badInput(path, `row ${i + 1 + (header ? 1 : 0)}: columns ${q(names[xi])}/${q(names[yi])}: expected numbers, found ${q(rows[i][xi])}, ${q(rows[i][yi])}`);
    }
  }
  const labels = li >= 0 ? rows.map((r) => unquote(r[li])) : undefined;
  const extra = new Map<string, Column>();
  for (let j = 0; j < ncol; j++) {
    if (j === li || j === xi || j === yi) continue;
    extra.set(names[j], columnFromStrings(rows.map((r) => unquote(r[j] ?? ''))));
  }
  return { labels, x, y, extra, xName: names[xi], yName: names[yi] };
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
  /** `obs-rows`: observations are rows (Python convention); `var-rows`: features are rows (10x/R). Default: decided from the coordinates file, else `obs-rows`. */
  orientation?: 'obs-rows' | 'var-rows';
  /** Coordinates file joined by label (or by order when it has no labels). */
  coords?: string;
  /** Unit of the coordinates (default `unknown`). */
  coordinateUnit?: CoordinateUnit;
  /** Micrometres per coordinate unit, when known. */
  micronsPerUnit?: number;
  /** Tables joined on observation labels whose other columns go into obs (e.g. layer annotations). */
  annotations?: string[];
  /** Require whole-number counts (default false: intensities allowed). Negative values are always rejected. */
  counts?: boolean;
  /** Platform name recorded in meta (default `csv`). */
  platform?: string;
}

/**
 * Reads a delimited matrix (+ optional coordinates and annotation tables) as a Dataset.
 * Orientation is reported in `uns.reader`: with a coordinates file the side whose labels (or
 * count) match the coordinates is taken as observations.
 */
export async function readCsvDataset(path: string, opts: CsvDatasetOptions = {}): Promise<Dataset> {
  const t = await readMatrixTable(path, opts);
  if (t.min < 0) throw badInput(path, `values: expected non-negative values, found ${t.min}`);
  if (opts.counts && !t.integer) throw badInput(path, 'values: expected integer counts, found non-integer values');
  const coords = opts.coords ? await readCoordinates(opts.coords) : undefined;
  let orientation = opts.orientation;
  let reason = 'given';
  if (!orientation) {
    if (coords?.labels && (t.rowNames || t.colNames)) {
      const set = new Set(coords.labels);
      const hitR = (t.rowNames ?? []).filter((s) => set.has(s)).length;
      const hitC = (t.colNames ?? []).filter((s) => set.has(s)).length;
      orientation = hitC > hitR ? 'var-rows' : 'obs-rows';
      reason = `coordinate labels match ${Math.max(hitR, hitC)} ${hitC > hitR ? 'column' : 'row'} names`;
    } else if (coords) {
      const n = coords.x.length;
      if (n === t.X.rows && n !== t.X.cols) orientation = 'obs-rows';
      else if (n === t.X.cols && n !== t.X.rows) orientation = 'var-rows';
      else if (n === t.X.rows) orientation = 'obs-rows';
      else {
        throw badInput(opts.coords!, `has ${n} rows but the matrix ${path} is ${t.X.rows} x ${t.X.cols}; cannot match observations`);
      }
      reason = `coordinates have ${n} rows = number of matrix ${orientation === 'obs-rows' ? 'rows' : 'columns'}`;
    } else {
      orientation = 'obs-rows';
      reason = 'assumed (no coordinates to decide; pass orientation to override)';
    }
  }
  const X = orientation === 'obs-rows' ? t.X : transposeCsr(t.X);
  let obsNames = orientation === 'obs-rows' ? t.rowNames : t.colNames;
  let varNames = orientation === 'obs-rows' ? t.colNames : t.rowNames;
  if (!obsNames) obsNames = coords?.labels && coords.labels.length === X.rows ? coords.labels : Array.from({ length: X.rows }, (_, i) => String(i));
  varNames ??= Array.from({ length: X.cols }, (_, i) => `feature_${i + 1}`);
  requireUnique(path, orientation === 'obs-rows' ? 'column names (features)' : 'row names (features)', varNames);
  requireUnique(path, orientation === 'obs-rows' ? 'row names (observations)' : 'column names (observations)', obsNames);

  const d: Dataset = {
    X,
    obs: frame(obsNames),
    var: frame(varNames),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'delimited', orientation, reason, delimiter: t.delimiter } },
    meta: { platform: opts.platform ?? 'csv', source: path, filtered: [] },
  };
  if (coords && opts.coords) attachCoordinates(d, coords, opts.coords, path, opts.coordinateUnit ?? 'unknown', opts.micronsPerUnit);
  for (const a of opts.annotations ?? []) await attachAnnotations(d, a);
  return d;
}

/**
 * Joins a coordinate table to a dataset (by label when the table has labels, else by order) and
 * sets `obsm.spatial` = [x, y]; the table's other columns go to obs. Observations missing from
 * the table are an error naming both files.
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
    if (!d.obs.columns.has(k)) d.obs.columns.set(k, takeByMap(col, map));
  }
  d.meta.coordinateUnit = unit;
  if (micronsPerUnit !== undefined) d.meta.micronsPerUnit = micronsPerUnit;
}

function takeByMap(c: Column, map: Int32Array): Column {
  switch (c.kind) {
    case 'number':
      return { kind: 'number', values: Float64Array.from(map, (i) => c.values[i]) };
    case 'string':
      return { kind: 'string', values: Array.from(map, (i) => c.values[i]) };
    case 'bool':
      return { kind: 'bool', values: Uint8Array.from(map, (i) => c.values[i]) };
    case 'category':
      return { kind: 'category', codes: Int32Array.from(map, (i) => c.codes[i]), categories: c.categories, ordered: c.ordered };
  }
}

/**
 * Joins a labelled table (first column = observation label) into obs. Observations without a
 * row get NaN / missing category; string columns become categoricals.
 */
export async function attachAnnotations(d: Dataset, path: string): Promise<void> {
  const { header, rows } = await readSmallTable(path, { header: true });
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

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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
  const sep = opts.delimiter ?? ',';
  const field = sep === ',' ? csvField : (s: string) => s;
  const w = openAtomic(path, opts);
  try {
    if ('columns' in data) {
      const cols = [...data.columns.entries()];
      w.write([''].concat(cols.map(([k]) => field(k))).join(sep) + '\n');
      for (let i = 0; i < data.index.length; i++) {
        const parts = [field(data.index[i])];
        for (const [, c] of cols) parts.push(field(cellText(c, i)));
        w.write(parts.join(sep) + '\n');
      }
    } else {
      const { matrix: m } = data;
      const rows = m.rows;
      const cols = m.cols;
      const rn = data.rowNames;
      const cn = data.colNames ?? Array.from({ length: cols }, (_, j) => String(j));
      if (rn && rn.length !== rows) throw new RangeError(`writeCsv: ${rn.length} row names for ${rows} rows`);
      if (cn.length !== cols) throw new RangeError(`writeCsv: ${cn.length} column names for ${cols} columns`);
      w.write((rn ? [field(data.indexName ?? '')] : []).concat(cn.map(field)).join(sep) + '\n');
      const rowVals = new Float64Array(cols);
      for (let i = 0; i < rows; i++) {
        if ('indptr' in m) {
          rowVals.fill(0);
          for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) rowVals[m.indices[p]] += m.data[p];
        } else for (let j = 0; j < cols; j++) rowVals[j] = m.data[i * cols + j];
        const parts: string[] = rn ? [field(rn[i])] : [];
        for (let j = 0; j < cols; j++) parts.push(fmt(rowVals[j]));
        w.write(parts.join(sep) + '\n');
      }
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
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
