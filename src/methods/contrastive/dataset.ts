/**
 * bcNMF results as an AnnData-shaped Dataset (scanpy-style keys; layer 2, no Node imports).
 */
import { frame, makeDataset, type Column, type Dataset, type Frame } from '../../dataset.js';
import { KEYS } from '../../keys.js';
import type { Csr } from '../../linalg/csr.js';
import type { ContrastiveNmfResult } from './model.js';

/** The rows of `a` then those of `b` (same columns). */
function stackRows(a: Csr, b: Csr): Csr {
  const na = a.indptr[a.rows], nb = b.indptr[b.rows];
  const indptr = new Int32Array(a.rows + b.rows + 1);
  indptr.set(a.indptr.subarray(0, a.rows + 1));
  for (let i = 1; i <= b.rows; i++) indptr[a.rows + i] = na + b.indptr[i];
  const indices = new Int32Array(na + nb), data = new Float32Array(na + nb);
  indices.set(a.indices.subarray(0, na));
  indices.set(b.indices.subarray(0, nb), na);
  data.set(a.data.subarray(0, na));
  data.set(b.data.subarray(0, nb), na);
  return { rows: a.rows + b.rows, cols: a.cols, indptr, indices, data };
}

/** Column `c` as text per row (null = missing), for stacking columns of different kinds. */
function asText(c: Column, i: number): string | null {
  if (c.kind === 'category') return c.codes[i] >= 0 ? c.categories[c.codes[i]] : null;
  if (c.kind === 'string') return c.values[i];
  if (c.kind === 'bool') return c.values[i] ? 'True' : 'False';
  return Number.isNaN(c.values[i]) ? null : String(c.values[i]);
}

/**
 * The rows of `a` over those of `b`, every column of either (anndata.concat with join='outer'):
 * a column both have as numbers stays numeric, with NaN where one side lacks it; any other
 * column becomes a categorical of its values as text, missing (-1) where a side lacks it.
 */
export function stackObs(a: Frame, b: Frame): Record<string, Column> {
  const na = a.index.length, nb = b.index.length;
  const out: Record<string, Column> = {};
  for (const name of new Set([...a.columns.keys(), ...b.columns.keys()])) {
    const ca = a.columns.get(name), cb = b.columns.get(name);
    if ((!ca || ca.kind === 'number') && (!cb || cb.kind === 'number')) {
      const v = new Float64Array(na + nb).fill(NaN);
      if (ca?.kind === 'number') for (let i = 0; i < na; i++) v[i] = ca.values[i];
      if (cb?.kind === 'number') for (let i = 0; i < nb; i++) v[na + i] = cb.values[i];
      out[name] = { kind: 'number', values: v };
      continue;
    }
    const text: (string | null)[] = [];
    for (let i = 0; i < na; i++) text.push(ca ? asText(ca, i) : null);
    for (let i = 0; i < nb; i++) text.push(cb ? asText(cb, i) : null);
    const categories = [...new Set(text.filter((x): x is string => x !== null))].sort();
    const idx = new Map(categories.map((c, k) => [c, k]));
    out[name] = { kind: 'category', codes: Int32Array.from(text, (x) => (x === null ? -1 : idx.get(x)!)), categories };
  }
  return out;
}

/**
 * The AnnData view of a bcNMF run (what `stnmf contrastive` writes as result.h5ad): target and
 * background rows stacked (ids prefixed `target:` / `background:`), X restricted to `features`,
 * obs `group` (target, background), `obsm.X_bcnmf` (coefficients), `obsm.spatial` when both
 * groups have coordinates, `varm.bcnmf` (basisᵀ), `uns.bcnmf`.
 */
export function contrastiveToDataset(t: Dataset, b: Dataset, r: ContrastiveNmfResult, features: string[]): Dataset {
  const keep = (ds: Dataset): Csr => {
    if (ds.X.cols === features.length && ds.var.index.every((f, j) => f === features[j])) return ds.X;
    const pos = new Map(ds.var.index.map((f, j) => [f, j] as const));
    const cols = features.map((f) => pos.get(f)!);
    const map = new Int32Array(ds.X.cols).fill(-1);
    cols.forEach((c, j) => (map[c] = j));
    const rows: number[] = [], ci: number[] = [], v: number[] = [];
    for (let i = 0; i < ds.X.rows; i++) for (let q = ds.X.indptr[i]; q < ds.X.indptr[i + 1]; q++) if (map[ds.X.indices[q]] >= 0) {
      rows.push(i); ci.push(map[ds.X.indices[q]]); v.push(ds.X.data[q]);
    }
    const indptr = new Int32Array(ds.X.rows + 1);
    for (const i of rows) indptr[i + 1]++;
    for (let i = 0; i < ds.X.rows; i++) indptr[i + 1] += indptr[i];
    // Entries were visited row by row, so they are already in CSR order.
    return { rows: ds.X.rows, cols: features.length, indptr, indices: Int32Array.from(ci), data: Float32Array.from(v) };
  };
  const X = stackRows(keep(t), keep(b));
  const names = [...t.obs.index.map((s) => `target:${s}`), ...b.obs.index.map((s) => `background:${s}`)];
  const d = makeDataset(X, names, features, { platform: 'stnmf-contrastive', source: `${t.meta.source} | ${b.meta.source}` });
  const n = X.rows, k = r.basis.rows, p = features.length;
  // The inputs' obs columns, stacked as anndata.concat(join='outer') does; then bcNMF's group.
  d.obs = frame(names, { ...stackObs(t.obs, b.obs), [KEYS.bcnmf.obs]: { kind: 'category', codes: Int32Array.from({ length: n }, (_, i) => (i < t.X.rows ? 0 : 1)), categories: ['target', 'background'] } });
  // The unit travels with the coordinates when both groups share it (plots label lengths by it).
  if (t.meta.coordinateUnit === b.meta.coordinateUnit && t.meta.micronsPerUnit === b.meta.micronsPerUnit) {
    d.meta.coordinateUnit = t.meta.coordinateUnit;
    d.meta.micronsPerUnit = t.meta.micronsPerUnit;
  }
  const coef = new Float32Array(n * k);
  coef.set(r.hTarget.data, 0);
  coef.set(r.hBackground.data, t.X.rows * k);
  d.obsm[KEYS.bcnmf.obsm] = { rows: n, cols: k, data: coef };
  const st = t.obsm.spatial, sb = b.obsm.spatial;
  if (st && sb) {
    const xy = new Float64Array(n * 2);
    xy.set(st.data, 0);
    xy.set(sb.data, t.X.rows * 2);
    d.obsm[KEYS.spatial.obsm] = { rows: n, cols: 2, data: xy };
  }
  const basisT = new Float32Array(p * k);
  for (let t2 = 0; t2 < k; t2++) for (let j = 0; j < p; j++) basisT[j * k + t2] = r.basis.data[t2 * p + j];
  d.varm[KEYS.bcnmf.varm] = { rows: p, cols: k, data: basisT };
  d.uns[KEYS.bcnmf.uns] = { enrichment: Float64Array.from(r.enrichment), objective: r.objective, alpha: r.alphaEffective, loss: String(r.parameters.loss), rank: k };
  return d;
}
