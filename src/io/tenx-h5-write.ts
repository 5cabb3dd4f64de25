/**
 * Streaming writer of a 10x feature-barcode HDF5 matrix (`cell_feature_matrix.h5`,
 * `filtered_feature_bc_matrix.h5`; formats.md §1.1): CSR row chunks of barcodes x features
 * are appended to resizable, chunked `/matrix/data` (int32) and `/matrix/indices` (int64)
 * datasets, so a file of any size is written while only one chunk is in memory (issue 16).
 * The barcodes x features CSR arrays are, read as CSC, the features x barcodes matrix 10x
 * stores, so nothing is transposed. Optional row-aligned datasets (e.g. a simulation's truth)
 * are appended the same way under their own paths.
 *
 * Node-only (layer: io).
 */
import { StnmfError } from '../errors.js';
import { zeroObjectTimes } from './h5-times.js';
import { createH5, type H5Dataset, type H5File, type H5Group } from './h5.js';

/** One block of consecutive rows, CSR with offsets local to the chunk (indptr[0] = 0). */
export interface TenxRowChunk {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  /** Integer counts (10x stores int32). */
  data: Int32Array;
  /** Row-aligned extra data, one entry per `extras` path: rows x cols row-major. */
  extras?: Record<string, Float32Array | Int32Array>;
}

/** A row-aligned extra dataset (rows x cols, or 1-D when cols is 1 and `vector`). */
export interface TenxExtra {
  /** HDF5 path, e.g. `truth/usage` (parents are created). */
  path: string;
  cols: number;
  /** h5wasm dtype spelling: `<f` float32, `<i` int32. */
  dtype: '<f' | '<i';
  /** Store as 1-D (cols must be 1). */
  vector?: boolean;
}

/** What to write besides the chunks. */
export interface TenxH5WriteOptions {
  /** Barcode (cell / bin name) of each row, in row order. */
  barcodes: string[];
  /** `features/id`, one per column. */
  featureIds: string[];
  /** `features/name` (gene symbols). */
  featureNames: string[];
  /** `features/genome`. Default `unknown`. */
  genome?: string;
  /** Root attributes (strings), e.g. `software_version`. */
  attrs?: Record<string, string>;
  /** Row-aligned datasets filled from each chunk's `extras`. */
  extras?: TenxExtra[];
  /** Whole datasets written once, e.g. `truth/programs` (K x G). */
  datasets?: Array<{ path: string; data: Float32Array | Int32Array; shape: number[] }>;
  /** HDF5 chunk size (elements) of the growing datasets. Default 2²⁰ (4–8 MB). */
  h5ChunkElements?: number;
  /** Called after each written chunk with the rows written so far. */
  onChunk?: (rowsWritten: number) => void;
}

/** Summary of a written file. */
export interface TenxH5WriteResult {
  rows: number;
  cols: number;
  nnz: number;
}

function groupFor(f: H5File, path: string): { g: H5Group; name: string } {
  const parts = path.split('/').filter((p) => p !== '');
  let g: H5Group = f;
  for (const p of parts.slice(0, -1)) g = (g.keys().includes(p) ? g.get(p) : g.create_group(p)) as H5Group;
  return { g, name: parts[parts.length - 1] };
}

/** int32 values as the little-endian int64 HDF5 needs, through the low words (no BigInt per entry). */
function toInt64(a: Int32Array): BigInt64Array {
  const out = new BigInt64Array(a.length);
  const w = new Int32Array(out.buffer);
  for (let i = 0, j = 0; i < a.length; i++, j += 2) w[j] = a[i];
  return out;
}

/**
 * Writes the chunks (in row order, together `barcodes.length` rows) as a 10x HDF5 matrix.
 * Column indices must lie in [0, featureIds.length) and be sorted within each row (what the
 * 10x reader checks); values are written as given.
 * @throws StnmfError WRITE_FAILED when the file cannot be written, BAD_INPUT when the chunks
 *   do not add up to the barcodes or break the CSR rules.
 */
export async function writeTenxH5(path: string, chunks: Iterable<TenxRowChunk>, o: TenxH5WriteOptions): Promise<TenxH5WriteResult> {
  const nRows = o.barcodes.length, nCols = o.featureIds.length;
  if (o.featureNames.length !== nCols) throw new StnmfError('BAD_INPUT', `writeTenxH5: ${o.featureNames.length} feature names for ${nCols} feature ids`);
  const ch = o.h5ChunkElements ?? 1 << 20;
  const f = await createH5(path);
  let closed = false;
  try {
    for (const [k, v] of Object.entries(o.attrs ?? {})) f.create_attribute(k, v);
    const m = f.create_group('matrix');
    const grow = (g: H5Group, name: string, dtype: string, cols: number, vector: boolean): H5Dataset => {
      const shape = vector ? [0] : [0, cols];
      const maxshape = vector ? [null] : [null, cols];
      const chunks = vector ? [ch] : [Math.max(1, Math.floor(ch / cols)), cols];
      const empty = dtype === '<q' ? new BigInt64Array(0) : dtype === '<f' ? new Float32Array(0) : new Int32Array(0);
      return g.create_dataset({ name, data: empty, shape, maxshape, chunks, dtype });
    };
    const dataDs = grow(m, 'data', '<i', 1, true);
    const indicesDs = grow(m, 'indices', '<q', 1, true);
    const extraDs = (o.extras ?? []).map((e) => {
      const { g, name } = groupFor(f, e.path);
      return grow(g, name, e.dtype, e.cols, e.vector === true);
    });
    const indptr = new Float64Array(nRows + 1);
    let row = 0, nnz = 0;
    for (const c of chunks) {
      const m0 = c.indptr[c.rows];
      if (c.indptr.length !== c.rows + 1 || c.indptr[0] !== 0 || c.indices.length < m0 || c.data.length < m0) {
        throw new StnmfError('BAD_INPUT', `writeTenxH5: chunk at row ${row} has inconsistent indptr/indices/data lengths`);
      }
      if (row + c.rows > nRows) throw new StnmfError('BAD_INPUT', `writeTenxH5: the chunks hold more rows than the ${nRows} barcodes`);
      for (let i = 0; i < c.rows; i++) {
        for (let q = c.indptr[i]; q < c.indptr[i + 1]; q++) {
          const j = c.indices[q];
          if (!(j >= 0 && j < nCols) || (q > c.indptr[i] && j <= c.indices[q - 1])) {
            throw new StnmfError('BAD_INPUT', `writeTenxH5: row ${row + i}: column ${j} out of range [0, ${nCols}) or not strictly increasing`);
          }
        }
        indptr[row + i + 1] = nnz + c.indptr[i + 1];
      }
      if (m0 > 0) {
        dataDs.resize([nnz + m0]);
        dataDs.write_slice([[nnz, nnz + m0]], c.data.subarray(0, m0));
        indicesDs.resize([nnz + m0]);
        indicesDs.write_slice([[nnz, nnz + m0]], toInt64(c.indices.subarray(0, m0)));
      }
      (o.extras ?? []).forEach((e, t) => {
        const v = c.extras?.[e.path];
        if (!v || v.length !== c.rows * e.cols) throw new StnmfError('BAD_INPUT', `writeTenxH5: chunk at row ${row} lacks extra '${e.path}' of ${c.rows} x ${e.cols}`);
        const d = extraDs[t];
        d.resize(e.vector ? [row + c.rows] : [row + c.rows, e.cols]);
        d.write_slice(e.vector ? [[row, row + c.rows]] : [[row, row + c.rows], [0, e.cols]], v);
      });
      row += c.rows;
      nnz += m0;
      o.onChunk?.(row);
    }
    if (row !== nRows) throw new StnmfError('BAD_INPUT', `writeTenxH5: the chunks hold ${row} rows but ${nRows} barcodes were given`);
    const ip = new BigInt64Array(nRows + 1);
    for (let i = 0; i <= nRows; i++) ip[i] = BigInt(indptr[i]);
    m.create_dataset({ name: 'indptr', data: ip, dtype: '<q' });
    m.create_dataset({ name: 'shape', data: Int32Array.of(nCols, nRows), dtype: '<i' });
    // Fixed-length strings, as 10x writes them (|S18), when every barcode has the same length
    // (no padding to strip on reading); variable-length otherwise.
    const len = o.barcodes.length > 0 ? o.barcodes[0].length : 0;
    const fixed = len > 0 && o.barcodes.every((b) => b.length === len && /^[\x20-\x7e]*$/.test(b));
    m.create_dataset(fixed ? { name: 'barcodes', data: o.barcodes, dtype: `S${len}` } : { name: 'barcodes', data: o.barcodes });
    const fg = m.create_group('features');
    fg.create_dataset({ name: 'id', data: o.featureIds });
    fg.create_dataset({ name: 'name', data: o.featureNames });
    fg.create_dataset({ name: 'feature_type', data: new Array<string>(nCols).fill('Gene Expression') });
    fg.create_dataset({ name: 'genome', data: new Array<string>(nCols).fill(o.genome ?? 'unknown') });
    fg.create_dataset({ name: '_all_tag_keys', data: ['genome'] });
    for (const d of o.datasets ?? []) {
      const { g, name } = groupFor(f, d.path);
      g.create_dataset({ name, data: d.data, shape: d.shape, dtype: d.data instanceof Float32Array ? '<f' : '<i' });
    }
    f.close();
    closed = true;
    // Same chunks, same bytes: HDF5 stamps object headers with the wall clock (h5-times.ts).
    zeroObjectTimes(path);
    return { rows: nRows, cols: nCols, nnz };
  } catch (e) {
    if (e instanceof StnmfError) throw e;
    throw new StnmfError('WRITE_FAILED', `${path}: cannot write the 10x HDF5 matrix (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  } finally {
    if (!closed) f.close();
  }
}
