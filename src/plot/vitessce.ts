/**
 * AnnData-in-Zarr (zarr v2, consolidated) and a Vitessce view config for an NMF result
 * (formats.md §1.12–1.13). Pure: the store is returned as a map from relative path to
 * bytes, which the CLI writes to disk (or a caller zips for `.zarr.zip`).
 *
 * Following formats.md's "recommended NMF export": a main store (genes in X when the input had
 * them, `obsm/spatial`, `obsm/X_nmf`, cluster columns) and a small factor store with X = W and
 * var = factor names, registered with featureType "factor" so Vitessce colours cells by factor.
 */
import { StnmfError } from '../errors.js';
import { zlibSync } from 'fflate';
import type { Column } from '../dataset.js';
import { categoryColor, MISSING_COLOR, parseHex } from './color.js';
import { requireCoordinates, type ResultDataset } from '../result-dataset.js';
import { knnQuery } from '../spatial/index.js';
import { tileSamples } from '../spatial/blocks.js';
import { topFeatures } from './top-features.js';

/** Relative path (`/`-separated) → file contents. */
export type ZarrStore = Map<string, Uint8Array>;

type Json = Record<string, unknown>;

/** A dense float matrix for X or obsm. */
export interface DenseInput {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** A CSR matrix for X. */
export interface CsrInput {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/** What goes into one AnnData zarr store. */
export interface AnnDataZarrInput {
  obsNames: string[];
  varNames: string[];
  /** X; dense is written column-chunked (fast per-feature fetches), CSR as `csr_matrix`. */
  X?: { dense: DenseInput } | { csr: CsrInput };
  obs?: Map<string, Column>;
  var?: Map<string, Column>;
  obsm?: Record<string, DenseInput>;
  /** Flat JSON-able metadata stored as zarr attributes of the `uns` dict group. */
  unsAttrs?: Json;
  /** String arrays stored under `uns` (e.g. `leiden_colors`), read by anndata as uns entries. */
  unsStrings?: Record<string, string[]>;
}

const enc = new TextEncoder();
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v, null, 1));

/** Encodes strings with numcodecs' VLenUTF8: item count, then length-prefixed UTF-8 items (uint32 LE). */
export function encodeVlenUtf8(items: string[]): Uint8Array {
  const bytes = items.map((s) => enc.encode(s));
  let len = 4;
  for (const b of bytes) len += 4 + b.length;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, items.length, true);
  let o = 4;
  for (const b of bytes) {
    dv.setUint32(o, b.length, true);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

class StoreBuilder {
  readonly files: ZarrStore = new Map();
  readonly meta: Record<string, unknown> = {};

  private put(path: string, value: unknown): void {
    this.files.set(path, json(value));
    this.meta[path] = value;
  }

  group(path: string, attrs: Json): void {
    const pre = path ? path + '/' : '';
    this.put(pre + '.zgroup', { zarr_format: 2 });
    this.put(pre + '.zattrs', attrs);
  }

  /** A numeric array, chunked along the first axis in `chunkRows` or along columns in `chunkCols`. */
  array(path: string, shape: number[], data: ArrayLike<number>, dtype: '<f4' | '<f8' | '<i4' | '|i1' | '<i2' | '|u1', attrs: Json, chunks?: number[]): void {
    const ch = chunks ?? shape.map((s) => Math.max(1, s));
    this.put(`${path}/.zarray`, {
      chunks: ch,
      compressor: { id: 'zlib', level: 1 },
      dtype,
      fill_value: 0,
      filters: null,
      order: 'C',
      shape,
      zarr_format: 2,
    });
    this.put(`${path}/.zattrs`, attrs);
    const Ctor = dtype === '<f4' ? Float32Array : dtype === '<f8' ? Float64Array : dtype === '<i4' ? Int32Array : dtype === '<i2' ? Int16Array : dtype === '|i1' ? Int8Array : Uint8Array;
    if (shape.length === 1) {
      const n = shape[0];
      for (let c = 0; c * ch[0] < n || (n === 0 && c === 0); c++) {
        // Edge chunks are stored at full chunk size (zarr v2), padded with the fill value.
        const buf = new Ctor(ch[0]);
        for (let i = 0; i < ch[0] && c * ch[0] + i < n; i++) buf[i] = data[c * ch[0] + i];
        this.files.set(`${path}/${c}`, zlibSync(new Uint8Array(buf.buffer)));
        if (n === 0) break;
      }
      return;
    }
    const [rows, cols] = shape;
    for (let r0 = 0, rc = 0; r0 < rows; r0 += ch[0], rc++) {
      for (let c0 = 0, cc = 0; c0 < cols; c0 += ch[1], cc++) {
        const buf = new Ctor(ch[0] * ch[1]);
        for (let i = 0; i < ch[0] && r0 + i < rows; i++) for (let j = 0; j < ch[1] && c0 + j < cols; j++) buf[i * ch[1] + j] = data[(r0 + i) * cols + c0 + j];
        this.files.set(`${path}/${rc}.${cc}`, zlibSync(new Uint8Array(buf.buffer)));
      }
    }
  }

  strings(path: string, items: string[]): void {
    this.put(`${path}/.zarray`, {
      chunks: [Math.max(1, items.length)],
      compressor: null,
      dtype: '|O',
      fill_value: null,
      filters: [{ id: 'vlen-utf8' }],
      order: 'C',
      shape: [items.length],
      zarr_format: 2,
    });
    this.put(`${path}/.zattrs`, { 'encoding-type': 'string-array', 'encoding-version': '0.2.0' });
    this.files.set(`${path}/0`, encodeVlenUtf8(items));
  }

  column(path: string, col: Column): void {
    switch (col.kind) {
      case 'string':
        this.strings(path, col.values);
        return;
      case 'number': {
        const dt = col.values instanceof Int32Array ? '<i4' : col.values instanceof Float64Array ? '<f8' : '<f4';
        this.array(path, [col.values.length], col.values, dt, { 'encoding-type': 'array', 'encoding-version': '0.2.0' });
        return;
      }
      case 'bool':
        // zarr's "|b1" is one byte per value like Uint8Array.
        this.array(path, [col.values.length], col.values, '|u1', { 'encoding-type': 'array', 'encoding-version': '0.2.0' });
        this.meta[`${path}/.zarray`] = { ...(this.meta[`${path}/.zarray`] as Json), dtype: '|b1' };
        this.files.set(`${path}/.zarray`, json(this.meta[`${path}/.zarray`]));
        return;
      case 'category': {
        this.group(path, { 'encoding-type': 'categorical', 'encoding-version': '0.2.0', ordered: Boolean(col.ordered) });
        // Smallest signed code type, as anndata writes and zarr.js prefers (no int64).
        const nc = col.categories.length;
        const dt = nc < 128 ? '|i1' : nc < 32768 ? '<i2' : '<i4';
        this.array(`${path}/codes`, [col.codes.length], col.codes, dt, { 'encoding-type': 'array', 'encoding-version': '0.2.0' });
        this.strings(`${path}/categories`, col.categories);
        return;
      }
    }
  }

  frame(path: string, index: string[], cols: Map<string, Column> | undefined): void {
    const names = cols ? [...cols.keys()].filter((k) => k !== '_index' && !k.includes('/')) : [];
    this.group(path, { _index: '_index', 'column-order': names, 'encoding-type': 'dataframe', 'encoding-version': '0.2.0' });
    this.strings(`${path}/_index`, index);
    for (const k of names) this.column(`${path}/${k}`, cols?.get(k) as Column);
  }

  finish(): ZarrStore {
    this.files.set('.zmetadata', json({ metadata: this.meta, zarr_consolidated_format: 1 }));
    return this.files;
  }
}

/** Builds an AnnData zarr v2 store (anndata ≥ 0.8 encoding, consolidated metadata). */
export function annDataZarr(a: AnnDataZarrInput): ZarrStore {
  const n = a.obsNames.length;
  const p = a.varNames.length;
  const s = new StoreBuilder();
  s.group('', { 'encoding-type': 'anndata', 'encoding-version': '0.1.0' });
  if (a.X && 'dense' in a.X) {
    const d = a.X.dense;
    if (d.rows !== n || d.cols !== p) throw new StnmfError('BAD_INPUT', `annDataZarr: X is ${d.rows} x ${d.cols}, expected ${n} x ${p}`);
    // Column chunks: Vitessce fetches one feature at a time.
    const cc = Math.max(1, Math.min(p, Math.floor(4_000_000 / Math.max(1, n)) || 1));
    s.array('X', [n, p], d.data, d.data instanceof Float64Array ? '<f8' : '<f4', { 'encoding-type': 'array', 'encoding-version': '0.2.0' }, [Math.max(1, n), cc]);
  } else if (a.X && 'csr' in a.X) {
    const c = a.X.csr;
    s.group('X', { 'encoding-type': 'csr_matrix', 'encoding-version': '0.1.0', shape: [c.rows, c.cols] });
    const nnz = c.indptr[c.rows];
    const chunk = [Math.max(1, Math.min(nnz, 1 << 20))];
    s.array('X/data', [nnz], c.data.subarray(0, nnz), '<f4', {}, chunk);
    s.array('X/indices', [nnz], c.indices.subarray(0, nnz), '<i4', {}, chunk);
    s.array('X/indptr', [c.rows + 1], c.indptr, '<i4', {});
  }
  s.frame('obs', a.obsNames, a.obs);
  s.frame('var', a.varNames, a.var);
  s.group('obsm', { 'encoding-type': 'dict', 'encoding-version': '0.1.0' });
  for (const [k, m] of Object.entries(a.obsm ?? {})) {
    if (m.rows !== n) throw new StnmfError('BAD_INPUT', `annDataZarr: obsm/${k} has ${m.rows} rows, expected ${n}`);
    s.array(`obsm/${k}`, [m.rows, m.cols], m.data, m.data instanceof Float64Array ? '<f8' : '<f4', { 'encoding-type': 'array', 'encoding-version': '0.2.0' }, [Math.min(Math.max(1, m.rows), 1 << 16), m.cols]);
  }
  for (const g of ['varm', 'obsp', 'varp', 'layers']) s.group(g, { 'encoding-type': 'dict', 'encoding-version': '0.1.0' });
  s.group('uns', { 'encoding-type': 'dict', 'encoding-version': '0.1.0', ...(a.unsAttrs ?? {}) });
  for (const [k, v] of Object.entries(a.unsStrings ?? {})) if (!k.includes('/')) s.strings(`uns/${k}`, v);
  return s.finish();
}

/** A cluster column shown as cell sets, with the colours our figures use for its categories. */
export interface VitessceClusterColumn {
  /** obs column name (also the cell-set tree's root). */
  name: string;
  categories: string[];
  /** `#rrggbb` per category, in category order (what `uns['<name>_colors']` holds). */
  colors: string[];
  /** Whether some observations have no category (code -1); Vitessce groups them in a set named `---`. */
  hasMissing?: boolean;
}

/** Inputs of {@link vitessceConfig}. */
export interface VitessceConfigInput {
  name: string;
  /** Base URL (or relative path) under which the stores are served, without trailing slash. */
  baseUrl: string;
  /** File name of the main store (has X = genes when `hasGenes`). */
  mainStore: string;
  /** File name of the factor store (X = W). */
  factorStore: string;
  hasGenes: boolean;
  /** obs columns holding clusters, shown as cell sets in our colours. */
  clusterColumns: VitessceClusterColumn[];
  /** `cell` or `spot`. */
  obsType?: string;
  /** Markdown-ish text for the description view (e.g. top genes per factor). */
  description?: string;
  /** The factor selected at start (a var name of the factor store). */
  firstFactor?: string;
  /** The gene selected at start (a var name of the main store); only used when `hasGenes`. */
  firstGene?: string;
  /**
   * Radius of the drawn spots, in the units of `obsm/spatial` (µm for Xenium centroids).
   * Default 10, the value Vitessce's own obsSpots loader uses when it initialises a layer.
   */
  spotRadius?: number;
}

/**
 * Vitessce's `obsSetColor` value for our clusters: one `{path, color}` per category (and one for
 * each root, which Vitessce also colours), with the colours of `uns['<column>_colors']`.
 *
 * Why an explicit value: Vitessce 4.0.8's AnnData obsSets loader ignores `uns` colours and fills
 * `obsSetColor` from its own palette, but only while the coordination value is null, so a value
 * given in the config is kept (checked in the real app, viewer-vitessce-app.test.ts).
 */
export function vitessceObsSetColor(columns: VitessceClusterColumn[]): { path: string[]; color: [number, number, number] }[] {
  const out: { path: string[]; color: [number, number, number] }[] = [];
  for (const c of columns) {
    // The root's colour only tints its caret in the Cell Sets tree; Vitessce gives it palette[0], so do we.
    out.push({ path: [c.name], color: parseHex(c.colors[0] ?? MISSING_COLOR) });
    c.categories.forEach((cat, i) => out.push({ path: [c.name, cat], color: parseHex(c.colors[i] ?? MISSING_COLOR) }));
    // '---' is the name Vitessce 4.0.8 gives the set of uncategorised observations; our figures draw them grey.
    if (c.hasMissing) out.push({ path: [c.name, '---'], color: parseHex(MISSING_COLOR) });
  }
  return out;
}

/**
 * A Vitessce view config (schema 1.0.16; checked in Vitessce 4.0.8). Views: a `spatialBeta` map
 * of the cells coloured by the selected factor (or by the selected cell sets), and, when the
 * main store has genes, a second `spatialBeta` map coloured by the selected gene, pan and zoom
 * linked; a factor list, a gene list, the cell sets from the cluster columns (in our colours,
 * see {@link vitessceObsSetColor}), a `layerControllerBeta` for both maps' spot layers, an NMF
 * embedding scatter (X_nmf dims 0, 1) and a description listing top genes per factor.
 *
 * Why `spatialBeta` and meta-coordination: the legacy `spatial` view draws cells only from
 * obsSegmentations/obsLocations and ignores obsSpots, so it stayed empty (checked in Vitessce
 * 4.0.8). Spot layers are declared through `metaCoordinationScopes(By)` as vitessce-python's
 * `link_views_by_dict(..., meta=True)` writes them: the anndata obsSpots loader merges its own
 * default layer (radius 10, no feature colouring) into the view's meta scopes at load time, and
 * only a meta scope listed after it, like ours, takes precedence over that default.
 *
 * Why genes get their own map rather than a second layer in the factor map: a spot layer has one
 * featureType, and both layers would draw every cell at the same place, so the upper one hides
 * the lower; Vitessce 4.0.8 has no way to raise a layer when its list is clicked, so a gene
 * layer under (or hidden above) the factor layer would still show nothing on a gene click until
 * the user toggled layers. With two linked maps each list colours its own map at once, and
 * factor and gene patterns can be compared side by side.
 */
export function vitessceConfig(c: VitessceConfigInput): Json {
  const obsType = c.obsType ?? 'cell';
  const files: Json[] = [];
  const mainOptions: Json = {
    obsSpots: { path: 'obsm/spatial' },
    obsEmbedding: [{ path: 'obsm/X_nmf', dims: [0, 1], embeddingType: 'NMF' }],
  };
  if (c.hasGenes) mainOptions.obsFeatureMatrix = { path: 'X' };
  if (c.clusterColumns.length > 0) mainOptions.obsSets = c.clusterColumns.map((k) => ({ name: k.name, path: `obs/${k.name}` }));
  files.push({
    fileType: 'anndata.zarr',
    url: `${c.baseUrl}/${c.mainStore}`,
    options: mainOptions,
    coordinationValues: { obsType, featureType: 'gene', featureValueType: 'expression' },
  });
  // No obsSpots here: spots are matched on obsType alone, and one file per obsType keeps the
  // match unambiguous; the spot layers join this matrix to the main store's spots by obs name.
  files.push({
    fileType: 'anndata.zarr',
    url: `${c.baseUrl}/${c.factorStore}`,
    options: { obsFeatureMatrix: { path: 'X' } },
    coordinationValues: { obsType, featureType: 'factor', featureValueType: 'usage' },
  });
  // Views that show or pick the factor colouring share these scopes; the gene map and gene list
  // share the `gene` ones, so a gene click never recolours the factor map and vice versa.
  const shared = { obsType: 'A', obsColorEncoding: 'A', obsSetSelection: 'A', obsSetColor: 'A' };
  const factorScopes = { featureType: 'factor', featureValueType: 'factor', featureSelection: 'factor' };
  const geneScopes = { featureType: 'gene', featureValueType: 'gene', featureSelection: 'gene', obsColorEncoding: 'gene' };
  const layers = c.hasGenes ? ['factors', 'genes'] : ['factors'];
  const perLayer = (values: Record<string, string>): Record<string, string> => Object.fromEntries(layers.map((l) => [l, values[l]]));
  const same = (scope: string): Record<string, string> => Object.fromEntries(layers.map((l) => [l, scope]));
  const mapScopes = (layer: string): Json => ({
    dataset: 'A',
    spatialZoom: 'A',
    spatialTargetX: 'A',
    spatialTargetY: 'A',
    metaCoordinationScopes: [layer],
    metaCoordinationScopesBy: ['A'],
  });
  const coordinationSpace: Json = {
    dataset: { A: 'A' },
    obsType: { A: obsType },
    featureType: { gene: 'gene', factor: 'factor' },
    featureValueType: { gene: 'expression', factor: 'usage' },
    embeddingType: { A: 'NMF' },
    spatialZoom: { A: null },
    spatialTargetX: { A: null },
    spatialTargetY: { A: null },
    obsColorEncoding: { A: 'geneSelection', gene: 'geneSelection' },
    featureSelection: { factor: c.firstFactor ? [c.firstFactor] : null, gene: c.hasGenes && c.firstGene ? [c.firstGene] : null },
    // null: filled by the obsSets loader (all clusters selected).
    obsSetSelection: { A: null },
    obsSetColor: { A: c.clusterColumns.length > 0 ? vitessceObsSetColor(c.clusterColumns) : null },
    // Coordination "object" values: each layer's properties live in metaCoordinationScopesBy.
    spotLayer: Object.fromEntries(layers.map((l) => [l, '__dummy__'])),
    spatialLayerLabel: perLayer({ factors: 'Factors', genes: 'Genes' }),
    spatialSpotRadius: { A: c.spotRadius ?? 10 },
    spatialSpotFilled: { A: true },
    spatialLayerVisible: { A: true },
    spatialLayerOpacity: { A: 1 },
    // One meta scope per map (its one layer) and one listing both for the layer controller.
    metaCoordinationScopes: {
      ...Object.fromEntries(layers.map((l) => [l, { spotLayer: [l] }])),
      ...(c.hasGenes ? { all: { spotLayer: layers } } : {}),
    },
    metaCoordinationScopesBy: {
      A: {
        spotLayer: {
          obsType: same('A'),
          featureType: perLayer({ factors: 'factor', genes: 'gene' }),
          featureValueType: perLayer({ factors: 'factor', genes: 'gene' }),
          featureSelection: perLayer({ factors: 'factor', genes: 'gene' }),
          obsColorEncoding: perLayer({ factors: 'A', genes: 'gene' }),
          obsSetSelection: same('A'),
          obsSetColor: same('A'),
          spatialLayerLabel: Object.fromEntries(layers.map((l) => [l, l])),
          spatialSpotRadius: same('A'),
          spatialSpotFilled: same('A'),
          spatialLayerVisible: same('A'),
          spatialLayerOpacity: same('A'),
        },
      },
    },
  };
  const layout: Json[] = c.hasGenes
    ? [
        { component: 'spatialBeta', x: 0, y: 0, w: 5, h: 8, props: { title: 'Spatial: factors' }, coordinationScopes: mapScopes('factors') },
        { component: 'spatialBeta', x: 5, y: 0, w: 5, h: 8, props: { title: 'Spatial: genes' }, coordinationScopes: mapScopes('genes') },
        { component: 'featureList', x: 10, y: 0, w: 2, h: 4, coordinationScopes: { dataset: 'A', ...shared, ...factorScopes } },
        { component: 'featureList', x: 10, y: 4, w: 2, h: 4, coordinationScopes: { dataset: 'A', obsType: 'A', ...geneScopes } },
        { component: 'obsSets', x: 0, y: 8, w: 3, h: 4, coordinationScopes: { dataset: 'A', ...shared } },
        // Three columns at least: narrower, the layer controller's colour icon covers the layer names.
        { component: 'layerControllerBeta', x: 3, y: 8, w: 3, h: 4, coordinationScopes: { dataset: 'A', metaCoordinationScopes: ['all'], metaCoordinationScopesBy: ['A'] } },
        { component: 'scatterplot', x: 6, y: 8, w: 3, h: 4, coordinationScopes: { dataset: 'A', embeddingType: 'A', ...shared, ...factorScopes } },
        { component: 'description', x: 9, y: 8, w: 3, h: 4, coordinationScopes: { dataset: 'A' } },
      ]
    : [
        { component: 'spatialBeta', x: 0, y: 0, w: 7, h: 8, coordinationScopes: mapScopes('factors') },
        { component: 'featureList', x: 7, y: 0, w: 2, h: 4, coordinationScopes: { dataset: 'A', ...shared, ...factorScopes } },
        { component: 'obsSets', x: 9, y: 0, w: 3, h: 4, coordinationScopes: { dataset: 'A', ...shared } },
        { component: 'layerControllerBeta', x: 7, y: 4, w: 5, h: 4, coordinationScopes: { dataset: 'A', metaCoordinationScopes: ['factors'], metaCoordinationScopesBy: ['A'] } },
        { component: 'scatterplot', x: 0, y: 8, w: 5, h: 4, coordinationScopes: { dataset: 'A', embeddingType: 'A', ...shared, ...factorScopes } },
        { component: 'description', x: 5, y: 8, w: 7, h: 4, coordinationScopes: { dataset: 'A' } },
      ];
  return {
    version: '1.0.16',
    name: c.name,
    description: c.description ?? '',
    datasets: [{ uid: 'A', name: c.name, files }],
    coordinationSpace,
    layout,
    initStrategy: 'auto',
  };
}

/** Colours for cluster categories as anndata stores them in `uns['<key>_colors']`. */
export function clusterColors(nCategories: number): string[] {
  return Array.from({ length: nCategories }, (_, i) => categoryColor(i));
}

/** Dense X is written when it stays below this many bytes (Vitessce fetches dense columns fastest). */
const DENSE_LIMIT = 1 << 30;

/**
 * Radius for drawing observations as spots in Vitessce, in coordinate units: half the median
 * distance to the nearest other observation, so neighbouring spots just touch (Xenium mouse
 * brain centroids: 6.5 µm). Falls back to 10 (Vitessce's own default radius) when there are
 * fewer than two distinct positions.
 */
export function spotRadius(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n < 2) return 10;
  const pts = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) (pts[2 * i] = x[i]), (pts[2 * i + 1] = y[i]);
  const d = knnQuery(pts, 2, 1).distances.filter((v) => v > 0).sort();
  if (d.length === 0) return 10;
  return d[d.length >> 1] / 2;
}

/**
 * The two stores and the config for a loaded result.
 * @throws StnmfError when the result has no coordinates.
 */
export function vitessceExport(r: ResultDataset, baseUrl: string): { main: ZarrStore; factors: ZarrStore; config: Record<string, unknown> } {
  // Vitessce's spatial view places observations by obsm/spatial; without it there is nothing to place.
  const { x, y } = requireCoordinates(r, 'export-vitessce');
  const spatial = new Float64Array(2 * r.n);
  for (let i = 0; i < r.n; i++) {
    spatial[2 * i] = x[i];
    spatial[2 * i + 1] = y[i];
  }
  // Several samples: serial sections share one frame, so each is placed in its own tile (as
  // `stnmf view` shows them); the true coordinates stay in result.h5ad.
  if (r.samples) {
    const tiled = new Float32Array(2 * r.n);
    if (tileSamples(x, y, r.samples.codes, r.samples.ids, tiled)) spatial.set(tiled);
  }
  const obs = new Map<string, Column>();
  const unsStrings: Record<string, string[]> = {};
  for (const c of r.clusters) {
    obs.set(c.name, { kind: 'category', codes: c.codes, categories: c.categories });
    unsStrings[`${c.name}_colors`] = clusterColors(c.categories.length);
  }
  // The same colours go into the config: Vitessce does not read uns colours itself.
  const clusterColumns = r.clusters.map((c) => ({ name: c.name, categories: c.categories, colors: unsStrings[`${c.name}_colors`], hasMissing: c.codes.some((v) => v < 0) }));
  const factorVar = r.factorNames.map((_, f) => `Factor_${f + 1}`);
  let X: Parameters<typeof annDataZarr>[0]['X'];
  let varNames = r.featureNames;
  const e = r.expression;
  if (e) {
    varNames = e.names;
    const p = e.names.length;
    if (r.n * p * 4 <= DENSE_LIMIT) {
      const d = new Float32Array(r.n * p);
      for (let j = 0; j < p; j++) for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) d[e.indices[q] * p + j] = e.data[q];
      X = { dense: { rows: r.n, cols: p, data: d } };
    } else {
      // CSC → CSR.
      const counts = new Int32Array(r.n + 1);
      for (const i of e.indices) counts[i + 1]++;
      for (let i = 0; i < r.n; i++) counts[i + 1] += counts[i];
      const next = Int32Array.from(counts.subarray(0, r.n));
      const indices = new Int32Array(e.indices.length);
      const data = new Float32Array(e.indices.length);
      for (let j = 0; j < p; j++) {
        for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) {
          const o = next[e.indices[q]]++;
          indices[o] = j;
          data[o] = e.data[q];
        }
      }
      X = { csr: { rows: r.n, cols: p, indptr: counts, indices, data } };
    }
  }
  const tops = topFeatures(r, 10);
  const main = annDataZarr({
    obsNames: r.obsNames,
    varNames,
    X,
    obs,
    obsm: { spatial: { rows: r.n, cols: 2, data: spatial }, X_nmf: { rows: r.n, cols: r.k, data: r.W } },
    unsStrings,
    unsAttrs: { nmf_top_features: Object.fromEntries(tops.map((t, f) => [factorVar[f], t.map((g) => g.name)])) },
  });
  const factors = annDataZarr({
    obsNames: r.obsNames,
    varNames: factorVar,
    X: { dense: { rows: r.n, cols: r.k, data: r.W } },
    obs,
    obsm: { spatial: { rows: r.n, cols: 2, data: spatial } },
  });
  const description = [`NMF result ${r.name}: ${r.n} observations, ${r.k} factors.`, 'Top features per factor:', ...tops.map((t, f) => `${factorVar[f]}: ${t.map((g) => g.name).join(', ')}`)].join('\n');
  const config = vitessceConfig({
    name: r.name,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    mainStore: 'result.zarr',
    factorStore: 'factors.zarr',
    hasGenes: Boolean(e),
    clusterColumns,
    description,
    firstFactor: factorVar[0],
    // Start the gene map on Factor_1's top gene, so both maps show a pattern from the start.
    firstGene: e ? (tops[0]?.map((g) => g.name).find((g) => e.names.includes(g)) ?? e.names[0]) : undefined,
    spotRadius: spotRadius(x, y),
  });
  return { main, factors, config };
}
