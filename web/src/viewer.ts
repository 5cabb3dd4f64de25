/**
 * The viewer's data and state, shared by its parts: what `stnmf view` serves (`/api/meta.json`
 * and the binary arrays, src/outputs/viewer-payload.ts), and what the map currently shows
 * (colouring, selection). Each part of the page — frame (web/src/frame.ts), colouring
 * (coloring.ts), controls and factor panel (controls.ts), selection (selection.ts), pointer
 * (pointer.ts) — reads and changes this one object, so no part keeps a copy.
 */
import { ScatterGL } from './scatter.js';
import { GridIndex } from './spatial-index.js';

/** `/api/meta.json`: the result's description, as src/outputs/viewer-payload.ts writes it. */
export interface Meta {
  name: string;
  n: number;
  k: number;
  p: number;
  unit: string;
  /** µm per coordinate unit when known (pixel coordinates with a pixel size), else null. */
  micronsPerUnit: number | null;
  offset: [number, number];
  /** Several samples: each drawn in its own tile (src/outputs/viewer-payload.ts); null for one. */
  sampleTiles?: { sample: string; x: number; y: number; width: number; height: number; x0: number; y0: number }[] | null;
  obsNames: string[];
  factorNames: string[];
  featureNames: string[];
  expressionGenes: string[];
  /** What measured values are (`counts`, `intensity`, `value`), for the legend; older servers omit it. */
  expressionQuantity?: string;
  /** What the factor usages are (e.g. `usage (X_nmf)`, `smoothed usage (X_snmf)`). */
  usageQuantity?: string;
  /** Genes of the result's imputed layer (empty: imputed genes are W·H over featureNames). */
  imputedGenes: string[];
  /** Per imputed gene: also measured (true) or imputed only (false); null when unknown. */
  imputedMeasured: boolean[] | null;
  clusters: { name: string; categories: string[]; colors: string[] }[];
  topFeatures: { name: string; weight: number }[][];
  summary: Record<string, unknown> | null;
  files: string[];
}

/** What the map is coloured by. */
export type Mode = 'factor' | 'gene' | 'imputed' | 'cluster';

/** The page's data and what it shows now. */
export interface Viewer {
  meta: Meta;
  /** n x 2 positions (x, y) as served (tiles moved apart for several samples). */
  coords: Float32Array;
  /** n x k usages, row-major. */
  W: Float32Array;
  /** k x p loadings, row-major. */
  H: Float32Array;
  n: number;
  k: number;
  p: number;
  /** Extent of the positions. */
  bounds: { x0: number; y0: number; x1: number; y1: number };
  /** Half the typical spacing of the cells, in data units (dot size, hover reach). */
  cellRadius: number;
  canvas: HTMLCanvasElement;
  gl: ScatterGL;
  index: GridIndex;
  /** Colour of each cell (RGBA), as handed to the renderer. */
  rgba: Uint8Array;
  /** 1 per selected cell. */
  selected: Uint8Array;
  selection: Int32Array;
  mode: Mode;
  /** Factor, gene or cluster column shown. */
  key: number;
  /** Values shown (factor, gene), or undefined for a cluster column. */
  values?: Float32Array;
  /** Category codes shown (cluster column), or undefined. */
  codes?: Int32Array;
  range: [number, number];
  /** Codes of each cluster column, fetched once. */
  clusterCodes: Map<number, Int32Array>;
  /** Imputed genes come from the result's layer (SIID) when true, else from W·H. */
  hasLayer: boolean;
  imputedNames: string[];
  /** Draws on the next animation frame (once however often asked). */
  requestDraw(): void;
}

/** An element of the page by id. */
export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A binary endpoint of the server as bytes. */
export async function fetchBin(path: string): Promise<ArrayBuffer> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/** A value for the legend and the tooltip: 4 significant digits, exponent form when very large or small. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** Fetches the result from the server and sets up the renderer and the spatial index over it. */
export async function loadViewer(): Promise<Viewer> {
  const meta = (await (await fetch('api/meta.json')).json()) as Meta;
  const coords = new Float32Array(await fetchBin('api/coords.bin'));
  const W = new Float32Array(await fetchBin('api/W.bin'));
  const H = new Float32Array(await fetchBin('api/H.bin'));
  const { n, k, p } = meta;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, coords[2 * i]);
    x1 = Math.max(x1, coords[2 * i]);
    y0 = Math.min(y0, coords[2 * i + 1]);
    y1 = Math.max(y1, coords[2 * i + 1]);
  }
  const cellRadius = 0.5 * Math.sqrt(((x1 - x0) * (y1 - y0)) / Math.max(1, n));
  const canvas = $<HTMLCanvasElement>('gl');
  const hasLayer = meta.imputedGenes.length > 0;
  return {
    meta,
    coords,
    W,
    H,
    n,
    k,
    p,
    bounds: { x0, y0, x1, y1 },
    cellRadius,
    canvas,
    gl: new ScatterGL(canvas, coords, cellRadius),
    index: new GridIndex(coords),
    rgba: new Uint8Array(4 * n),
    selected: new Uint8Array(n),
    selection: new Int32Array(0),
    mode: 'factor',
    key: 0,
    range: [0, 1],
    clusterCodes: new Map(),
    hasLayer,
    imputedNames: hasLayer ? meta.imputedGenes : meta.featureNames,
    requestDraw: () => undefined,
  };
}
