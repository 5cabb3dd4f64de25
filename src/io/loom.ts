/**
 * Loom files (HDF5; osmFISH, velocyto, Linnarsson-lab releases): `matrix` is genes x cells
 * (dense, any numeric type), `row_attrs/*` are per-gene and `col_attrs/*` per-cell arrays.
 *
 * Read as cells x genes: var index from `row_attrs/Gene` (else `gene_names`, `var_names`,
 * `Accession`), obs index from `col_attrs/CellID` (else `obs_names`, `CellId`); other 1-D
 * attributes become obs/var columns (text as categoricals when they repeat, e.g. cluster and
 * region labels), 2-D column attributes go to obsm. `col_attrs/X`, `Y` (osmFISH centroids, in
 * pixels) become `obsm.spatial`. Layers other than `matrix` are not read.
 */
import type { Column, Dataset, Frame } from '../dataset.js';
import { frame } from '../dataset.js';
import { getGroup, has, isDataset, needDataset, openH5, readValue, toFloat64, toInt32, toStrings, type H5Group } from './h5.js';
import type { FileSource } from './vfs.js';
import { badFile, badInput, categorical, CsrBuilder, makeUnique } from './util.js';

/** Options of {@link readLoom}. */
export interface LoomOptions extends FileSource {
  /** Unit of `col_attrs/X`/`Y` (default `px`). */
  coordinateUnit?: 'px' | 'um';
}

/** True when an open HDF5 file has the loom layout. */
export function isLoom(f: H5Group): boolean {
  return has(f, 'matrix') && has(f, 'row_attrs') && has(f, 'col_attrs');
}

const GENE_KEYS = ['Gene', 'gene_names', 'var_names', 'Accession'];
const CELL_KEYS = ['CellID', 'obs_names', 'CellId', 'cell_names'];

/** Reads a `.loom` file as a cells x genes Dataset. */
export async function readLoom(path: string, opts: LoomOptions = {}): Promise<Dataset> {
  const f = await openH5(path, opts.files);
  try {
    if (!isLoom(f)) throw badFile(path, "not a loom file: expected 'matrix', 'row_attrs' and 'col_attrs'");
    const m = needDataset(path, f, 'matrix');
    const shape = m.shape ?? [];
    if (shape.length !== 2) throw badFile(path, `'/matrix': expected a 2-D array, found shape (${shape.join(', ')})`);
    const [nGenes, nCells] = shape;
    if (nGenes === 0 || nCells === 0) throw badInput(path, `'/matrix' is empty (${nGenes} x ${nCells})`);
    const raw = toFloat64(path, '/matrix', readValue(path, m));
    // genes x cells (row-major) -> cells x genes CSR, checking values on the way.
    const b = new CsrBuilder();
    let integer = true;
    for (let c = 0; c < nCells; c++) {
      for (let g = 0; g < nGenes; g++) {
        const v = raw[g * nCells + c];
        if (!(v >= 0)) throw badInput(path, `'/matrix': expected non-negative values, found ${v} at gene ${g + 1}, cell ${c + 1}`);
        if (v !== 0) {
          b.push(g, v);
          if (integer && v !== Math.round(v)) integer = false;
        }
      }
      b.endRow();
    }
    const rows = attrs(path, getGroup(f, 'row_attrs')!, nGenes, 'row_attrs');
    const cols = attrs(path, getGroup(f, 'col_attrs')!, nCells, 'col_attrs');
    const geneKey = GENE_KEYS.find((k) => rows.text.has(k));
    const cellKey = CELL_KEYS.find((k) => cols.text.has(k));
    const genes = geneKey ? rows.text.get(geneKey)! : Array.from({ length: nGenes }, (_, i) => `gene_${i + 1}`);
    const uniq = makeUnique(genes);
    let cells = cellKey ? cols.text.get(cellKey)! : Array.from({ length: nCells }, (_, i) => String(i));
    if (new Set(cells).size !== cells.length) cells = makeUnique(cells).names;
    const obs = toFrame(cells, cols, cellKey);
    const vr = toFrame(uniq.names, rows, geneKey);
    if (uniq.renamed > 0) vr.columns.set('gene_symbols', { kind: 'string', values: genes });
    const d: Dataset = {
      X: b.build(nGenes),
      obs,
      var: vr,
      obsm: cols.matrices,
      varm: rows.matrices,
      obsp: {},
      layers: {},
      uns: { reader: { format: 'loom', integer }, loom_attrs: fileAttrs(f) },
      meta: { platform: 'loom', source: path, filtered: [] },
    };
    const x = cols.numbers.get('X') ?? cols.numbers.get('x');
    const y = cols.numbers.get('Y') ?? cols.numbers.get('y');
    if (x && y) {
      const xy = new Float64Array(2 * nCells);
      for (let i = 0; i < nCells; i++) {
        xy[2 * i] = x[i];
        xy[2 * i + 1] = y[i];
      }
      d.obsm.spatial = { rows: nCells, cols: 2, data: xy };
      d.meta.coordinateUnit = opts.coordinateUnit ?? 'px';
    }
    return d;
  } finally {
    f.close();
  }
}

interface Attrs {
  order: string[];
  text: Map<string, string[]>;
  numbers: Map<string, Float64Array>;
  /** Integer attributes (ids, counts, flags) kept as int32 for obs/var. */
  ints: Map<string, Int32Array>;
  matrices: Record<string, { rows: number; cols: number; data: Float64Array }>;
}

function attrs(path: string, g: H5Group, n: number, where: string): Attrs {
  const out: Attrs = { order: [], text: new Map(), numbers: new Map(), ints: new Map(), matrices: {} };
  for (const k of g.keys()) {
    const e = g.get(k);
    if (!isDataset(e)) continue;
    const shape = e.shape ?? [];
    if (shape[0] !== n) throw badFile(path, `'/${where}/${k}' has ${shape[0]} entries, expected ${n}`);
    const v = readValue(path, e);
    if (shape.length === 2 && ArrayBuffer.isView(v)) {
      out.matrices[k] = { rows: n, cols: shape[1], data: toFloat64(path, `/${where}/${k}`, v) };
      continue;
    }
    if (shape.length !== 1) continue;
    out.order.push(k);
    if (Array.isArray(v) || typeof v === 'string') out.text.set(k, toStrings(path, `/${where}/${k}`, v));
    else {
      out.numbers.set(k, toFloat64(path, `/${where}/${k}`, v));
      if (isIntegerArray(v)) {
        try {
          out.ints.set(k, toInt32(path, `/${where}/${k}`, v));
        } catch {
          /* beyond int32: stays float64 */
        }
      }
    }
  }
  return out;
}

function toFrame(index: string[], a: Attrs, indexKey: string | undefined): Frame {
  const fr = frame(index);
  for (const k of a.order) {
    if (k === indexKey) continue;
    const t = a.text.get(k);
    let c: Column;
    if (t) c = new Set(t).size < t.length ? categorical(t) : { kind: 'string', values: t };
    else c = { kind: 'number', values: a.ints.get(k) ?? a.numbers.get(k)! };
    fr.columns.set(k, c);
  }
  return fr;
}

function isIntegerArray(v: unknown): boolean {
  return v instanceof Int32Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint8Array || v instanceof Uint16Array || v instanceof BigInt64Array || v instanceof BigUint64Array;
}

function fileAttrs(f: H5Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(f.attrs)) {
    try {
      const v = f.attrs[k].json_value;
      out[k] = typeof v === 'string' ? v.replace(/\0+$/, '') : v;
    } catch {
      /* attributes of types without a JSON form are skipped */
    }
  }
  return out;
}

