/**
 * 10x Genomics feature-barcode HDF5 (`filtered_feature_bc_matrix.h5`, Xenium
 * `cell_feature_matrix.h5`, Visium HD bins), current layout and the Cell Ranger 2 per-genome
 * layout (formats.md §1.1).
 *
 * The file stores features x barcodes in CSC form; the same three arrays read as CSR are the
 * barcodes x features matrix, so no transpose is made. Any integer width is accepted.
 */
import type { Column, Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import type { Csr } from '../linalg/csr.js';
import {
  getDataset,
  getGroup,
  has,
  isGroup,
  needDataset,
  openH5,
  readAttr,
  readFloat32,
  readInt32,
  readStrings,
  readValue,
  type H5Dataset,
  type H5File,
  type H5Group,
} from './h5.js';
import type { FileSource } from './vfs.js';
import { badFile, badInput, canonicalizeCsr, categorical, makeUnique, q, totalsColumnFor } from './util.js';

/** Options of {@link readTenxH5}. */
export interface TenxH5Options extends FileSource {
  /**
   * Keep only `Gene Expression` features in X (default true, as scanpy's `read_10x_h5`
   * `gex_only=True`). The other features' per-cell totals go into obs columns and are listed
   * in `meta.filtered`.
   */
  gexOnly?: boolean;
  /** Legacy (Cell Ranger 2) files with several genome groups: the genome to read. */
  genome?: string;
  /** Append `-1`, `-2`, ... to repeated gene symbols (default true, as `var_names_make_unique`). */
  makeUnique?: boolean;
}

const GEX = 'Gene Expression';

interface RawMatrix {
  nFeatures: number;
  nBarcodes: number;
  barcodes: string[];
  indptr: Int32Array;
  indices: Int32Array;
  /** The stored values as float32. */
  data: Float32Array;
  /** First stored value that is not a whole number (float datasets only). */
  nonInteger?: { entry: number; value: number };
  ids: string[];
  names: string[];
  types: string[];
  genome?: string[];
  /** Probe-barcode matrices: `features/gene_id` (then `ids` are probe IDs). */
  geneIds?: string[];
  extraTags: Map<string, string[]>;
  attrs: Record<string, unknown>;
  layout: 'v3' | 'legacy';
}

/**
 * Reads a 10x HDF5 matrix as a barcodes x features Dataset.
 *
 * obs index = barcodes; var index = feature `name` (made unique by default), var columns
 * `gene_ids`, `feature_types`, `genome` (+ `probe_ids` for probe matrices and other tags listed
 * in `_all_tag_keys`). Values are float32 copies of the stored integer counts; negative or
 * non-integer counts are rejected. Root attributes go to `uns.tenx_attrs`.
 *
 * @param path  the `.h5` file
 * @param opts  see {@link TenxH5Options}
 */
export async function readTenxH5(path: string, opts: TenxH5Options = {}): Promise<Dataset> {
  const f = await openH5(path, opts.files);
  let raw: RawMatrix;
  try {
    raw = readRaw(path, f, opts.genome);
  } finally {
    f.close();
  }
  return buildDataset(path, raw, opts);
}

function readRaw(path: string, f: H5File, genome: string | undefined): RawMatrix {
  const attrs: Record<string, unknown> = {};
  for (const k of Object.keys(f.attrs)) attrs[k] = readAttr(f, k);
  if (has(f, 'matrix')) return readV3(path, getGroup(f, 'matrix')!, attrs);
  // Legacy: one group per genome holding indptr etc.
  const genomes = f.keys().filter((k) => {
    const g = f.get(k);
    return isGroup(g) && has(g, 'indptr') && has(g, 'data');
  });
  if (genomes.length === 0) {
    throw badFile(path, "missing group '/matrix' (10x HDF5 v3+) and no legacy per-genome group with 'indptr'; not a 10x matrix file");
  }
  let pick = genomes[0];
  if (genomes.length > 1) {
    if (genome === undefined) {
      throw badFile(path, `legacy 10x file holds several genomes (${genomes.join(', ')}); pass the genome option to pick one`);
    }
    if (!genomes.includes(genome)) throw badFile(path, `genome ${q(genome)} not in file (has ${genomes.join(', ')})`);
    pick = genome;
  } else if (genome !== undefined && genome !== pick) {
    throw badFile(path, `genome ${q(genome)} not in file (has ${pick})`);
  }
  const g = getGroup(f, pick)!;
  const core = readCore(path, g);
  const ids = readStrings(path, needDataset(path, g, 'genes'));
  const names = has(g, 'gene_names') ? readStrings(path, needDataset(path, g, 'gene_names')) : ids.slice();
  return {
    ...core,
    ids,
    names,
    types: new Array<string>(ids.length).fill(GEX),
    genome: new Array<string>(ids.length).fill(pick),
    extraTags: new Map(),
    attrs,
    layout: 'legacy',
  };
}

function readV3(path: string, g: H5Group, attrs: Record<string, unknown>): RawMatrix {
  const core = readCore(path, g);
  const fg = getGroup(g, 'features');
  if (!fg) throw badFile(path, "missing group '/matrix/features'");
  const ids = readStrings(path, needDataset(path, fg, 'id'));
  const names = has(fg, 'name') ? readStrings(path, needDataset(path, fg, 'name')) : ids.slice();
  const types = has(fg, 'feature_type')
    ? readStrings(path, needDataset(path, fg, 'feature_type'))
    : new Array<string>(ids.length).fill(GEX);
  const genome = has(fg, 'genome') ? readStrings(path, needDataset(path, fg, 'genome')) : undefined;
  const geneIds = has(fg, 'gene_id') ? readStrings(path, needDataset(path, fg, 'gene_id')) : undefined;
  const extraTags = new Map<string, string[]>();
  const tagDs = getDataset(fg, '_all_tag_keys');
  const tags = tagDs ? readStrings(path, tagDs) : [];
  for (const t of tags) {
    if (t === 'genome' || t === 'gene_id' || t === '' || !has(fg, t)) continue;
    const d = getDataset(fg, t);
    if (!d) continue; // e.g. target_sets is a group
    const v = readValue(path, d);
    if (Array.isArray(v) && v.length === ids.length) extraTags.set(t, v.map((s) => String(s).replace(/\0+$/, '')));
  }
  for (const [field, arr] of [['name', names], ['feature_type', types], ['genome', genome], ['gene_id', geneIds]] as const) {
    if (arr && arr.length !== ids.length) {
      throw badFile(path, `'/matrix/features/${field}' has ${arr.length} entries, expected ${ids.length} (as features/id)`);
    }
  }
  return { ...core, ids, names, types, genome, geneIds, extraTags, attrs, layout: 'v3' };
}

function readCore(path: string, g: H5Group) {
  const shape = readInt32(path, needDataset(path, g, 'shape'));
  if (shape.length !== 2) throw badFile(path, `'${g.path}/shape' has ${shape.length} entries, expected 2`);
  const [nFeatures, nBarcodes] = [shape[0], shape[1]];
  const barcodes = readStrings(path, needDataset(path, g, 'barcodes'));
  if (barcodes.length !== nBarcodes) {
    throw badFile(path, `'${g.path}/barcodes' has ${barcodes.length} entries but shape says ${nBarcodes} barcodes`);
  }
  const indptr = readInt32(path, needDataset(path, g, 'indptr'));
  const indices = readInt32(path, needDataset(path, g, 'indices'));
  const dataDs = needDataset(path, g, 'data');
  const { data, nonInteger } = readData(path, dataDs);
  if (indptr.length !== nBarcodes + 1) {
    throw badFile(path, `'${g.path}/indptr' has ${indptr.length} entries, expected n_barcodes + 1 = ${nBarcodes + 1}`);
  }
  if (indices.length !== data.length) {
    throw badFile(path, `'${g.path}/indices' has ${indices.length} entries but '${g.path}/data' has ${data.length}`);
  }
  return { nFeatures, nBarcodes, barcodes, indptr, indices, data, nonInteger };
}

/**
 * The counts as float32, read in hyperslabs for long datasets (issue 16: no whole-array copy
 * of the stored type). Stored floats must be whole numbers; that is checked on each piece in
 * its stored type, before float32 could round it, and reported with the entry's position.
 */
function readData(path: string, d: H5Dataset): { data: Float32Array; nonInteger?: { entry: number; value: number } } {
  let nonInteger: { entry: number; value: number } | undefined;
  const data = readFloat32(path, d, (v, offset) => {
    if (nonInteger || !(v instanceof Float32Array || v instanceof Float64Array)) {
      if (nonInteger || ArrayBuffer.isView(v)) return;
      throw badFile(path, `'${d.path}': expected a numeric array`);
    }
    for (let p = 0; p < v.length; p++) {
      const x = v[p];
      if (x !== Math.round(x) && x === x) {
        nonInteger = { entry: offset + p, value: x };
        return;
      }
    }
  });
  return { data, nonInteger };
}

function buildDataset(path: string, raw: RawMatrix, opts: TenxH5Options): Dataset {
  const gexOnly = opts.gexOnly ?? true;
  const nF = raw.nFeatures;
  const nB = raw.nBarcodes;
  if (raw.ids.length !== nF) {
    throw badFile(path, `features/id has ${raw.ids.length} entries but shape says ${nF} features`);
  }
  if (nF === 0 || nB === 0) throw badInput(path, `matrix is empty (${nF} features x ${nB} barcodes)`);

  // Feature-type codes; `keep[f]` says whether feature f goes into X.
  const typeNames = [...new Set(raw.types)];
  const typeCode = new Map(typeNames.map((t, i) => [t, i]));
  const fType = new Int32Array(nF);
  for (let f = 0; f < nF; f++) fType[f] = typeCode.get(raw.types[f])!;
  const keep = new Uint8Array(nF);
  let nKeep = 0;
  for (let f = 0; f < nF; f++) {
    if (!gexOnly || raw.types[f] === GEX) {
      keep[f] = 1;
      nKeep++;
    }
  }
  if (nKeep === 0) {
    throw badInput(path, `no 'Gene Expression' features (types: ${typeNames.join(', ')}); read with gexOnly: false to keep them`);
  }
  const newIndex = new Int32Array(nF).fill(-1);
  for (let f = 0, c = 0; f < nF; f++) if (keep[f]) newIndex[f] = c++;

  // Xenium protein runs store scaled integers (formats.md §1.1).
  const protScale = Number(raw.attrs['protein_scaling_factor']);
  const scale = new Float32Array(nF).fill(1);
  if (Number.isFinite(protScale) && protScale > 0) {
    for (let f = 0; f < nF; f++) if (raw.types[f] === 'Protein Expression') scale[f] = 1 / protScale;
  }

  const { indptr, indices } = raw;
  // Float64/float32 counts must be whole numbers; checked by readData on the stored values
  // before float32 could round them.
  if (raw.nonInteger) {
    const { entry: p, value: v } = raw.nonInteger;
    throw badInput(path, `data: expected integer counts, found ${v} at entry ${p} (barcode ${q(raw.barcodes[barcodeOf(indptr, p)])})`);
  }
  // Already float32 for every stored type (readData), so the loops below see one array type.
  const data = raw.data;
  // One pass: validate values, count kept entries per barcode, total the dropped types.
  const dropTypes = typeNames.filter((t) => gexOnly && t !== GEX);
  const dropSlot = new Int32Array(typeNames.length).fill(-1);
  dropTypes.forEach((t, k) => (dropSlot[typeCode.get(t)!] = k));
  const totals = dropTypes.map(() => new Float64Array(nB));
  const outPtr = new Int32Array(nB + 1);
  if (indptr[0] !== 0) throw badFile(path, `indptr[0] is ${indptr[0]}, expected 0`);
  if (indptr[nB] !== indices.length) throw badFile(path, `indptr ends at ${indptr[nB]} but nnz is ${indices.length}`);
  let kept = 0;
  for (let j = 0; j < nB; j++) {
    const s = indptr[j];
    const e = indptr[j + 1];
    if (!(e >= s) || e > indices.length) {
      throw badFile(path, `indptr is not non-decreasing within [0, nnz] at barcode ${j + 1} (${s} -> ${e})`);
    }
    let keptRow = 0;
    for (let p = s; p < e; p++) {
      const f = indices[p];
      const v = data[p];
      if (f < 0 || f >= nF) throw badFile(path, `indices: feature index ${f} out of range [0, ${nF}) at entry ${p}`);
      if (!(v >= 0)) throw badInput(path, `data: expected non-negative counts, found ${v} at entry ${p} (barcode ${q(raw.barcodes[j])})`);
      if (keep[f]) keptRow++;
      else totals[dropSlot[fType[f]]][j] += v;
    }
    kept += keptRow;
    outPtr[j + 1] = kept;
  }

  let X: Csr;
  const scaled = scale.some((x) => x !== 1);
  if (kept === indices.length && nKeep === nF) {
    let values = data;
    if (scaled) {
      values = new Float32Array(data.length);
      for (let p = 0; p < values.length; p++) values[p] = data[p] * scale[indices[p]];
    }
    X = { rows: nB, cols: nKeep, indptr: outPtr, indices, data: values };
  } else {
    const outIdx = new Int32Array(kept);
    const outVal = new Float32Array(kept);
    let o = 0;
    for (let p = 0; p < indices.length; p++) {
      const c = newIndex[indices[p]];
      if (c >= 0) {
        outIdx[o] = c;
        outVal[o] = scaled ? data[p] * scale[indices[p]] : data[p];
        o++;
      }
    }
    X = { rows: nB, cols: nKeep, indptr: outPtr, indices: outIdx, data: outVal };
  }
  X = canonicalizeCsr(path, 'matrix', X);

  const keptIds: number[] = [];
  for (let f = 0; f < nF; f++) if (keep[f]) keptIds.push(f);
  const pick = <T>(a: T[]) => keptIds.map((f) => a[f]);

  const obsCols: Record<string, Column> = {};
  dropTypes.forEach((t, k) => (obsCols[totalsColumnFor(t)] = { kind: 'number', values: totals[k] }));
  const dupBarcode = firstDuplicate(raw.barcodes);
  if (dupBarcode !== undefined) throw badInput(path, `barcodes: duplicate barcode ${q(dupBarcode)}; barcodes must be unique`);

  const names = pick(raw.names);
  const uniq = opts.makeUnique === false ? { names, renamed: 0 } : makeUnique(names);
  const varCols: Record<string, Column> = {};
  if (raw.geneIds) {
    varCols.gene_ids = { kind: 'string', values: pick(raw.geneIds) };
    varCols.probe_ids = { kind: 'string', values: pick(raw.ids) };
  } else {
    varCols.gene_ids = { kind: 'string', values: pick(raw.ids) };
  }
  varCols.feature_types = categorical(pick(raw.types));
  if (raw.genome) varCols.genome = categorical(pick(raw.genome));
  for (const [t, v] of raw.extraTags) varCols[t] = { kind: 'string', values: pick(v) };
  if (uniq.renamed > 0) varCols.gene_symbols = { kind: 'string', values: names };

  const filtered = dropTypes.map((t) => ({
    axis: 'features' as const,
    what: t,
    count: raw.types.reduce((n, x) => n + (x === t ? 1 : 0), 0),
    why: `gexOnly: only 'Gene Expression' features enter X; per-cell totals kept in obs '${totalsColumnFor(t)}'`,
  }));

  const uns: Record<string, unknown> = { tenx_attrs: raw.attrs };
  if (uniq.renamed > 0) uns.var_names_made_unique = uniq.renamed;

  return {
    X,
    obs: frame(raw.barcodes, obsCols),
    var: frame(uniq.names, varCols),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns,
    meta: { platform: '10x-h5', source: path, filtered },
  };
}

/** The barcode (column of the stored matrix) that entry `p` belongs to, for error messages. */
function barcodeOf(indptr: Int32Array, p: number): number {
  let lo = 0;
  let hi = indptr.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (indptr[mid] <= p) lo = mid;
    else hi = mid;
  }
  return lo;
}

function firstDuplicate(a: string[]): string | undefined {
  const s = new Set<string>();
  for (const x of a) {
    if (s.has(x)) return x;
    s.add(x);
  }
  return undefined;
}
