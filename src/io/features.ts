/**
 * Keeping non-analysis features out of X (formats.md §1.5, §5 "Controls"): Xenium control
 * probes and codewords, antibody captures with gexOnly, MERSCOPE `Blank-*`, CosMx `NegPrb*` /
 * `SystemControl*`. Their per-observation totals go into obs and the removal is recorded in
 * `meta.filtered`.
 */
import type { Column, Dataset } from '../dataset.js';
import { selectCols } from '../linalg/csr.js';
import { takeColumn, totalsColumnFor } from './util.js';

/**
 * Removes the features whose `group[j]` is not null from X. For every group, the per-observation
 * total goes into obs column `columnFor(group)` and a FilterRecord with `why` is added.
 * `group` order decides the order of the new obs columns.
 */
export function moveFeaturesToObs(
  d: Dataset,
  group: (string | null)[],
  why: (g: string, column: string) => string,
  columnFor: (g: string) => string = totalsColumnFor,
): void {
  const groups = [...new Set(group.filter((g): g is string => g !== null))];
  if (groups.length === 0) return;
  const slot = new Map(groups.map((g, i) => [g, i]));
  const gOf = new Int32Array(group.length).fill(-1);
  group.forEach((g, j) => {
    if (g !== null) gOf[j] = slot.get(g)!;
  });
  const n = d.X.rows;
  const totals = groups.map(() => new Float64Array(n));
  const { indptr, indices, data } = d.X;
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const s = gOf[indices[p]];
      if (s >= 0) totals[s][i] += data[p];
    }
  }
  const keep: number[] = [];
  for (let j = 0; j < group.length; j++) if (gOf[j] < 0) keep.push(j);
  d.X = selectCols(d.X, keep);
  const vIndex = keep.map((j) => d.var.index[j]);
  const vCols = new Map<string, Column>();
  for (const [k, c] of d.var.columns) vCols.set(k, takeColumn(c, keep));
  d.var = { index: vIndex, columns: vCols };
  groups.forEach((g, s) => {
    const col = columnFor(g);
    d.obs.columns.set(col, { kind: 'number', values: totals[s] });
    d.meta.filtered.push({ axis: 'features', what: g, count: group.filter((x) => x === g).length, why: why(g, col) });
  });
}

/** Applies the 10x `gexOnly` rule to a dataset whose var has `feature_types`. */
export function keepGeneExpression(d: Dataset, types: string[]): void {
  moveFeaturesToObs(
    d,
    types.map((t) => (t === 'Gene Expression' ? null : t)),
    (_g, col) => `gexOnly: only 'Gene Expression' features enter X; per-cell totals kept in obs '${col}'`,
  );
}
