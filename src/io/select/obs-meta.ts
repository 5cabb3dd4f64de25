/**
 * `--obs-meta FILE`: a metadata table (CSV/TSV, gzip allowed) joined to obs by observation id.
 *
 * - The id column: the first header cell when it names ids (`cell_id`, `barcode`, `CellID`,
 *   `""`, `Unnamed: 0`, … — pandas' `to_csv` and R's `write.csv` layouts), else the first
 *   column with such a name elsewhere in the header, else the first column (where pandas and R
 *   write the index).
 * - Each other column is typed from its text: all numbers (empty / `NA` = NaN) → number;
 *   all `True/False` → bool; otherwise labels → category when some label repeats (anndata's
 *   `strings_to_categoricals` rule: fewer distinct values than rows; empty / `NA` = missing),
 *   else string.
 * - Table ids not in obs are ignored and counted; obs ids missing from the table, duplicate table
 *   ids and columns that already exist in obs are errors (a silent NaN or an overwritten column
 *   would be the worst outcome of a join).
 */
import type { Column, Dataset } from '../../dataset.js';
import { columnFromStrings } from '../csv.js';
import { readSmallTable, unquote } from '../text.js';
import { badFile, badInput, matchIds, q, requireUnique } from '../util.js';

/** First header cells that name an id column (compared case-insensitively). */
export const ID_HEADERS = ['', 'unnamed: 0', 'cell_id', 'cellid', 'cell', 'cell_ids', 'cells', 'barcode', 'barcodes', 'cell_barcode', 'obs_names', 'index', 'id', 'spot', 'spot_id', 'spots', 'entityid', 'object_id', 'label'];

/** How one table was joined (for the selection report). */
export interface ObsMetaJoin {
  file: string;
  /** Header of the id column. */
  idColumn: string;
  /** Columns added to obs, with their kinds. */
  columns: { name: string; kind: Column['kind'] }[];
  /** Table rows whose id is not an observation (ignored). */
  ignoredRows: number;
}

function typed(values: string[]): Column {
  const base = columnFromStrings(values);
  if (base.kind !== 'string') return base;
  const missing = (s: string): boolean => s === '' || s === 'NA' || s === 'NaN' || s === 'nan';
  const cats = [...new Set(values.filter((s) => !missing(s)))].sort();
  if (cats.length >= values.length) return base;
  const at = new Map(cats.map((c, k) => [c, k]));
  return { kind: 'category', categories: cats, codes: Int32Array.from(values, (s) => (missing(s) ? -1 : at.get(s)!)) };
}

function take(c: Column, map: Int32Array): Column {
  const n = map.length;
  switch (c.kind) {
    case 'number':
      return { kind: 'number', values: Float64Array.from(map, (r) => c.values[r]) };
    case 'bool':
      return { kind: 'bool', values: Uint8Array.from(map, (r) => c.values[r]) };
    case 'category':
      return { kind: 'category', categories: c.categories, codes: Int32Array.from(map, (r) => c.codes[r]) };
    case 'string': {
      const v = new Array<string>(n);
      for (let i = 0; i < n; i++) v[i] = c.values[map[i]];
      return { kind: 'string', values: v };
    }
  }
}

/**
 * Joins the table at `path` to `d.obs` by id (in place: new columns are added to `d.obs`).
 * @throws StnmfError BAD_FILE (no header / ragged rows), BAD_INPUT (duplicate ids, obs ids
 * missing from the table, no id matching, columns already in obs).
 */
export async function joinObsMeta(d: Dataset, path: string): Promise<ObsMetaJoin> {
  const { header, rows } = await readSmallTable(path, { header: true });
  if (!header || header.length < 2) throw badFile(path, 'expected a header row with an id column and at least one metadata column');
  if (rows.length === 0) throw badFile(path, 'header only, no rows');
  const names = header.map(unquote);
  // The id column: the first header cell when it names ids, else the first column named like
  // ids elsewhere in the header, else the first column (where pandas and R write the index).
  let idAt = ID_HEADERS.includes(names[0].toLowerCase()) ? 0 : names.findIndex((h) => h !== '' && ID_HEADERS.includes(h.toLowerCase()));
  const named = idAt >= 0;
  if (idAt < 0) idAt = 0;
  const idColumn = names[idAt];
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw badFile(path, `row ${i + 2} has ${r.length} fields, the header has ${header.length}`);
  });
  const ids = rows.map((r) => unquote(r[idAt]));
  requireUnique(path, `id column ${q(idColumn)}`, ids);
  const n = d.obs.index.length;
  const { map, missing, first } = matchIds(d.obs.index, ids);
  if (missing === n) {
    throw badInput(path, `no id in its id column ${q(idColumn)} is an observation name (first id ${q(ids[0])}, first observation ${q(d.obs.index[0] ?? '')}); the id column (first column, or one named cell_id / barcode / CellID) must hold the observation ids`);
  }
  if (missing > 0) {
    throw badInput(path, `${missing} of ${n} observations have no row in this table (first: ${q(first)}); every observation needs metadata (subset the data first with --where, or add the rows)`);
  }
  const other = names.map((_, j) => j).filter((j) => j !== idAt);
  const clash = other.map((j) => names[j]).filter((c) => d.obs.columns.has(c));
  if (clash.length > 0) throw badInput(path, `column${clash.length > 1 ? 's' : ''} ${clash.map(q).join(', ')} already in obs; rename ${clash.length > 1 ? 'them' : 'it'} in the table`);
  const dupNames = other.map((j) => names[j]).filter((c, k, a) => a.indexOf(c) !== k);
  if (dupNames.length > 0) throw badFile(path, `header repeats column ${q(dupNames[0])}`);
  const matched = new Set(map).size;
  const columns: ObsMetaJoin['columns'] = [];
  for (const j of other) {
    const col = take(typed(rows.map((r) => unquote(r[j]))), map);
    d.obs.columns.set(names[j], col);
    columns.push({ name: names[j], kind: col.kind });
  }
  return { file: path, idColumn: named ? idColumn : `${idColumn} (first column)`, columns, ignoredRows: ids.length - matched };
}
