/**
 * bcNMF — background-contrastive NMF (methods-spec M4): public face of
 * `src/methods/contrastive`. Observations x features at the API (the original code's
 * features x samples layout is converted at the boundary; see `model.ts`).
 */
export type {
  ContrastiveInput,
  ContrastiveLoss,
  ContrastiveNmfOptions,
  ContrastiveNmfResult,
  ContrastiveHistoryEntry,
  ContrastiveProgress,
} from './model.js';
export { contrastiveNmf, alignFeatures, enrichmentScores, topFeatures, targetNmfBaseline } from './contrastive.js';
export type { AlignedInputs, TargetNmfBaselineOptions } from './contrastive.js';
export { EPS_FROBENIUS, EPS_POISSON, FACTOR_FLOOR } from './solver.js';
export { contrastiveToDataset } from './dataset.js';
export { perSampleEnrichment, type SampleEnrichment } from './per-sample.js';
export { CONTRASTIVE_OPTIONS } from './options.js';
