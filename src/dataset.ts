/**
 * The `Dataset`: one type that carries every platform's data into every method, mirroring
 * AnnData so that `.h5ad` reading and writing is a direct mapping (architecture.md §1).
 *
 * Rows are observations (cells, spots, bins), columns are features (genes, proteins).
 * Layer 0 data model: imports only linalg types, runs in browsers.
 */
import { StnmfError } from './errors.js';
import type { Csr } from './linalg/csr.js';
import type { Dense } from './linalg/dense.js';

/** One typed column of an obs/var table. */
export type Column =
  | { kind: 'string'; values: string[] }
  | { kind: 'number'; values: Float64Array | Float32Array | Int32Array }
  | { kind: 'bool'; values: Uint8Array }
  /** Categorical: `codes[i]` indexes `categories`; -1 = missing (AnnData convention). */
  | { kind: 'category'; codes: Int32Array; categories: string[]; ordered?: boolean };

/** A table with string row labels and typed columns in a fixed order (a pandas DataFrame). */
export interface Frame {
  /** Row labels (obs_names / var_names). */
  index: string[];
  /** Columns in display order. */
  columns: Map<string, Column>;
}

/** A dense numeric matrix of any float width (obsm/varm entries such as `spatial`). */
export interface NumMatrix {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** Coordinate units a reader can report (formats.md §5). */
export type CoordinateUnit = 'um' | 'px' | 'px_fullres' | 'dnb' | 'unknown';

/** Something a reader dropped or moved out of X, and why. */
export interface FilterRecord {
  /** `features` or `observations`. */
  axis: 'features' | 'observations';
  /** What was removed, e.g. `Negative Control Probe`. */
  what: string;
  count: number;
  why: string;
}

/** Provenance filled by the reader. */
export interface DatasetMeta {
  /** Detected platform, e.g. `xenium`, `visium`, `10x-h5`, `h5ad`, `csv`. */
  platform: string;
  /** The path the data came from (informational). */
  source: string;
  /** Unit of `obsm.spatial`, when present. */
  coordinateUnit?: CoordinateUnit;
  /** Micrometres per coordinate unit when known (Visium pixels, CosMx pixels). */
  micronsPerUnit?: number;
  /** What the reader kept out of X. */
  filtered: FilterRecord[];
  /**
   * The obs column naming each observation's sample (section, slide) when the data holds
   * several (`--samples manifest.csv` or `--sample-key COL`). Spatial graphs never join
   * observations of different samples, and metrics are reported per sample (issue 18).
   * Undefined: one sample.
   */
  sampleKey?: string;
}

/** Observations x features data with annotations, AnnData-shaped. */
export interface Dataset {
  /** Counts or intensities, n_obs x n_vars, float32 values, int32 indices. */
  X: Csr;
  obs: Frame;
  var: Frame;
  /** Per-observation matrices; `spatial` is n x 2 float64 `[x, y]` in `meta.coordinateUnit`. */
  obsm: Record<string, NumMatrix>;
  /** Per-feature matrices (e.g. `nmf` = Hᵀ). */
  varm: Record<string, NumMatrix>;
  /** Observation graphs (n x n), e.g. `spatial_connectivities`. */
  obsp: Record<string, Csr>;
  /** Alternative n x p matrices (e.g. imputed genes). */
  layers: Record<string, Csr | Dense>;
  /** Unstructured metadata: parameters, colours; JSON-like values and typed arrays. */
  uns: Record<string, unknown>;
  meta: DatasetMeta;
}

/** Number of observations. */
export function nObs(d: Dataset): number {
  return d.X.rows;
}

/** Number of features. */
export function nVars(d: Dataset): number {
  return d.X.cols;
}

/** An empty frame with the given row labels. */
export function frame(index: string[], columns: Record<string, Column> = {}): Frame {
  return { index, columns: new Map(Object.entries(columns)) };
}

/** A Dataset from a matrix and labels, with empty annotations (for tests and simulators). */
export function makeDataset(
  X: Csr,
  obsNames: string[],
  varNames: string[],
  meta: Partial<DatasetMeta> = {},
): Dataset {
  return {
    X,
    obs: frame(obsNames),
    var: frame(varNames),
    obsm: {},
    varm: {},
    obsp: {},
    layers: {},
    uns: {},
    meta: { platform: meta.platform ?? 'memory', source: meta.source ?? '(memory)', filtered: meta.filtered ?? [], ...meta },
  };
}

/** The spatial coordinates, or undefined when the dataset has none. */
export function spatialCoords(d: Dataset): NumMatrix | undefined {
  return d.obsm.spatial;
}

/**
 * The bare marker name of an instrument-decorated feature header, as the proteomics readers
 * name features: CODEX/PhenoCycler `<marker> - <description>:Cyc_<c>_ch_<k>` and legacy
 * `cycNNN_chNNN:<marker>` give `<marker>`; other names come back trimmed. Marker tables written
 * against raw headers (CELESTA's `prior_marker_info.csv`) match the readers' names through it.
 */
export function markerBaseName(header: string): string {
  const legacy = /^cyc\d+_ch\d+\s*:\s*(.+)$/i.exec(header);
  const base = legacy ? legacy[1] : header.replace(/:\s*cyc_?\d+_ch_?\d+\s*$/i, '');
  return base.split(' - ')[0].trim();
}

/**
 * The values of an obs/var column as strings: categories by name ('' where missing), strings as
 * they are, numbers in JavaScript's shortest form ('' for NaN), booleans as `true`/`false`.
 */
export function columnStrings(c: Column): string[] {
  switch (c.kind) {
    case 'string':
      return c.values;
    case 'category':
      return Array.from(c.codes, (k) => (k >= 0 ? c.categories[k] : ''));
    case 'number':
      return Array.from(c.values, (v) => (Number.isNaN(v) ? '' : String(v)));
    case 'bool':
      return Array.from(c.values, (v) => (v ? 'true' : 'false'));
  }
}

/**
 * The obs column `name` of `d` as strings (see {@link columnStrings}), e.g. reference labels.
 * @param what  how the column was asked for, named in the error (`--labels cell_type`)
 * @throws StnmfError('BAD_OPTION') listing the obs columns when there is no such column
 */
export function obsStrings(d: Dataset, name: string, what = name): string[] {
  const c = d.obs.columns.get(name);
  if (!c) throw new StnmfError('BAD_OPTION', `${what}: no obs column '${name}' (have: ${[...d.obs.columns.keys()].join(', ') || 'none'})`);
  return columnStrings(c);
}
