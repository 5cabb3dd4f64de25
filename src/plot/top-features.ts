/**
 * The top features of each factor of a result, by loading: the labels factor maps, the viewer's
 * side panel and the Vitessce export print beside each factor.
 */
import { topFeatureIndices } from './charts.js';

/** What {@link topFeatures} reads of a result (a `ResultDataset` has it). */
export interface FactorLoadings {
  k: number;
  factorNames: string[];
  featureNames: string[];
  /** k x p loadings (H), row-major; undefined when the result has none. */
  H?: Float32Array;
}

/** Top features per factor from H, `nTop` each (default 10), largest first; empty lists when H is absent. */
export function topFeatures(r: FactorLoadings, nTop = 10): { name: string; weight: number }[][] {
  if (!r.H) return r.factorNames.map(() => []);
  const p = r.H.length / r.k;
  const Hm = { rows: r.k, cols: p, data: r.H };
  return r.factorNames.map((_, f) => topFeatureIndices(Hm, f, nTop).map((j) => ({ name: r.featureNames[j] ?? String(j), weight: r.H?.[f * p + j] ?? 0 })));
}
