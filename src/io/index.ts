/**
 * io: every platform reader, the writers, and platform detection.
 *
 * `readDataset(path)` looks at the path (folder contents, file signature, header row) and calls
 * the matching reader; `detectPlatform(path)` says what it found and why, for `stnmf info`.
 * Both read through `opts.files` (a {@link Vfs}; default the disk), so in a browser worker the
 * same calls read dropped `File`s (`blobVfs`). Nothing here imports `node:*` statically: the
 * writers fetch Node's modules when they run (node-builtins.ts), so a browser bundle of this
 * module loads.
 */
import { nodeVfs } from './node-vfs.js';
import { join } from './paths.js';
import { exists, isFolder, type Vfs } from './vfs.js';
import type { Dataset } from '../dataset.js';
import { attachAnnotations, attachCoordinates, readCoordinates, readCsvDataset, type CsvDatasetOptions, type IdJoin } from './csv.js';
import { findTableFolder } from './folder-layout.js';
import type { ReaderOptions } from './input-options.js';
import { applyUnitOptions, describeUnits, type UnitReport } from './units.js';
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
export { readH5ad, writeH5ad, encodeH5ad, type H5adWriteOptions } from './h5ad.js';
export { memoryVfs, blobVfs, joinPath, baseName, type Vfs, type FileStat, type FileKind, type BlobEntry, type FileSource } from './vfs.js';
export { nodeVfs } from './node-vfs.js';
export { readNpy, writeNpy, parseNpy, encodeNpy, npyToDense, npyToFloat64, type NpyArray, type NpyDescr } from './npy.js';
export { writeFileAtomic, openAtomic, withAtomicPath, type WriteOptions, type AtomicWriter } from './atomic.js';
export { checkRadius, coordinateScale } from './radius.js';
export { requireMicrons, lengthUnitLabel, describeUnits, applyUnitOptions, inferUnits, detectLattice, scaleFromVisiumArray, VISIUM_PITCH_UM, ST_PITCH_UM, type UnitReport, type UnitSource } from './units.js';
export { decideOrientation, looksTransposed, nameKind, type OrientationDecision, type OrientationEvidence } from './orientation.js';
export { findTableFolder, type TableFolder } from './folder-layout.js';
export { readCosmx, COSMX_UM_PER_PX, type CosmxOptions } from './cosmx.js';
export { readLoom, type LoomOptions } from './loom.js';
export { readMerscope } from './merscope.js';
export { readSlideSeq, type SlideSeqOptions } from './slideseq.js';
export { readSteinbock, type SteinbockOptions } from './steinbock.js';
export { readStereoSeq, DNB_PITCH_UM, type StereoSeqOptions } from './stereoseq.js';
export { readParquetColumns, parquetColumn, vfsAsyncBuffer } from './parquet.js';

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

/**
 * Options of {@link readDataset}: the input contract's {@link ReaderOptions} (platform, coords,
 * coordinateUnit, micronsPerUnit, orientation, allFeatures; honoured for every platform) plus
 * the options of particular readers.
 */
export interface ReadOptions extends Omit<CsvDatasetOptions, 'platform' | 'coordinateUnit' | 'orientation' | 'coords' | 'micronsPerUnit'>, ReaderOptions {
  /** Skip detection and use this reader. */
  platform?: Platform;
  /** 10x readers: keep only Gene Expression features (default true; `allFeatures` sets false). */
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

/**
 * Decides the platform of a folder or file without reading its data.
 * @param opts.files  where the path lives (default the disk, `nodeVfs`)
 */
export async function detectPlatform(path: string, opts: { files?: Vfs } = {}): Promise<Detection> {
  const vfs = opts.files ?? nodeVfs;
  const st = vfs.stat(path);
  if (!st) throw badFile(path, 'no such file or folder');
  if (st.kind === 'denied') throw badFile(path, 'permission denied');
  if (st.kind === 'folder') {
    // The output folder of a stnmf command (results chain): its result.h5ad.
    if (exists(vfs, join(path, 'result.h5ad')) && exists(vfs, join(path, 'run.json'))) return { platform: 'h5ad', reason: 'stnmf result folder (result.h5ad)' };
    const x = findXeniumFiles(path, vfs);
    if (x) return { platform: 'xenium', reason: `Xenium bundle (${x.kind === 'h5' ? 'cell_feature_matrix.h5' : 'cell_feature_matrix/'} + ${x.cells.split('/').pop()})` };
    const bins = findVisiumHdBins(path, vfs);
    if (bins.length > 0) return { platform: 'visium-hd', reason: `Visium HD binned_outputs (${bins.map((b) => b.binUm + ' µm').join(', ')})` };
    if (findVisiumRoot(path, vfs)) return { platform: 'visium', reason: 'Space Ranger folder (spatial/ tissue positions + feature-barcode matrix)' };
    const mer = findMerscopeFiles(path, vfs);
    if (mer) return { platform: 'merscope', reason: `MERSCOPE folder (${mer.counts.split('/').pop()} + ${mer.meta.split('/').pop()})` };
    const cx = findCosmxFiles(path, vfs);
    if (cx) return { platform: 'cosmx', reason: `CosMx flat files (${(cx.expr ?? cx.tx)!.split('/').pop()}${cx.expr && cx.meta ? ' + ' + cx.meta.split('/').pop() : ''})` };
    const ss = findSlideSeqFiles(path, vfs);
    if (ss) return { platform: 'slide-seq', reason: `Slide-seq puck (${ss.beads.split('/').pop()} + ${ss.counts.split('/').pop()})` };
    const sb = findSteinbockFiles(path, vfs);
    if (sb) return { platform: 'imc', reason: `steinbock IMC folder (intensities/ + regionprops/, ${sb.length} image${sb.length > 1 ? 's' : ''})` };
    if (findMexFiles(path, undefined, vfs)) return { platform: 'mex', reason: 'Matrix Market folder (matrix.mtx + features/genes + barcodes)' };
    const tf = findTableFolder(path, vfs);
    if (tf) {
      const inner = await detectPlatform(tf.matrix, { files: vfs });
      const side = [tf.coords, ...tf.annotations].filter((f): f is string => f !== undefined).map((f) => f.slice(path.length).replace(/^\/+/, ''));
      return { platform: inner.platform, reason: `${tf.kind === 'mcmicro' ? 'MCMICRO project' : 'folder of tables'}: ${tf.matrix.slice(path.length).replace(/^\/+/, '')} (${inner.reason})${side.length ? ' + ' + side.join(' + ') : ''}` };
    }
    throw badFile(path, 'folder not recognised: expected a Xenium, Space Ranger (Visium / Visium HD), MERSCOPE, CosMx, Slide-seq, steinbock (IMC) or MEX folder, or a folder with one matrix table (+ positions)');
  }
  if (requireRegularFile(path, path, vfs) === 0) throw badFile(path, 'file is empty (0 bytes)');
  if (looksLikeHdf5(path, vfs)) {
    const f = await openH5(path, vfs);
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
    { comment: '#', files: vfs },
  );
  if (isGemHeader(header)) return { platform: 'stereo-seq', reason: 'GEM header (geneID, x, y, MIDCount)' };
  if (isCosmxHeader(header) && findCosmxFiles(path, vfs)) return { platform: 'cosmx', reason: `CosMx ${isCosmxHeader(header) === 'tx' ? 'transcript table' : 'expression matrix'} (fov, cell_ID, ...)` };
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
  const vfs = opts.files ?? nodeVfs;
  const files = vfs;
  // A folder of plain tables reads as its matrix + positions + metadata tables.
  if (isFolder(vfs, path) && (opts.platform === undefined || ['csv', 'codex', 'mibi', 'mcmicro'].includes(opts.platform))) {
    const known = opts.platform ? undefined : await detectPlatform(path, { files: vfs }).catch(() => undefined);
    const tf = known && !/^(folder of tables|MCMICRO project)/.test(known.reason) ? undefined : findTableFolder(path, vfs);
    if (tf) {
      const d = await readByPlatform(tf.matrix, { ...opts, coords: opts.coords ?? tf.coords, annotations: [...(opts.annotations ?? []), ...tf.annotations] });
      d.meta.source = path;
      return d;
    }
  }
  const platform = opts.platform ?? (await detectPlatform(path, { files: vfs })).platform;
  const gexOnly = opts.allFeatures ? false : opts.gexOnly;
  let d: Dataset;
  let coordsDone = false;
  switch (platform) {
    case 'xenium':
      d = await readXenium(path, { gexOnly, files });
      break;
    case 'visium':
      d = await readVisium(path, { gexOnly, coordinates: opts.coordinates, files });
      break;
    case 'visium-hd':
      d = await readVisiumHd(path, { gexOnly, coordinates: opts.coordinates, binSize: opts.binSize, files });
      break;
    case '10x-h5':
      d = await readTenxH5(path, { gexOnly, genome: opts.genome, files });
      break;
    case 'mex':
      d = await readMex(path, { gexOnly, files });
      break;
    case 'h5ad':
      d = await readH5ad(isFolder(vfs, path) ? join(path, 'result.h5ad') : path, { files });
      break;
    case 'loom':
      d = await readLoom(path, { coordinateUnit: opts.coordinateUnit === 'um' ? 'um' : 'px', files });
      break;
    case 'cosmx':
      d = await readCosmx(path, { micronsPerPixel: opts.micronsPerPixel ?? opts.micronsPerUnit, files });
      break;
    case 'merscope':
      d = await readMerscope(path, { files });
      break;
    case 'slide-seq':
      d = await readSlideSeq(path, { micronsPerPixel: opts.micronsPerPixel ?? opts.micronsPerUnit, files });
      break;
    case 'stereo-seq':
      d = await readStereoSeq(path, { binSize: opts.binSize, files });
      break;
    case 'imc':
      d = await readSteinbock(path, { files });
      break;
    case 'codex':
    case 'mibi':
    case 'mcmicro':
      d = await readCellTable(path, { layout: platform, keepNuclearStains: opts.allFeatures, files });
      break;
    case 'csv':
      d = await readCsvDataset(path, { ...opts, platform: 'csv', micronsPerUnit: undefined, coordinateUnit: opts.coordinateUnit });
      coordsDone = true;
      break;
    default:
      throw badFile(path, `unknown platform ${JSON.stringify(platform)}`);
  }
  if (opts.coords && !coordsDone) {
    // Any reader's observations can take positions from a table, joined by id.
    const c = await readCoordinates(opts.coords, { files });
    if (!c.labels && c.x.length !== d.X.rows) throw badFile(opts.coords, `has no id column and ${c.x.length} rows, but ${path} has ${d.X.rows} observations`);
    attachCoordinates(d, c, opts.coords, path, opts.coordinateUnit ?? c.unitHint ?? 'unknown');
    d.uns.reader = { ...((d.uns.reader as object) ?? {}), id_join: (c.labels ? 'id' : 'row-order') as IdJoin, join_reason: c.labels ? 'positions joined by id' : 'positions table has no id column: joined in row order' };
    if (platform !== 'csv') for (const a of opts.annotations ?? []) await attachAnnotations(d, a, files);
  }
  applyUnitOptions(d, { coordinateUnit: opts.coordinateUnit, micronsPerUnit: opts.micronsPerUnit });
  return d;
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
  /** Which axis of the file held observations and on what evidence. */
  orientation: { orientation: 'obs-rows' | 'var-rows'; confidence: string; reasons: string[] };
  /** How observations got their positions: `id`, `row-order`, `same-table` (the matrix's own x/y columns), `reader` (the platform's layout), `none`. */
  idJoin: { method: IdJoin | 'reader'; reason: string };
  /** Unit, µm per unit, where the scale came from, or which flag sets it. */
  units: UnitReport;
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
    orientation: describeOrientation(d),
    idJoin: describeJoin(d),
    units: describeUnits(d),
  };
}

function describeOrientation(d: Dataset): DatasetInfo['orientation'] {
  const r = d.uns.reader as { orientation?: string; confidence?: string; reason?: string } | undefined;
  if (r?.orientation === 'obs-rows' || r?.orientation === 'var-rows') {
    return { orientation: r.orientation, confidence: r.confidence ?? 'given', reasons: (r.reason ?? '').split('; ').filter((x) => x !== '') };
  }
  return { orientation: 'obs-rows', confidence: 'format', reasons: [`fixed by the ${d.meta.platform} format`] };
}

function describeJoin(d: Dataset): DatasetInfo['idJoin'] {
  const r = d.uns.reader as { id_join?: IdJoin; join_reason?: string } | undefined;
  if (!d.obsm.spatial) return { method: 'none', reason: 'no coordinates' };
  if (r?.id_join && r.id_join !== 'none') return { method: r.id_join, reason: r.join_reason ?? '' };
  return { method: 'reader', reason: `positions from the ${d.meta.platform} layout` };
}
export { encodeNpz, writeCsrNpz, type NpzMember } from './npz.js';
