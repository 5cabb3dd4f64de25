/**
 * stnmf: non-negative matrix factorization for spatial omics. This entry exports the parts
 * that run in browsers and Node alike; file readers and writers live in `stnmf/io`.
 */
export * from './errors.js';
export * from './dataset.js';
export * from './linalg/index.js';
export * from './nmf/index.js';
export * from './simulate/index.js';
export { VERSION } from './version.js';
