/**
 * Scoring SIID against a known truth (methods-spec M2.8, simulation): clustering agreement of
 * argmax P, factor-to-type matching, and the Jensen–Shannon divergence of spot proportions.
 */
import { adjustedRandIndex, jensenShannon } from '../../metrics/index.js';
import type { SiidProblem } from './model.js';
import { cellClusters, type SiidFit } from './siid.js';

/**
 * Minimum-cost assignment of rows to columns for a rows x cols cost matrix (rows <= cols), by
 * shortest augmenting paths (Jonker–Volgenant / Kuhn–Munkres, O(rows²·cols)). Returns the
 * column of each row.
 */
export function linearAssignment(cost: Float64Array, rows: number, cols: number): Int32Array {
  // Pads to a square problem so rows > cols also works (extra columns cost 0).
  const n = Math.max(rows, cols);
  const a = (i: number, j: number) => (i < rows && j < cols ? cost[i * cols + j] : 0);
  const u = new Float64Array(n + 1), v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1), way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const out = new Int32Array(rows).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] > 0 && p[j] <= rows && j <= cols) out[p[j] - 1] = j - 1;
  return out;
}

/** Truth-based scores of a fit. */
export interface TruthScores {
  /** ARI between argmax P and the true types. */
  ari: number;
  /** Factor → true type (Hungarian on the argmax contingency table; -1 = unmatched). */
  mapping: Int32Array;
  /** Mean over spots of the JS divergence (base 2) between predicted and true proportions. */
  jsDivergence: number;
  jsMedian: number;
}

/**
 * Scores a fit against true cell types and spot proportions (M2.8, simulation): ARI of
 * argmax P; factors matched to types by the assignment maximising the agreement of argmax P
 * with the truth; spot proportions from the matched P, either the model's π_s =
 * rownormalize(Mᵀ P) (`weighting: 'model'`, M2.7) or the mean of P over the spot's cells
 * (`'cells'`, default: the truth is the fraction of cells, as the peer harness scores it).
 */
export function scoreAgainstTruth(
  fit: SiidFit,
  problem: SiidProblem,
  truthTypes: ArrayLike<number>,
  truthProportions: Float64Array,
  nTypes: number,
  weighting: 'cells' | 'model' = 'cells',
): TruthScores {
  const h = fit.h;
  const lab = cellClusters(fit);
  const ari = adjustedRandIndex(truthTypes, lab);
  const cont = new Float64Array(h * nTypes);
  for (let i = 0; i < lab.length; i++) cont[lab[i] * nTypes + truthTypes[i]] -= 1;
  const mapping = linearAssignment(cont, h, nTypes);
  const { P, M } = fit.params;
  const m = problem.m;
  const pred = new Float64Array(m * nTypes);
  for (let i = 0; i < problem.n; i++) {
    for (let q = problem.gamma.indptr[i]; q < problem.gamma.indptr[i + 1]; q++) {
      const s = problem.gamma.indices[q];
      const wgt = weighting === 'model' ? M[q] : 1;
      for (let k = 0; k < h; k++) if (mapping[k] >= 0) pred[s * nTypes + mapping[k]] += wgt * P[i * h + k];
    }
  }
  const js = jensenShannon({ rows: m, cols: nTypes, data: pred }, { rows: m, cols: nTypes, data: truthProportions }, 2);
  return { ari, mapping, jsDivergence: js.mean, jsMedian: js.median };
}
