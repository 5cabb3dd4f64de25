/**
 * The options of `hsnmf` (and the `snmf` it runs) and of its evaluation, declared once with
 * their constraints, defaults and the defaults' sources (methods-spec M1.4: the reference
 * pipeline's values); `stnmf hsnmf` derives its flags from these tables and the app its form.
 */
import type { OptionTable } from '../../options.js';

const REF = 'hSNMF reference';

export const HSNMF_OPTIONS = {
  rank: { type: 'int', flag: 'rank', short: 'k', min: 1, default: 10, source: REF, help: 'NMF rank k' },
  alpha: { type: 'number', flag: 'alpha', min: 0, max: 1, default: 0.5, source: REF, help: 'spatial weight α of the hybrid mix' },
  resolution: { type: 'number', flag: 'resolution', exclusiveMin: 0, default: 0.4, source: REF, help: 'Leiden resolution (spatial mode uses 0.8 x this, as the reference)' },
  mode: { type: 'string', flag: 'mode', choices: ['hybrid', 'spatial', 'feature'], default: 'hybrid', source: REF, help: 'Leiden graph: hybrid (hSNMF), spatial radius graph, or feature kNN graph' },
  contactRadius: { type: 'number', flag: 'contact-radius', exclusiveMin: 0, default: 20, source: REF, help: 'contact graph radius in µm' },
  contactWeight: { type: 'number', flag: 'contact-weight', min: 0, default: 2.5, source: REF, help: 'contact edge weight' },
  contextRadius: { type: 'number', flag: 'context-radius', exclusiveMin: 0, default: 80, source: REF, help: 'context (radius) graph radius in µm' },
  contextWeight: { type: 'number', flag: 'context-weight', min: 0, default: 1, source: REF, help: 'context edge weight' },
  beta: { type: 'number', flag: 'beta', min: 0, max: 1, default: 0.6, source: REF, help: 'diffusion step β' },
  steps: { type: 'int', flag: 'steps', min: 0, default: 2, source: REF, help: 'diffusion steps' },
  nNeighbors: { type: 'int', flag: 'n-neighbors', min: 2, default: 15, source: 'scanpy n_neighbors', help: 'feature kNN size including the cell itself' },
  layer: { type: 'string', flag: 'layer', help: 'factorise this (already normalised) layer instead of log1p-normalised X' },
  normalize: { type: 'string', flag: 'normalize', choices: ['log1p-median', 'none'], default: 'log1p-median', source: REF, help: 'normalisation of X before NMF' },
  normalizePerSample: { type: 'boolean', flag: 'normalize-per-sample', help: 'with several samples (--samples, --sample-key): scale each cell to the median total of its own sample before log1p, as normalising each slide before joining them would (default: one median over all samples)' },
  'nmf.maxIter': { type: 'int', flag: 'max-iter', min: 1, default: 500, source: REF, help: 'NMF iterations' },
  'nmf.tol': { type: 'number', flag: 'tol', min: 0, default: 1e-4, source: 'scikit-learn', help: 'NMF tolerance' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'seed of NMF, Leiden and the silhouette subsample' },
} as const satisfies OptionTable;

/** Options of `evaluateHsnmf` the CLI sets (its seed is hSNMF's). */
export const HSNMF_EVALUATE_OPTIONS = {
  minClusterSize: { type: 'int', flag: 'min-cluster-size', min: 1, default: 100, source: REF, help: 'clusters with fewer cells get top-mean fallback markers' },
  subsample: { type: 'int', flag: 'subsample', min: 1, default: 10000, source: REF, help: 'cells in the stratified silhouette/DBI subsample' },
} as const satisfies OptionTable;
