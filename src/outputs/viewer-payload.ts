/**
 * What the viewer page is given about a result (`stnmf view` serves it as /api/...): the
 * metadata (names, units, quantities, clusters with their colours, top features, files), the
 * coordinates as float32 pairs relative to the lower-left corner (several samples side by side),
 * W and H, and per-gene values
 * on request. Built here, away from the server, so a page can be fed the same way from memory.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import { requireCoordinates, type LoadedResult } from '../loaded-result.js';
import { categoryColor } from '../plot/color.js';
import { topFeatures } from '../plot/top-features.js';
import { geneValues, measuredQuantity, usageQuantity } from './figures.js';

/** The viewer's data of one result. */
export interface ViewerPayload {
  /** api/meta.json. */
  meta: Record<string, unknown>;
  /** x, y pairs minus `meta.offset` (float32 keeps ~7 digits: relative to the corner keeps sub-µm precision on whole slides). */
  coords: Float32Array;
  W: Float32Array;
  H: Float32Array;
  /** Measured values of expression gene `j` (an index into `meta.expressionGenes`) in every observation. */
  measured(j: number): Float32Array;
  /** The imputed layer's gene `j` (an index into `meta.imputedGenes`) in every observation. */
  imputed(j: number): Float32Array;
}

/**
 * The viewer's data of `r`.
 * @throws StnmfError when the result has no coordinates (see `requireCoordinates`).
 */
export function viewerPayload(r: LoadedResult): ViewerPayload {
  const { x, y } = requireCoordinates(r, 'the viewer');
  let x0 = Infinity;
  let y0 = Infinity;
  for (let i = 0; i < r.n; i++) {
    if (x[i] < x0) x0 = x[i];
    if (y[i] < y0) y0 = y[i];
  }
  const coords = new Float32Array(2 * r.n);
  for (let i = 0; i < r.n; i++) {
    coords[2 * i] = x[i] - x0;
    coords[2 * i + 1] = y[i] - y0;
  }
  // Several samples: serial sections share one frame, so each is shown in its own tile.
  const tiles = r.samples ? tileSamples(x, y, r.samples.codes, r.samples.ids, coords) : null;
  const meta = {
    name: r.name,
    n: r.n,
    k: r.k,
    p: r.H ? r.H.length / r.k : 0,
    unit: r.unit,
    micronsPerUnit: r.micronsPerUnit ?? null,
    offset: [x0, y0],
    // Per sample its tile's lower-left corner in the drawn coordinates (null: one sample, drawn as read).
    sampleTiles: tiles,
    obsNames: r.obsNames,
    factorNames: r.factorNames,
    featureNames: r.featureNames,
    expressionGenes: r.expression?.names ?? [],
    // The quantities the legend names, decided as the figures decide them.
    expressionQuantity: measuredQuantity(r),
    usageQuantity: usageQuantity(r).quantity,
    // Genes of the imputed layer (SIID); the viewer's "imputed gene" mode uses these instead of W·H.
    imputedGenes: r.imputed?.names ?? [],
    imputedMeasured: r.imputed?.measured ? Array.from(r.imputed.measured, Boolean) : null,
    clusters: r.clusters.map((c) => ({ name: c.name, categories: c.categories, colors: c.categories.map((_, i) => categoryColor(i)) })),
    topFeatures: topFeatures(r, 12),
    summary: r.summary ?? null,
    files: [...r.files.keys()].sort(),
    sources: r.sources,
  };
  return {
    meta,
    coords,
    W: r.W,
    H: r.H ?? new Float32Array(0),
    measured: (j) => geneValues(r, (r.expression?.names ?? [])[j]).values,
    imputed: (j) => geneValues(r, (r.imputed?.names ?? [])[j], true).values,
  };
}

/** Where one sample is drawn: its tile (drawn coordinates) and its true lower-left corner. */
export interface SampleTile {
  sample: string;
  /** Lower-left corner and size of the tile, in drawn coordinates. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The sample's own lower-left corner in its coordinates: true x = drawn x − tile x + x0. */
  x0: number;
  y0: number;
}

/**
 * Lays the samples out side by side in rows (about √S per row), each moved so that its own
 * lower-left corner sits at its tile's corner with a gap of a tenth of the widest section:
 * lengths within a sample and the scale bar stay true; positions across samples mean nothing.
 * Writes the moved positions into `coords` and returns each sample's tile.
 */
function tileSamples(x: ArrayLike<number>, y: ArrayLike<number>, codes: Int32Array, ids: string[], coords: Float32Array): SampleTile[] | null {
  const S = ids.length;
  const lo = Array.from({ length: S }, () => [Infinity, Infinity]);
  const hi = Array.from({ length: S }, () => [-Infinity, -Infinity]);
  for (let i = 0; i < codes.length; i++) {
    const g = codes[i];
    lo[g][0] = Math.min(lo[g][0], x[i]), lo[g][1] = Math.min(lo[g][1], y[i]);
    hi[g][0] = Math.max(hi[g][0], x[i]), hi[g][1] = Math.max(hi[g][1], y[i]);
  }
  const present = ids.map((_, g) => g).filter((g) => Number.isFinite(lo[g][0]));
  if (present.length < 2) return null;
  const w = Math.max(...present.map((g) => hi[g][0] - lo[g][0]));
  const h = Math.max(...present.map((g) => hi[g][1] - lo[g][1]));
  const gap = 0.1 * Math.max(w, h, 1e-9);
  const perRow = Math.ceil(Math.sqrt(present.length));
  const corner = new Map<number, [number, number]>();
  present.forEach((g, t) => corner.set(g, [(t % perRow) * (w + gap), Math.floor(t / perRow) * (h + gap)]));
  for (let i = 0; i < codes.length; i++) {
    const [cx, cy] = corner.get(codes[i]) as [number, number];
    coords[2 * i] = x[i] - lo[codes[i]][0] + cx;
    coords[2 * i + 1] = y[i] - lo[codes[i]][1] + cy;
  }
  return present.map((g) => ({ sample: ids[g], x: corner.get(g)![0], y: corner.get(g)![1], width: hi[g][0] - lo[g][0], height: hi[g][1] - lo[g][1], x0: lo[g][0], y0: lo[g][1] }));
}
