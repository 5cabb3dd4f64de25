/** metrics: spatial autocorrelation, clustering and domain metrics, divergences, neighbourhood statistics (layer 1). */
export {
  moransI,
  gearysC,
  weightSums,
  erfc,
  twoSidedNormalP,
  type WeightMatrix,
  type FeatureMatrix,
  type MoranResult,
  type GearyResult,
  type WeightSums,
} from './autocorrelation.js';
export {
  encodeLabels,
  silhouette,
  silhouetteSubsample,
  daviesBouldin,
  adjustedRandIndex,
  normalizedMutualInfo,
  chaos,
  pas,
  type Labels,
  type EncodedLabels,
  type SilhouetteOptions,
  type NmiAverage,
  type ChaosOptions,
} from './clustering.js';
export { jensenShannon, holdoutR2, type HoldoutR2 } from './divergence.js';
export { neighborhoodEnrichment, coOccurrence, type NeighborhoodEnrichment, type CoOccurrence } from './neighborhood.js';
export { computeMetrics, type MetricsInput, type MetricsOptions, type MetricsSummary } from './summary.js';
