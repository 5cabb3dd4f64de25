/** metrics: spatial autocorrelation, clustering and domain metrics, divergences, neighbourhood statistics, marker scores and gene-set enrichment (layer 1). */
export {
  moransI,
  moransISteps,
  gearysC,
  weightSums,
  weightSumsSteps,
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
  silhouetteSteps,
  silhouetteSubsample,
  daviesBouldin,
  adjustedRandIndex,
  normalizedMutualInfo,
  chaos,
  chaosSteps,
  pas,
  pasSteps,
  type Labels,
  type EncodedLabels,
  type SilhouetteOptions,
  type NmiAverage,
  type ChaosOptions,
} from './clustering.js';
export { jensenShannon, holdoutR2, type HoldoutR2 } from './divergence.js';
export {
  neighborhoodEnrichment,
  neighborhoodEnrichmentEncoded,
  neighborhoodEnrichmentEncodedAsync,
  shuffleInPlace,
  coOccurrence,
  coOccurrenceEncoded,
  coOccurrenceEncodedAsync,
  type AdjacencyStructure,
  type NeighborhoodEnrichment,
  type NeighborhoodEnrichmentOptions,
  type CoOccurrence,
  type CoOccurrenceOptions,
} from './neighborhood.js';
export { clusterSizes, wilcoxonScores, wilcoxonScoresSteps, clusterMarkers, clusterMarkersSteps, markerScores, markerScoresSteps, type MarkerOptions, type ClusterMarkers, type MarkerScores } from './markers.js';
export { parseGmt, overRepresentation, enrichmentScore, hypergeometricSf, benjaminiHochberg, type GeneSet, type EnrichmentTerm } from './enrichment.js';
export { computeMetrics, type MetricsInput, type MetricsOptions, type MetricsSummary } from './summary.js';
export { paretoOptimal } from './pareto.js';
export { rankGenesGroups, rankGenesGroupsSteps, topMarkers, markersCsv, log1pMedianNormalize, type RankGenesOptions, type RankGenesResult } from './rank-genes.js';
