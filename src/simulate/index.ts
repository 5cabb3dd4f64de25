/** simulate: generators with known truth (layer 2; runs in browsers). */
export { simulateSpatialCounts } from './spatial-counts.js';
export type { SpatialCountsOptions, SimulatedSlide } from './spatial-counts.js';
export { simulateSiid, pseudoVisium, checkerboardTypes, hexLattice, sumCellsIntoSpots } from './siid.js';
export type { SiidSimOptions, SiidSimulation, PseudoVisiumOptions, PseudoVisium } from './siid.js';
export { simulateContrastive } from './contrastive.js';
export type { ContrastiveSimOptions, ContrastiveSim } from './contrastive.js';
export { simulateMultiOmics, type MultiOmicsSimOptions, type MultiOmicsSim } from './multiomics.js';
export { simulateCnmf, matchPrograms, type CnmfSimOptions, type CnmfSimulation } from './cnmf.js';
