/**
 * Dense row-major float32 matrices. Entry (i, j) of an `rows x cols` matrix is
 * `data[i * cols + j]`. Plain objects, no hidden state, so they cross worker and wasm
 * boundaries as they are.
 */

import { StnmfError } from '../errors.js';

/** A dense row-major float32 matrix. */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  /** Row-major values, length `rows * cols`. May be a view into wasm memory. */
  readonly data: Float32Array;
}

/** A zero matrix of the given shape. */
export function zeros(rows: number, cols: number): Dense {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

/** Wraps existing row-major values; throws when the length does not match the shape. */
export function dense(rows: number, cols: number, data: Float32Array): Dense {
  if (data.length !== rows * cols) {
    throw new StnmfError('BAD_INPUT', `dense: ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  return { rows, cols, data };
}

/** Builds a dense matrix from nested arrays (tests and small inputs). */
export function fromRows(rows: ArrayLike<number>[]): Dense {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const out = zeros(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new StnmfError('BAD_INPUT', `fromRows: row ${i} has ${rows[i].length} values, expected ${c}`);
    for (let j = 0; j < c; j++) out.data[i * c + j] = rows[i][j];
  }
  return out;
}

/** A copy of `a` with fresh storage. */
export function cloneDense(a: Dense): Dense {
  return { rows: a.rows, cols: a.cols, data: a.data.slice() };
}

/** The transpose as a new matrix. */
export function transposeDense(a: Dense): Dense {
  const out = zeros(a.cols, a.rows);
  const { rows, cols, data } = a;
  const o = out.data;
  // Blocked so both sides stay in cache for tall-thin factor matrices.
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) o[j * rows + i] = data[i * cols + j];
    }
  }
  return out;
}

/** Row `i` of `a` as a subarray view (no copy). */
export function row(a: Dense, i: number): Float32Array {
  return a.data.subarray(i * a.cols, (i + 1) * a.cols);
}
