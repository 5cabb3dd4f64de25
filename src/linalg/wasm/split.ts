/**
 * How the WebAssembly kernels cut a call into shares for their threads: row ranges of equal
 * size (dense operands) or of equal stored entries (CSR operands), and the argument lists of
 * the shares. Free functions over plain numbers, so every backend call splits the same way
 * and results depend on the thread count only, never on timing.
 */

/** Row boundaries of `parts` shares of n rows, multiples of `align` except the end. */
export function evenSplit(n: number, parts: number, align = 1): number[] {
  const b = [0];
  for (let t = 1; t < parts; t++) b.push(Math.min(n, Math.round((n * t) / parts / align) * align));
  b.push(n);
  return b;
}

/** Row boundaries balancing stored entries plus rows (empty rows still cost a store). */
export function csrSplit(indptr: Int32Array, rows: number, parts: number): number[] {
  const total = indptr[rows] + rows;
  const b = [0];
  for (let t = 1; t < parts; t++) {
    const target = (total * t) / parts;
    let lo = b[t - 1], hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indptr[mid] + mid < target) lo = mid + 1;
      else hi = mid;
    }
    b.push(lo);
  }
  b.push(rows);
  return b;
}

/** The argument list of each share `t` of the boundaries `b`, made by `f(first row, end row, t)`. */
export function ranges(b: number[], f: (r0: number, r1: number, t: number) => number[]): number[][] {
  const out: number[][] = [];
  for (let t = 0; t + 1 < b.length; t++) out.push(f(b[t], b[t + 1], t));
  return out;
}
