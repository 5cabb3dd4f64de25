/**
 * The names stnmf stores and finds results under, declared once: the AnnData keys each method
 * writes (scanpy's `key_added` convention) and the one factor numbering every table, figure,
 * summary and h5ad uses. The CLI, the viewer, plots and library users read these constants
 * instead of spelling the strings, so a result written by one is found by all.
 *
 * Layer 0: imports nothing, runs in browsers.
 */

/** AnnData keys of each method's results. `obsm` = per-observation usages, `varm` = Hᵀ. */
export const KEYS = {
  /** Plain NMF (`stnmf nmf`, the first stage of hSNMF): W as obsm, Hᵀ as varm. */
  nmf: { obsm: 'X_nmf', varm: 'nmf', uns: 'nmf' },
  /** Integrative NMF (`stnmf nmf --inmf`): W and the shared H under plain NMF's names, each sample's V_sᵀ as varm `inmf_V_<sample>`. */
  inmf: { obsm: 'X_nmf', varm: 'nmf', varmSamplePrefix: 'inmf_V_', uns: 'inmf' },
  /** Joint NMF with a scale per sample and feature (`stnmf nmf --sample-scaling`): plain NMF's names, the scales φ (features x samples) as varm `sample_scaling`. */
  scaledJoint: { obsm: 'X_nmf', varm: 'nmf', varmScaling: 'sample_scaling', uns: 'nmf' },
  /** SNMF: spatially smoothed usages. */
  snmf: { obsm: 'X_snmf', uns: 'hsnmf' },
  /** hSNMF domain labels (obs column) and the hybrid graph (obsp). */
  hsnmf: { obs: 'hsnmf', obsp: 'hsnmf_connectivities', uns: 'hsnmf' },
  /** SIID: cell-type proportions per spot / usages per cell, and the shared profiles Q. */
  siid: { obsm: 'X_siid', varm: 'siid_Q', layer: 'imputed', obs: 'siid_cluster', uns: 'siid' },
  /** Joint multi-omics NMF. */
  multiomics: { obsm: 'X_nmf', varm: 'nmf', uns: 'multiomics' },
  /** bcNMF: coefficients of every observation on the contrastive basis. */
  bcnmf: { obsm: 'X_bcnmf', varm: 'bcnmf', obs: 'group', uns: 'bcnmf' },
  /** Leiden clustering (`stnmf cluster`), scanpy's names. */
  leiden: { obs: 'leiden', obsp: 'connectivities', uns: 'leiden' },
  /** Consensus NMF (`stnmf consensus`): refitted usages and consensus spectra under plain NMF's names, parameters under cnmf. */
  consensus: { obsm: 'X_nmf', varm: 'nmf', obs: 'cnmf_program', uns: 'cnmf' },
  /** Marker statistics, scanpy's `rank_genes_groups` key. */
  rankGenes: { uns: 'rank_genes_groups' },
  /** Spatial coordinates, squidpy's name. */
  spatial: { obsm: 'spatial' },
} as const;

/** Prefix of every factor name: `Factor_1 … Factor_k`. */
export const FACTOR_PREFIX = 'Factor_';

/**
 * The display and column name of factor `index` (0-based in arrays): `Factor_1` for index 0.
 * One-based because users, papers and Vitessce count factors from 1; the underscore keeps the
 * name a valid column name in pandas, R and CSV headers.
 */
export function factorName(index: number): string {
  return `${FACTOR_PREFIX}${index + 1}`;
}

/** The names of `k` factors, `Factor_1 … Factor_k`. */
export function factorNames(k: number): string[] {
  return Array.from({ length: k }, (_, i) => factorName(i));
}

/** The 0-based index of a factor name (`Factor_3` → 2), or -1 when `name` is not one. */
export function factorIndex(name: string): number {
  const m = /^Factor_(\d+)$/.exec(name);
  return m ? Number(m[1]) - 1 : -1;
}
