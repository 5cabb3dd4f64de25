/**
 * Row and column subsets of a whole Dataset: X, obs/var, obsm/varm, layers and obsp are cut
 * consistently (AnnData's `adata[rows, cols]`). Returns new objects; the input is not modified
 * (uns and meta are shared shallow copies).
 */
import type { Dataset, NumMatrix } from '../../dataset.js';
import type { Dense } from '../../linalg/dense.js';
import { selectCols, selectRows, type Csr } from '../../linalg/csr.js';
import { takeFrame } from '../util.js';

function takeMatrixRows(m: NumMatrix, ids: ArrayLike<number>): NumMatrix {
  const ctor = m.data.constructor as { new (n: number): Float32Array | Float64Array };
  const out = new ctor(ids.length * m.cols);
  for (let r = 0; r < ids.length; r++) out.set(m.data.subarray(ids[r] * m.cols, (ids[r] + 1) * m.cols), r * m.cols);
  return { rows: ids.length, cols: m.cols, data: out };
}

function takeDenseCols(m: Dense, ids: ArrayLike<number>): Dense {
  const k = ids.length;
  const out = new Float32Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) for (let c = 0; c < k; c++) out[i * k + c] = m.data[i * m.cols + ids[c]];
  return { rows: m.rows, cols: k, data: out };
}

function isCsr(x: Csr | Dense): x is Csr {
  return (x as Csr).indptr !== undefined;
}

/** The observations `ids` (in that order) of `d`, with every per-observation field cut to match. */
export function subsetObs(d: Dataset, ids: ArrayLike<number>): Dataset {
  const obsm: Dataset['obsm'] = {};
  for (const [k, m] of Object.entries(d.obsm)) obsm[k] = takeMatrixRows(m, ids);
  const layers: Dataset['layers'] = {};
  for (const [k, m] of Object.entries(d.layers)) layers[k] = isCsr(m) ? selectRows(m, ids) : (takeMatrixRows(m, ids) as Dense);
  const obsp: Dataset['obsp'] = {};
  for (const [k, m] of Object.entries(d.obsp)) obsp[k] = selectCols(selectRows(m, ids), ids);
  return { ...d, X: selectRows(d.X, ids), obs: takeFrame(d.obs, ids), obsm, layers, obsp, meta: { ...d.meta, filtered: [...d.meta.filtered] } };
}

/** The features `ids` (in that order) of `d`, with var, varm and layers cut to match. */
export function subsetVars(d: Dataset, ids: ArrayLike<number>): Dataset {
  const varm: Dataset['varm'] = {};
  for (const [k, m] of Object.entries(d.varm)) varm[k] = takeMatrixRows(m, ids);
  const layers: Dataset['layers'] = {};
  for (const [k, m] of Object.entries(d.layers)) layers[k] = isCsr(m) ? selectCols(m, ids) : takeDenseCols(m, ids);
  return { ...d, X: selectCols(d.X, ids), var: takeFrame(d.var, ids), varm, layers, meta: { ...d.meta, filtered: [...d.meta.filtered] } };
}

/** Indices where `mask` is non-zero. */
export function maskToIds(mask: ArrayLike<number>): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}
