/**
 * Spatial autocorrelation (methods-spec G4.1 Moran's I, G4.2 Geary's C) of any feature or
 * factor over a weight graph, with analytic moments, z-scores and two-sided normal p-values.
 *
 * Layer 1 (metrics): no Node APIs.
 */
import { runSteps, StnmfError, type Steps } from '../errors.js';

/** A weight matrix in CSR form (zero diagonal expected; any stored diagonal is ignored). */
export interface WeightMatrix {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: ArrayLike<number>;
}

/** Values of one feature (length n) or a row-major n x f matrix of features. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** Moran's I of one feature (G4.1). */
export interface MoranResult {
  I: number;
  /** E[I] = −1/(n−1). */
  expectedI: number;
  /** Var(I) under normality. */
  varianceNormal: number;
  zNormal: number;
  /** Two-sided p-value of zNormal. */
  pNormal: number;
  /** Var(I) under randomisation (uses the kurtosis of the feature). */
  varianceRandomization: number;
  zRandomization: number;
  pRandomization: number;
}

/** Weight sums shared by Moran and Geary. */
export interface WeightSums {
  n: number;
  /** Σ_ij w_ij. */
  S0: number;
  /** ½ Σ_ij (w_ij + w_ji)². */
  S1: number;
  /** Σ_i (Σ_j w_ij + Σ_j w_ji)². */
  S2: number;
  /** Rows without any weight (islands), still counted in n (PySAL convention). */
  nIslands: number;
}

/** Geary's C of one feature (G4.2). */
export interface GearyResult {
  C: number;
  /** E[C] = 1. */
  expectedC: number;
  varianceNormal: number;
  zNormal: number;
  pNormal: number;
}

/**
 * erfc(x) to ~1e-15 relative: the all-positive series of erf below 1.5 (erfc ≥ 0.03 there, so 1 − erf keeps its digits), the
 * Laplace continued fraction (modified Lentz) above.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    // erf(x) = 2/√π e^{−x²} Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let k = 1; k < 20000; k++) {
    const a = k / 2;
    D = x + a * D;
    D = D === 0 ? tiny : D;
    C = x + a / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Two-sided p-value of a standard normal z: 2·P(Z > |z|). */
export function twoSidedNormalP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return erfc(Math.abs(z) / Math.SQRT2);
}

function checkWeights(w: WeightMatrix, what: string): void {
  if (w.indptr.length !== w.n + 1) throw new StnmfError('BAD_INPUT', `${what}: weight indptr has length ${w.indptr.length}, expected n + 1 = ${w.n + 1}`);
  const nnz = w.indptr[w.n];
  for (let p = 0; p < nnz; p++) {
    const j = w.indices[p];
    if (j < 0 || j >= w.n) throw new StnmfError('BAD_INPUT', `${what}: weight column index ${j} outside [0, ${w.n})`);
    if (!Number.isFinite(w.weights[p])) throw new StnmfError('BAD_INPUT', `${what}: weight ${p} must be finite, got ${w.weights[p]}`);
  }
}

/** S0, S1, S2 and islands of a weight matrix (diagonal entries ignored). */
export function weightSums(w: WeightMatrix): WeightSums {
  return runSteps(weightSumsSteps(w));
}

/** {@link weightSums} as cancellable steps (errors.ts `Steps`), yielding every 4096 rows. */
export function* weightSumsSteps(w: WeightMatrix): Steps<WeightSums> {
  const n = w.n;
  const rowSum = new Float64Array(n);
  const colSum = new Float64Array(n);
  let S0 = 0;
  let nIslands = 0;
  // Transpose (as a map per row) to pair w_ij with w_ji for S1.
  const tptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    let rs = 0;
    for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) {
      const j = w.indices[p];
      if (j === i) continue;
      const x = w.weights[p];
      rs += x;
      colSum[j] += x;
      tptr[j + 1]++;
    }
    rowSum[i] = rs;
    S0 += rs;
    if (rs === 0) nIslands++;
  }
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  const tnext = tptr.slice(0, n);
  const tcol = new Int32Array(tptr[n]);
  const tval = new Float64Array(tptr[n]);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) {
      const j = w.indices[p];
      if (j === i) continue;
      const q = tnext[j]++;
      tcol[q] = i;
      tval[q] = w.weights[p];
    }
  }
  // S1 = ½ Σ_ij (w_ij + w_ji)²: accumulate row i of W + Wᵀ in a scratch row.
  const acc = new Float64Array(n);
  const mark = new Uint8Array(n);
  const touched = new Int32Array(n);
  let S1 = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    let nt = 0;
    for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) {
      const j = w.indices[p];
      if (j === i) continue;
      if (!mark[j]) {
        mark[j] = 1;
        touched[nt++] = j;
      }
      acc[j] += w.weights[p];
    }
    for (let q = tptr[i]; q < tptr[i + 1]; q++) {
      const j = tcol[q];
      if (!mark[j]) {
        mark[j] = 1;
        touched[nt++] = j;
      }
      acc[j] += tval[q];
    }
    for (let t = 0; t < nt; t++) {
      const j = touched[t];
      S1 += acc[j] * acc[j];
      acc[j] = 0;
      mark[j] = 0;
    }
  }
  S1 *= 0.5;
  let S2 = 0;
  for (let i = 0; i < n; i++) {
    const s = rowSum[i] + colSum[i];
    S2 += s * s;
  }
  return { n, S0, S1, S2, nIslands };
}

function asFeatures(values: ArrayLike<number> | FeatureMatrix, n: number, what: string): FeatureMatrix {
  const f: FeatureMatrix = 'rows' in values && 'data' in values ? (values as FeatureMatrix) : { rows: (values as ArrayLike<number>).length, cols: 1, data: values as ArrayLike<number> };
  if (f.rows !== n) throw new StnmfError('BAD_INPUT', `${what}: values have ${f.rows} rows, expected one per node of the weight graph (${n})`);
  if (f.data.length !== f.rows * f.cols) throw new StnmfError('BAD_INPUT', `${what}: values data length ${f.data.length} != rows x cols = ${f.rows * f.cols}`);
  for (let t = 0; t < f.data.length; t++) {
    if (!Number.isFinite(f.data[t])) throw new StnmfError('BAD_INPUT', `${what}: value at row ${Math.floor(t / f.cols)}, column ${t % f.cols} must be finite, got ${f.data[t]}`);
  }
  return f;
}

/** Centred column c (float64, two-pass mean). */
function centred(f: FeatureMatrix, c: number): Float64Array {
  const n = f.rows;
  const z = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += f.data[i * f.cols + c];
  const mean = s / n;
  for (let i = 0; i < n; i++) z[i] = f.data[i * f.cols + c] - mean;
  return z;
}

/**
 * Moran's I (G4.1) of each column of `values` over weights `w` (use a row-standardised graph
 * for PySAL 'r' / metrics.py semantics: `rowStandardize(radiusGraph(...))`). Analytic E[I],
 * variances under normality and randomisation, z and two-sided p. A constant column gives NaN.
 * @param values one feature (length n) or an n x f row-major matrix.
 * @returns one result per column, plus the weight sums.
 * @throws StnmfError on a row-count mismatch, non-finite values, or n < 4.
 */
export function moransI(values: ArrayLike<number> | FeatureMatrix, w: WeightMatrix): { results: MoranResult[]; sums: WeightSums } {
  return runSteps(moransISteps(values, w));
}

/** {@link moransI} as cancellable steps (errors.ts `Steps`), yielding every 4096 rows. */
export function* moransISteps(values: ArrayLike<number> | FeatureMatrix, w: WeightMatrix): Steps<{ results: MoranResult[]; sums: WeightSums }> {
  checkWeights(w, 'moransI');
  const f = asFeatures(values, w.n, 'moransI');
  const n = w.n;
  if (n < 4) throw new StnmfError('BAD_INPUT', `moransI: need at least 4 observations for the variance, got ${n}`);
  const sums = yield* weightSumsSteps(w);
  const { S0, S1, S2 } = sums;
  const EI = -1 / (n - 1);
  const varN = (n * n * S1 - n * S2 + 3 * S0 * S0) / (S0 * S0 * (n * n - 1)) - EI * EI;
  const results: MoranResult[] = [];
  for (let c = 0; c < f.cols; c++) {
    const z = centred(f, c);
    let num = 0;
    let den = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 4095) === 4095) yield;
      let s = 0;
      for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) {
        const j = w.indices[p];
        if (j !== i) s += w.weights[p] * z[j];
      }
      num += z[i] * s;
      const z2 = z[i] * z[i];
      den += z2;
      m4 += z2 * z2;
    }
    const I = den > 0 ? ((n / S0) * num) / den : NaN;
    const b2 = den > 0 ? (n * m4) / (den * den) : NaN;
    const varR =
      (n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0 * S0) - b2 * ((n * n - n) * S1 - 2 * n * S2 + 6 * S0 * S0)) /
        ((n - 1) * (n - 2) * (n - 3) * S0 * S0) -
      EI * EI;
    const zN = (I - EI) / Math.sqrt(varN);
    const zR = (I - EI) / Math.sqrt(varR);
    results.push({
      I,
      expectedI: EI,
      varianceNormal: varN,
      zNormal: zN,
      pNormal: twoSidedNormalP(zN),
      varianceRandomization: varR,
      zRandomization: zR,
      pRandomization: twoSidedNormalP(zR),
    });
  }
  return { results, sums };
}

/**
 * Geary's C (G4.2) of each column over weights `w`: C = (n−1) Σ w_ij (y_i − y_j)² /
 * (2 S0 Σ z²), E[C] = 1, variance under normality, z = (C − 1)/√Var, two-sided p.
 * C < 1 means positive autocorrelation. A constant column gives NaN.
 */
export function gearysC(values: ArrayLike<number> | FeatureMatrix, w: WeightMatrix): { results: GearyResult[]; sums: WeightSums } {
  checkWeights(w, 'gearysC');
  const f = asFeatures(values, w.n, 'gearysC');
  const n = w.n;
  if (n < 2) throw new StnmfError('BAD_INPUT', `gearysC: need at least 2 observations, got ${n}`);
  const sums = weightSums(w);
  const { S0, S1, S2 } = sums;
  const varN = ((2 * S1 + S2) * (n - 1) - 4 * S0 * S0) / (2 * (n + 1) * S0 * S0);
  const results: GearyResult[] = [];
  for (let c = 0; c < f.cols; c++) {
    const z = centred(f, c);
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      den += z[i] * z[i];
      for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) {
        const j = w.indices[p];
        if (j === i) continue;
        const d = z[i] - z[j];
        num += w.weights[p] * d * d;
      }
    }
    const C = den > 0 ? ((n - 1) * num) / (2 * S0 * den) : NaN;
    const zN = (C - 1) / Math.sqrt(varN);
    results.push({ C, expectedC: 1, varianceNormal: varN, zNormal: zN, pNormal: twoSidedNormalP(zN) });
  }
  return { results, sums };
}
