/**
 * Compressed sparse row matrices: float32 values, int32 indices (architecture.md §1).
 * Row i holds entries `indptr[i] .. indptr[i+1]-1`; `indices` are column numbers, sorted and
 * unique within a row for every matrix built here (readers sort on input).
 */
import type { Dense } from './dense.js';

/** A CSR matrix, observations x features. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  /** Length `rows + 1`, non-decreasing, `indptr[0] = 0`, `indptr[rows] = nnz`. */
  readonly indptr: Int32Array;
  /** Column index of each stored value, length nnz. */
  readonly indices: Int32Array;
  /** Stored values, length nnz. */
  readonly data: Float32Array;
}

/** Number of stored entries. */
export function nnz(a: Csr): number {
  return a.indptr[a.rows];
}

/** Builds a CSR matrix from a dense one, keeping entries that are not zero. */
export function csrFromDense(a: Dense): Csr {
  const { rows, cols, data } = a;
  let count = 0;
  for (let t = 0; t < data.length; t++) if (data[t] !== 0) count++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(count);
  const values = new Float32Array(count);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j];
      if (v !== 0) {
        indices[p] = j;
        values[p] = v;
        p++;
      }
    }
    indptr[i + 1] = p;
  }
  return { rows, cols, indptr, indices, data: values };
}

/** Dense copy (tests and small matrices only: never call on count matrices of real size). */
export function csrToDense(a: Csr): Dense {
  const out = new Float32Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) out[i * a.cols + a.indices[p]] += a.data[p];
  }
  return { rows: a.rows, cols: a.cols, data: out };
}

/**
 * The transpose as a CSR matrix (equivalently, `a` in CSC form). Column indices of the result
 * come out sorted because rows of `a` are visited in order. O(nnz + rows + cols).
 */
export function transposeCsr(a: Csr): Csr {
  const { rows, cols, indptr, indices, data } = a;
  const n = indptr[rows];
  const tIndptr = new Int32Array(cols + 1);
  for (let p = 0; p < n; p++) tIndptr[indices[p] + 1]++;
  for (let j = 0; j < cols; j++) tIndptr[j + 1] += tIndptr[j];
  const next = tIndptr.slice(0, cols);
  const tIndices = new Int32Array(n);
  const tData = new Float32Array(n);
  for (let i = 0; i < rows; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const q = next[indices[p]]++;
      tIndices[q] = i;
      tData[q] = data[p];
    }
  }
  return { rows: cols, cols: rows, indptr: tIndptr, indices: tIndices, data: tData };
}

/**
 * Builds a CSR matrix from coordinate triplets. Duplicated (row, col) pairs are summed,
 * explicit zeros are kept out, and indices within a row come out sorted.
 */
export function csrFromCoo(
  rows: number,
  cols: number,
  rowIdx: ArrayLike<number>,
  colIdx: ArrayLike<number>,
  values: ArrayLike<number>,
): Csr {
  // Bucket the triplets by row (in input order within a row), then put each row in order.
  const m = rowIdx.length;
  const indptr = new Int32Array(rows + 1);
  for (let t = 0; t < m; t++) indptr[rowIdx[t] + 1]++;
  for (let i = 0; i < rows; i++) indptr[i + 1] += indptr[i];
  const next = indptr.slice(0, rows);
  const indices = new Int32Array(m);
  const data = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const q = next[rowIdx[t]]++;
    indices[q] = colIdx[t];
    data[q] = values[t];
  }
  return canonicalRows({ rows, cols, indptr, indices, data }, true);
}

/** A CSR-shaped matrix whose values may be of any width (e.g. float64 before rounding once). */
export interface CsrLike {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: ArrayLike<number>;
}

/**
 * `a` in canonical form: column indices sorted within each row, duplicated entries summed (in
 * float64, in input order, rounded once to float32), and with `dropZeros` no stored zeros (a
 * zero read or summed). Returns `a` itself when it is already so and float32. The one
 * implementation behind `csrFromCoo` and the readers' `canonicalizeCsr`. Structure (indptr,
 * index range) is the caller's to check.
 */
export function canonicalRows(a: CsrLike, dropZeros = false): Csr {
  const { rows, cols, indptr, indices, data } = a;
  let clean = data instanceof Float32Array;
  for (let i = 0; i < rows && clean; i++) {
    let last = -1;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      if (indices[p] <= last || (dropZeros && data[p] === 0)) {
        clean = false;
        break;
      }
      last = indices[p];
    }
  }
  if (clean) return a as Csr;
  const m = indptr[rows];
  const outPtr = new Int32Array(rows + 1);
  const outIdx = new Int32Array(m);
  const outVal = new Float64Array(m);
  const order: number[] = [];
  let q = 0;
  for (let i = 0; i < rows; i++) {
    const start = q;
    order.length = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) order.push(p);
    order.sort((x, y) => indices[x] - indices[y]); // stable: duplicates summed in input order
    let last = -1;
    for (const p of order) {
      if (indices[p] === last) outVal[q - 1] += data[p];
      else {
        outIdx[q] = indices[p];
        outVal[q] = data[p];
        last = indices[p];
        q++;
      }
    }
    if (dropZeros) {
      let w = start;
      for (let t = start; t < q; t++) {
        if (outVal[t] !== 0) {
          outIdx[w] = outIdx[t];
          outVal[w] = outVal[t];
          w++;
        }
      }
      q = w;
    }
    outPtr[i + 1] = q;
  }
  return { rows, cols, indptr: outPtr, indices: outIdx.slice(0, q), data: Float32Array.from(outVal.subarray(0, q)) };
}

/** Rows `rowIds` (in that order) and all columns, as a new CSR matrix. */
export function selectRows(a: Csr, rowIds: ArrayLike<number>): Csr {
  const m = rowIds.length;
  const indptr = new Int32Array(m + 1);
  for (let r = 0; r < m; r++) {
    const i = rowIds[r];
    indptr[r + 1] = indptr[r] + (a.indptr[i + 1] - a.indptr[i]);
  }
  const indices = new Int32Array(indptr[m]);
  const data = new Float32Array(indptr[m]);
  for (let r = 0; r < m; r++) {
    const i = rowIds[r];
    const s = a.indptr[i];
    const len = a.indptr[i + 1] - s;
    indices.set(a.indices.subarray(s, s + len), indptr[r]);
    data.set(a.data.subarray(s, s + len), indptr[r]);
  }
  return { rows: m, cols: a.cols, indptr, indices, data };
}

/**
 * Columns `colIds` (in that order) of every row, as a new CSR matrix with columns renumbered
 * 0..colIds.length-1. Columns not listed are dropped.
 */
export function selectCols(a: Csr, colIds: ArrayLike<number>): Csr {
  const map = new Int32Array(a.cols).fill(-1);
  for (let c = 0; c < colIds.length; c++) map[colIds[c]] = c;
  const indptr = new Int32Array(a.rows + 1);
  let count = 0;
  for (let p = 0; p < a.indptr[a.rows]; p++) if (map[a.indices[p]] >= 0) count++;
  const indices = new Int32Array(count);
  const data = new Float32Array(count);
  let q = 0;
  const sorted = isIncreasing(colIds);
  for (let i = 0; i < a.rows; i++) {
    const start = q;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const c = map[a.indices[p]];
      if (c >= 0) {
        indices[q] = c;
        data[q] = a.data[p];
        q++;
      }
    }
    if (!sorted) sortRowSegment(indices, data, start, q);
    indptr[i + 1] = q;
  }
  return { rows: a.rows, cols: colIds.length, indptr, indices, data };
}

function isIncreasing(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

function sortRowSegment(indices: Int32Array, data: Float32Array, start: number, end: number): void {
  // Insertion sort: row segments are short and nearly sorted after a column permutation.
  for (let p = start + 1; p < end; p++) {
    const ci = indices[p];
    const cv = data[p];
    let q = p - 1;
    while (q >= start && indices[q] > ci) {
      indices[q + 1] = indices[q];
      data[q + 1] = data[q];
      q--;
    }
    indices[q + 1] = ci;
    data[q + 1] = cv;
  }
}
