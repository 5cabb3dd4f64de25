/**
 * The one warning channel (scikit-learn's `ConvergenceWarning` and friends): a result that is
 * usable but needs the user's attention carries `warnings`, and the CLI writes them to
 * `summary.json` and as one `warning:` line each on stderr. Library callers read the list;
 * nothing here prints.
 */

/** What kind of attention a result needs. */
export type WarningCode =
  /** The iteration cap stopped a run before its tolerance was met. */
  | 'not-converged'
  /** A factor carries (almost) none of the reconstruction. */
  | 'empty-factor'
  /** Observations (or features) without a single non-zero value. */
  | 'zero-observations'
  | 'zero-features'
  /** Values were clipped or capped to keep a computation finite. */
  | 'clipped'
  /** The feature names look like observation ids (barcodes): the matrix may be transposed. */
  | 'looks-transposed'
  /** A length unit was inferred rather than stated by the file. */
  | 'units'
  /** Anything else about the data (alignment, unmatched names, isolated cells, …). */
  | 'data';

/** One warning: a code to test for and a one-line message that says what to do. */
export interface StnmfWarning {
  code: WarningCode;
  message: string;
}

/**
 * The convergence warning of an iterative fit, or none when it converged or ran with the
 * tolerance check off (`tol = 0` asks for exactly `maxIter` iterations).
 * @param what the method's name as users know it (`NMF`, `bcNMF`, `SIID`)
 */
export function convergenceWarning(what: string, converged: boolean, maxIter: number, tol: number): StnmfWarning[] {
  if (converged || !(tol > 0)) return [];
  return [{ code: 'not-converged', message: `${what}: maximum number of iterations (${maxIter}) reached before the tolerance ${tol} was met; raise the iteration cap (maxIter, --max-iter) to improve convergence` }];
}

/** A share of the reconstruction below which a factor counts as empty. */
export const EMPTY_FACTOR_SHARE = 1e-6;

/**
 * Warns about factors that carry almost none of the reconstruction: factor f's share
 * ‖w_f‖·‖h_f‖ / Σ_g ‖w_g‖·‖h_g‖ below {@link EMPTY_FACTOR_SHARE} (1e-6). Such a factor is
 * an artefact of a too-large rank (or a degenerate start), not a program of the data.
 * @param W n x k usages, row-major
 * @param H k x p loadings, row-major
 */
export function emptyFactorWarnings(W: { rows: number; cols: number; data: ArrayLike<number> }, H: { rows: number; cols: number; data: ArrayLike<number> }): StnmfWarning[] {
  const k = W.cols;
  const wNorm = new Float64Array(k);
  for (let i = 0; i < W.rows; i++) for (let f = 0; f < k; f++) wNorm[f] += W.data[i * k + f] ** 2;
  const share = new Float64Array(k);
  let total = 0;
  for (let f = 0; f < k; f++) {
    let h = 0;
    for (let j = 0; j < H.cols; j++) h += H.data[f * H.cols + j] ** 2;
    share[f] = Math.sqrt(wNorm[f] * h);
    total += share[f];
  }
  const empty: number[] = [];
  for (let f = 0; f < k; f++) if (!(total > 0) || share[f] / total < EMPTY_FACTOR_SHARE) empty.push(f + 1);
  if (empty.length === 0) return [];
  const names = empty.map((f) => `Factor_${f}`).join(', ');
  return [{ code: 'empty-factor', message: `${empty.length} of ${k} factors carry almost none of the reconstruction (${names}); the rank is likely larger than the data supports` }];
}

/**
 * Warns about observations (rows) and features (columns) of X without a single non-zero
 * value: their usages (loadings) are zero and say nothing about them.
 * @param X the factorised matrix, CSR or dense row-major
 * @param rowsName what rows are called in the message (default "observations")
 */
export function zeroLineWarnings(X: { rows: number; cols: number; data: ArrayLike<number>; indptr?: ArrayLike<number>; indices?: ArrayLike<number> }, rowsName = 'observations', colsName = 'features'): StnmfWarning[] {
  const rowHas = new Uint8Array(X.rows);
  const colHas = new Uint8Array(X.cols);
  if (X.indptr && X.indices) {
    for (let i = 0; i < X.rows; i++) {
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
        if (X.data[p] !== 0) {
          rowHas[i] = 1;
          colHas[X.indices[p]] = 1;
        }
      }
    }
  } else {
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < X.cols; j++) {
        if (X.data[i * X.cols + j] !== 0) {
          rowHas[i] = 1;
          colHas[j] = 1;
        }
      }
    }
  }
  const out: StnmfWarning[] = [];
  const zr = X.rows - rowHas.reduce((a, b) => a + b, 0);
  const zc = X.cols - colHas.reduce((a, b) => a + b, 0);
  if (zr > 0) out.push({ code: 'zero-observations', message: `${zr} of ${X.rows} ${rowsName} have no non-zero value; their factor usages are 0 (drop them with --min-counts 1)` });
  if (zc > 0) out.push({ code: 'zero-features', message: `${zc} of ${X.cols} ${colsName} have no non-zero value; their loadings are 0 (drop them with --min-cells 1)` });
  return out;
}
