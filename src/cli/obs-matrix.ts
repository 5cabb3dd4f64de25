/**
 * Picks the matrices and labels commands work on out of a Dataset, with errors that list what
 * the file does have.
 */
import type { Column, Dataset, NumMatrix } from '../dataset.js';
import { KEYS } from '../keys.js';
import type { Dense } from '../linalg/dense.js';
import { StnmfError } from '../errors.js';

/**
 * `obsm[key]` (e.g. `X_nmf`), or an error listing the obsm keys present. Its values must be
 * finite (and with `nonNegative`, ≥ 0): checked here, at the boundary, so that a bad value is
 * named by file, key and flag before any computation, not deep inside a graph builder.
 */
export function obsmMatrix(ds: Dataset, key: string, flag = 'use', nonNegative = false): NumMatrix {
  const m = ds.obsm[key];
  if (!m) {
    const have = Object.keys(ds.obsm);
    throw new StnmfError('BAD_INPUT', `${ds.meta.source}: obsm has no '${key}' (--${flag}); it has ${have.length ? have.join(', ') : 'no entries'}${key === 'X_nmf' ? " — run 'stnmf nmf' first" : ''}`);
  }
  checkValues(`${ds.meta.source}: obsm['${key}'] (--${flag})`, m, nonNegative);
  return m;
}

function checkValues(what: string, m: NumMatrix, nonNegative: boolean): void {
  for (let q = 0; q < m.data.length; q++) {
    const v = m.data[q];
    if (Number.isFinite(v) && (!nonNegative || v >= 0)) continue;
    const expected = nonNegative ? 'finite non-negative values (factors)' : 'finite numbers';
    throw new StnmfError('BAD_INPUT', `${what}: value at row ${Math.floor(q / m.cols)}, column ${q % m.cols} is ${v}; expected ${expected}`);
  }
}

/**
 * The n x 2 spatial coordinates (x, y pairs), times `scale` (default 1; `requireMicrons`' µm
 * per unit gives µm), or an error saying the input has none.
 */
export function spatialXY(ds: Dataset, scale = 1): Float64Array {
  const s = ds.obsm.spatial;
  if (!s || s.cols < 2) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: no spatial coordinates (obsm['spatial']); give an input with cell or spot positions`);
  const out = new Float64Array(2 * s.rows);
  for (let i = 0; i < s.rows; i++) {
    out[2 * i] = s.data[i * s.cols] * scale;
    out[2 * i + 1] = s.data[i * s.cols + 1] * scale;
  }
  return out;
}

/** An obs column as one string label per observation (missing → null). */
export function obsLabels(ds: Dataset, name: string, flag = 'labels'): (string | null)[] {
  const c: Column | undefined = ds.obs.columns.get(name);
  if (!c) {
    throw new StnmfError('BAD_INPUT', `${ds.meta.source}: obs has no column '${name}' (--${flag}); it has ${[...ds.obs.columns.keys()].join(', ') || 'no columns'}`);
  }
  switch (c.kind) {
    case 'category':
      return Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
    case 'string':
      return c.values.map((v) => (v === '' ? null : v));
    case 'bool':
      return Array.from(c.values, (v) => String(Boolean(v)));
    case 'number':
      return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
  }
}

/** The varm key that holds Hᵀ for each obsm usage key stnmf writes (src/keys.ts). */
const LOADINGS_FOR: Record<string, string> = {
  [KEYS.nmf.obsm]: KEYS.nmf.varm,
  [KEYS.snmf.obsm]: KEYS.nmf.varm,
  [KEYS.bcnmf.obsm]: KEYS.bcnmf.varm,
  [KEYS.siid.obsm]: KEYS.siid.varm,
};

/**
 * Stored factors of a previous run (`--use X_nmf`): W = `obsm[key]` (n x k) and H = the
 * transpose of the matching varm entry (`varm['nmf']`, p x k), as float32.
 * @throws StnmfError('BAD_INPUT') naming the key when either is missing or the shapes disagree.
 */
export function storedFactors(ds: Dataset, key: string, flag = 'use'): { W: Dense; H: Dense } {
  const W = obsmMatrix(ds, key, flag, true);
  const vkey = LOADINGS_FOR[key] ?? key.replace(/^X_/, '');
  const Ht = ds.varm[vkey];
  if (!Ht) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: --${flag} ${key} needs the loadings in varm['${vkey}'] too; the input's varm has ${Object.keys(ds.varm).join(', ') || 'no entries'}`);
  if (Ht.rows !== ds.X.cols || Ht.cols !== W.cols) {
    throw new StnmfError('BAD_INPUT', `${ds.meta.source}: varm['${vkey}'] is ${Ht.rows} x ${Ht.cols} but --${flag} ${key} needs ${ds.X.cols} features x ${W.cols} factors (was the input filtered to other genes after the fit?)`);
  }
  checkValues(`${ds.meta.source}: varm['${vkey}'] (--${flag} ${key})`, Ht, true);
  const k = W.cols;
  const p = Ht.rows;
  const H = new Float32Array(k * p);
  for (let j = 0; j < p; j++) for (let f = 0; f < k; f++) H[f * p + j] = Ht.data[j * k + f];
  return { W: { rows: W.rows, cols: k, data: Float32Array.from(W.data) }, H: { rows: k, cols: p, data: H } };
}
