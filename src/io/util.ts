/**
 * Helpers shared by the readers: error construction, label uniqueness, CSR canonical form,
 * feature-type bookkeeping. Node-only folder, but nothing here touches the file system.
 */
import type { Csr } from '../linalg/csr.js';
import type { Column, Dataset, FilterRecord, Frame } from '../dataset.js';
export { badFile, badInput, canonicalizeCsr, checkCounts, q, requireUnique } from './validate.js';

/**
 * Makes labels unique the way anndata's `var_names_make_unique` does: the first occurrence
 * keeps its name, later ones get `-1`, `-2`, ... (skipping suffixes already taken).
 * Returns the input array itself when nothing repeats.
 */
export function makeUnique(names: string[]): { names: string[]; renamed: number } {
  const seen = new Set<string>();
  let dup = false;
  for (const n of names) {
    if (seen.has(n)) {
      dup = true;
      break;
    }
    seen.add(n);
  }
  if (!dup) return { names, renamed: 0 };
  const taken = new Set(names);
  const counter = new Map<string, number>();
  const first = new Set<string>();
  const out = new Array<string>(names.length);
  let renamed = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (!first.has(n)) {
      first.add(n);
      out[i] = n;
      continue;
    }
    let c = counter.get(n) ?? 0;
    let candidate: string;
    do {
      c++;
      candidate = `${n}-${c}`;
    } while (taken.has(candidate));
    counter.set(n, c);
    taken.add(candidate);
    out[i] = candidate;
    renamed++;
  }
  return { names: out, renamed };
}

/** `Negative Control Probe` -> `negative_control_probe`. */
export function snakeCase(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The obs column that receives per-cell totals of a feature type kept out of X. Xenium's own
 * `cells.csv` names are used where they exist, so the two sources can be compared.
 */
export function totalsColumnFor(featureType: string): string {
  switch (featureType) {
    case 'Negative Control Probe':
      return 'control_probe_counts';
    case 'Negative Control Codeword':
      return 'control_codeword_counts';
    case 'Blank Codeword': // the pre-XOA-2 name of Unassigned Codeword (formats.md §1.5)
    case 'Unassigned Codeword':
      return 'unassigned_codeword_counts';
    case 'Deprecated Codeword':
      return 'deprecated_codeword_counts';
    case 'Genomic Control':
      return 'genomic_control_counts';
    default:
      return `${snakeCase(featureType)}_counts`;
  }
}

/** A categorical column from string values (categories in order of first appearance, sorted). */
export function categorical(values: string[]): Column {
  const cats = [...new Set(values)].sort();
  const idx = new Map(cats.map((c, i) => [c, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = idx.get(values[i])!;
  return { kind: 'category', codes, categories: cats };
}

/** Rows of a column selected by index (any kind). */
export function takeColumn(c: Column, ids: ArrayLike<number>): Column {
  const n = ids.length;
  switch (c.kind) {
    case 'string': {
      const v = new Array<string>(n);
      for (let i = 0; i < n; i++) v[i] = c.values[ids[i]];
      return { kind: 'string', values: v };
    }
    case 'number': {
      const ctor = c.values.constructor as { new (n: number): Float64Array | Float32Array | Int32Array };
      const v = new ctor(n);
      for (let i = 0; i < n; i++) v[i] = c.values[ids[i]];
      return { kind: 'number', values: v };
    }
    case 'bool': {
      const v = new Uint8Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[ids[i]];
      return { kind: 'bool', values: v };
    }
    case 'category': {
      const v = new Int32Array(n);
      for (let i = 0; i < n; i++) v[i] = c.codes[ids[i]];
      return { kind: 'category', codes: v, categories: c.categories, ordered: c.ordered };
    }
  }
}

/** Rows of a frame selected by index. */
export function takeFrame(f: Frame, ids: ArrayLike<number>): Frame {
  const index = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) index[i] = f.index[ids[i]];
  const columns = new Map<string, Column>();
  for (const [k, c] of f.columns) columns.set(k, takeColumn(c, ids));
  return { index, columns };
}

/** Adds a FilterRecord, merging with an existing one for the same axis and `what`. */
export function addFilter(d: Dataset, rec: FilterRecord): void {
  if (rec.count === 0) return;
  d.meta.filtered.push(rec);
}

/** Row sums of a CSR matrix in float64. */
export function rowSums(a: Csr): Float64Array {
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) s += a.data[p];
    out[i] = s;
  }
  return out;
}

/** Growable CSR assembly, row by row, for streaming readers. */
export class CsrBuilder {
  private idx = new Int32Array(1 << 16);
  private val = new Float32Array(1 << 16);
  private ptr = new Int32Array(1 << 10);
  private n = 0;
  /** Rows finished so far. */
  rows = 0;

  /** Appends one stored value to the current row (columns must be pushed in increasing order). */
  push(col: number, v: number): void {
    if (this.n === this.idx.length) {
      const cap = this.idx.length * 2;
      const i2 = new Int32Array(cap);
      i2.set(this.idx);
      this.idx = i2;
      const v2 = new Float32Array(cap);
      v2.set(this.val);
      this.val = v2;
    }
    this.idx[this.n] = col;
    this.val[this.n] = v;
    this.n++;
  }

  /** Closes the current row. */
  endRow(): void {
    if (this.rows + 2 > this.ptr.length) {
      const p2 = new Int32Array(this.ptr.length * 2);
      p2.set(this.ptr);
      this.ptr = p2;
    }
    this.rows++;
    this.ptr[this.rows] = this.n;
  }

  /** Number of values stored so far. */
  get nnz(): number {
    return this.n;
  }

  /** The matrix with `cols` columns (trimmed copies of the buffers). */
  build(cols: number): Csr {
    return {
      rows: this.rows,
      cols,
      indptr: this.ptr.slice(0, this.rows + 1),
      indices: this.idx.slice(0, this.n),
      data: this.val.slice(0, this.n),
    };
  }
}

/**
 * Row of `keys` holding each id (-1 when absent), with the number of absent ids and the first
 * of them, so a reader can join a matrix to its positions/metadata table and name what is missing.
 */
export function matchIds(ids: readonly string[], keys: readonly string[]): { map: Int32Array; missing: number; first: string } {
  const at = new Map<string, number>();
  keys.forEach((k, i) => at.set(k, i));
  const map = new Int32Array(ids.length);
  let missing = 0;
  let first = '';
  for (let i = 0; i < ids.length; i++) {
    const k = at.get(ids[i]);
    if (k === undefined) {
      if (missing++ === 0) first = ids[i];
      map[i] = -1;
    } else map[i] = k;
  }
  return { map, missing, first };
}
