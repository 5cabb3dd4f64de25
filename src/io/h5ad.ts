/**
 * AnnData `.h5ad` (formats.md §1.11): the reader, for the current encoding plus the pre-2022
 * layouts (anndata <= 0.7): obs/var/obsm/varm as compound
 * datasets, categorical codes with categories in `uns['<col>_categories']` (0.6) or behind a
 * `categories` object-reference attribute (0.7), sparse X tagged `h5sparse_format`.
 * The writer is ./h5ad-write.ts (re-exported here, so `io/h5ad.js` stays the one import).
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
import {
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

export { encodeH5ad, isRecArray, writeH5ad, type H5adRecArray, type H5adWriteOptions } from './h5ad-write.js';

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
  // A file of several samples (written by stnmf from --samples/--sample-key) stays one: its
  // spatial graphs are again built per sample. Only when the column is there.
  if (typeof m.sample_key === 'string' && d.obs.columns.has(m.sample_key)) d.meta.sampleKey = m.sample_key;
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

