/**
 * Vizgen MERSCOPE output (formats.md §1.6): `cell_by_gene.csv` (first column `cell` = EntityID,
 * one column per gene, `Blank-*` control columns) and `cell_metadata.csv` (EntityID, fov,
 * volume, center_x, center_y in µm, ...). EntityIDs are int64: they are kept as text, never
 * parsed to numbers (precision). `Blank-*` columns (matched case-insensitively on "blank", as
 * spatialdata-io does) stay out of X with per-cell totals in obs `blank_counts`.
 * `obsm.spatial` = [center_x, center_y] in µm (global mosaic frame).
 */
import { nodeVfs } from './node-vfs.js';
import { join } from './paths.js';
import { isFolder, type FileSource, type Vfs } from './vfs.js';
import type { Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { attachCoordinates, readCoordinates, readMatrixTable } from './csv.js';
import { moveFeaturesToObs } from './features.js';
import { badFile, badInput, requireUnique } from './util.js';

/** The two MERSCOPE tables of a folder (exact names, or `<prefix>cell_by_gene.csv`), or undefined. */
export function findMerscopeFiles(dir: string, vfs: Vfs = nodeVfs): { counts: string; meta: string } | undefined {
  if (!isFolder(vfs, dir)) return undefined;
  const names = vfs.readdir(dir);
  const find = (re: RegExp) => names.filter((n) => re.test(n)).sort()[0];
  const counts = find(/(^|_)cell_by_gene\.csv(\.gz)?$/);
  const meta = find(/(^|_)cell_metadata\.csv(\.gz)?$/);
  return counts && meta ? { counts: join(dir, counts), meta: join(dir, meta) } : undefined;
}

/**
 * Reads a MERSCOPE output folder (cell-by-gene table + cell metadata, coordinates in µm).
 * @param opts.files  where the folder lives (default the disk)
 */
export async function readMerscope(dir: string, opts: FileSource = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findMerscopeFiles(dir, vfs);
  if (!files) throw badFile(dir, 'not a MERSCOPE folder: expected cell_by_gene.csv and cell_metadata.csv');
  // rowNames: the EntityID column is numeric but is a label.
  const t = await readMatrixTable(files.counts, { header: true, rowNames: true, files: vfs });
  if (!t.rowNames || !t.colNames) throw badFile(files.counts, "expected a header and a first column 'cell' of entity ids");
  if (t.min < 0 || !t.integer) throw badInput(files.counts, `values: expected non-negative integer counts${t.min < 0 ? `, found ${t.min}` : ', found non-integer values'}`);
  requireUnique(files.counts, "column 'cell' (EntityID)", t.rowNames);
  requireUnique(files.counts, 'gene columns', t.colNames);
  const d: Dataset = {
    X: t.X,
    obs: frame(t.rowNames),
    var: frame(t.colNames),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'merscope' } },
    meta: { platform: 'merscope', source: dir, filtered: [] },
  };
  moveFeaturesToObs(
    d,
    t.colNames.map((g) => (/blank/i.test(g) ? 'Blank' : null)),
    (_g, col) => `blank barcodes (Blank-*): decoding background, not genes; per-cell totals in obs '${col}'`,
    () => 'blank_counts',
  );
  // Label column: `EntityID` or the unnamed first column (readCoordinates' label rule).
  const c = await readCoordinates(files.meta, { x: 'center_x', y: 'center_y', files: vfs });
  attachCoordinates(d, c, files.meta, files.counts, 'um', 1);
  return d;
}

