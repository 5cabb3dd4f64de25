/**
 * Several samples (sections, slides) as one Dataset (issue 18, point 1): a sample manifest
 * (`sample_id,path[,condition][,coords][,microns_per_unit]…`) read sample by sample with
 * `readDataset`, then joined as anndata's `concat(…, label='sample', index_unique='-')` joins:
 * observation names become `<name>-<sample_id>`, obs gets a categorical `sample` column
 * (categories in manifest order), features are the intersection of the samples' features in
 * the first sample's order (`join='inner'`, anndata's default: a gene missing from one panel
 * was not measured there, so it is not filled with zeros), and obs columns are kept when every
 * sample has them. The manifest's other columns (`condition`, …) become categorical obs
 * columns. `meta.sampleKey = 'sample'` tells graphs and metrics to keep samples apart.
 *
 * Coordinates: each sample is read with its own `coords`/`microns_per_unit`/`coordinate_unit`
 * (falling back to the command's flags) and its units are checked per sample; when the
 * samples' units differ and every one has a known size in µm they are all converted to µm,
 * otherwise the join is refused naming the sample to fix.
 */
import { dirname, join } from './paths.js';
import type { Column, Dataset, FilterRecord } from '../dataset.js';
import { StnmfError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import { groupsOfColumn } from '../samples.js';
import { readDataset, type Platform, type ReadOptions } from './index.js';
import { readSmallTable } from './text.js';

/** The column of the combined obs that names each observation's sample (anndata `label`). */
export const SAMPLE_COLUMN = 'sample';

/** Manifest columns that say how to read a sample; every other column goes to obs. */
const READ_COLUMNS = ['sample_id', 'path', 'coords', 'microns_per_unit', 'coordinate_unit', 'platform'];

/** One row of a sample manifest. */
export interface SampleEntry {
  /** `sample_id`: unique, non-empty; the suffix of the observation names. */
  sampleId: string;
  /** `path`: the sample's input, resolved against the manifest's folder. */
  path: string;
  /** `coords`: positions table of this sample (resolved like `path`). */
  coords?: string;
  /** `microns_per_unit`: µm per coordinate unit of this sample. */
  micronsPerUnit?: number;
  /** `coordinate_unit`: `um` or `px`. */
  coordinateUnit?: 'um' | 'px';
  /** `platform`: skip detection for this sample. */
  platform?: Platform;
  /** The other columns (`condition`, `patient`, …), by header name. */
  columns: Record<string, string>;
}

/** What was read for one sample (for run.json / summary.json). */
export interface SampleRecord {
  sampleId: string;
  path: string;
  platform: string;
  nObs: number;
  /** Features of this sample before the intersection. */
  nVars: number;
  /** Features of this sample not in every other sample (left out of the join). */
  varsDropped: number;
  coordinateUnit: string | null;
  micronsPerUnit: number | null;
  columns: Record<string, string>;
}

/** The joined samples. */
export interface SamplesRead {
  dataset: Dataset;
  samples: SampleRecord[];
  /** Obs columns left out because not every sample had them (anndata's inner join of columns). */
  droppedObsColumns: string[];
  /** How coordinates were joined: `as read` (same unit everywhere) or `converted to µm`. */
  coordinates: 'none' | 'as read' | 'converted to µm';
}

function bad(path: string, msg: string): StnmfError {
  return new StnmfError('BAD_INPUT', `${path} (--samples): ${msg}`);
}

/**
 * Parses a manifest table (header + rows) into entries, resolving paths against `manifest`'s
 * folder. Required columns `sample_id` and `path`; `microns_per_unit` must be a number > 0 and
 * `coordinate_unit` one of `um`, `px` where given (empty cells mean "not given").
 * @throws StnmfError('BAD_INPUT') naming the manifest, row and column.
 */
export function parseSampleManifest(header: string[] | undefined, rows: string[][], manifest: string): SampleEntry[] {
  if (!header) throw bad(manifest, 'is empty; write a header sample_id,path[,condition][,coords][,microns_per_unit] and one row per sample');
  const h = header.map((s) => s.trim());
  for (const need of ['sample_id', 'path']) {
    if (!h.includes(need)) throw bad(manifest, `has no '${need}' column (header: ${h.join(',')}); the manifest needs sample_id,path[,condition][,coords][,microns_per_unit]`);
  }
  const dup = h.find((c, i) => h.indexOf(c) !== i);
  if (dup !== undefined) throw bad(manifest, `column '${dup}' appears twice in the header`);
  const base = dirname(manifest);
  // Paths in the manifest are relative to it (an absolute path stays as given).
  const at = (p: string) => (p.startsWith('/') ? p : join(base, p));
  const seen = new Set<string>();
  const out: SampleEntry[] = [];
  rows.forEach((r, k) => {
    const line = k + 2;
    if (r.length === 1 && r[0].trim() === '') return;
    if (r.length !== h.length) throw bad(manifest, `line ${line} has ${r.length} fields, the header ${h.length}`);
    const get = (c: string) => {
      const i = h.indexOf(c);
      return i < 0 ? undefined : r[i].trim() === '' ? undefined : r[i].trim();
    };
    const id = get('sample_id');
    if (id === undefined) throw bad(manifest, `line ${line}: sample_id is empty`);
    if (seen.has(id)) throw bad(manifest, `line ${line}: sample_id '${id}' appears twice; sample ids must be unique`);
    seen.add(id);
    const path = get('path');
    if (path === undefined) throw bad(manifest, `line ${line} (sample ${id}): path is empty`);
    const e: SampleEntry = { sampleId: id, path: at(path), columns: {} };
    const coords = get('coords');
    if (coords !== undefined) e.coords = at(coords);
    const mpu = get('microns_per_unit');
    if (mpu !== undefined) {
      const v = Number(mpu);
      if (!(v > 0) || !Number.isFinite(v)) throw bad(manifest, `line ${line} (sample ${id}): microns_per_unit must be a number > 0, got '${mpu}'`);
      e.micronsPerUnit = v;
    }
    const cu = get('coordinate_unit');
    if (cu !== undefined) {
      if (cu !== 'um' && cu !== 'px') throw bad(manifest, `line ${line} (sample ${id}): coordinate_unit must be um or px, got '${cu}'`);
      e.coordinateUnit = cu;
    }
    const pf = get('platform');
    if (pf !== undefined) e.platform = pf as Platform;
    for (const c of h) if (!READ_COLUMNS.includes(c)) e.columns[c] = get(c) ?? '';
    out.push(e);
  });
  if (out.length === 0) throw bad(manifest, 'lists no sample; add one row per sample under the header');
  return out;
}

/** Reads and parses a manifest file (CSV or TSV). */
export async function readSampleManifest(manifest: string): Promise<SampleEntry[]> {
  let t: Awaited<ReturnType<typeof readSmallTable>>;
  try {
    t = await readSmallTable(manifest);
  } catch (e) {
    if (e instanceof StnmfError) throw e;
    throw new StnmfError('BAD_FILE', `${manifest} (--samples): file not found or unreadable`);
  }
  return parseSampleManifest(t.header, t.rows, manifest);
}

/**
 * X's columns mapped by `map` (−1 = dropped) into `cols` columns, each row's indices sorted
 * again (a sample's gene order may differ from the first's): one sample's part of the join.
 */
export function remapColumns(X: Csr, map: Int32Array, cols: number): Csr {
  let nnz = 0;
  for (let q = 0; q < X.indptr[X.rows]; q++) if (map[X.indices[q]] >= 0) nnz++;
  const indptr = new Int32Array(X.rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  const pairs: [number, number][] = [];
  let q2 = 0;
  for (let i = 0; i < X.rows; i++) {
    pairs.length = 0;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const j = map[X.indices[q]];
      if (j >= 0) pairs.push([j, X.data[q]]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [j, v] of pairs) {
      indices[q2] = j;
      data[q2++] = v;
    }
    indptr[i + 1] = q2;
  }
  return { rows: X.rows, cols, indptr, indices, data };
}

/** The read options of one manifest row: the flags' options, overridden by the row's own columns. */
export function entryReadOptions(e: SampleEntry, opts: ReadOptions): ReadOptions {
  const o: ReadOptions = { ...opts };
  if (e.coords !== undefined) o.coords = e.coords;
  if (e.micronsPerUnit !== undefined) o.micronsPerUnit = e.micronsPerUnit;
  if (e.coordinateUnit !== undefined) o.coordinateUnit = e.coordinateUnit;
  if (e.platform !== undefined) o.platform = e.platform;
  return o;
}

/** The features every sample has, in the first sample's order (pandas Index.intersection, anndata's inner join). */
export function sharedFeatures(varIndexes: readonly (readonly string[])[]): string[] {
  let common = varIndexes[0].slice();
  for (const v of varIndexes.slice(1)) {
    const has = new Set(v);
    common = common.filter((g) => has.has(g));
  }
  return common;
}

/** One sample to join: its id, its Dataset and its manifest columns. */
export interface SamplePart {
  sampleId: string;
  dataset: Dataset;
  columns?: Record<string, string>;
}

/** Observation-major categorical column with categories in the given order. */
function categoryOf(values: string[], categories: string[]): Column {
  const at = new Map(categories.map((c, i) => [c, i]));
  return { kind: 'category', codes: Int32Array.from(values, (v) => at.get(v)!), categories };
}

/** The join of one obs column over all parts, or undefined when the kinds do not agree. */
function joinColumn(cols: Column[], sizes: number[]): Column | undefined {
  const n = sizes.reduce((a, b) => a + b, 0);
  const kinds = new Set(cols.map((c) => (c.kind === 'string' ? 'category' : c.kind)));
  if (kinds.size !== 1) return undefined;
  const kind = [...kinds][0];
  if (kind === 'number') {
    const v = new Float64Array(n);
    let o = 0;
    for (const c of cols) {
      const x = (c as { values: Float64Array | Float32Array | Int32Array }).values;
      v.set(x, o);
      o += x.length;
    }
    return { kind: 'number', values: v };
  }
  if (kind === 'bool') {
    const v = new Uint8Array(n);
    let o = 0;
    for (const c of cols) {
      const b = (c as { values: Uint8Array }).values;
      v.set(b, o);
      o += b.length;
    }
    return { kind: 'bool', values: v };
  }
  // Strings and categories: one categorical with the union of values (anndata unions the
  // categories of categorical columns), sorted; missing stays missing (-1).
  const vals: (string | undefined)[] = [];
  for (const c of cols) {
    if (c.kind === 'category') for (const k of c.codes) vals.push(k < 0 ? undefined : c.categories[k]);
    else if (c.kind === 'string') for (const s of c.values) vals.push(s);
  }
  const cats = [...new Set(vals.filter((s): s is string => s !== undefined))].sort();
  const at = new Map(cats.map((c, i) => [c, i]));
  return { kind: 'category', codes: Int32Array.from(vals, (s) => (s === undefined ? -1 : at.get(s)!)), categories: cats };
}

/** µm per coordinate unit of a read sample, or undefined when unknown. */
function scaleOf(d: Dataset): number | undefined {
  return d.meta.micronsPerUnit ?? (d.meta.coordinateUnit === 'um' ? 1 : undefined);
}

/**
 * Joins samples into one Dataset as described in the file comment. Parts are not modified.
 * @param source  the manifest path (messages, `meta.source`)
 * @throws StnmfError('BAD_INPUT') when sample ids repeat, an observation name or obs column
 *   `sample` clashes, the features have nothing in common, some samples have coordinates and
 *   others not, or units differ and a sample's size in µm is unknown.
 */
export function concatSamples(parts: SamplePart[], source = 'samples'): Omit<SamplesRead, 'samples'> & { varsDropped: number[] } {
  if (parts.length === 0) throw bad(source, 'lists no sample');
  const ids = parts.map((p) => p.sampleId);
  const dupId = ids.find((s, i) => ids.indexOf(s) !== i);
  if (dupId !== undefined) throw bad(source, `sample_id '${dupId}' appears twice`);
  for (const p of parts) {
    if (p.dataset.obs.columns.has(SAMPLE_COLUMN)) {
      throw bad(source, `sample ${p.sampleId} (${p.dataset.meta.source}) already has an obs column '${SAMPLE_COLUMN}'; the join writes the sample id there (for one file holding several samples use --sample-key ${SAMPLE_COLUMN} instead)`);
    }
  }
  const common = sharedFeatures(parts.map((p) => p.dataset.var.index));
  if (common.length === 0) throw bad(source, `the samples share no feature name (${parts.map((p) => `${p.sampleId}: ${p.dataset.X.cols}`).join(', ')}); joint analysis needs a common panel`);
  const col = new Map(common.map((g, j) => [g, j]));
  const varsDropped = parts.map((p) => p.dataset.X.cols - common.length);

  // X: each sample's columns remapped to the common order, rows stacked; indices re-sorted
  // per row because a later sample's gene order may differ from the first's.
  const sizes = parts.map((p) => p.dataset.X.rows);
  const n = sizes.reduce((a, b) => a + b, 0);
  let nnz = 0;
  const maps = parts.map((p) => Int32Array.from(p.dataset.var.index, (g) => col.get(g) ?? -1));
  parts.forEach((p, s) => {
    const X = p.dataset.X;
    for (let q = 0; q < X.indptr[X.rows]; q++) if (maps[s][X.indices[q]] >= 0) nnz++;
  });
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  let row = 0;
  parts.forEach((p, s) => {
    const m = remapColumns(p.dataset.X, maps[s], common.length);
    const at = indptr[row];
    indices.set(m.indices, at);
    data.set(m.data, at);
    for (let i = 0; i < m.rows; i++) indptr[row + i + 1] = at + m.indptr[i + 1];
    row += m.rows;
  });
  const X: Csr = { rows: n, cols: common.length, indptr, indices, data };

  // obs: names made unique by the sample suffix (anndata index_unique='-').
  const index: string[] = [];
  const sampleOf: string[] = [];
  for (const p of parts) for (const name of p.dataset.obs.index) {
    index.push(`${name}-${p.sampleId}`);
    sampleOf.push(p.sampleId);
  }
  const seen = new Set<string>();
  for (const name of index) {
    if (seen.has(name)) throw bad(source, `observation name '${name}' occurs twice after adding the sample suffix; make the observation names or sample ids unique`);
    seen.add(name);
  }
  const columns = new Map<string, Column>();
  columns.set(SAMPLE_COLUMN, categoryOf(sampleOf, ids));
  const extra = [...new Set(parts.flatMap((p) => Object.keys(p.columns ?? {})))];
  for (const c of extra) {
    const vals: string[] = [];
    parts.forEach((p) => {
      const v = p.columns?.[c] ?? '';
      for (let i = 0; i < p.dataset.X.rows; i++) vals.push(v);
    });
    const cats = [...new Set(vals.filter((v) => v !== ''))].sort();
    const at = new Map(cats.map((v, i) => [v, i]));
    columns.set(c, { kind: 'category', codes: Int32Array.from(vals, (v) => (v === '' ? -1 : at.get(v)!)), categories: cats });
  }
  const dropped: string[] = [];
  const names = [...new Set(parts.flatMap((p) => [...p.dataset.obs.columns.keys()]))];
  for (const c of names) {
    if (columns.has(c)) throw bad(source, `obs column '${c}' of the data clashes with the manifest column of that name; rename one`);
    const cols = parts.map((p) => p.dataset.obs.columns.get(c));
    const joined = cols.every((x): x is Column => x !== undefined) ? joinColumn(cols, sizes) : undefined;
    if (joined) columns.set(c, joined);
    else dropped.push(c);
  }

  // Coordinates, unit checks per sample.
  const withXy = parts.filter((p) => p.dataset.obsm.spatial);
  let coordinates: SamplesRead['coordinates'] = 'none';
  const obsm: Dataset['obsm'] = {};
  const meta: Dataset['meta'] = {
    platform: [...new Set(parts.map((p) => p.dataset.meta.platform))].join('+'),
    source,
    filtered: parts.flatMap((p) => p.dataset.meta.filtered.map((f): FilterRecord => ({ ...f, what: `${f.what} (sample ${p.sampleId})` }))),
    sampleKey: SAMPLE_COLUMN,
  };
  if (withXy.length > 0) {
    if (withXy.length < parts.length) {
      const none = parts.filter((p) => !p.dataset.obsm.spatial).map((p) => p.sampleId);
      throw bad(source, `samples ${none.join(', ')} have no coordinates but the others do; give them a coords column or leave coordinates out for all`);
    }
    const units = parts.map((p) => ({ unit: p.dataset.meta.coordinateUnit ?? 'unknown', scale: scaleOf(p.dataset) }));
    const same = units.every((u) => u.unit === units[0].unit && u.scale === units[0].scale);
    if (!same) {
      const unknown = parts.filter((_, s) => units[s].scale === undefined).map((p) => p.sampleId);
      if (unknown.length > 0) {
        throw bad(source, `the samples' coordinates differ in unit (${parts.map((p, s) => `${p.sampleId}: ${units[s].unit}${units[s].scale !== undefined ? `, ${units[s].scale} µm/unit` : ', size unknown'}`).join('; ')}); give microns_per_unit in the manifest for ${unknown.join(', ')}`);
      }
    }
    const xy = new Float64Array(2 * n);
    let o = 0;
    parts.forEach((p, s) => {
      const sp = p.dataset.obsm.spatial;
      const f = same ? 1 : units[s].scale!;
      for (let i = 0; i < sp.rows; i++, o++) {
        xy[2 * o] = sp.data[i * sp.cols] * f;
        xy[2 * o + 1] = sp.data[i * sp.cols + 1] * f;
      }
    });
    obsm.spatial = { rows: n, cols: 2, data: xy };
    if (same) {
      coordinates = 'as read';
      if (parts[0].dataset.meta.coordinateUnit !== undefined) meta.coordinateUnit = parts[0].dataset.meta.coordinateUnit;
      if (parts[0].dataset.meta.micronsPerUnit !== undefined) meta.micronsPerUnit = parts[0].dataset.meta.micronsPerUnit;
    } else {
      coordinates = 'converted to µm';
      meta.coordinateUnit = 'um';
    }
  }
  const dataset: Dataset = {
    X,
    obs: { index, columns },
    var: { index: common, columns: new Map() },
    obsm,
    varm: {},
    obsp: {},
    layers: {},
    uns: {},
    meta,
  };
  return { dataset, droppedObsColumns: dropped, coordinates, varsDropped };
}

/**
 * Reads every sample of the manifest at `manifest` with `read` (default `readDataset`) and
 * joins them ({@link concatSamples}). Per-sample manifest columns (`coords`,
 * `microns_per_unit`, `coordinate_unit`, `platform`) override the same fields of `opts` for
 * that sample; the rest of `opts` applies to every sample.
 */
export async function readSamples(
  manifest: string,
  opts: ReadOptions = {},
  read: (path: string, options: ReadOptions) => Promise<Dataset> = readDataset,
): Promise<SamplesRead> {
  const entries = await readSampleManifest(manifest);
  if (opts.coords !== undefined) throw bad(manifest, '--coords names one positions table, but a manifest has one per sample: give them in its coords column');
  const parts: SamplePart[] = [];
  for (const e of entries) {
    const o = entryReadOptions(e, opts);
    const d = await read(e.path, o);
    // The manifest's (or the flags') word on units wins over the reader's, as for one input.
    if (o.coordinateUnit !== undefined) d.meta.coordinateUnit = o.coordinateUnit;
    if (o.micronsPerUnit !== undefined) d.meta.micronsPerUnit = o.micronsPerUnit;
    parts.push({ sampleId: e.sampleId, dataset: d, columns: e.columns });
  }
  const j = concatSamples(parts, manifest);
  const samples: SampleRecord[] = parts.map((p, s) => ({
    sampleId: p.sampleId,
    path: entries[s].path,
    platform: p.dataset.meta.platform,
    nObs: p.dataset.X.rows,
    nVars: p.dataset.X.cols,
    varsDropped: j.varsDropped[s],
    coordinateUnit: p.dataset.obsm.spatial ? (p.dataset.meta.coordinateUnit ?? 'unknown') : null,
    micronsPerUnit: p.dataset.meta.micronsPerUnit ?? null,
    columns: p.columns ?? {},
  }));
  return { dataset: j.dataset, samples, droppedObsColumns: j.droppedObsColumns, coordinates: j.coordinates };
}

/**
 * Marks an obs column of one input as its sample key (`--sample-key COL`): the column is
 * copied to obs `sample` (when named otherwise) and `meta.sampleKey` set, so the Dataset is
 * treated like a joined manifest. Observation names are kept (they are unique in one file).
 * @throws StnmfError('BAD_OPTION') for an unknown column, or an obs `sample` column that
 *   differs from it; StnmfError('BAD_INPUT') for observations without a sample.
 */
export function useSampleKey(ds: Dataset, key: string): Dataset {
  const c = ds.obs.columns.get(key);
  if (!c) throw new StnmfError('BAD_OPTION', `--sample-key ${key}: no such obs column in ${ds.meta.source} (have: ${[...ds.obs.columns.keys()].join(', ') || 'none'})`);
  const g = groupsOfColumn(c, key, ds.X.rows, `${ds.meta.source} (--sample-key ${key})`);
  const columns = new Map(ds.obs.columns);
  if (key !== SAMPLE_COLUMN) {
    if (columns.has(SAMPLE_COLUMN)) throw new StnmfError('BAD_OPTION', `--sample-key ${key}: ${ds.meta.source} already has an obs column '${SAMPLE_COLUMN}'; pass --sample-key ${SAMPLE_COLUMN} to use it`);
    columns.set(SAMPLE_COLUMN, { kind: 'category', codes: g.codes, categories: g.ids });
  }
  return { ...ds, obs: { index: ds.obs.index, columns }, meta: { ...ds.meta, sampleKey: SAMPLE_COLUMN } };
}
