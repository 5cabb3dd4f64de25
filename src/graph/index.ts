/** graph: sparse undirected graphs, quality functions and Leiden community detection (layer 1). */
export {
  graphFromEdges,
  graphFromAdjacency,
  asGraph,
  edgeWeight,
  strengths,
  qualityRB,
  modularity,
  communitiesConnected,
  type Graph,
  type GraphLike,
  type Symmetrize,
} from './graph.js';
export { leiden, leidenAsync, type LeidenOptions, type LeidenResult } from './leiden.js';
