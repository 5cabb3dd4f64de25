/**
 * What each metric stnmf reports means: its family, one-line definition, the direction that is
 * better, and the paper's figure beside it where one exists (methods-spec.md Part IV). The
 * metric summary figure and the report's tiles read it, so no raw key is shown unexplained.
 */

/** Which way a metric is better. */
export type Direction = 'up' | 'down' | 'none';

/** A metric's explanation. */
export interface MetricInfo {
  /** Display name, e.g. `CHAOS`, `Moran's I`. */
  label: string;
  family: 'spatial coherence' | 'separation' | 'marker coherence' | 'fit' | 'agreement' | 'run';
  direction: Direction;
  definition: string;
  /** The paper's value or figure, when the paper reports one (methods-spec.md Part IV). */
  paper?: string;
}

const M = (label: string, family: MetricInfo['family'], direction: Direction, definition: string, paper?: string): MetricInfo => ({ label, family, direction, definition, paper });

const CHAOS = M('CHAOS', 'spatial coherence', 'down', 'mean distance from each cell to its nearest cell of the same cluster (standardised coordinates); low = compact domains', 'hSNMF abstract: < 0.004 (IV.1); results CSV 0.00264 (IV.2)');
const PAS = M('PAS', 'spatial coherence', 'down', 'fraction of cells whose cluster differs from most of their 10 nearest neighbours; low = few isolated assignments');
const MORAN = M("Moran's I", 'spatial coherence', 'up', "Moran's I of smoothed factor 1 over the neighbour graph (−1 to 1); high = spatially autocorrelated", "hSNMF abstract: > 0.96 (IV.1); results CSV 0.965 (IV.2)");
const MORAN_RAW = M("Moran's I (unsmoothed)", 'spatial coherence', 'up', "Moran's I of unsmoothed factor 1: the smoothing's own contribution removed");
const ADJ = (what: string): MetricInfo => M(`adjacency (${what})`, 'spatial coherence', 'up', `fraction of ${what} edges joining cells of the same cluster`, 'results CSV 0.996 / 0.987 / 0.987 (IV.2)');
const SIL = M('silhouette', 'separation', 'up', 'mean silhouette of the clusters on the factor usages (−1 to 1, 10,000-cell subsample); high = separated', 'hSNMF abstract: > 0.12 (IV.1); results CSV 0.274 (IV.2)');
const DBI = M('Davies–Bouldin', 'separation', 'down', 'mean over clusters of the worst (spread_i + spread_j) / distance_ij; low = compact, separated', 'hSNMF abstract: < 1.8 (IV.1); results CSV 1.42 (IV.2)');
const CMC = M('CMC', 'marker coherence', 'up', "cluster marker coherence: mean over clusters of the fraction of a cluster's cells detecting its markers", 'results CSV 0.720 (IV.2)');
const WMF = M('weighted CMC', 'marker coherence', 'up', 'CMC weighted by cluster size', 'results CSV 0.721 (IV.2)');
const MER = M('MER', 'marker coherence', 'down', 'marker exclusion rate: fraction of cells whose marker-based label differs from their cluster', 'results CSV 0.445 (IV.2)');
const MZERO = M('marker-zero cells', 'marker coherence', 'down', 'number of cells (a count) detecting no marker of any cluster', 'results CSV 3 (IV.2)');
const SPEC = M('specificity', 'marker coherence', 'up', 'marker detection inside the cluster minus outside it', 'results CSV 0.389 (IV.2)');
const ENRICH = M('enrichment', 'marker coherence', 'up', 'median −log10 of the smallest adjusted pathway p-value per cluster (KEGG)', 'results CSV 1.97 (IV.2)');
const RECON = M('reconstruction MSE', 'fit', 'down', 'mean squared error of the normalised data against W·H', 'results CSV 1.67 (IV.2)');
const EVAR = M('explained variance', 'fit', 'up', '1 − reconstruction MSE / total variance', 'results CSV 0.167 (IV.2)');
const ARI = M('ARI', 'agreement', 'up', 'adjusted Rand index against the given labels (0 = chance, 1 = identical)');
const NMI = M('NMI', 'agreement', 'up', 'normalised mutual information against the given labels (0 to 1)');

/** Metric explanations by every key they appear under (metrics.csv columns and summary.json keys). */
export const METRICS: Record<string, MetricInfo> = {
  CHAOS, chaos: CHAOS,
  PAS, pas: PAS,
  Moran_I_Comp1: MORAN, moransI: MORAN, moranI: MORAN,
  Moran_I_Comp1_unsmoothed: MORAN_RAW, moransIRaw: MORAN_RAW,
  Adj_Score_Contact: ADJ('contact'), adjContact: ADJ('contact'),
  Adj_Score_Radius: ADJ('radius'), adjRadius: ADJ('radius'),
  Adj_Score_Hybrid: ADJ('hybrid'), adjHybrid: ADJ('hybrid'),
  Silhouette: SIL, silhouette: SIL,
  DBI_NMF: DBI, daviesBouldin: DBI, dbi: DBI,
  MarkerFraction: CMC, cmc: CMC,
  WeightedMF: WMF, weightedMF: WMF,
  MarkerExclusionRate: MER, mer: MER,
  MarkerZeroRate: MZERO, markerZero: MZERO,
  Specificity: SPEC, specificity: SPEC,
  Enrich: ENRICH, enrich: ENRICH,
  Reconstruction: RECON, reconstruction: RECON,
  Expl_Var: EVAR, explainedVariance: EVAR,
  ARI, ari: ARI,
  NMI, nmi: NMI,
  MoranChaos: M("Moran's I / (100·CHAOS)", 'spatial coherence', 'up', "the hSNMF sweep's compactness composite", 'derived 3.65 (IV.2); sweep 2.84–3.64 (IV.3)'),
  moranChaos: M("Moran's I / (100·CHAOS)", 'spatial coherence', 'up', "the hSNMF sweep's compactness composite", 'derived 3.65 (IV.2)'),
  Sil_DBI: M('silhouette / DBI', 'separation', 'up', "the hSNMF sweep's separability composite", 'derived 0.193 (IV.2); sweep −0.002–0.135 (IV.3)'),
  silDbi: M('silhouette / DBI', 'separation', 'up', "the hSNMF sweep's separability composite", 'derived 0.193 (IV.2)'),
  CMC_x_Enrich: M('CMC × enrichment', 'marker coherence', 'up', "the hSNMF sweep's marker composite", 'derived 1.42 (IV.2); sweep 1.26–1.85 (IV.3)'),
  cmcEnrich: M('CMC × enrichment', 'marker coherence', 'up', "the hSNMF sweep's marker composite", 'derived 1.42 (IV.2)'),
  leidenQuality: M('Leiden quality', 'separation', 'up', 'the Leiden partition quality (modularity-type objective) of the clustering graph'),
  n_clusters: M('clusters', 'run', 'none', 'number of Leiden clusters', 'results CSV 23 (IV.2)'),
  nClusters: M('clusters', 'run', 'none', 'number of Leiden clusters', 'results CSV 23 (IV.2)'),
  loss: M('loss', 'fit', 'down', 'final value of the objective the solver minimised'),
  relativeError: M('relative error', 'fit', 'down', '‖X − W·H‖ / ‖X‖ (Frobenius)'),
  iterations: M('iterations', 'run', 'none', 'solver iterations run'),
  converged: M('converged', 'run', 'none', 'whether the tolerance was reached before max-iter'),
  holdoutR2: M('holdout R²', 'fit', 'up', 'mean R² = cov²/(σx²σy²) of held-out genes predicted by SIID', 'SIID paper Table 1: BRCA 0.253, CRC 0.225 (IV.5)'),
  accuracy: M('accuracy', 'agreement', 'up', 'fraction of cells whose annotated type matches the given label', 'multi-omics claim: 94 % on 4 synthetic types (IV.6)'),
};

/** Arrow of a direction: ↑ (higher is better), ↓ (lower is better) or nothing. */
export function directionArrow(d: Direction): string {
  return d === 'up' ? '↑' : d === 'down' ? '↓' : '';
}

/** A metric's explanation by key, or undefined for keys we do not know. */
export function metricInfo(key: string): MetricInfo | undefined {
  return Object.prototype.hasOwnProperty.call(METRICS, key) ? METRICS[key] : undefined;
}
