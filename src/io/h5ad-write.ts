/**
 * AnnData `.h5ad` writer for anndata >= 0.8 readers (the reader is ./h5ad.ts): X as
 * `csr_matrix` (float32 data, int32 indices), obs/var `dataframe` with string, numeric, bool and
 * `categorical` columns, obsm/varm 2-D `array`s, obsp `csr_matrix`, layers (CSR or dense), uns
 * as nested `dict`s of scalars, strings, string arrays, numeric arrays and 2-D matrices.
 * Booleans (bool columns, uns flags, the categorical `ordered` attribute) are the HDF5 enum h5py
 * uses for numpy bool, so pandas sees real bools and real categoricals (h5bool.ts explains how
 * that type is produced with h5wasm).
 */
import type { Column, Dataset, Frame, NumMatrix } from '../dataset.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { StnmfError } from '../errors.js';
import { withAtomicPath, type WriteOptions } from './atomic.js';
import { zeroObjectTimes, zeroObjectTimesIn } from './h5-times.js';
import { boolPlaceholderData, boolPlaceholderDtype, newBoolToken, patchBoolEnums, patchBoolEnumsInBytes } from './h5bool.js';
import { createH5, createMemoryH5, type H5Dataset, type H5File, type H5Group } from './h5.js';
import { q } from './util.js';

/** Elements above which a 1-D array is written in pieces of this many (64 MiB of float32). */
let WRITE_PIECE = 1 << 24;
/** Chunk length (elements) of an array written in pieces: 4 MiB of float32. */
let WRITE_CHUNK = 1 << 20;

/**
 * Test hook: the piece length of long 1-D writes (undefined restores the default 2^24; the
 * chunk length follows, at most 2^20). Returns the previous piece length.
 */
export function setH5adWritePieceElements(n: number | undefined): number {
  const prev = WRITE_PIECE;
  WRITE_PIECE = n ?? 1 << 24;
  WRITE_CHUNK = Math.min(1 << 20, WRITE_PIECE);
  return prev;
}
type PieceArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array;

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
      // Same dataset, same bytes: HDF5 stamps object headers with the wall clock (h5-times.ts).
      zeroObjectTimes(tmp);
    },
    opts,
  );
}

/**
 * The bytes of the `.h5ad` file {@link writeH5ad} writes for `d`, built in h5wasm's in-memory
 * file system with the same writer, so it runs in a browser (the app's `result.h5ad`
 * download) and never touches the disk. The same bytes as `writeH5ad`'s file, object
 * timestamps zeroed as there (test/io-vfs-readers.test.ts compares them).
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
  zeroObjectTimesIn(bytes);
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
  // Which obs column names each observation's sample: read back, spatial steps keep samples apart.
  if (d.meta.sampleKey !== undefined) m.sample_key = d.meta.sampleKey;
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
    if (!this.gzip && ArrayBuffer.isView(data) && (!shape || shape.length === 1) && len > WRITE_PIECE) {
      return this.piecewise(g, name, data as PieceArray, dtype);
    }
    if (len === 0 && ArrayBuffer.isView(data)) args.shape = shape ?? [0];
    if (len === 0 && Array.isArray(data)) {
      // h5wasm cannot write an empty vlen-string dataset; an empty uint8 array reads as an empty index.
      args.data = new Uint8Array(0);
      args.shape = [0];
    }
    return g.create_dataset(args as never);
  }

  /**
   * A long 1-D array written hyperslab by hyperslab: h5wasm copies a whole array into its 2 GiB
   * heap before writing it, which fails for X of a Visium HD slide and, at a million cells,
   * doubles the memory the write needs. The dataset is chunked (`WRITE_CHUNK` elements,
   * uncompressed), which h5py, anndata and HDF5 read like a contiguous one.
   */
  private piecewise(g: H5Group, name: string, data: PieceArray, dtype?: unknown): H5Dataset {
    const n = data.length;
    const Ctor = data.constructor as new (len: number) => PieceArray;
    const args: Record<string, unknown> = { name, data: new Ctor(0), shape: [0], maxshape: [n], chunks: [WRITE_CHUNK] };
    if (dtype) args.dtype = dtype;
    const d = g.create_dataset(args as never);
    d.resize([n]);
    for (let s = 0; s < n; s += WRITE_PIECE) {
      const e = Math.min(n, s + WRITE_PIECE);
      d.write_slice([[s, e]], data.subarray(s, e) as never);
    }
    return d;
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

