/**
 * Validation at the input boundary, once: the checks every reader applies to what it read, before
 * any computation and before an output folder exists (issue 15). One set of checks for all
 * formats: CSR structure (indptr from 0, monotone, ending at nnz; indices in range; as many values
 * as indices), finite values within the range the float32 kernels can multiply, non-negative
 * counts where counts are expected, unique obs/var names, and row counts of obsm/varm/obsp/layers
 * and of obs/var columns against X. Every message names the file and the field.
 *
 * No file-system access: the same checks serve the browser readers.
 */
import type { Dataset } from '../dataset.js';
import { canonicalRows, type Csr } from '../linalg/csr.js';
import { StnmfError } from '../errors.js';

/** A `BAD_FILE` error: `<file>: <message>` on one line. */
export function badFile(file: string, message: string): StnmfError {
  return new StnmfError('BAD_FILE', `${file}: ${oneLine(message)}`);
}

/** A `BAD_INPUT` error (valid file, invalid values): `<file>: <message>`. */
export function badInput(file: string, message: string): StnmfError {
  return new StnmfError('BAD_INPUT', `${file}: ${oneLine(message)}`);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Quotes a value for an error message, shortened to stay on one readable line. */
export function q(v: unknown): string {
  const s = String(v);
  return JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
}

/** Throws BAD_INPUT naming the first repeated label when `names` are not unique. */
export function requireUnique(file: string, field: string, names: string[]): void {
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const prev = seen.get(names[i]);
    if (prev !== undefined) {
      throw badInput(file, `${field}: duplicate name ${q(names[i])} (entries ${prev + 1} and ${i + 1}); names must be unique`);
    }
    seen.set(names[i], i);
  }
}

/**
 * Validates CSR structure (indptr monotone from 0 to nnz, indices in range) and puts every row in
 * canonical form: sorted column indices, duplicates summed. Rows already sorted cost one scan.
 */
export function canonicalizeCsr(file: string, field: string, a: Csr): Csr {
  const { rows, cols, indptr, indices, data } = a;
  if (indptr.length !== rows + 1) throw badFile(file, `${field}: indptr has length ${indptr.length}, expected ${rows + 1}`);
  if (indptr[0] !== 0) throw badFile(file, `${field}: indptr[0] is ${indptr[0]}, expected 0`);
  if (indptr[rows] !== indices.length || indices.length !== data.length) {
    throw badFile(file, `${field}: indptr ends at ${indptr[rows]} but there are ${indices.length} indices and ${data.length} values`);
  }
  let sorted = true;
  for (let i = 0; i < rows; i++) {
    const s = indptr[i];
    const e = indptr[i + 1];
    if (e < s) throw badFile(file, `${field}: indptr decreases at position ${i + 1}`);
    let last = -1;
    for (let p = s; p < e; p++) {
      const c = indices[p];
      if (c < 0 || c >= cols) throw badFile(file, `${field}: index ${c} out of range [0, ${cols}) at entry ${p}`);
      if (c <= last) sorted = false;
      last = c;
    }
  }
  // Unsorted or duplicated rows: the one canonical form of linalg (sums in float64, keeps zeros).
  return sorted ? a : canonicalRows(a);
}

/** Checks that stored values are finite, non-negative and (when `integer`) whole numbers. */
export function checkCounts(file: string, field: string, data: ArrayLike<number>, integer: boolean): void {
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw badInput(file, `${field}: expected non-negative counts, found ${v} at entry ${p + 1}`);
    }
    if (integer && v !== Math.round(v)) {
      throw badInput(file, `${field}: expected integer counts, found ${v} at entry ${p + 1}`);
    }
  }
}

/**
 * Largest magnitude accepted in X. The kernels compute in float32 (max ≈ 3.4e38): products such
 * as X·Hᵀ and squared norms of values above ~1e19 overflow to Infinity and end in NaN factors
 * with `loss: null`. 1e15 leaves room for sums of squares over 1e8 entries.
 */
export const MAX_ABS_VALUE = 1e15;

/** Row of CSR entry `p` (binary search over indptr). */
function rowOf(indptr: Int32Array, p: number): number {
  let lo = 0;
  let hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (indptr[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Throws BAD_INPUT for the first NaN, ±Infinity or value beyond ±{@link MAX_ABS_VALUE} in the
 * stored values of a CSR matrix, naming its row and column (0-based, as in anndata).
 */
export function checkFiniteCsr(file: string, field: string, a: Csr): void {
  const { data } = a;
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (v >= -MAX_ABS_VALUE && v <= MAX_ABS_VALUE) continue;
    const at = `row ${rowOf(a.indptr, p)}, column ${a.indices[p]}`;
    if (Number.isNaN(v) || !Number.isFinite(v)) throw badInput(file, `${field}: value at ${at} is ${v}; expected finite numbers`);
    throw badInput(file, `${field}: value at ${at} is ${v}, beyond ±1e15, where float32 products overflow; rescale the data`);
  }
}

/** Throws BAD_INPUT for the first NaN or ±Infinity in a dense row-major matrix. */
export function checkFiniteDense(file: string, field: string, data: ArrayLike<number>, cols: number): void {
  for (let q = 0; q < data.length; q++) {
    if (!Number.isFinite(data[q])) {
      throw badInput(file, `${field}: value at row ${Math.floor(q / cols)}, column ${q % cols} is ${data[q]}; expected finite numbers`);
    }
  }
}

/** Datasets already validated (readers that validate themselves are not checked twice). */
const validated = new WeakSet<Csr>();

/**
 * The boundary check of a freshly read Dataset; returns it with X in canonical CSR form.
 * Checks CSR structure of X, obsp and sparse layers; finite values of X (within
 * {@link MAX_ABS_VALUE}) and of obsm['spatial']; unique obs and var names; and that obs, var,
 * their columns, obsm, varm, obsp and layers all agree with the shape of X.
 * @param file  the input path, for messages
 */
export function validateDataset(file: string, d: Dataset): Dataset {
  if (validated.has(d.X)) return d;
  const n = d.X.rows;
  const p = d.X.cols;
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(p) && p >= 0)) throw badFile(file, `X: invalid shape ${n} x ${p}`);
  d.X = canonicalizeCsr(file, 'X', d.X);
  checkFiniteCsr(file, 'X', d.X);
  if (d.obs.index.length !== n) throw badFile(file, `obs has ${d.obs.index.length} rows but X has ${n}`);
  if (d.var.index.length !== p) throw badFile(file, `var has ${d.var.index.length} rows but X has ${p} columns`);
  requireUnique(file, 'obs names', d.obs.index);
  requireUnique(file, 'var names', d.var.index);
  for (const [where, fr] of [['obs', d.obs], ['var', d.var]] as const) {
    for (const [k, c] of fr.columns) {
      const len = c.kind === 'category' ? c.codes.length : c.values.length;
      if (len !== fr.index.length) throw badFile(file, `${where} column ${q(k)} has ${len} values, expected ${fr.index.length}`);
    }
  }
  for (const [k, m] of Object.entries(d.obsm)) {
    if (m.rows !== n) throw badFile(file, `obsm ${q(k)} has ${m.rows} rows but obs has ${n}`);
    if (m.data.length !== m.rows * m.cols) throw badFile(file, `obsm ${q(k)}: ${m.data.length} values for ${m.rows} x ${m.cols}`);
  }
  if (d.obsm.spatial) checkFiniteDense(file, "obsm 'spatial'", d.obsm.spatial.data, d.obsm.spatial.cols);
  for (const [k, m] of Object.entries(d.varm)) if (m.rows !== p) throw badFile(file, `varm ${q(k)} has ${m.rows} rows but var has ${p}`);
  for (const [k, m] of Object.entries(d.obsp)) {
    if (m.rows !== n || m.cols !== n) throw badFile(file, `obsp ${q(k)} is ${m.rows} x ${m.cols}, expected ${n} x ${n} (obs)`);
    d.obsp[k] = canonicalizeCsr(file, `obsp ${q(k)}`, m);
  }
  for (const [k, m] of Object.entries(d.layers)) {
    if (m.rows !== n || m.cols !== p) throw badFile(file, `layer ${q(k)} is ${m.rows} x ${m.cols}, expected ${n} x ${p} (X)`);
    if ('indptr' in m) d.layers[k] = canonicalizeCsr(file, `layer ${q(k)}`, m);
  }
  validated.add(d.X);
  return d;
}
