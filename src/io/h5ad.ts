/**
 * AnnData `.h5ad` (formats.md §1.11): writer for anndata >= 0.8 readers and reader for the
 * current encoding plus the pre-2022 layouts (anndata <= 0.7): obs/var/obsm/varm as compound
 * datasets, categorical codes with categories in `uns['<col>_categories']` (0.6) or behind a
 * `categories` object-reference attribute (0.7), sparse X tagged `h5sparse_format`.
 *
 * Written: X as `csr_matrix` (float32 data, int32 indices), obs/var `dataframe` with string,
 * numeric, bool and `categorical` columns, obsm/varm 2-D `array`s, obsp `csr_matrix`, layers
 * (CSR or dense), uns as nested `dict`s of scalars, strings, string arrays, numeric arrays and
 * 2-D matrices. Booleans (bool columns, uns flags, the categorical `ordered` attribute) are the
 * HDF5 enum h5py uses for numpy bool, so pandas sees real bools and real categoricals
 * (h5bool.ts explains how that type is produced with h5wasm).
 */
import type { Column, Dataset, Frame, NumMatrix } from '../dataset.js';
import { csrFromDense, transposeCsr, type Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { StnmfError } from '../errors.js';
import { withAtomicPath, type WriteOptions } from './atomic.js';
import { boolPlaceholderData, boolPlaceholderDtype, newBoolToken, patchBoolEnums, patchBoolEnumsInBytes } from './h5bool.js';
import {
  createH5,
  createMemoryH5,
  getDataset,
  getGroup,
  has,
  isDataset,
  isGroup,
  needDataset,
  openH5,
  readAttr,
  readFloat32,
  readInt32,
  readStringAttr,
  readStrings,
  readValue,
  toFloat32,
  toStrings,
  toFloat64,
  toInt32,
  type H5Dataset,
  type H5File,
  type H5Group,
} from './h5.js';
import { badFile, q } from './util.js';
import type { FileSource } from './vfs.js';
import { canonicalizeCsr, validateDataset } from './validate.js';

/** Options of {@link writeH5ad}. */
export interface H5adWriteOptions extends WriteOptions {
  /** gzip level 1-9 for large arrays (default: none; compute-notes §4: gzip-4 is ~15x slower to write). */
  gzip?: number;
}

/**
 * A numpy record array for `uns` (anndata's `rec-array` encoding, an HDF5 compound dataset), as
 * scanpy's `rank_genes_groups` stores names/scores/pvals: one named field per column, all of
 * `length` rows. String fields are written as fixed-length strings (n = longest value in bytes;
 * h5wasm cannot put variable-length strings inside a compound), ASCII-tagged when every value
 * is ASCII, which anndata reads back as numpy `U<n>` (non-ASCII values are tagged UTF-8, which
 * anndata 0.8 cannot decode inside a record array); float fields keep their width (`Float32Array` → `<f4`, `Float64Array` → `<f8`).
 */
export interface H5adRecArray {
  recArray: { name: string; values: Float32Array | Float64Array | Int32Array | string[] }[];
  length: number;
}

/** True for an {@link H5adRecArray}. */
export function isRecArray(v: unknown): v is H5adRecArray {
  return typeof v === 'object' && v !== null && Array.isArray((v as H5adRecArray).recArray) && typeof (v as H5adRecArray).length === 'number';
}

type Attrs = Record<string, string | number | string[] | Int32Array | BigInt64Array | Float64Array>;

function setAttrs(obj: H5Group | H5Dataset, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (Array.isArray(v) && v.length === 0) obj.create_attribute(k, new Float64Array(0), [0]);
    else obj.create_attribute(k, v as never);
  }
}

function enc(type: string, version: string): Attrs {
  return { 'encoding-type': type, 'encoding-version': version };
}

function checkKey(path: string, where: string, k: string): void {
  if (k.includes('/')) throw new StnmfError('BAD_INPUT', `${path}: ${where} key ${q(k)} contains '/', which h5ad does not allow`);
  if (k === '') throw new StnmfError('BAD_INPUT', `${path}: ${where} has an empty key`);
}

/**
 * Writes a Dataset as `.h5ad` atomically (temporary file in the same folder, then rename).
 *
 * @param path  output file
 * @param d     the dataset; `meta` is stored under `uns.stnmf_meta` (platform, source, unit,
 *              µm per unit, filtered records) so it survives a round trip
 */
export async function writeH5ad(path: string, d: Dataset, opts: H5adWriteOptions = {}): Promise<void> {
  validateShapes(path, d);
  await withAtomicPath(
    path,
    async (tmp) => {
      const f = await createH5(tmp);
      const w = new Writer(path, opts.gzip);
      try {
        writeAnnData(f, w, path, d);
      } finally {
        f.close();
      }
      patchBoolEnums(tmp, w.boolToken, w.boolCount);
    },
    opts,
  );
}

/**
 * The bytes of the `.h5ad` file {@link writeH5ad} writes for `d`, built in h5wasm's in-memory
 * file system with the same writer, so it runs in a browser (the app's `result.h5ad`
 * download) and never touches the disk. Same content as `writeH5ad`'s file (readH5ad reads
 * both to the same Dataset; HDF5 object timestamps may differ).
 *
 * @param opts.gzip  gzip level 1-9 for large arrays (default: none, as writeH5ad)
 */
export async function encodeH5ad(d: Dataset, opts: { gzip?: number } = {}): Promise<Uint8Array> {
  const label = '(in-memory h5ad)';
  validateShapes(label, d);
  const m = await createMemoryH5();
  const w = new Writer(label, opts.gzip);
  try {
    writeAnnData(m.file, w, label, d);
  } finally {
    m.file.close();
  }
  const bytes = m.bytes();
  patchBoolEnumsInBytes(bytes, w.boolToken, w.boolCount, label);
  return bytes;
}

/** Writes every AnnData element of `d` into the open file `f` (shared by writeH5ad and encodeH5ad). */
function writeAnnData(f: H5File, w: Writer, path: string, d: Dataset): void {
  setAttrs(f, enc('anndata', '0.1.0'));
  // Small elements first: the bool datatypes patched below then sit near the file start.
  w.frame(f, 'obs', d.obs);
  w.frame(f, 'var', d.var);
  const uns = { ...d.uns, stnmf_meta: metaForUns(d) };
  w.unsDict(f, 'uns', uns);
  w.csr(f, 'X', d.X);
  const obsm = w.dict(f, 'obsm');
  for (const [k, m] of Object.entries(d.obsm)) w.matrix(obsm, k, m, 'obsm');
  const varm = w.dict(f, 'varm');
  for (const [k, m] of Object.entries(d.varm)) w.matrix(varm, k, m, 'varm');
  const obsp = w.dict(f, 'obsp');
  for (const [k, m] of Object.entries(d.obsp)) {
    checkKey(path, 'obsp', k);
    w.csr(obsp, k, m);
  }
  w.dict(f, 'varp');
  const layers = w.dict(f, 'layers');
  for (const [k, m] of Object.entries(d.layers)) {
    checkKey(path, 'layers', k);
    if ('indptr' in m) w.csr(layers, k, m);
    else w.matrix(layers, k, m, 'layers');
  }
}

function metaForUns(d: Dataset): Record<string, unknown> {
  const m: Record<string, unknown> = { platform: d.meta.platform, source: d.meta.source };
  if (d.meta.coordinateUnit) m.coordinate_unit = d.meta.coordinateUnit;
  if (d.meta.micronsPerUnit !== undefined) m.microns_per_unit = d.meta.micronsPerUnit;
  if (d.meta.filtered.length > 0) {
    m.filtered = {
      axis: d.meta.filtered.map((r) => r.axis),
      what: d.meta.filtered.map((r) => r.what),
      count: Int32Array.from(d.meta.filtered.map((r) => r.count)),
      why: d.meta.filtered.map((r) => r.why),
    };
  }
  return m;
}

function validateShapes(path: string, d: Dataset): void {
  const n = d.X.rows;
  const p = d.X.cols;
  const bad = (what: string) => new StnmfError('BAD_INPUT', `${path}: ${what}`);
  if (d.obs.index.length !== n) throw bad(`obs has ${d.obs.index.length} rows but X has ${n}`);
  if (d.var.index.length !== p) throw bad(`var has ${d.var.index.length} rows but X has ${p} columns`);
  for (const [k, m] of Object.entries(d.obsm)) if (m.rows !== n) throw bad(`obsm ${q(k)} has ${m.rows} rows, expected ${n}`);
  for (const [k, m] of Object.entries(d.varm)) if (m.rows !== p) throw bad(`varm ${q(k)} has ${m.rows} rows, expected ${p}`);
  for (const [k, m] of Object.entries(d.obsp)) if (m.rows !== n || m.cols !== n) throw bad(`obsp ${q(k)} is ${m.rows} x ${m.cols}, expected ${n} x ${n}`);
  for (const [k, m] of Object.entries(d.layers)) if (m.rows !== n || m.cols !== p) throw bad(`layer ${q(k)} is ${m.rows} x ${m.cols}, expected ${n} x ${p}`);
  for (const fr of [d.obs, d.var]) {
    for (const [k, c] of fr.columns) {
      const len = c.kind === 'category' ? c.codes.length : c.values.length;
      if (len !== fr.index.length) throw bad(`column ${q(k)} has ${len} values, expected ${fr.index.length}`);
    }
  }
}

class Writer {
  /** Member name of the bool stand-in type of this file (see h5bool.ts). */
  readonly boolToken = newBoolToken();
  /** Number of bool stand-ins written (datasets and attributes), for the patch step. */
  boolCount = 0;

  constructor(
    private path: string,
    private gzip?: number,
  ) {}

  /** A bool dataset (1-D, or 0-D when `scalar`): h5py's enum after the patch step. */
  private boolDs(g: H5Group, name: string, values: ArrayLike<number>, scalar = false): H5Dataset {
    this.boolCount++;
    const data = boolPlaceholderData(this.boolToken, values);
    return this.ds(g, name, data, scalar ? [] : [values.length], boolPlaceholderDtype(this.boolToken), values.length);
  }

  /** A scalar bool attribute (h5py's enum after the patch step). */
  private boolAttr(obj: H5Group | H5Dataset, name: string, v: boolean): void {
    this.boolCount++;
    obj.create_attribute(name, boolPlaceholderData(this.boolToken, [v ? 1 : 0]) as never, [], boolPlaceholderDtype(this.boolToken) as never);
  }

  private ds(g: H5Group, name: string, data: unknown, shape?: number[], dtype?: unknown, length?: number): H5Dataset {
    const len = length ?? (ArrayBuffer.isView(data) ? (data as Float32Array).length : Array.isArray(data) ? data.length : 1);
    const args: Record<string, unknown> = { name, data };
    if (shape) args.shape = shape;
    if (dtype) args.dtype = dtype;
    if (this.gzip && (ArrayBuffer.isView(data) || data instanceof Map) && len >= 4096) {
      args.compression = 'gzip';
      args.compression_opts = this.gzip;
      args.chunks = shape && shape.length === 2 ? [Math.max(1, Math.min(shape[0], Math.floor(65536 / Math.max(1, shape[1])))), shape[1]] : [Math.min(len, 65536)];
    }
    if (len === 0 && ArrayBuffer.isView(data)) args.shape = shape ?? [0];
    if (len === 0 && Array.isArray(data)) {
      // h5wasm cannot write an empty vlen-string dataset; an empty uint8 array reads as an empty index.
      args.data = new Uint8Array(0);
      args.shape = [0];
    }
    return g.create_dataset(args as never);
  }

  dict(g: H5Group, name: string): H5Group {
    const sub = g.create_group(name);
    setAttrs(sub, enc('dict', '0.1.0'));
    return sub;
  }

  csr(g: H5Group, name: string, m: Csr): void {
    const sub = g.create_group(name);
    setAttrs(sub, { ...enc('csr_matrix', '0.1.0'), shape: Int32Array.of(m.rows, m.cols) });
    const nnz = m.indptr[m.rows];
    this.ds(sub, 'data', m.data.subarray(0, nnz));
    this.ds(sub, 'indices', m.indices.subarray(0, nnz));
    this.ds(sub, 'indptr', m.indptr);
  }

  matrix(g: H5Group, name: string, m: NumMatrix | Dense, where: string): void {
    checkKey(this.path, where, name);
    const d = this.ds(g, name, m.data, [m.rows, m.cols]);
    setAttrs(d, enc('array', '0.2.0'));
  }

  stringArray(g: H5Group, name: string, values: string[]): void {
    const d = this.ds(g, name, values, [values.length]);
    setAttrs(d, enc('string-array', '0.2.0'));
  }

  frame(g: H5Group, name: string, fr: Frame): void {
    const sub = g.create_group(name);
    const cols = [...fr.columns.keys()];
    for (const k of cols) checkKey(this.path, name, k);
    if (cols.includes('_index')) throw new StnmfError('BAD_INPUT', `${this.path}: ${name} column '_index' clashes with the index name`);
    setAttrs(sub, { ...enc('dataframe', '0.2.0'), _index: '_index', 'column-order': cols });
    this.stringArray(sub, '_index', fr.index);
    for (const [k, c] of fr.columns) this.column(sub, k, c);
  }

  column(g: H5Group, name: string, c: Column): void {
    switch (c.kind) {
      case 'string':
        this.stringArray(g, name, c.values);
        return;
      case 'number': {
        const d = this.ds(g, name, c.values);
        setAttrs(d, enc('array', '0.2.0'));
        return;
      }
      case 'bool': {
        const d = this.boolDs(g, name, c.values);
        setAttrs(d, enc('array', '0.2.0'));
        return;
      }
      case 'category': {
        const sub = g.create_group(name);
        setAttrs(sub, enc('categorical', '0.2.0'));
        this.boolAttr(sub, 'ordered', Boolean(c.ordered));
        for (const k of c.codes) {
          if (k < -1 || k >= c.categories.length) {
            throw new StnmfError('BAD_INPUT', `${this.path}: column ${q(name)}: category code ${k} outside [-1, ${c.categories.length})`);
          }
        }
        // anndata writes the narrowest signed type; int8 covers the usual cluster labels.
        const codes = c.categories.length <= 127 ? Int8Array.from(c.codes) : c.categories.length <= 32767 ? Int16Array.from(c.codes) : c.codes;
        setAttrs(this.ds(sub, 'codes', codes), enc('array', '0.2.0'));
        this.stringArray(sub, 'categories', c.categories);
        return;
      }
    }
  }

  /** An anndata `rec-array`: one compound dataset with a member per field (see {@link H5adRecArray}). */
  recArray(g: H5Group, name: string, r: H5adRecArray): void {
    const dtype: [string, string][] = [];
    const data = new Map<string, unknown>();
    const utf8 = new TextEncoder();
    for (const f of r.recArray) {
      checkKey(this.path, `uns ${name} field`, f.name);
      if (f.values.length !== r.length) throw new StnmfError('BAD_INPUT', `${this.path}: uns ${q(name)} field ${q(f.name)} has ${f.values.length} values, expected ${r.length}`);
      if (Array.isArray(f.values)) {
        let width = 1;
        let ascii = true;
        for (const s of f.values) {
          width = Math.max(width, utf8.encode(s).length);
          if (!/^[\x00-\x7f]*$/.test(s)) ascii = false;
        }
        // ASCII-tagged (`A`) when possible: anndata converts those to numpy U<n>; it re-decodes
        // UTF-8-tagged fixed-length fields after that conversion and fails (anndata 0.8).
        dtype.push([f.name, `${ascii ? 'A' : 'S'}${width}`]);
      } else {
        dtype.push([f.name, f.values instanceof Float32Array ? '<f' : f.values instanceof Float64Array ? '<d' : '<i']);
      }
      data.set(f.name, f.values);
    }
    if (r.length === 0 || dtype.length === 0) throw new StnmfError('BAD_INPUT', `${this.path}: uns ${q(name)}: an empty record array has no h5ad encoding here`);
    const d = g.create_dataset({ name, data, shape: [r.length], dtype } as never);
    setAttrs(d, enc('rec-array', '0.2.0'));
  }

  unsDict(g: H5Group, name: string, obj: Record<string, unknown>): void {
    const sub = this.dict(g, name);
    for (const [k, v] of Object.entries(obj)) {
      checkKey(this.path, `uns ${name}`, k);
      this.unsValue(sub, k, v);
    }
  }

  unsValue(g: H5Group, k: string, v: unknown): void {
    if (v === undefined || v === null) return; // no h5ad encoding for None
    if (typeof v === 'string') {
      const d = g.create_dataset({ name: k, data: v, shape: [] } as never);
      setAttrs(d, enc('string', '0.2.0'));
    } else if (typeof v === 'number') {
      const d = g.create_dataset({ name: k, data: Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? Int32Array.of(v) : Float64Array.of(v), shape: [] } as never);
      setAttrs(d, enc('numeric-scalar', '0.2.0'));
    } else if (typeof v === 'boolean') {
      setAttrs(this.boolDs(g, k, [v ? 1 : 0], true), enc('numeric-scalar', '0.2.0'));
    } else if (typeof v === 'bigint') {
      const d = g.create_dataset({ name: k, data: BigInt64Array.of(v), shape: [] } as never);
      setAttrs(d, enc('numeric-scalar', '0.2.0'));
    } else if (ArrayBuffer.isView(v)) {
      setAttrs(this.ds(g, k, v), enc('array', '0.2.0'));
    } else if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'string')) this.stringArray(g, k, v as string[]);
      else if (v.every((x) => typeof x === 'number')) setAttrs(this.ds(g, k, Float64Array.from(v as number[])), enc('array', '0.2.0'));
      else if (v.every((x) => typeof x === 'boolean')) {
        setAttrs(this.boolDs(g, k, Uint8Array.from(v as boolean[], (b) => (b ? 1 : 0))), enc('array', '0.2.0'));
      } else {
        // Mixed lists have no h5ad encoding; store as a dict keyed by position.
        this.unsDict(g, k, Object.fromEntries(v.map((x, i) => [String(i), x])));
      }
    } else if (isRecArray(v)) {
      this.recArray(g, k, v);
    } else if (isFrame(v)) {
      this.frame(g, k, v);
    } else if (isNumMatrix(v)) {
      this.matrix(g, k, v, 'uns');
    } else if (isCsr(v)) {
      this.csr(g, k, v);
    } else if (typeof v === 'object') {
      this.unsDict(g, k, v as Record<string, unknown>);
    }
  }
}

function isFrame(v: unknown): v is Frame {
  const o = v as Frame;
  return typeof o === 'object' && o !== null && Array.isArray(o.index) && o.columns instanceof Map;
}

function isNumMatrix(v: unknown): v is NumMatrix {
  const o = v as NumMatrix;
  return typeof o === 'object' && o !== null && typeof o.rows === 'number' && typeof o.cols === 'number' && ArrayBuffer.isView(o.data) && !('indptr' in o);
}

function isCsr(v: unknown): v is Csr {
  const o = v as Csr;
  return typeof o === 'object' && o !== null && typeof o.rows === 'number' && o.indptr instanceof Int32Array;
}

// ---------------------------------------------------------------- reading

/**
 * Reads an `.h5ad` file. X may be CSR, CSC (converted) or dense (sparsified); obs/var columns of
 * every encoding listed in formats.md §1.11 are read (nullable ints as float64 with NaN for
 * missing); unknown encodings under uns are skipped and listed in `uns.stnmf_skipped`.
 * `uns.stnmf_meta`, when present (files written by stnmf), restores `meta`. Pre-2022 files
 * (anndata 0.6/0.7 layouts, see the module comment) are read too; 0.6 `uns['<col>_categories']`
 * entries that became categoricals are dropped from uns, as anndata does.
 * @param opts.files  where the file lives (default the disk)
 */
export async function readH5ad(path: string, opts: FileSource = {}): Promise<Dataset> {
  const f = await openH5(path, opts.files);
  try {
    const r = new Reader(path, f);
    const root = readStringAttr(f, 'encoding-type');
    if (root !== undefined && root !== 'anndata') throw badFile(path, `root encoding-type: expected 'anndata', found ${q(root)}`);
    if (!has(f, 'obs') || !has(f, 'var')) throw badFile(path, `missing ${has(f, 'obs') ? "'var'" : "'obs'"}: not an AnnData file`);
    const obs = r.frame(f, 'obs');
    const vr = r.frame(f, 'var');
    // anndata allows X = None; treating it as all zeros would factorise nothing without a word.
    if (!has(f, 'X')) throw badFile(path, "no 'X' matrix (anndata X = None); stnmf reads the counts from X: write them there");
    const X = r.matrixAsCsr(f, 'X');
    if (X.rows !== obs.index.length || X.cols !== vr.index.length) {
      throw badFile(path, `X is ${X.rows} x ${X.cols} but obs has ${obs.index.length} and var ${vr.index.length} rows`);
    }
    const d: Dataset = {
      X,
      obs,
      var: vr,
      obsm: r.numMap(f, 'obsm'),
      varm: r.numMap(f, 'varm'),
      obsp: r.csrMap(f, 'obsp'),
      layers: r.layers(f),
      uns: has(f, 'uns') ? (r.unsGroup(getGroup(f, 'uns')!) as Record<string, unknown>) : {},
      meta: { platform: 'h5ad', source: path, filtered: [] },
    };
    // anndata's _clean_uns: the 0.6 category lists become part of the categorical, not uns.
    for (const k of r.consumedUns) delete d.uns[k];
    restoreMeta(d);
    if (r.skipped.length > 0) d.uns.stnmf_skipped = r.skipped;
    return validateDataset(path, d);
  } finally {
    f.close();
  }
}

function restoreMeta(d: Dataset): void {
  const m = d.uns.stnmf_meta as Record<string, unknown> | undefined;
  if (!m || typeof m !== 'object') return;
  delete d.uns.stnmf_meta;
  if (typeof m.coordinate_unit === 'string') d.meta.coordinateUnit = m.coordinate_unit as Dataset['meta']['coordinateUnit'];
  if (typeof m.microns_per_unit === 'number') d.meta.micronsPerUnit = m.microns_per_unit;
  if (typeof m.platform === 'string') d.uns.original_platform = m.platform;
  const fl = m.filtered as Record<string, unknown> | undefined;
  if (fl && Array.isArray(fl.what)) {
    const what = fl.what as string[];
    const axis = fl.axis as string[];
    const why = fl.why as string[];
    const count = fl.count as ArrayLike<number>;
    d.meta.filtered = what.map((w, i) => ({ axis: axis[i] === 'observations' ? 'observations' : 'features', what: w, count: Number(count[i]), why: why[i] }));
  }
}

/** HDF5 type classes in h5wasm metadata (H5T_class_t). */
const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, ENUM: 8, ARRAY: 10 } as const;

interface H5Meta {
  type: number;
  size: number;
  signed?: boolean;
  enum_type?: { members: Record<string, number> };
  compound_type?: { members: Array<H5Meta & { name: string }> };
  array_type?: H5Meta & { shape: number[] };
}

/** True for h5wasm's `Reference` objects (object references read from attributes). */
function isReference(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { ref_data?: unknown }).ref_data instanceof Uint8Array;
}

class Reader {
  skipped: string[] = [];
  /** uns keys turned into categoricals (0.6 `<col>_categories`), removed from uns afterwards. */
  consumedUns = new Set<string>();
  constructor(
    private path: string,
    private file: H5File,
  ) {}

  encoding(e: H5Group | H5Dataset): string | undefined {
    return readStringAttr(e, 'encoding-type');
  }

  frame(g: H5Group, name: string): Frame {
    const e = g.get(name);
    if (isDataset(e)) {
      if ((e.metadata as H5Meta).compound_type) return this.compoundFrame(e, name);
      throw badFile(this.path, `'${name}': expected a dataframe group or a compound dataset (anndata <= 0.7), found a plain dataset of shape (${(e.shape ?? []).join(', ')})`);
    }
    if (!isGroup(e)) throw badFile(this.path, `missing group '${name}'`);
    const indexName = readStringAttr(e, '_index') ?? (has(e, '_index') ? '_index' : has(e, 'index') ? 'index' : undefined);
    if (!indexName) throw badFile(this.path, `'${name}': missing the _index attribute naming the row labels`);
    const index = readStrings(this.path, needDataset(this.path, e, indexName));
    const orderAttr = readAttr(e, 'column-order');
    const order = Array.isArray(orderAttr) ? (orderAttr as unknown[]).map(String) : typeof orderAttr === 'string' ? [orderAttr] : e.keys().filter((k) => k !== indexName && k !== '__categories');
    const legacyCats = getGroup(e, '__categories');
    const columns = new Map<string, Column>();
    for (const k of order) {
      if (!has(e, k)) throw badFile(this.path, `'${name}': column ${q(k)} is listed in column-order but missing`);
      const c = this.column(e, k, index.length, legacyCats);
      if (c) columns.set(k, c);
      else this.skipped.push(`${name}/${k}`);
    }
    return { index, columns };
  }

  column(g: H5Group, k: string, n: number, legacyCats?: H5Group): Column | undefined {
    const e = g.get(k);
    const where = `${g.path}/${k}`;
    if (isGroup(e)) {
      const t = this.encoding(e);
      if (t === 'categorical') {
        const codes = toInt32(this.path, `${where}/codes`, readValue(this.path, needDataset(this.path, e, 'codes')));
        const catDs = needDataset(this.path, e, 'categories');
        const raw = readValue(this.path, catDs);
        const categories = Array.isArray(raw) || typeof raw === 'string' ? readStrings(this.path, catDs) : Array.from(toFloat64(this.path, where, raw), String);
        const ord = readAttr(e, 'ordered');
        return { kind: 'category', codes, categories, ordered: ord === true || ord === 1 };
      }
      if (t === 'nullable-integer' || t === 'nullable-boolean') {
        const vals = toFloat64(this.path, where, readValue(this.path, needDataset(this.path, e, 'values')));
        const mask = toInt32(this.path, `${where}/mask`, readValue(this.path, needDataset(this.path, e, 'mask')));
        if (t === 'nullable-boolean' && !mask.some((m) => m !== 0)) return { kind: 'bool', values: Uint8Array.from(vals) };
        for (let i = 0; i < vals.length; i++) if (mask[i]) vals[i] = NaN;
        return { kind: 'number', values: vals };
      }
      if (t === 'nullable-string-array') {
        const vals = readStrings(this.path, needDataset(this.path, e, 'values'));
        return { kind: 'string', values: vals };
      }
      return undefined;
    }
    if (!isDataset(e)) return undefined;
    const v = readValue(this.path, e);
    if (Array.isArray(v) || typeof v === 'string') {
      const values = readStrings(this.path, e);
      if (readStringAttr(e, 'stnmf-kind') === 'category') {
        const cats = readAttr(e, 'stnmf-categories');
        const categories = Array.isArray(cats) ? cats.map(String) : [];
        const at = new Map(categories.map((c, i) => [c, i]));
        const codes = Int32Array.from(values, (s) => at.get(s) ?? -1);
        return { kind: 'category', codes, categories, ordered: readAttr(e, 'stnmf-ordered') === 1 };
      }
      return { kind: 'string', values };
    }
    const meta = e.metadata as { type: number; size: number; enum_type?: unknown };
    const isBool = readStringAttr(e, 'stnmf-kind') === 'bool' || meta.enum_type !== undefined;
    if (isBool) return { kind: 'bool', values: Uint8Array.from(toInt32(this.path, where, v)) };
    // Legacy (anndata 0.7) categoricals: integer codes whose `categories` attribute references
    // `__categories/<col>` (which carries `ordered`); older writers left only the group.
    const catDs = this.categoriesRef(e, where) ?? (legacyCats && has(legacyCats, k) ? getDataset(legacyCats, k) : undefined);
    if (catDs) {
      const ord = readAttr(catDs, 'ordered');
      return { kind: 'category', codes: toInt32(this.path, where, v), categories: this.categoryLabels(catDs, where), ordered: ord === true || ord === 1 };
    }
    if (v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array) return { kind: 'number', values: v };
    if (ArrayBuffer.isView(v)) return { kind: 'number', values: toFloat64(this.path, where, v) };
    return undefined;
  }

  /** The dataset a 0.7 `categories` object-reference attribute points to, if any. */
  categoriesRef(e: H5Dataset, where: string): H5Dataset | undefined {
    if (!('categories' in e.attrs)) return undefined;
    let v: unknown;
    try {
      v = e.attrs['categories'].value;
    } catch {
      return undefined;
    }
    const ref = Array.isArray(v) ? v[0] : v;
    if (!isReference(ref)) return undefined;
    let target: unknown;
    try {
      target = this.file.dereference(ref as never);
    } catch {
      target = undefined;
    }
    if (!isDataset(target)) throw badFile(this.path, `${where}: the 'categories' attribute does not reference a dataset`);
    return target;
  }

  /** Category labels of a string or numeric dataset (numbers become their decimal text, as pandas prints them). */
  categoryLabels(ds: H5Dataset, where: string): string[] {
    const raw = readValue(this.path, ds);
    return Array.isArray(raw) || typeof raw === 'string' ? readStrings(this.path, ds) : Array.from(toFloat64(this.path, where, raw), String);
  }

  /**
   * A pre-0.7 dataframe stored as a compound dataset (numpy structured array). As anndata's
   * `read_dataframe_legacy`, the first field is the index (0.6 named it `index`). Integer fields
   * become categoricals when `uns/<field>_categories` exists and every code is below its length
   * (anndata's `_clean_uns` test); that uns entry is then dropped.
   */
  compoundFrame(e: H5Dataset, name: string): Frame {
    const members = (e.metadata as H5Meta).compound_type!.members;
    const rows = readValue(this.path, e);
    if ((e.shape ?? []).length !== 1 || !Array.isArray(rows)) throw badFile(this.path, `'${name}': expected a 1-D compound dataset, found shape (${(e.shape ?? []).join(', ')})`);
    const indexAt = Math.max(0, members.findIndex((m) => m.name === 'index'));
    if (members[indexAt].type !== H5T.STRING) throw badFile(this.path, `'${name}': index field ${q(members[indexAt].name)} is not a string field`);
    const field = (at: number) => rows.map((r) => (r as unknown[])[at]);
    const index = toStrings(this.path, `${name}/${members[indexAt].name}`, field(indexAt));
    const columns = new Map<string, Column>();
    members.forEach((m, at) => {
      if (at === indexAt) return;
      const where = `/${name}/${m.name}`;
      const vals = field(at);
      if (m.type === H5T.STRING) {
        columns.set(m.name, { kind: 'string', values: toStrings(this.path, where, vals) });
      } else if (m.type === H5T.ENUM && m.enum_type && Object.keys(m.enum_type.members).sort().join() === 'FALSE,TRUE') {
        columns.set(m.name, { kind: 'bool', values: Uint8Array.from(vals, (x) => (Number(x) !== 0 ? 1 : 0)) });
      } else if (m.type === H5T.INTEGER) {
        const nums = Float64Array.from(vals, (x) => Number(x));
        const cats = this.unsCategories(m.name, nums);
        if (cats) columns.set(m.name, { kind: 'category', codes: Int32Array.from(nums), categories: cats });
        else columns.set(m.name, { kind: 'number', values: m.size <= 4 && m.signed !== false ? Int32Array.from(nums) : nums });
      } else if (m.type === H5T.FLOAT) {
        columns.set(m.name, { kind: 'number', values: m.size <= 4 ? Float32Array.from(vals as number[]) : Float64Array.from(vals as number[]) });
      } else {
        this.skipped.push(`${name}/${m.name}`);
      }
    });
    return { index, columns };
  }

  /** 0.6 categories of column `col` from `uns/<col>_categories`, when the codes fit them. */
  unsCategories(col: string, codes: Float64Array): string[] | undefined {
    const key = `${col}_categories`;
    const ds = getDataset(this.file, `uns/${key}`);
    if (!ds) return undefined;
    const cats = this.categoryLabels(ds, `/uns/${key}`);
    for (const c of codes) if (!Number.isInteger(c) || c < -1 || c >= cats.length) return undefined;
    this.consumedUns.add(key);
    return cats;
  }

  /**
   * 0.6 obsm/varm: one compound dataset whose fields are fixed-size array members, each an
   * (n x k) matrix (anndata's BoundRecArr); scalar fields are n x 1.
   */
  compoundMap(e: H5Dataset, name: string): Record<string, NumMatrix> {
    const members = (e.metadata as H5Meta).compound_type!.members;
    const rows = readValue(this.path, e);
    const n = (e.shape ?? [])[0] ?? 0;
    const out: Record<string, NumMatrix> = {};
    if (!Array.isArray(rows)) throw badFile(this.path, `'${name}': cannot read the compound dataset`);
    members.forEach((m, at) => {
      const elem: H5Meta = m.type === H5T.ARRAY && m.array_type ? m.array_type : m;
      const shape = m.type === H5T.ARRAY ? (m.array_type?.shape ?? []) : [];
      const cols = shape.reduce((a, b) => a * b, 1);
      const inner = elem.type;
      if (inner !== H5T.FLOAT && inner !== H5T.INTEGER) {
        this.skipped.push(`${name}/${m.name}`);
        return;
      }
      const f32 = inner === H5T.FLOAT && elem.size === 4;
      const data = f32 ? new Float32Array(n * cols) : new Float64Array(n * cols);
      for (let i = 0; i < n; i++) {
        const v = (rows[i] as unknown[])[at];
        if (cols === 1 && shape.length === 0) data[i] = Number(v);
        else {
          const flat = (v as unknown[]).flat(Infinity) as unknown[];
          for (let j = 0; j < cols; j++) data[i * cols + j] = Number(flat[j]);
        }
      }
      out[m.name] = { rows: n, cols, data };
    });
    return out;
  }

  matrixAsCsr(g: H5Group, name: string): Csr {
    const e = g.get(name);
    const where = `${g.path === '/' ? '' : g.path}/${name}`;
    if (isGroup(e)) {
      const t = this.encoding(e) ?? (readStringAttr(e, 'h5sparse_format') === 'csr' ? 'csr_matrix' : readStringAttr(e, 'h5sparse_format') === 'csc' ? 'csc_matrix' : undefined);
      const shapeAttr = readAttr(e, 'shape') ?? readAttr(e, 'h5sparse_shape');
      if ((t === 'csr_matrix' || t === 'csc_matrix') && Array.isArray(shapeAttr)) {
        const [r, c] = (shapeAttr as number[]).map(Number);
        if (!(Number.isInteger(r) && r >= 0 && Number.isInteger(c) && c >= 0)) throw badFile(this.path, `${where}: invalid shape attribute (${(shapeAttr as unknown[]).join(', ')})`);
        // Hyperslab reads converted as they arrive: no whole-array copy of the stored type (issue 16).
        const data = readFloat32(this.path, needDataset(this.path, e, 'data'));
        const indices = readInt32(this.path, needDataset(this.path, e, 'indices'));
        const indptr = readInt32(this.path, needDataset(this.path, e, 'indptr'));
        // Structure is checked in the stored orientation, before a CSC transpose could index out of range.
        const stored = canonicalizeCsr(this.path, where, t === 'csr_matrix' ? { rows: r, cols: c, indptr, indices, data } : { rows: c, cols: r, indptr, indices, data });
        return t === 'csr_matrix' ? stored : transposeCsr(stored);
      }
      throw badFile(this.path, `${where}: unsupported matrix encoding ${q(t ?? 'none')}`);
    }
    if (isDataset(e)) {
      const shape = e.shape ?? [];
      if (shape.length !== 2) throw badFile(this.path, `${where}: expected a 2-D array, found shape (${shape.join(', ')})`);
      const data = toFloat32(this.path, where, readValue(this.path, e));
      return csrFromDense({ rows: shape[0], cols: shape[1], data });
    }
    throw badFile(this.path, `missing '${where}'`);
  }

  numMap(f: H5Group, name: string): Record<string, NumMatrix> {
    const ds = getDataset(f, name);
    if (ds && (ds.metadata as H5Meta).compound_type) return this.compoundMap(ds, name);
    const g = getGroup(f, name);
    const out: Record<string, NumMatrix> = {};
    if (!g) return out;
    for (const k of g.keys()) {
      const e = g.get(k);
      if (isDataset(e) && e.shape && e.shape.length <= 2) {
        const v = readValue(this.path, e);
        const data = v instanceof Float32Array ? v : toFloat64(this.path, `${name}/${k}`, v);
        out[k] = { rows: e.shape[0], cols: e.shape.length === 2 ? e.shape[1] : 1, data };
      } else this.skipped.push(`${name}/${k}`);
    }
    return out;
  }

  csrMap(f: H5Group, name: string): Record<string, Csr> {
    const g = getGroup(f, name);
    const out: Record<string, Csr> = {};
    if (!g) return out;
    for (const k of g.keys()) out[k] = this.matrixAsCsr(g, k);
    return out;
  }

  layers(f: H5Group): Record<string, Csr | Dense> {
    const g = getGroup(f, 'layers');
    const out: Record<string, Csr | Dense> = {};
    if (!g) return out;
    for (const k of g.keys()) {
      const e = g.get(k);
      if (isDataset(e) && e.shape?.length === 2) out[k] = { rows: e.shape[0], cols: e.shape[1], data: toFloat32(this.path, `layers/${k}`, readValue(this.path, e)) };
      else out[k] = this.matrixAsCsr(g, k);
    }
    return out;
  }

  unsGroup(g: H5Group): unknown {
    const t = this.encoding(g);
    if (t === 'csr_matrix' || t === 'csc_matrix') return this.matrixAsCsr(g.parent, g.path.split('/').pop()!);
    if (t !== undefined && t !== 'dict') {
      this.skipped.push(`${g.path} (${t})`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const k of g.keys()) {
      const e = g.get(k);
      let v: unknown;
      if (isGroup(e)) v = this.unsGroup(e);
      else if (isDataset(e)) v = this.unsDataset(e);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  unsDataset(e: H5Dataset): unknown {
    const v = readValue(this.path, e);
    const shape = e.shape ?? [];
    const bool = readStringAttr(e, 'stnmf-kind') === 'bool' || (e.metadata as { enum_type?: unknown }).enum_type !== undefined;
    if (typeof v === 'string') return v.replace(/\0+$/, '');
    if (Array.isArray(v)) return readStrings(this.path, e);
    if (shape.length === 0) {
      const x = typeof v === 'bigint' ? Number(v) : ArrayBuffer.isView(v) ? Number((v as unknown as ArrayLike<number | bigint>)[0]) : Number(v);
      return bool ? x !== 0 : x;
    }
    if (bool && ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => x !== 0);
    if (shape.length === 2 && ArrayBuffer.isView(v)) {
      const data = v instanceof Float32Array ? v : toFloat64(this.path, e.path, v);
      return { rows: shape[0], cols: shape[1], data };
    }
    if (v instanceof BigInt64Array) return toFloat64(this.path, e.path, v);
    return v;
  }
}

