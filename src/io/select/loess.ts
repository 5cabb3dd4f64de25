/**
 * One-predictor loess as Cleveland, Grosse and Shyu's `dloess` computes it with its defaults
 * (`family='gaussian'`, `surface='interpolate'`, `cell=0.2`), which is what scikit-misc's
 * `loess(x, y, span, degree)` and therefore scanpy's `highly_variable_genes(flavor='seurat_v3')`
 * run. Two parts:
 *
 * - the local fit at a point z: the q = floor(n·span) nearest x (span ≤ 1), distance to the q-th
 *   as bandwidth ρ, tricube weights (1 − (|x−z|/ρ)³)³, weighted least squares of degree 1 or 2 in
 *   (x − z); the intercept is the fitted value and the linear coefficient the slope;
 * - the `interpolate` surface: a k-d tree over x (bounding box widened by 0.5 % of the range on
 *   each side; a cell of more than fc = floor(n·span·cell) points is split at its median point,
 *   moved off runs of tied values), local fits (value and slope) at every cell boundary, and
 *   cubic Hermite interpolation inside each leaf cell.
 * Checked against scikit-misc 0.1.4 to 2e-15 on the Xenium gene means (scripts/fixtures/select_oracle.py).
 *
 * Pure numeric code (layer-0 style: no I/O).
 */
import { StnmfError } from '../../errors.js';

/** Value and slope of the local polynomial fit at `z`. */
export function localFit(x: Float64Array, y: Float64Array, z: number, q: number, degree: 1 | 2, dist: Float64Array): [number, number] {
  const n = x.length;
  for (let i = 0; i < n; i++) dist[i] = Math.abs(x[i] - z);
  const rho = kthSmallest(dist, q);
  // Normal equations of the weighted fit in the centred basis 1, t, t² (t = x − z). The 3×3
  // system is solved with partial pivoting; in float64 this agrees with the QR/SVD route of
  // dloess to ~1e-15 for the well-separated designs seen here.
  const k = degree + 1;
  const A = new Float64Array(9);
  const b = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(x[i] - z);
    if (!(d < rho)) continue;
    const r = d / rho;
    const u = 1 - r * r * r;
    const w = u * u * u;
    const t = x[i] - z;
    const basis = [1, t, t * t];
    for (let a = 0; a < k; a++) {
      b[a] += w * basis[a] * y[i];
      for (let c = 0; c < k; c++) A[a * 3 + c] += w * basis[a] * basis[c];
    }
  }
  const sol = solve(A, b, k);
  return [sol[0], sol[1]];
}

function solve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const M = Float64Array.from(A);
  const v = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * 3 + c]) > Math.abs(M[piv * 3 + c])) piv = r;
    if (M[piv * 3 + c] === 0) throw new StnmfError('BAD_INPUT', 'loess: the local fit is singular (too few distinct x values in a neighbourhood; use a larger span)');
    if (piv !== c) {
      for (let j = 0; j < k; j++) [M[c * 3 + j], M[piv * 3 + j]] = [M[piv * 3 + j], M[c * 3 + j]];
      [v[c], v[piv]] = [v[piv], v[c]];
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * 3 + c] / M[c * 3 + c];
      for (let j = c; j < k; j++) M[r * 3 + j] -= f * M[c * 3 + j];
      v[r] -= f * v[c];
    }
  }
  const out = new Float64Array(3);
  for (let r = k - 1; r >= 0; r--) {
    let s = v[r];
    for (let j = r + 1; j < k; j++) s -= M[r * 3 + j] * out[j];
    out[r] = s / M[r * 3 + r];
  }
  return out;
}

/** The q-th smallest value (1-based) of `a` (copied; `a` is not reordered). */
function kthSmallest(a: Float64Array, q: number): number {
  return Float64Array.from(a).sort()[q - 1];
}

/** Options of {@link loessFit}. */
export interface LoessOptions {
  /** Fraction of points in each local fit (default 0.3, scanpy's seurat_v3 span). */
  span?: number;
  /** Local polynomial degree (default 2, scanpy's choice). */
  degree?: 1 | 2;
  /** `interpolate` (default, dloess's default) or `direct` (a local fit at every point). */
  surface?: 'interpolate' | 'direct';
  /** dloess `cell` (default 0.2): leaf cells hold at most floor(n·span·cell) points. */
  cell?: number;
}

/**
 * Fitted values of a loess regression of `y` on `x` at the data points (see the module comment).
 * @throws StnmfError('BAD_INPUT') when there are fewer points than the local fit needs.
 */
export function loessFit(x: Float64Array, y: Float64Array, opts: LoessOptions = {}): Float64Array {
  const span = opts.span ?? 0.3;
  const degree = opts.degree ?? 2;
  const cell = opts.cell ?? 0.2;
  const n = x.length;
  if (!(span > 0 && span <= 1)) throw new StnmfError('BAD_OPTION', `loess: span must be in (0, 1], got ${span}`);
  const q = Math.floor(n * span);
  if (q < degree + 1) throw new StnmfError('BAD_INPUT', `loess: ${n} points and span ${span} leave ${q} points per local fit; at least ${degree + 1} are needed`);
  const dist = new Float64Array(n);
  const out = new Float64Array(n);
  if (opts.surface === 'direct') {
    for (let i = 0; i < n; i++) out[i] = localFit(x, y, x[i], q, degree, dist)[0];
    return out;
  }
  const xs = Float64Array.from(x).sort();
  let lo = xs[0];
  let hi = xs[n - 1];
  const mu = 0.005 * Math.max(hi - lo, 1e-10 * Math.max(Math.abs(lo), Math.abs(hi)) + 1e-30);
  lo -= mu;
  hi += mu;
  const fc = Math.floor(n * span * cell);
  const leaves: [number, number][] = [];
  const verts = new Set<number>([lo, hi]);
  // Iterative split (cells in the order dloess's ehg129 creates them; the order does not
  // change the result). l, u are 0-based inclusive positions in the sorted x.
  const stack: [number, number, number, number][] = [[0, n - 1, lo, hi]];
  while (stack.length > 0) {
    const [l, u, vlo, vhi] = stack.pop()!;
    if (u - l + 1 <= fc) {
      leaves.push([vlo, vhi]);
      continue;
    }
    let m = Math.floor((l + u + 2) / 2) - 1; // Fortran m = (l+u)/2 on 1-based positions
    let off = 0;
    for (;;) {
      if (m + off >= u || m + off < l) break;
      if (xs[m + off] === xs[m + off + 1]) {
        off = -off;
        if (off >= 0) off++;
      } else {
        m += off;
        break;
      }
    }
    const v = xs[m];
    if (v === vlo || v === vhi) {
      leaves.push([vlo, vhi]);
      continue;
    }
    verts.add(v);
    stack.push([m + 1, u, v, vhi], [l, m, vlo, v]);
  }
  const fit = new Map<number, [number, number]>();
  for (const v of verts) fit.set(v, localFit(x, y, v, q, degree, dist));
  leaves.sort((a, b) => a[0] - b[0]);
  const starts = leaves.map((c) => c[0]);
  for (let i = 0; i < n; i++) {
    const z = x[i];
    // Last leaf whose lower vertex is ≤ z (z on a shared vertex: either side gives the vertex value).
    let a = 0;
    let b = starts.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (starts[mid] <= z) a = mid;
      else b = mid - 1;
    }
    const [v0, v1] = leaves[a];
    const [g0, s0] = fit.get(v0)!;
    const [g1, s1] = fit.get(v1)!;
    const h = v1 - v0;
    const t = (z - v0) / h;
    out[i] = (1 - t) * (1 - t) * (1 + 2 * t) * g0 + t * t * (3 - 2 * t) * g1 + (t * (1 - t) * (1 - t) * s0 - t * t * (1 - t) * s1) * h;
  }
  return out;
}
