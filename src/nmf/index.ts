/** nmf: the NMF engine — losses, solvers, initialisations, restarts, consensus, rank selection (layer 1). */
export { nmf, initialize, validateMatrix } from './nmf.js';
export { randomStart } from './init.js';
export type { InitializeOptions } from './nmf.js';
export type { NmfOptions, NmfResult, NmfSolver, NmfProgress, NmfHistoryPoint } from './nmf.js';
export type { NmfLoss } from './loss.js';
export { EPSILON } from './loss.js';
export type { NmfInit } from './init.js';
export { truncatedSvd, symmetricEigen, orthonormalize } from './svd.js';
export { consensusNmf, clusterPrograms } from './consensus.js';
export type { ConsensusOptions, ConsensusResult } from './consensus.js';
export { rankSweep } from './rank.js';
export type { RankSweepOptions, RankSweepRow } from './rank.js';
export { kmeans } from './kmeans.js';
export { topFeatureIndices } from './top-features.js';
export type { KMeansOptions, KMeansResult } from './kmeans.js';
export { attachConsensus, attachNmf, nmfSummary, nmfHistoryCsv } from './attach.js';
export { streamingJointNmf, type StreamBlock, type StreamingNmfOptions, type StreamingNmfResult } from './streaming.js';
export { CONSENSUS_OPTIONS, NMF_OPTIONS } from './options.js';
