/**
 * Matrix Market (MEX) folders from Cell Ranger, Space Ranger and Xenium (formats.md §1.2):
 * `matrix.mtx[.gz]` (features x barcodes, 1-based coordinates), `features.tsv[.gz]` (id, name,
 * type; legacy `genes.tsv` has id and name) and `barcodes.tsv[.gz]`, optionally with a sample
 * prefix such as `patientA_matrix.mtx`.
 */
import { nodeVfs } from './node-vfs.js';
import { join } from './paths.js';
import { isFolder, type FileSource, type Vfs } from './vfs.js';
import type { Column, Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { keepGeneExpression } from './features.js';
import { forEachLine, forEachRecord } from './text.js';
import { badFile, badInput, canonicalizeCsr, categorical, makeUnique, q, requireUnique } from './util.js';

/** Options of {@link readMex}. */
export interface MexOptions extends FileSource {
  /** Keep only `Gene Expression` features in X (default true, like the 10x HDF5 reader). */
  gexOnly?: boolean;
  /** File-name prefix (e.g. `patientA_`); default: found from the folder. */
  prefix?: string;
  /** Make repeated gene symbols unique (default true). */
  makeUnique?: boolean;
}

/** The matrix/features/barcodes files of a MEX folder, or undefined when it is not one. */
export function findMexFiles(dir: string, prefix?: string, vfs: Vfs = nodeVfs): { matrix: string; features: string; barcodes: string; legacy: boolean } | undefined {
  if (!isFolder(vfs, dir)) return undefined;
  const names = vfs.readdir(dir);
  const pick = (base: string) => [`${base}.gz`, base].find((n) => names.includes(n));
  const prefixes = prefix !== undefined ? [prefix] : [...new Set(names.map((n) => /^(.*)matrix\.mtx(\.gz)?$/.exec(n)?.[1]).filter((p): p is string => p !== undefined))];
  for (const p of prefixes) {
    const m = pick(`${p}matrix.mtx`);
    const f = pick(`${p}features.tsv`);
    const g = pick(`${p}genes.tsv`);
    const b = pick(`${p}barcodes.tsv`);
    if (m && (f || g) && b) return { matrix: join(dir, m), features: join(dir, (f ?? g)!), barcodes: join(dir, b), legacy: !f };
  }
  return undefined;
}

/**
 * Reads a MEX folder as a barcodes x features Dataset, with the same var columns and feature
 * filtering as {@link readTenxH5}. Integer matrices must hold non-negative whole numbers.
 */
export async function readMex(dir: string, opts: MexOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findMexFiles(dir, opts.prefix, vfs);
  if (!files) {
    throw badFile(dir, 'not a MEX folder: expected matrix.mtx[.gz], features.tsv[.gz] (or genes.tsv) and barcodes.tsv[.gz]');
  }
  const barcodes: string[] = [];
  await forEachLine(files.barcodes, (l) => {
    if (l !== '') barcodes.push(l.split('\t')[0]);
  }, vfs);
  const ids: string[] = [];
  const names: string[] = [];
  const types: string[] = [];
  await forEachRecord(
    files.features,
    (f, rec) => {
      if (f.length < 2 && !files.legacy) throw badFile(files.features, `line ${rec}: expected id, name and feature type separated by tabs, found ${f.length} field`);
      ids.push(f[0]);
      names.push(f[1] ?? f[0]);
      types.push(f[2] ?? 'Gene Expression');
    },
    { delimiter: '\t', files: vfs },
  );
  const m = await readMtx(files.matrix, vfs);
  if (m.nRows !== ids.length) throw badFile(files.matrix, `size line says ${m.nRows} features but ${files.features} lists ${ids.length}`);
  if (m.nCols !== barcodes.length) throw badFile(files.matrix, `size line says ${m.nCols} barcodes but ${files.barcodes} lists ${barcodes.length}`);
  requireUnique(files.barcodes, 'barcodes', barcodes);

  // Counting sort by barcode (column of the file) gives CSR barcodes x features directly.
  const nB = m.nCols;
  const indptr = new Int32Array(nB + 1);
  for (let t = 0; t < m.nnz; t++) indptr[m.col[t] + 1]++;
  for (let j = 0; j < nB; j++) indptr[j + 1] += indptr[j];
  const next = indptr.slice(0, nB);
  const indices = new Int32Array(m.nnz);
  const data = new Float32Array(m.nnz);
  for (let t = 0; t < m.nnz; t++) {
    const p = next[m.col[t]]++;
    indices[p] = m.row[t];
    data[p] = m.val[t];
  }
  const X = canonicalizeCsr(files.matrix, 'entries', { rows: nB, cols: m.nRows, indptr, indices, data });

  const uniq = opts.makeUnique === false ? { names, renamed: 0 } : makeUnique(names);
  const varCols: Record<string, Column> = {
    gene_ids: { kind: 'string', values: ids },
    feature_types: categorical(types),
  };
  if (uniq.renamed > 0) varCols.gene_symbols = { kind: 'string', values: names };
  const d: Dataset = {
    X,
    obs: frame(barcodes),
    var: frame(uniq.names, varCols),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns: m.metadata ? { mex_metadata: m.metadata } : {},
    meta: { platform: 'mex', source: dir, filtered: [] },
  };
  if (opts.gexOnly ?? true) {
    if (!types.includes('Gene Expression')) {
      throw badInput(files.features, `no 'Gene Expression' features (types: ${[...new Set(types)].join(', ')}); read with gexOnly: false to keep them`);
    }
    keepGeneExpression(d, types);
  }
  return d;
}

interface Mtx {
  nRows: number;
  nCols: number;
  nnz: number;
  row: Int32Array;
  col: Int32Array;
  val: Float32Array;
  metadata?: unknown;
}

/** Parses a coordinate-format Matrix Market file into 0-based triplets. */
export async function readMtx(path: string, vfs: Vfs = nodeVfs): Promise<Mtx> {
  let field = '';
  let size: [number, number, number] | undefined;
  let metadata: unknown;
  let t = 0;
  let row = new Int32Array(0);
  let col = new Int32Array(0);
  let val = new Float32Array(0);
  let symmetric = false;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      const m = /^%%MatrixMarket\s+matrix\s+(\w+)\s+(\w+)\s+(\w+)/i.exec(line);
      if (!m) throw badFile(path, `line 1: expected '%%MatrixMarket matrix coordinate <integer|real|pattern> general', found ${q(line)}`);
      if (m[1].toLowerCase() !== 'coordinate') throw badFile(path, `line 1: only 'coordinate' matrices are supported, found ${q(m[1])}`);
      field = m[2].toLowerCase();
      if (!['integer', 'real', 'pattern', 'double'].includes(field)) throw badFile(path, `line 1: value type ${q(m[2])} not supported (integer, real, pattern)`);
      symmetric = m[3].toLowerCase() === 'symmetric';
      return;
    }
    if (line.startsWith('%')) {
      const mj = /^%metadata_json:\s*(.*)$/.exec(line);
      if (mj) {
        try {
          metadata = JSON.parse(mj[1]);
        } catch {
          metadata = mj[1];
        }
      }
      return;
    }
    if (line.trim() === '') return;
    if (!size) {
      const s = line.trim().split(/\s+/).map(Number);
      if (s.length !== 3 || s.some((v) => !Number.isInteger(v) || v < 0)) throw badFile(path, `line ${lineNo}: expected the size line 'rows cols entries', found ${q(line)}`);
      size = [s[0], s[1], s[2]];
      const cap = symmetric ? 2 * s[2] : s[2];
      row = new Int32Array(cap);
      col = new Int32Array(cap);
      val = new Float32Array(cap);
      return;
    }
    if (t >= size[2] * (symmetric ? 2 : 1) || (!symmetric && t >= size[2])) throw badFile(path, `line ${lineNo}: more entries than the ${size[2]} the size line declares`);
    const a = line.trim().split(/\s+/);
    const i = Number(a[0]) - 1;
    const j = Number(a[1]) - 1;
    const v = field === 'pattern' ? 1 : Number(a[2]);
    if (!(i >= 0 && i < size[0] && j >= 0 && j < size[1]) || !Number.isInteger(i) || !Number.isInteger(j)) {
      throw badFile(path, `line ${lineNo}: entry (${a[0]}, ${a[1]}) outside the declared ${size[0]} x ${size[1]} matrix`);
    }
    if (!(v >= 0)) throw badInput(path, `line ${lineNo}: expected non-negative counts, found ${q(a[2])}`);
    if (field === 'integer' && !Number.isInteger(v)) throw badInput(path, `line ${lineNo}: expected integer counts (header says integer), found ${q(a[2])}`);
    row[t] = i;
    col[t] = j;
    val[t] = v;
    t++;
    if (symmetric && i !== j) {
      row[t] = j;
      col[t] = i;
      val[t] = v;
      t++;
    }
  }, vfs);
  if (!size) throw badFile(path, 'missing the size line (rows cols entries)');
  const declared = size[2];
  if (!symmetric && t !== declared) throw badFile(path, `size line declares ${declared} entries, found ${t} (truncated file?)`);
  return { nRows: size[0], nCols: size[1], nnz: t, row: row.subarray(0, t), col: col.subarray(0, t), val: val.subarray(0, t), metadata };
}
