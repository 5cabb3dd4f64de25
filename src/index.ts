/**
 * stnmf: non-negative matrix factorization for spatial omics. This entry is the core that runs
 * in browsers and Node alike: errors, the Dataset model, the result keys, linalg and the NMF
 * engine. The other layers are subpaths: `stnmf/spatial`, `stnmf/graph`, `stnmf/metrics`,
 * `stnmf/methods` (and `stnmf/methods/<method>`), `stnmf/simulate`, `stnmf/plot`, `stnmf/io`.
 */
export * from './errors.js';
export * from './dataset.js';
export * from './keys.js';
export * from './samples.js';
export { asResult, requireCoordinates, FACTOR_KEYS, LOADING_KEYS, type ResultDataset, type ResultParts, type ResultFolder, type SpotLayout, type CategoryColumn, type ExpressionByFeature, type ImputedLayer } from './result-dataset.js';
export * from './linalg/index.js';
export * from './nmf/index.js';
export { VERSION } from './version.js';
export * from './warnings.js';
