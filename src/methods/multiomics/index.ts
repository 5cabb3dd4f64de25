/**
 * methods/multiomics: joint NMF of spatial transcriptomics and proteomics with marker-based
 * factor annotation, niches and co-localization (methods-spec M3, "SpatialMultiOmics",
 * corrected). Layer 2: browser-safe.
 */
export { runSpatialMultiOmics, assignmentAccuracy, type MultiOmicsOptions, type MultiOmicsResult } from './pipeline.js';
export { alignModalities, type ModalityTable, type AlignOptions, type Alignment, type MatchBy } from './align.js';
export {
  log1pCsr,
  minMaxCsr,
  normalizeCsr,
  highlyVariableGenes,
  frobeniusNorm,
  scaleCsr,
  hstackCsr,
  type Normalization,
  type HvgResult,
} from './preprocess.js';
export {
  parseMarkerTable,
  parseCsvText,
  resolveMarkers,
  type MarkerTable,
  type MarkerModality,
  type ResolvedMarkers,
} from './markers.js';
export {
  annotateOverlap,
  annotateCorrelation,
  assignCells,
  topColumns,
  markerMean,
  pearson,
  UNKNOWN,
  type FactorAnnotation,
  type AnnotationResult,
  type OverlapOptions,
  type CorrelationOptions,
} from './annotate.js';
export {
  encodeLabels,
  typeCounts,
  nicheComposition,
  edgeCountsByType,
  colocalizationScores,
  neighborhoodEnrichment,
  coOccurrence,
  radiusNeighbors,
  requireNeighbors,
  isolatedFraction,
  type CodedLabels,
  type NicheComposition,
  type ColocalizationScores,
  neighborhoodEnrichmentAsync,
  coOccurrenceAsync,
  type NhoodEnrichment,
  type NhoodOptions,
  type CoOccurrence,
  type CoOccurrenceOptions,
  type NeighborLists,
} from './colocalization.js';
export { multiomicsSummary, multiomicsToDataset, scoreLabelsAgainstTruth, OBS_PREFIX, type CoordinateFrame, type InputObs } from './dataset.js';
export { toModality, multiOmics, type MultiOmicsDatasetOptions } from './modality.js';
