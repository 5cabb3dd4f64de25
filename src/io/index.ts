/**
 * io: every platform reader, the writers, and platform detection (Node-only layer).
 *
 * `readDataset(path)` looks at the path (folder contents, file signature, header row) and calls
 * the matching reader; `detectPlatform(path)` says what it found and why, for `stnmf info`.
 */
import { existsSync, statSync } from 'node:fs';
import type { Dataset } from '../dataset.js';
import { readCsvDataset, type CsvDatasetOptions } from './csv.js';
import { getDataset, has, looksLikeHdf5, openH5 } from './h5.js';
import { readH5ad } from './h5ad.js';
import { findMexFiles, readMex } from './mex.js';
import { detectCellTable, readCellTable } from './proteomics.js';
import { readTenxH5 } from './tenx-h5.js';
import { forEachRecord, requireRegularFile } from './text.js';
import { badFile } from './util.js';
import { validateDataset } from './validate.js';
import { findVisiumHdBins, findVisiumRoot, readVisium, readVisiumHd } from './visium.js';
import { findXeniumFiles, readXenium } from './xenium.js';
import { findCosmxFiles, isCosmxHeader, readCosmx } from './cosmx.js';
import { isLoom, readLoom } from './loom.js';
import { findMerscopeFiles, readMerscope } from './merscope.js';
import { findSlideSeqFiles, readSlideSeq } from './slideseq.js';
import { findSteinbockFiles, readSteinbock } from './steinbock.js';
import { isGemHeader, readStereoSeq } from './stereoseq.js';

export { readTenxH5, type TenxH5Options } from './tenx-h5.js';
export { readMex, readMtx, findMexFiles, type MexOptions } from './mex.js';
export { readXenium, type XeniumOptions } from './xenium.js';
export { readVisium, readVisiumHd, readTissuePositions, type VisiumOptions } from './visium.js';
export { readCsvDataset, readMatrixTable, readCoordinates, attachAnnotations, writeCsv, type CsvDatasetOptions, type LabelledMatrix } from './csv.js';
export { readCellTable, type CellTableOptions } from './proteomics.js';
export { readH5ad, writeH5ad, type H5adWriteOptions } from './h5ad.js';
export { readNpy, writeNpy, parseNpy, encodeNpy, npyToDense, npyToFloat64, type NpyArray, type NpyDescr } from './npy.js';
export { writeFileAtomic, openAtomic, withAtomicPath, type WriteOptions, type AtomicWriter } from './atomic.js';
export { checkRadius, coordinateScale } from './radius.js';
export { readCosmx, COSMX_UM_PER_PX, type CosmxOptions } from './cosmx.js';
export { readLoom, type LoomOptions } from './loom.js';
export { readMerscope } from './merscope.js';
export { readSlideSeq, type SlideSeqOptions } from './slideseq.js';
export { readSteinbock, type SteinbockOptions } from './steinbock.js';
export { readStereoSeq, DNB_PITCH_UM, type StereoSeqOptions } from './stereoseq.js';
export { readParquetColumns, parquetColumn } from './parquet.js';

/** Platforms `readDataset` can read. */
export type Platform =
  | 'xenium'
  | 'visium'
  | 'visium-hd'
  | '10x-h5'
  | 'mex'
  | 'h5ad'
  | 'loom'
  | 'csv'
  | 'codex'
  | 'mibi'
  | 'mcmicro'
  | 'imc'
  | 'cosmx'
  | 'merscope'
  | 'slide-seq'
  | 'stereo-seq';

/** What {@link detectPlatform} found. */
export interface Detection {
  platform: Platform;
  /** One line saying which files or columns decided it. */
  reason: string;
}

/** Options of {@link readDataset}: the platform override plus the options of the chosen reader. */
export interface ReadOptions extends CsvDatasetOptions {
  /** Skip detection and use this reader. */
  platform?: Platform;
  /** 10x readers: keep only Gene Expression features (default true). */
  gexOnly?: boolean;
  /** Visium: `px` (default) or `um` coordinates. */
  coordinates?: 'px' | 'um';
  /** Bin size: Visium HD in µm; Stereo-seq GEM in DNBs (default 50). */
  binSize?: number;
  /** µm per pixel: CosMx (default 0.12), Slide-seq (no default). */
  micronsPerPixel?: number;
  /** Legacy 10x HDF5 with several genomes: which one. */
  genome?: string;
}

/** Decides the platform of a folder or file without reading its data. */
export async function detectPlatform(path: string): Promise<Detection> {
  if (!existsSync(path)) throw badFile(path, 'no such file or folder');
  if (statSync(path).isDirectory()) {
    const x = findXeniumFiles(path);
    if (x) return { platform: 'xenium', reason: `Xenium bundle (${x.kind === 'h5' ? 'cell_feature_matrix.h5' : 'cell_feature_matrix/'} + ${x.cells.split('/').pop()})` };
    const bins = findVisiumHdBins(path);
    if (bins.length > 0) return { platform: 'visium-hd', reason: `Visium HD binned_outputs (${bins.map((b) => b.binUm + ' µm').join(', ')})` };
    if (findVisiumRoot(path)) return { platform: 'visium', reason: 'Space Ranger folder (spatial/ tissue positions + feature-barcode matrix)' };
    const mer = findMerscopeFiles(path);
    if (mer) return { platform: 'merscope', reason: `MERSCOPE folder (${mer.counts.split('/').pop()} + ${mer.meta.split('/').pop()})` };
    const cx = findCosmxFiles(path);
    if (cx) return { platform: 'cosmx', reason: `CosMx flat files (${(cx.expr ?? cx.tx)!.split('/').pop()}${cx.expr && cx.meta ? ' + ' + cx.meta.split('/').pop() : ''})` };
    const ss = findSlideSeqFiles(path);
    if (ss) return { platform: 'slide-seq', reason: `Slide-seq puck (${ss.beads.split('/').pop()} + ${ss.counts.split('/').pop()})` };
    const sb = findSteinbockFiles(path);
    if (sb) return { platform: 'imc', reason: `steinbock IMC folder (intensities/ + regionprops/, ${sb.length} image${sb.length > 1 ? 's' : ''})` };
    if (findMexFiles(path)) return { platform: 'mex', reason: 'Matrix Market folder (matrix.mtx + features/genes + barcodes)' };
    throw badFile(path, 'folder not recognised: expected a Xenium, Space Ranger (Visium / Visium HD), MERSCOPE, CosMx, Slide-seq, steinbock (IMC) or MEX folder');
  }
  if (requireRegularFile(path) === 0) throw badFile(path, 'file is empty (0 bytes)');
  if (looksLikeHdf5(path)) {
    const f = await openH5(path);
    try {
      if (has(f, 'obs') && has(f, 'var')) return { platform: 'h5ad', reason: 'HDF5 with obs and var groups (AnnData)' };
      if (isLoom(f)) return { platform: 'loom', reason: 'HDF5 with matrix, row_attrs and col_attrs (loom)' };
      if (has(f, 'matrix') || f.keys().some((k) => getDataset(f, `${k}/indptr`) !== undefined)) return { platform: '10x-h5', reason: 'HDF5 with a 10x matrix group' };
    } finally {
      f.close();
    }
    throw badFile(path, 'HDF5 file is neither AnnData (obs/var), loom (matrix + row_attrs/col_attrs) nor a 10x matrix (/matrix)');
  }
  if (/\.h5ad$|\.h5$|\.hdf5$/i.test(path)) throw badFile(path, 'not an HDF5 file (no HDF5 signature in the first bytes)');
  let header: string[] = [];
  await forEachRecord(
    path,
    (f) => {
      header = f;
      return false;
    },
    { comment: '#' },
  );
  if (isGemHeader(header)) return { platform: 'stereo-seq', reason: 'GEM header (geneID, x, y, MIDCount)' };
  if (isCosmxHeader(header) && findCosmxFiles(path)) return { platform: 'cosmx', reason: `CosMx ${isCosmxHeader(header) === 'tx' ? 'transcript table' : 'expression matrix'} (fov, cell_ID, ...)` };
  const cell = detectCellTable(header);
  if (cell) return { platform: cell, reason: `cell table header (${cell === 'codex' ? 'Cyc_/ch_ marker columns' : cell === 'mibi' ? "ark 'cell_size' .. 'label'" : "'CellID' .. 'X_centroid'"})` };
  return { platform: 'csv', reason: 'delimited text matrix' };
}

/**
 * Reads any supported path into a Dataset: a platform folder (Xenium, Visium, Visium HD, MEX),
 * a 10x `.h5`, an `.h5ad`, a proteomics cell table or a generic CSV/TSV(.gz) matrix (with
 * `coords` for positions). `meta.platform` records the reader used.
 */
export async function readDataset(path: string, opts: ReadOptions = {}): Promise<Dataset> {
  // One boundary check for every format (validate.ts): structure, finiteness, names, row counts.
  return validateDataset(path, await readByPlatform(path, opts));
}

async function readByPlatform(path: string, opts: ReadOptions): Promise<Dataset> {
  const platform = opts.platform ?? (await detectPlatform(path)).platform;
  switch (platform) {
    case 'xenium':
      return readXenium(path, { gexOnly: opts.gexOnly });
    case 'visium':
      return readVisium(path, { gexOnly: opts.gexOnly, coordinates: opts.coordinates });
    case 'visium-hd':
      return readVisiumHd(path, { gexOnly: opts.gexOnly, coordinates: opts.coordinates, binSize: opts.binSize });
    case '10x-h5':
      return readTenxH5(path, { gexOnly: opts.gexOnly, genome: opts.genome });
    case 'mex':
      return readMex(path, { gexOnly: opts.gexOnly });
    case 'h5ad':
      return readH5ad(path);
    case 'loom':
      return readLoom(path, { coordinateUnit: opts.coordinateUnit === 'um' ? 'um' : 'px' });
    case 'cosmx':
      return readCosmx(path, { micronsPerPixel: opts.micronsPerPixel });
    case 'merscope':
      return readMerscope(path);
    case 'slide-seq':
      return readSlideSeq(path, { micronsPerPixel: opts.micronsPerPixel });
    case 'stereo-seq':
      return readStereoSeq(path, { binSize: opts.binSize });
    case 'imc':
      return readSteinbock(path);
    case 'codex':
    case 'mibi':
    case 'mcmicro':
      return readCellTable(path, { layout: platform });
    case 'csv':
      return readCsvDataset(path, opts);
    default:
      throw badFile(path, `unknown platform ${JSON.stringify(platform)}`);
  }
}

/** The `stnmf info` summary of a dataset (JSON keys fixed by issue 3). */
export interface DatasetInfo {
  platform: string;
  nObs: number;
  nVars: number;
  /** Feature-type name -> number of features in X (`var.feature_types`; otherwise one entry). */
  featureTypes: Record<string, number>;
  coordinateUnit: string | null;
  /** Bounding box of `obsm.spatial`, or null without coordinates. */
  extent: { xMin: number; xMax: number; yMin: number; yMax: number } | null;
  micronsPerUnit: number | null;
  filtered: Dataset['meta']['filtered'];
}

/** Summarises a dataset for `stnmf info` (platform, shape, feature types, extent, filters). */
export function describeDataset(d: Dataset): DatasetInfo {
  const featureTypes: Record<string, number> = {};
  const ft = d.var.columns.get('feature_types');
  if (ft?.kind === 'category') for (const c of ft.codes) featureTypes[c < 0 ? '(missing)' : ft.categories[c]] = (featureTypes[c < 0 ? '(missing)' : ft.categories[c]] ?? 0) + 1;
  else if (ft?.kind === 'string') for (const v of ft.values) featureTypes[v] = (featureTypes[v] ?? 0) + 1;
  else {
    const p = d.meta.platform;
    const kind = ['codex', 'mibi', 'mcmicro', 'imc'].includes(p) ? 'Protein' : ['cosmx', 'merscope', 'slide-seq', 'stereo-seq'].includes(p) ? 'Gene Expression' : 'Feature';
    featureTypes[kind] = d.X.cols;
  }
  let extent: DatasetInfo['extent'] = null;
  const s = d.obsm.spatial;
  if (s && s.rows > 0 && s.cols >= 2) {
    let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
    for (let i = 0; i < s.rows; i++) {
      const x = s.data[i * s.cols];
      const y = s.data[i * s.cols + 1];
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
    extent = { xMin, xMax, yMin, yMax };
  }
  return {
    platform: d.meta.platform,
    nObs: d.X.rows,
    nVars: d.X.cols,
    featureTypes,
    coordinateUnit: s ? (d.meta.coordinateUnit ?? 'unknown') : null,
    extent,
    micronsPerUnit: d.meta.micronsPerUnit ?? null,
    filtered: d.meta.filtered,
  };
}
export { encodeNpz, writeCsrNpz, type NpzMember } from './npz.js';
