/**
 * Jensen–Shannon divergence between proportion matrices (methods-spec G4.9) and SIID's holdout
 * R² (G4.10, squared Pearson correlation per gene).
 *
 * Layer 1 (metrics): no Node APIs.
 */
import { StnmfError } from '../errors.js';
import type { FeatureMatrix } from './autocorrelation.js';

function checkMatrix(m: FeatureMatrix, what: string): void {
  if (m.data.length !== m.rows * m.cols) throw new StnmfError('BAD_INPUT', `${what}: data length ${m.data.length} != rows x cols = ${m.rows * m.cols}`);
}

/**
 * Row-wise Jensen–Shannon divergence (G4.9; metrics.py `js_divergence`): each row of P and Q
 * renormalised to sum 1 (an all-zero row gives NaN), JSD = ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2,
 * 0·log 0 = 0. Base 2 by default (JSD ∈ [0, 1]); `Math.E` for nats. The JS distance is √JSD.
 * @returns per-row divergences and their mean / median over finite rows.
 * @throws StnmfError when the shapes differ or a value is negative or non-finite.
 */
export function jensenShannon(P: FeatureMatrix, Q: FeatureMatrix, base = 2): { perRow: Float64Array; mean: number; median: number } {
  checkMatrix(P, 'jensenShannon P');
  checkMatrix(Q, 'jensenShannon Q');
  if (P.rows !== Q.rows || P.cols !== Q.cols) throw new StnmfError('BAD_INPUT', `jensenShannon: shape mismatch ${P.rows}x${P.cols} vs ${Q.rows}x${Q.cols}`);
  if (!(base > 0) || base === 1) throw new StnmfError('BAD_OPTION', `jensenShannon: base must be > 0 and != 1, got ${base}`);
  const { rows, cols } = P;
  for (let t = 0; t < P.data.length; t++) {
    if (!(P.data[t] >= 0) || !Number.isFinite(P.data[t])) throw new StnmfError('BAD_INPUT', `jensenShannon: P[${Math.floor(t / cols)}, ${t % cols}] must be finite and >= 0, got ${P.data[t]}`);
    if (!(Q.data[t] >= 0) || !Number.isFinite(Q.data[t])) throw new StnmfError('BAD_INPUT', `jensenShannon: Q[${Math.floor(t / cols)}, ${t % cols}] must be finite and >= 0, got ${Q.data[t]}`);
  }
  const perRow = new Float64Array(rows);
  const lb = Math.log(base);
  for (let i = 0; i < rows; i++) {
    let sp = 0;
    let sq = 0;
    for (let j = 0; j < cols; j++) {
      sp += P.data[i * cols + j];
      sq += Q.data[i * cols + j];
    }
    if (sp === 0 || sq === 0) {
      perRow[i] = NaN;
      continue;
    }
    let kp = 0;
    let kq = 0;
    for (let j = 0; j < cols; j++) {
      const p = P.data[i * cols + j] / sp;
      const q = Q.data[i * cols + j] / sq;
      const m = 0.5 * (p + q);
      if (p > 0) kp += p * Math.log(p / m);
      if (q > 0) kq += q * Math.log(q / m);
    }
    perRow[i] = (0.5 * kp + 0.5 * kq) / lb;
  }
  const fin = Array.from(perRow).filter(Number.isFinite);
  return { perRow, mean: meanOf(fin), median: medianOf(fin) };
}

function meanOf(a: number[]): number {
  if (a.length === 0) return NaN;
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

function medianOf(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = a.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Result of {@link holdoutR2}. */
export interface HoldoutR2 {
  /** R² per column (gene); NaN where truth or prediction is constant. */
  perGene: Float64Array;
  /** Mean over finite genes. */
  mean: number;
  /** Median over finite genes. */
  median: number;
  /** Mean with NaN genes counted as 0. */
  meanNanAsZero: number;
  nGenes: number;
  nNan: number;
}

/**
 * Holdout R² (G4.10, SIID): per gene (column), cov(x, y)² / (var(x)·var(y)) between held-out
 * truth x and prediction y across cells (the squared Pearson correlation, not 1 − SS_res/SS_tot),
 * float64 two-pass. NaN for a constant column; both NaN policies reported.
 * @param truth n cells x g genes, row-major.
 * @param pred same shape.
 */
export function holdoutR2(truth: FeatureMatrix, pred: FeatureMatrix): HoldoutR2 {
  checkMatrix(truth, 'holdoutR2 truth');
  checkMatrix(pred, 'holdoutR2 pred');
  if (truth.rows !== pred.rows || truth.cols !== pred.cols) throw new StnmfError('BAD_INPUT', `holdoutR2: shape mismatch truth ${truth.rows}x${truth.cols} vs pred ${pred.rows}x${pred.cols}`);
  const { rows: n, cols: g } = truth;
  const mx = new Float64Array(g);
  const my = new Float64Array(g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const x = truth.data[i * g + j];
      const y = pred.data[i * g + j];
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new StnmfError('BAD_INPUT', `holdoutR2: values at cell ${i}, gene ${j} must be finite, got ${x} / ${y}`);
      mx[j] += x;
      my[j] += y;
    }
  }
  for (let j = 0; j < g; j++) {
    mx[j] /= n;
    my[j] /= n;
  }
  const cov = new Float64Array(g);
  const vx = new Float64Array(g);
  const vy = new Float64Array(g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const a = truth.data[i * g + j] - mx[j];
      const b = pred.data[i * g + j] - my[j];
      cov[j] += a * b;
      vx[j] += a * a;
      vy[j] += b * b;
    }
  }
  const perGene = new Float64Array(g);
  let nNan = 0;
  let sumZero = 0;
  const fin: number[] = [];
  for (let j = 0; j < g; j++) {
    perGene[j] = vx[j] > 0 && vy[j] > 0 ? (cov[j] * cov[j]) / (vx[j] * vy[j]) : NaN;
    if (Number.isNaN(perGene[j])) nNan++;
    else {
      fin.push(perGene[j]);
      sumZero += perGene[j];
    }
  }
  return { perGene, mean: meanOf(fin), median: medianOf(fin), meanNanAsZero: g > 0 ? sumZero / g : NaN, nGenes: g, nNan };
}
