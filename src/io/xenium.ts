/**
 * Xenium output bundle (formats.md §1.5): `cell_feature_matrix.h5` (or its MEX folder) plus
 * `cells.csv.gz` / `cells.parquet`. Control probes, control/unassigned/deprecated codewords and
 * genomic controls are kept out of X and totalled per cell in obs; `obsm.spatial` holds the
 * cell centroids [x_centroid, y_centroid] in µm.
 */
import { nodeVfs } from './node-vfs.js';
import { join } from './paths.js';
import { readTextFile } from './text.js';
import { exists, type FileSource, type Vfs } from './vfs.js';
import type { Column, Dataset } from '../dataset.js';
import { attachCoordinates, readCoordinates, type CoordTable } from './csv.js';
import { findMexFiles, readMex } from './mex.js';
import { parquetColumn, readParquetColumns } from './parquet.js';
import { readTenxH5 } from './tenx-h5.js';
import { badFile } from './util.js';

/** Options of {@link readXenium}. */
export interface XeniumOptions extends FileSource {
  /** Keep only `Gene Expression` features in X (default true). */
  gexOnly?: boolean;
}

/** The files that make a folder a Xenium bundle, or undefined. */
export function findXeniumFiles(dir: string, vfs: Vfs = nodeVfs): { matrix: string; cells: string; kind: 'h5' | 'mex' } | undefined {
  const h5 = join(dir, 'cell_feature_matrix.h5');
  const mex = join(dir, 'cell_feature_matrix');
  const cells = ['cells.parquet', 'cells.csv.gz', 'cells.csv'].map((n) => join(dir, n)).find((p) => exists(vfs, p));
  if (!cells) return undefined;
  if (exists(vfs, h5)) return { matrix: h5, cells, kind: 'h5' };
  if (findMexFiles(mex, undefined, vfs)) return { matrix: mex, cells, kind: 'mex' };
  return undefined;
}

/**
 * Reads a Xenium output folder. Cells in the matrix must all appear in the cells table (an
 * error names the first one missing); cells-table columns other than the centroids go into
 * obs (the matrix-derived control totals are kept when both exist). `experiment.xenium`, when
 * present, is copied to `uns.xenium_experiment`.
 */
export async function readXenium(dir: string, opts: XeniumOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findXeniumFiles(dir, vfs);
  if (!files) {
    throw badFile(dir, 'not a Xenium bundle: expected cell_feature_matrix.h5 (or cell_feature_matrix/ MEX) and cells.csv.gz or cells.parquet');
  }
  const d = files.kind === 'h5' ? await readTenxH5(files.matrix, { gexOnly: opts.gexOnly, files: vfs }) : await readMex(files.matrix, { gexOnly: opts.gexOnly, files: vfs });
  const cells = files.cells.endsWith('.parquet') ? await cellsFromParquet(files.cells, vfs) : await readCoordinates(files.cells, { label: 'cell_id', x: 'x_centroid', y: 'y_centroid', files: vfs });
  attachCoordinates(d, cells, files.cells, files.matrix, 'um', 1);
  const exp = join(dir, 'experiment.xenium');
  if (exists(vfs, exp)) {
    try {
      d.uns.xenium_experiment = JSON.parse(readTextFile(exp, vfs));
    } catch {
      throw badFile(exp, 'not valid JSON');
    }
  }
  d.meta.platform = 'xenium';
  d.meta.source = dir;
  return d;
}

async function cellsFromParquet(path: string, vfs: Vfs): Promise<CoordTable> {
  const cols = await readParquetColumns(path, vfs);
  for (const need of ['cell_id', 'x_centroid', 'y_centroid']) {
    if (!cols.has(need)) throw badFile(path, `missing column '${need}' (columns: ${[...cols.keys()].join(', ')})`);
  }
  const dec = new TextDecoder();
  const labels = cols.get('cell_id')!.map((v) => (v instanceof Uint8Array ? dec.decode(v) : String(v)));
  const extra = new Map<string, Column>();
  for (const [k, v] of cols) if (k !== 'cell_id' && k !== 'x_centroid' && k !== 'y_centroid') extra.set(k, parquetColumn(v));
  return {
    labels,
    x: Float64Array.from(cols.get('x_centroid')!, Number),
    y: Float64Array.from(cols.get('y_centroid')!, Number),
    extra,
    xName: 'x_centroid',
    yName: 'y_centroid',
  };
}
