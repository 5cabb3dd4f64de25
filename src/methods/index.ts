/**
 * `stnmf/methods`: the published methods (layer 2, browser-safe), each a pipeline call on
 * Datasets plus a way to store its result under the keys of src/keys.ts:
 * - hSNMF / SNMF: `hsnmf(ds, options)`, `attachHsnmf(ds, result)`;
 * - SIID: `siid({ cells, spots }, options)` or, with the gene holdout, `runSiid(...)`; `siidToDataset(run, cells)`;
 * - joint multi-omics NMF: `multiOmics(tx, prot, markers, options)`, `multiomicsToDataset(result)`;
 * - bcNMF: `contrastiveNmf(target, background, options)`, `contrastiveToDataset(...)`;
 * - Leiden on an embedding: `leidenClusters(ds, options)`, `attachLeiden(ds, result)`.
 * Each method is also its own subpath (`stnmf/methods/snmf`, `…/siid`, `…/multiomics`,
 * `…/contrastive`, `…/leiden`).
 */
export * from './snmf/index.js';
export * from './siid/index.js';
export * from './multiomics/index.js';
export * from './contrastive/index.js';
export * from './leiden/index.js';
