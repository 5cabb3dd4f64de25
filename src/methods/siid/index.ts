/** SIID: joint imputation and deconvolution of single-cell and spot slides (methods-spec M2). */
export {
  siid,
  siidFit,
  imputeGenes,
  spotProportions,
  cellClusters,
  resolveSiidOptions,
  finalObjective,
  omegaAt,
  type SiidOptions,
  type SiidFit,
  type SiidResult,
  type SiidProgress,
  type RestartRecord,
} from './siid.js';
export { prepareSiid, mapByCoordinates, restrictPanel, type SiidInputs, type PrepareOptions, type PreparedSiid } from './prepare.js';
export {
  problemStats,
  initParams,
  makeWork,
  releaseWork,
  eStep,
  objectiveParts,
  entropyOf,
  cloneParams,
  type SiidProblem,
  type SiidParams,
  type ProblemStats,
  type ObjectiveParts,
  type SiidInit,
} from './model.js';
export { ecmSweep, makeEcmScratch, solveSimplexRow } from './ecm.js';
export { objectiveAndGradient, thetaLayout, thetaFromParams, paramsFromTheta, type ThetaLayout, type AdamObjectiveSettings } from './adam.js';
export {
  siidHoldout,
  baselineHoldout,
  type BaselineOptions,
  type BaselineHoldout,
  geneFolds,
  r2PerColumn,
  summarizeR2,
  type HoldoutOptions,
  type HoldoutResult,
  type R2Summary,
} from './holdout.js';
export { scoreAgainstTruth, linearAssignment, type TruthScores } from './evaluate.js';
export { runSiid, siidToDataset, trueProportions, type SiidRun, type SiidReporter } from './pipeline.js';
export { SIID_OPTIONS } from './options.js';
export { siidOptionsFromFlags } from './flags.js';
