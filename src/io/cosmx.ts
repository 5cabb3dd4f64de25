/**
 * CosMx SMI flat files (formats.md §1.7): `<run>_exprMat_file.csv` (+ `<run>_metadata_file.csv`)
 * or, without an expression matrix, `<run>_tx_file.csv` aggregated to cells.
 *
 * - `cell_ID` is unique only within an FOV: observations are named `<cell_ID>_<fov>` (squidpy's
 *   and spatialdata-io's key) and obs keeps `fov` and `cell_ID`.
 * - `cell_ID == 0` collects molecules not assigned to a cell: those rows (or transcripts) are
 *   dropped and counted in `meta.filtered`.
 * - `NegPrb*` (negative probes) and `SystemControl*` (false codes) stay out of X; their per-cell
 *   totals go to obs `negprb_counts` / `systemcontrol_counts`.
 * - `obsm.spatial` = global centroids [CenterX_global_px, CenterY_global_px] in pixels
 *   (0.12 µm/px unless `micronsPerPixel` says otherwise; formats.md §5), because whole-slide
 *   graphs need one frame; local (per-FOV) centroids go to `obsm.spatial_fov`. From a tx file the
 *   centroid is the mean position of the cell's transcripts.
 */
import { nodeVfs } from './node-vfs.js';
import { basename, join } from './paths.js';
import type { FileSource, Vfs } from './vfs.js';
import type { Column, Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { Interner, TripletAccumulator } from './aggregate.js';
import { columnFromStrings } from './csv.js';
import { moveFeaturesToObs } from './features.js';
import { forEachRecord, num, readSmallTable } from './text.js';
import { badFile, badInput, canonicalizeCsr, CsrBuilder, matchIds, q, requireUnique } from './util.js';

/** Options of {@link readCosmx}. */
export interface CosmxOptions extends FileSource {
  /** Micrometres per pixel (default 0.12, the CosMx documentation value). */
  micronsPerPixel?: number;
  /** Build X from the transcript table even when an expression matrix exists. */
  fromTranscripts?: boolean;
}

/** CosMx pixel size stated in NanoString's documentation (formats.md §1.7). */
export const COSMX_UM_PER_PX = 0.12;

const EXPR = /_exprMat_file\.csv(\.gz)?$/i;
const META = /_metadata_file\.csv(\.gz)?$/i;
const TX = /_tx_file\.csv(\.gz)?$/i;

/** The CosMx files of a folder (or of the folder of a given file), or undefined. */
export function findCosmxFiles(path: string, vfs: Vfs = nodeVfs): { expr?: string; meta?: string; tx?: string } | undefined {
  let dir = path;
  let given: string | undefined;
  const st = vfs.stat(path);
  if (st && st.kind !== 'folder') {
    given = path;
    dir = join(path, '..');
  }
  if (vfs.stat(dir)?.kind !== 'folder') return undefined;
  const names = vfs.readdir(dir);
  const pick = (re: RegExp) => {
    if (given && re.test(basename(given))) return given;
    const n = names.filter((x) => re.test(x)).sort();
    return n.length > 0 ? join(dir, n[0]) : undefined;
  };
  const out = { expr: pick(EXPR), meta: pick(META), tx: pick(TX) };
  if (given && !EXPR.test(basename(given)) && !TX.test(basename(given))) return undefined;
  if (!out.expr && !out.tx) return undefined;
  return out;
}

/** True when a header row is a CosMx expression matrix or transcript table. */
export function isCosmxHeader(h: string[]): 'expr' | 'tx' | undefined {
  if (h[0] !== 'fov' || !h.includes('cell_ID')) return undefined;
  if (h.includes('target') && (h.includes('x_global_px') || h.includes('x_local_px'))) return 'tx';
  return 'expr';
}

/** Control-feature group of a CosMx target name, or null for a gene. */
function controlGroup(name: string): string | null {
  if (/^NegPrb/i.test(name)) return 'NegPrb';
  if (/^SystemControl/i.test(name) || /^FalseCode/i.test(name)) return 'SystemControl';
  return null;
}

const CONTROL_COLUMN: Record<string, string> = { NegPrb: 'negprb_counts', SystemControl: 'systemcontrol_counts' };
const CONTROL_WHY: Record<string, string> = {
  NegPrb: 'negative control probes (NegPrb*): background, not expression',
  SystemControl: 'system controls / false codes (SystemControl*): decoding background',
};

/** Reads a CosMx folder or one of its `exprMat` / `tx` files. */
export async function readCosmx(path: string, opts: CosmxOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findCosmxFiles(path, vfs);
  if (!files) throw badFile(path, 'not a CosMx export: expected <run>_exprMat_file.csv (+ _metadata_file.csv) or <run>_tx_file.csv');
  const upp = opts.micronsPerPixel ?? COSMX_UM_PER_PX;
  const d = files.expr && !opts.fromTranscripts ? await readExprMat(files.expr, files.meta, vfs) : await readTx(files.tx ?? files.expr!, vfs);
  moveFeaturesToObs(
    d,
    d.var.index.map(controlGroup),
    (g, col) => `${CONTROL_WHY[g]}; per-cell totals in obs '${col}'`,
    (g) => CONTROL_COLUMN[g],
  );
  d.meta.platform = 'cosmx';
  d.meta.source = path;
  if (d.obsm.spatial) {
    d.meta.coordinateUnit = 'px';
    d.meta.micronsPerUnit = upp;
  }
  return d;
}

function cellKey(fov: string, cell: string): string {
  return `${cell}_${fov}`;
}

async function readExprMat(exprPath: string, metaPath: string | undefined, vfs: Vfs): Promise<Dataset> {
  let header: string[] = [];
  let fovCol = -1;
  let cellCol = -1;
  let targets: number[] = [];
  const b = new CsrBuilder();
  const names: string[] = [];
  const fovs: number[] = [];
  const cells: number[] = [];
  let unassignedRows = 0;
  await forEachRecord(exprPath, (f, rec, lineNo) => {
    if (rec === 1) {
      header = f;
      fovCol = f.indexOf('fov');
      cellCol = f.indexOf('cell_ID');
      if (fovCol < 0 || cellCol < 0) throw badFile(exprPath, `missing column${fovCol < 0 && cellCol < 0 ? 's' : ''} ${[fovCol < 0 ? "'fov'" : '', cellCol < 0 ? "'cell_ID'" : ''].filter(Boolean).join(', ')} in header`);
      // Key and AtoMx id columns are not targets.
      targets = f.map((_, j) => j).filter((j) => j !== fovCol && j !== cellCol && f[j] !== 'cell' && f[j] !== 'cell_id');
      return;
    }
    if (f.length !== header.length) throw badFile(exprPath, `line ${lineNo}: expected ${header.length} fields, found ${f.length}`);
    if (f[cellCol] === '0') {
      unassignedRows++;
      return;
    }
    for (let k = 0; k < targets.length; k++) {
      const s = f[targets[k]];
      const v = num(s);
      if (!(v >= 0) || v !== Math.round(v)) {
        throw badInput(exprPath, `line ${lineNo}, column ${q(header[targets[k]])}: expected a non-negative integer count, found ${q(s)}`);
      }
      if (v !== 0) b.push(k, v);
    }
    b.endRow();
    names.push(cellKey(f[fovCol], f[cellCol]));
    fovs.push(Number(f[fovCol]));
    cells.push(Number(f[cellCol]));
  }, { files: vfs });
  if (names.length === 0) throw badFile(exprPath, 'no cells (only a header or only cell_ID = 0 rows)');
  requireUnique(exprPath, '(fov, cell_ID)', names);
  const varNames = targets.map((j) => header[j]);
  requireUnique(exprPath, 'target columns', varNames);
  const d: Dataset = {
    X: b.build(targets.length),
    obs: frame(names, { fov: { kind: 'number', values: Int32Array.from(fovs) }, cell_ID: { kind: 'number', values: Int32Array.from(cells) } }),
    var: frame(varNames),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'cosmx', matrix: basename(exprPath), metadata: metaPath ? basename(metaPath) : null } },
    meta: { platform: 'cosmx', source: exprPath, filtered: [] },
  };
  if (unassignedRows > 0) {
    d.meta.filtered.push({ axis: 'observations', what: 'cell_ID = 0', count: unassignedRows, why: 'rows of molecules not assigned to any cell (one per FOV)' });
  }
  if (metaPath) await joinMetadata(d, metaPath, exprPath, vfs);
  return d;
}

/** Joins `metadata_file.csv` on (fov, cell_ID): centroids to obsm, other columns to obs. */
async function joinMetadata(d: Dataset, metaPath: string, exprPath: string, vfs: Vfs): Promise<void> {
  const { header, rows } = await readSmallTable(metaPath, { header: true, files: vfs });
  if (!header) throw badFile(metaPath, 'missing header row');
  const col = (name: string) => header.indexOf(name);
  const fc = col('fov');
  const cc = col('cell_ID');
  const need = ['fov', 'cell_ID', 'CenterX_global_px', 'CenterY_global_px'].filter((n) => col(n) < 0);
  if (need.length > 0) throw badFile(metaPath, `missing column${need.length > 1 ? 's' : ''} ${need.map((n) => `'${n}'`).join(', ')}`);
  const n = d.obs.index.length;
  const { map, missing, first } = matchIds(d.obs.index, rows.map((r) => cellKey(r[fc], r[cc])));
  if (missing > 0) {
    throw badInput(metaPath, `${missing} of ${n} cells of ${exprPath} have no row in this metadata file (first: fov ${q(first.split('_')[1])}, cell_ID ${q(first.split('_')[0])})`);
  }
  const xy = (xName: string, yName: string): Float64Array | undefined => {
    const xi = col(xName);
    const yi = col(yName);
    if (xi < 0 || yi < 0) return undefined;
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const r = rows[map[i]];
      out[2 * i] = num(r[xi]);
      out[2 * i + 1] = num(r[yi]);
      if (!Number.isFinite(out[2 * i]) || !Number.isFinite(out[2 * i + 1])) {
        throw badInput(metaPath, `cell ${q(d.obs.index[i])}: columns '${xName}'/'${yName}': expected numbers, found ${q(r[xi])}, ${q(r[yi])}`);
      }
    }
    return out;
  };
  d.obsm.spatial = { rows: n, cols: 2, data: xy('CenterX_global_px', 'CenterY_global_px')! };
  const local = xy('CenterX_local_px', 'CenterY_local_px');
  if (local) d.obsm.spatial_fov = { rows: n, cols: 2, data: local };
  header.forEach((h, j) => {
    if (j === fc || j === cc || /^Center[XY]_(global|local)_px$/.test(h) || d.obs.columns.has(h)) return;
    const c: Column = columnFromStrings(Array.from(map, (k) => rows[k][j] ?? ''));
    d.obs.columns.set(h, c);
  });
}

/** Aggregates `tx_file.csv` transcripts to a cells x targets matrix. */
async function readTx(txPath: string, vfs: Vfs): Promise<Dataset> {
  const cells = new Interner();
  const targets = new Interner();
  const acc = new TripletAccumulator();
  const fovOf: number[] = [];
  const cellOf: number[] = [];
  let idx: Record<string, number> = {};
  let unassigned = 0;
  let total = 0;
  await forEachRecord(txPath, (f, rec, lineNo) => {
    if (rec === 1) {
      const need = ['fov', 'cell_ID', 'target', 'x_global_px', 'y_global_px'];
      const missing = need.filter((n) => !f.includes(n));
      if (missing.length > 0) throw badFile(txPath, `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} in header`);
      idx = Object.fromEntries(need.map((n) => [n, f.indexOf(n)]));
      return;
    }
    total++;
    const t = targets.id(f[idx.target]);
    const cell = f[idx.cell_ID];
    if (cell === '0') {
      unassigned++;
      return;
    }
    const key = cellKey(f[idx.fov], cell);
    const before = cells.size;
    const i = cells.id(key);
    if (cells.size > before) {
      fovOf.push(Number(f[idx.fov]));
      cellOf.push(Number(cell));
    }
    const x = num(f[idx.x_global_px]);
    const y = num(f[idx.y_global_px]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw badInput(txPath, `line ${lineNo}: x_global_px/y_global_px: expected numbers, found ${q(f[idx.x_global_px])}, ${q(f[idx.y_global_px])}`);
    acc.add(i, t, 1, x, y);
  }, { files: vfs });
  if (cells.size === 0) throw badFile(txPath, 'no transcript is assigned to a cell (every cell_ID is 0)');
  // Targets in name order (the file order is arbitrary); X columns remapped accordingly.
  const order = targets.names.map((_, j) => j).sort((a, b) => (targets.names[a] < targets.names[b] ? -1 : targets.names[a] > targets.names[b] ? 1 : 0));
  const rank = new Int32Array(order.length);
  order.forEach((j, r) => (rank[j] = r));
  const X0 = acc.toCsr(txPath, cells.size, targets.size);
  for (let p = 0; p < X0.indices.length; p++) X0.indices[p] = rank[X0.indices[p]];
  const X = canonicalizeCsr(txPath, 'aggregated counts', X0);
  const d: Dataset = {
    X,
    obs: frame(cells.names, { fov: { kind: 'number', values: Int32Array.from(fovOf) }, cell_ID: { kind: 'number', values: Int32Array.from(cellOf) } }),
    var: frame(order.map((j) => targets.names[j])),
    obsm: { spatial: { rows: cells.size, cols: 2, data: acc.centroids(cells.size) } },
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'cosmx-tx', transcripts: total, assigned: total - unassigned, centroid: 'mean global position of the cell transcripts' } },
    meta: { platform: 'cosmx', source: txPath, filtered: [] },
  };
  if (unassigned > 0) {
    d.meta.filtered.push({ axis: 'observations', what: 'transcripts with cell_ID = 0', count: unassigned, why: 'molecules not assigned to any cell (not counted in X)' });
  }
  return d;
}
