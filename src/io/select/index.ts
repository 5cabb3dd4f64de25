/**
 * Selection and QC of the input contract (issue 13): `--where`, feature lists, cell and gene
 * QC, Seurat v3 HVGs, normalisation, metadata joins, and `applySelection` that runs them in the
 * order documented on `SelectionOptions` (src/io/input-options.ts).
 */
export { parseWhere, evaluateWhere, whereColumns, listColumns, type WhereNode, type Literal } from './where.js';
export { parseNameList, resolveFeatures, complement } from './features.js';
export { cellQc, cellsPerFeature, controlFeaturesInX, controlTotalColumns, qcSummary, minMedianMax, CONTROL_NAME, type CellQc, type QcSummary, type ObsColumnInfo } from './qc.js';
export { highlyVariableSeuratV3, type HvgResult } from './hvg.js';
export { loessFit, type LoessOptions } from './loess.js';
export { normalizeCounts, type Normalized } from './normalize.js';
export { joinObsMeta, ID_HEADERS, type ObsMetaJoin } from './obs-meta.js';
export { subsetObs, subsetVars, maskToIds } from './subset.js';
export { applySelection, splitByWhere, formatSteps, QC_COLUMNS, type ApplyOptions, type Selection } from './apply.js';
export { suggestName, editDistance } from './suggest.js';
