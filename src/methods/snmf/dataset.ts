/**
 * Stores an hSNMF result on its Dataset under the keys every stnmf tool reads (src/keys.ts):
 * what `stnmf hsnmf` writes as result.h5ad.
 */
import type { Column, Dataset } from '../../dataset.js';
import { KEYS } from '../../keys.js';
import { transposeDense } from '../../linalg/dense.js';
import type { HsnmfResult } from './hsnmf.js';

/** Typed arrays as plain arrays, non-finite numbers as null, Maps as objects: a JSON-clean copy for `uns`. */
function plainJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    }),
  );
}

/**
 * Writes `r` into `ds` in place (and returns it): obs `hsnmf` (domain labels "0", "1", …),
 * `obsm.X_nmf` (unsmoothed usages W₀), `obsm.X_snmf` (smoothed usages), `varm.nmf` (Hᵀ) and
 * `uns.hsnmf` (the parameters, JSON-clean).
 */
export function attachHsnmf(ds: Dataset, r: HsnmfResult): Dataset {
  const cats = Array.from({ length: r.nClusters }, (_, c) => String(c));
  ds.obs.columns.set(KEYS.hsnmf.obs, { kind: 'category', codes: r.labels, categories: cats } as Column);
  ds.obsm[KEYS.nmf.obsm] = r.snmf.W0;
  ds.obsm[KEYS.snmf.obsm] = r.snmf.Ws;
  ds.varm[KEYS.nmf.varm] = { rows: ds.X.cols, cols: r.snmf.W0.cols, data: transposeDense(r.snmf.H).data };
  ds.uns[KEYS.hsnmf.uns] = plainJson(r.parameters);
  return ds;
}
