/**
 * Spatial proteomics cell tables (formats.md §1.10): CODEX / PhenoCycler CSV, MIBI (ark cell
 * table), CyCIF / MCMICRO quantification. All are dense cells x markers tables plus centroid
 * and metadata columns; markers go to X, nuclear stains (HOECHST, DRAQ5, DAPI) are kept out of X
 * (their intensities stay in obs), everything else goes to obs.
 */
import { markerBaseName } from '../dataset.js';
import type { Column, CoordinateUnit, Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { columnFromStrings } from './csv.js';
import { num, readSmallTable } from './text.js';
import type { FileSource } from './vfs.js';
import { badFile, badInput, CsrBuilder, makeUnique, q } from './util.js';

/** Nuclear/DNA stains kept out of X (issue 3: HOECHST, DRAQ5, DAPI; MIBI dsDNA; IMC DNA1/2, Ir191/193; MCMICRO/CyCIF `DNA_1`, `Hoechst_2`, `DAPI_cycle3`). `--all-features` keeps them. */
export const NUCLEAR_STAIN = /^(hoechst[\w\-.]*|draq\d+[\w\-.]*|dapi[\w\-.]*|dna([_\-.]?\d+)?([_\-.][\w\-.]*)?|dsdna|ir19[13]|histone ?h3)$/i;

/** How a table's columns split into markers, coordinates and the rest. */
interface Layout {
  platform: string;
  markers: number[];
  x: number;
  y: number;
  id?: number;
  /** Extra key columns that make ids unique (fov, image, sample). */
  keyParts?: number[];
  unit: CoordinateUnit;
  /** Display name for each marker column. */
  markerName: (header: string) => string;
}

/** CODEX marker headers: `<marker> - <desc>:Cyc_<c>_ch_<k>` or legacy `cycNNN_chNNN:<marker>`. */
const CODEX_MARKER = /(:\s*cyc_?\d+_ch_?\d+\s*$)|(^cyc\d+_ch\d+\s*:)/i;

/** True when the header row looks like a CODEX export. */
export function isCodexHeader(h: string[]): boolean {
  return h.filter((c) => CODEX_MARKER.test(c)).length >= 3;
}


function codexLayout(path: string, h: string[]): Layout {
  const markers = h.map((c, j) => (CODEX_MARKER.test(c) ? j : -1)).filter((j) => j >= 0);
  const find = (...names: string[]) => h.findIndex((c) => names.some((n) => c.split(':')[0].trim().toLowerCase() === n.toLowerCase()));
  const x = find('X', 'x', 'Centroid X µm', 'X:X');
  const y = find('Y', 'y', 'Centroid Y µm', 'Y:Y');
  if (x < 0 || y < 0) throw badFile(path, `missing columns: expected centroid columns 'X' and 'Y' (or 'x:x', 'y:y')`);
  const idc = find('CellID', 'cell_id', 'Object ID');
  const region = find('region', 'Region');
  return { platform: 'codex', markers, x, y, id: idc >= 0 ? idc : undefined, keyParts: region >= 0 ? [region] : undefined, unit: /µm|um/.test(h[x]) ? 'um' : 'px', markerName: markerBaseName };
}

function mibiLayout(path: string, h: string[]): Layout {
  const s = h.indexOf('cell_size');
  const l = h.indexOf('label');
  const c0 = h.indexOf('centroid-0');
  const c1 = h.indexOf('centroid-1');
  if (s < 0 || l < 0 || l <= s + 1) throw badFile(path, "missing columns: an ark cell table has the markers between 'cell_size' and 'label'");
  if (c0 < 0 || c1 < 0) throw badFile(path, "missing columns 'centroid-0'/'centroid-1'");
  const fov = h.indexOf('fov');
  const markers = [];
  for (let j = s + 1; j < l; j++) markers.push(j);
  // regionprops centroid-0 is the row (y) and centroid-1 the column (x) (formats.md §1.10).
  return { platform: 'mibi', markers, x: c1, y: c0, id: l, keyParts: fov >= 0 ? [fov] : undefined, unit: 'px', markerName: (m) => m };
}

function mcmicroLayout(path: string, h: string[]): Layout {
  const id = h.indexOf('CellID');
  const x = h.indexOf('X_centroid');
  const y = h.indexOf('Y_centroid');
  if (id < 0 || x < 0 || y < 0) throw badFile(path, "missing columns: MCMICRO tables need 'CellID', 'X_centroid', 'Y_centroid'");
  const markers = [];
  for (let j = id + 1; j < x; j++) markers.push(j);
  return { platform: 'mcmicro', markers, x, y, id, unit: 'px', markerName: (m) => m };
}

/** Which proteomics table layout a header row has, if any. */
export function detectCellTable(h: string[]): 'codex' | 'mibi' | 'mcmicro' | undefined {
  if (isCodexHeader(h)) return 'codex';
  if (h.includes('cell_size') && h.includes('label') && h.includes('centroid-0')) return 'mibi';
  if (h.includes('CellID') && h.includes('X_centroid') && h.includes('Y_centroid')) return 'mcmicro';
  return undefined;
}

/** Options of {@link readCellTable}. */
export interface CellTableOptions extends FileSource {
  /** Force the layout instead of detecting it from the header. */
  layout?: 'codex' | 'mibi' | 'mcmicro';
  /** Keep nuclear stains in X (default false). */
  keepNuclearStains?: boolean;
}

/**
 * Reads a proteomics per-cell table (CODEX/PhenoCycler, MIBI ark, MCMICRO) as cells x markers.
 * Intensities must be finite and non-negative. Observation names are the cell ids, prefixed by
 * region/fov when present (`<fov>_<label>`), or row numbers.
 */
export async function readCellTable(path: string, opts: CellTableOptions = {}): Promise<Dataset> {
  const { header, rows } = await readSmallTable(path, { header: true, files: opts.files });
  if (!header) throw badFile(path, 'missing header row');
  if (rows.length === 0) throw badFile(path, 'header only, no cells');
  const kind = opts.layout ?? detectCellTable(header);
  if (!kind) throw badFile(path, 'not a recognised cell table (CODEX cyc/ch marker columns, ark cell_size..label, or MCMICRO CellID..X_centroid)');
  const L = kind === 'codex' ? codexLayout(path, header) : kind === 'mibi' ? mibiLayout(path, header) : mcmicroLayout(path, header);
  const stain = L.markers.filter((j) => NUCLEAR_STAIN.test(L.markerName(header[j])));
  const markers = opts.keepNuclearStains ? L.markers : L.markers.filter((j) => !stain.includes(j));
  if (markers.length === 0) throw badFile(path, 'no marker columns found');
  const n = rows.length;
  const b = new CsrBuilder();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length < header.length) throw badFile(path, `row ${i + 2}: expected ${header.length} fields, found ${r.length}`);
    for (let k = 0; k < markers.length; k++) {
      const s = r[markers[k]];
      const v = num(s);
      if (!Number.isFinite(v)) throw badInput(path, `row ${i + 2}, column ${q(header[markers[k]])}: expected a number, found ${q(s)}`);
      if (v < 0) throw badInput(path, `row ${i + 2}, column ${q(header[markers[k]])}: expected non-negative intensities, found ${v}`);
      if (v !== 0) b.push(k, v);
    }
    b.endRow();
  }
  const X = b.build(markers.length);
  const names = markers.map((j) => L.markerName(header[j]));
  const uniq = makeUnique(names);
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = num(rows[i][L.x]);
    xy[2 * i + 1] = num(rows[i][L.y]);
    if (!Number.isFinite(xy[2 * i]) || !Number.isFinite(xy[2 * i + 1])) {
      throw badInput(path, `row ${i + 2}, columns ${q(header[L.x])}/${q(header[L.y])}: expected numbers, found ${q(rows[i][L.x])}, ${q(rows[i][L.y])}`);
    }
  }
  let index = Array.from({ length: n }, (_, i) => String(i));
  if (L.id !== undefined) {
    const ids = rows.map((r) => (L.keyParts ? L.keyParts.map((j) => r[j]).join('_') + '_' : '') + r[L.id!]);
    if (new Set(ids).size === n) index = ids;
  }
  const used = new Set([...L.markers, L.x, L.y].filter((j) => !stain.includes(j) || !opts.keepNuclearStains));
  for (const j of stain) if (!opts.keepNuclearStains) used.delete(j);
  const obsCols: Record<string, Column> = {};
  const seen = new Set<string>([header[L.x], header[L.y]]);
  header.forEach((h, j) => {
    if (used.has(j) && !stain.includes(j)) return;
    const name = stain.includes(j) ? L.markerName(h) : h;
    if (seen.has(name) || name === '') return; // e.g. CODEX's repeated X / Y columns
    seen.add(name);
    obsCols[name] = columnFromStrings(rows.map((r) => r[j]));
  });
  const varCols: Record<string, Column> = { column: { kind: 'string', values: markers.map((j) => header[j]) } };
  const d: Dataset = {
    X,
    obs: frame(index, obsCols),
    var: frame(uniq.names, varCols),
    obsm: { spatial: { rows: n, cols: 2, data: xy } },
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: kind, x: header[L.x], y: header[L.y] } },
    meta: { platform: L.platform, source: path, coordinateUnit: L.unit, filtered: [] },
  };
  if (stain.length > 0 && !opts.keepNuclearStains) {
    d.meta.filtered.push({
      axis: 'features',
      what: stain.map((j) => L.markerName(header[j])).join(', '),
      count: stain.length,
      why: 'nuclear stain (segmentation channel, not a marker); intensity kept in obs',
    });
  }
  return d;
}
