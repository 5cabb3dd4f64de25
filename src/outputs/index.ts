/**
 * outputs: the files of a run, built without touching a disk (layer 4, runs in browsers) —
 * every method's run files sent to a `RunFileSink` (the CLI's sink writes them, the app keeps
 * them for download), the standard figures of a result, per-sample files of a joint fit and the
 * viewer's payload. `stnmf` writes exactly these.
 */
export type { RunFileSink } from './hsnmf.js';
export { hsnmfRunFiles } from './hsnmf.js';
export { contrastiveFeatures, contrastiveRunFiles, contrastiveSummary } from './contrastive.js';
export { siidRunFiles, spotCoordinatesCsv } from './siid.js';
export { consensusRankFiles, kSelectionFiles, kSelectionRow, type KSelectionRow } from './consensus.js';
export { standardFigures, spatialSkipNote, tableFigures, geneValues, usageQuantity, measuredQuantity, FACTOR_FILES, type NamedFigure, type PlotOptions, type GeneSource } from './figures.js';
export { inmfRunFiles, scaledJointRunFiles } from './sample-fits.js';
export { perSampleFiles, sampleBlockFiles, sampleMatrixFiles, sampleFilePart } from './samples.js';
export { multiomicsSimFiles } from './simulate-multiomics.js';
export { viewerPayload, type ViewerPayload } from './viewer-payload.js';
