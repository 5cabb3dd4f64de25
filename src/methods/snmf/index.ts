/**
 * SNMF and hSNMF (Mahmud et al., ISBI 2026; methods-spec M1): spatially smoothed NMF and
 * Leiden clustering on a hybrid spatial/feature graph, with the reference's evaluation.
 * Layer 2 (methods): runs in browsers.
 */
export { snmf, snmfDefaults, coordinatesInMicrons, buildSpatialGraphs, buildSpatialGraphsSteps, type SpatialGraphOptions, snmfInput, type SnmfOptions, type SnmfResult, type SnmfProgress, type SpatialGraphs } from './snmf.js';
export { hsnmf, hsnmfDefaults, featureGraph, featureGraphSteps, clusteringAdjacency, clusteringAdjacencySteps, type HsnmfOptions, type HsnmfResult, type HsnmfMode } from './hsnmf.js';
export { mergeGraphs, mergeGraphsSteps, rowStochastic, rowStochasticSteps, maxScaled, addScaled, mixAdjacency, mixAdjacencySteps, symmetrizeSum, symmetrizeSumSteps, undirectedEdgeCount, type SparseSquare, type CombineRule } from './adjacency.js';
export { radiusGraphs, radiusGraphsSteps } from './radius.js';
export { diffusionSmooth, diffusionSmoothSteps, type SmoothOptions, type FactorMatrix } from './smooth.js';
export { logNormalize } from './normalize.js';
export { evaluateHsnmf, evaluateHsnmfAsync, hsnmfSummary, adjacencyScore, reconstructionScores, metricsCsv, METRIC_COLUMNS, type EvaluateOptions, type HsnmfMetrics, type HsnmfEvaluation } from './evaluate.js';
export { hsnmfSweep, paretoFront, sweepCsv, type SweepOptions, type SweepResult } from './sweep.js';
export { attachHsnmf } from './dataset.js';
export { perSampleMetrics, pooledMean, type SampleMetrics } from './per-sample.js';
export { HSNMF_OPTIONS, HSNMF_EVALUATE_OPTIONS } from './options.js';
