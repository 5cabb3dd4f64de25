/** spatial: k-d trees, neighbourhood graphs, weights, UMAP connectivities, cross-dataset mapping (layer 1). */
export { KDTree, knnQuery, knnQuerySteps, checkPoints, type PointArray, type KnnAnswer } from './kdtree.js';
export { BoxKDTree } from './knn-feature.js';
export {
  radiusGraph,
  radiusGraphSteps,
  knnGraph,
  knnGraphSteps,
  delaunayGraph,
  setWeights,
  rowStandardize,
  graphToCsr,
  graphNnz,
  sortRows,
  sortRowsSteps,
  type NeighborGraph,
  type WeightScheme,
  type WeightOptions,
  type RadiusGraphOptions,
  type KnnGraphOptions,
  type DelaunayGraphOptions,
} from './graphs.js';
export { umapConnectivities, umapConnectivitiesSteps, smoothKnnDist, fuzzyUnion, type UmapOptions } from './umap.js';
export { mapToNearest, mappingByTarget, type NearestMapping } from './mapping.js';
export { perGroupGraphs, perGroupGraphsSteps, joinBlocks, groupRows, takePoints, subgraph, crossGroupEdges, type Groups } from './blocks.js';
