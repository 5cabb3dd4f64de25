/**
 * What the viewer page is given about a result (`stnmf view` serves it as /api/...): the
 * metadata (names, units, quantities, clusters with their colours, top features, files), the
 * coordinates as float32 pairs relative to the lower-left corner (several samples side by side),
 * W and H, and per-gene values
 * on request. Built here, away from the server, so a page can be fed the same way from memory.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import { requireCoordinates, type ResultDataset } from '../result-dataset.js';
import { categoryColor } from '../plot/color.js';
import { topFeatures } from '../plot/top-features.js';
import { tileSamples } from '../spatial/blocks.js';
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
export function viewerPayload(r: ResultDataset): ViewerPayload {
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
