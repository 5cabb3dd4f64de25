/**
 * Molecule-level tables to count matrices: CosMx `tx_file.csv` (transcripts to cells) and
 * Stereo-seq GEM (DNBs to bins or cells) stream one record per (observation, feature, count).
 * Labels are interned to indices as they appear; the triplets go into growable typed arrays and
 * become a canonical CSR at the end (duplicates summed). Centroids are running means.
 */
import type { Csr } from '../linalg/csr.js';
import { canonicalizeCsr } from './util.js';

/** Interns string labels to dense indices in order of first appearance. */
export class Interner {
  readonly names: string[] = [];
  private readonly at = new Map<string, number>();

  /** Index of `name`, adding it when new. */
  id(name: string): number {
    let i = this.at.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.at.set(name, i);
      this.names.push(name);
    }
    return i;
  }

  /** Index of `name`, or undefined. */
  get(name: string): number | undefined {
    return this.at.get(name);
  }

  get size(): number {
    return this.names.length;
  }
}

/** Accumulates (row, col, value) triplets and per-row coordinate sums. */
export class TripletAccumulator {
  private row = new Int32Array(1 << 16);
  private col = new Int32Array(1 << 16);
  private val = new Float32Array(1 << 16);
  private n = 0;
  private sx = new Float64Array(1 << 12);
  private sy = new Float64Array(1 << 12);
  private w = new Float64Array(1 << 12);

  /** Adds `v` at (i, j); when `x`/`y` are given they count towards row i's centroid with weight `v`. */
  add(i: number, j: number, v: number, x?: number, y?: number): void {
    if (this.n === this.row.length) {
      const cap = this.n * 2;
      this.row = grow(this.row, cap);
      this.col = grow(this.col, cap);
      this.val = grow(this.val, cap);
    }
    this.row[this.n] = i;
    this.col[this.n] = j;
    this.val[this.n] = v;
    this.n++;
    if (x !== undefined && y !== undefined) {
      if (i >= this.w.length) {
        const cap = Math.max(i + 1, this.w.length * 2);
        this.sx = grow(this.sx, cap);
        this.sy = grow(this.sy, cap);
        this.w = grow(this.w, cap);
      }
      this.sx[i] += v * x;
      this.sy[i] += v * y;
      this.w[i] += v;
    }
  }

  /** Stored triplets. */
  get count(): number {
    return this.n;
  }

  /** The rows x cols CSR (duplicates summed, columns sorted). */
  toCsr(file: string, rows: number, cols: number): Csr {
    const indptr = new Int32Array(rows + 1);
    for (let t = 0; t < this.n; t++) indptr[this.row[t] + 1]++;
    for (let i = 0; i < rows; i++) indptr[i + 1] += indptr[i];
    const next = indptr.slice(0, rows);
    const indices = new Int32Array(this.n);
    const data = new Float32Array(this.n);
    for (let t = 0; t < this.n; t++) {
      const q = next[this.row[t]]++;
      indices[q] = this.col[t];
      data[q] = this.val[t];
    }
    return canonicalizeCsr(file, 'aggregated counts', { rows, cols, indptr, indices, data });
  }

  /** Weighted mean [x, y] per row (NaN for rows without coordinates), as an n x 2 array. */
  centroids(rows: number): Float64Array {
    const out = new Float64Array(2 * rows);
    for (let i = 0; i < rows; i++) {
      const w = i < this.w.length ? this.w[i] : 0;
      out[2 * i] = w > 0 ? this.sx[i] / w : NaN;
      out[2 * i + 1] = w > 0 ? this.sy[i] / w : NaN;
    }
    return out;
  }
}

function grow<T extends Int32Array | Float32Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  return b;
}
