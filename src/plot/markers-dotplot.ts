/**
 * scanpy's `sc.pl.rank_genes_groups_dotplot` from stnmf's Wilcoxon marker statistics
 * (markers.csv, the long `rank_genes_groups_df` table written by cluster/hsnmf/multiomics/
 * consensus): the top N genes of every group by score, in blocks bracketed by their group; dot
 * area = the fraction of the group's cells with a non-zero value (`pct_nz_group` of the table),
 * colour = the group's mean log1p(median-normalised counts) — the values the test ranked — when
 * the counts are at hand, else the log2 fold change (scanpy's `values_to_plot='logfoldchanges'`).
 *
 * Layer 3 (plot): no file access; the CLI reads the files.
 */
import { StnmfError } from '../errors.js';
import type { ExpressionByFeature } from '../result-dataset.js';
import { parseCsvText } from '../csv-text.js';
import { matrixHeatmap } from './charts-heatmap.js';
import type { Scene } from './scene.js';

/** The statistics of markers.csv: one row per group and gene, in the file's order (by score within a group). */
export interface MarkerTable {
  groups: string[];
  /** Per group: gene names in rank order (highest score first). */
  ranked: Map<string, string[]>;
  /** `group\u0000gene` → statistics. */
  stats: Map<string, { score: number; logfoldchange: number; pctGroup: number; pctRest: number }>;
  /** Every gene the table ranks (the columns the test ran on), in first-seen order. */
  genes: string[];
}

const KEY = (g: string, gene: string): string => `${g}\u0000${gene}`;

/**
 * Parses markers.csv (`group,names,scores,logfoldchanges,pvals,pvals_adj,pct_nz_group,
 * pct_nz_reference`); throws with the column it misses. Rows of a group keep their file order,
 * which is the rank by score (markersCsv writes them so).
 */
export function parseMarkerTable(text: string, file = 'markers.csv'): MarkerTable {
  const [head, ...rows] = parseCsvText(text.trimEnd());
  const need = ['group', 'names', 'scores', 'logfoldchanges', 'pct_nz_group', 'pct_nz_reference'];
  const col = Object.fromEntries(need.map((n) => [n, head ? head.indexOf(n) : -1]));
  const miss = need.filter((n) => col[n] < 0);
  if (miss.length) throw new StnmfError('BAD_FILE', `${file}: missing column${miss.length > 1 ? 's' : ''} ${miss.join(', ')} (expected scanpy's rank_genes_groups_df layout)`);
  const groups: string[] = [];
  const ranked = new Map<string, string[]>();
  const stats: MarkerTable['stats'] = new Map();
  const genes: string[] = [];
  const seenGene = new Set<string>();
  for (const r of rows) {
    const g = r[col.group];
    const gene = r[col.names];
    if (!ranked.has(g)) (ranked.set(g, []), groups.push(g));
    (ranked.get(g) as string[]).push(gene);
    stats.set(KEY(g, gene), { score: Number(r[col.scores]), logfoldchange: Number(r[col.logfoldchanges]), pctGroup: Number(r[col.pct_nz_group]), pctRest: Number(r[col.pct_nz_reference]) });
    if (!seenGene.has(gene)) (seenGene.add(gene), genes.push(gene));
  }
  return { groups, ranked, stats, genes };
}

/**
 * Mean of log1p(x · median total / cell total) per group and gene — scanpy's
 * `normalize_total` + `log1p`, the normalisation rank-genes.ts ranks on — with cell totals over
 * `totalGenes` (the genes the test ran on). Rows = `groups` (matched to `categories`), columns =
 * `genes`; cells with code -1 are left out.
 */
export function groupLogNormMeans(e: ExpressionByFeature, codes: ArrayLike<number>, categories: string[], groups: string[], genes: string[], totalGenes: string[]): Float64Array {
  const n = codes.length;
  const col = new Map<string, number>();
  e.names.forEach((g, j) => col.set(g, j));
  const totals = new Float64Array(n);
  for (const g of totalGenes) {
    const j = col.get(g);
    if (j === undefined) continue;
    for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) totals[e.indices[q]] += e.data[q];
  }
  const nz = Array.from(totals).filter((t) => t > 0).sort((a, b) => a - b);
  const h = nz.length >> 1;
  const median = nz.length === 0 ? 1 : nz.length % 2 ? nz[h] : 0.5 * (nz[h - 1] + nz[h]);
  const rowOf = new Int32Array(categories.length).fill(-1);
  groups.forEach((g, r) => {
    const c = categories.indexOf(g);
    if (c >= 0) rowOf[c] = r;
  });
  const size = new Float64Array(groups.length);
  for (let i = 0; i < n; i++) if (codes[i] >= 0 && rowOf[codes[i]] >= 0) size[rowOf[codes[i]]]++;
  const P = genes.length;
  const out = new Float64Array(groups.length * P);
  genes.forEach((g, c) => {
    const j = col.get(g);
    if (j === undefined) {
      for (let r = 0; r < groups.length; r++) out[r * P + c] = NaN;
      return;
    }
    for (let q = e.indptr[j]; q < e.indptr[j + 1]; q++) {
      const i = e.indices[q];
      const r = codes[i] >= 0 ? rowOf[codes[i]] : -1;
      // float32 as rank-genes stores its normalised matrix, so the means agree to the last digit.
      if (r >= 0 && totals[i] > 0) out[r * P + c] += Math.fround(Math.log1p(e.data[q] * (median / totals[i])));
    }
  });
  for (let r = 0; r < groups.length; r++) for (let c = 0; c < P; c++) out[r * P + c] = size[r] > 0 ? out[r * P + c] / size[r] : NaN;
  return out;
}

/** Options of {@link rankGenesDotplot}. */
export interface RankGenesDotplotOptions {
  table: MarkerTable;
  /** Top genes per group (scanpy `n_genes`); default 4. */
  nGenes?: number;
  /** Group means (rows = `table.groups`, columns = `table.genes`), e.g. from {@link groupLogNormMeans}; without them the colour is the log2 fold change. */
  means?: Float64Array;
  /** What the means are of, for the colour bar; default `mean log1p(normalised counts)`. */
  meanLabel?: string;
  /** Colour map (default `Reds` for means, `RdBu_r` centred at 0 for fold changes). */
  cmap?: string;
  title?: string;
}

/** The columns of the dot plot: each group's top `n` genes, in group order (a gene top in two groups appears in both blocks). */
export function dotplotColumns(t: MarkerTable, n: number): { gene: string; group: string }[] {
  return t.groups.flatMap((g) => (t.ranked.get(g) ?? []).slice(0, n).map((gene) => ({ gene, group: g })));
}

/**
 * The dot plot: rows = groups, columns = the top `nGenes` of each group (bracketed and labelled
 * with the group above the gene names), dot area ∝ `pct_nz_group`, colour = mean expression or
 * log2 fold change.
 */
export function rankGenesDotplot(o: RankGenesDotplotOptions): Scene {
  const t = o.table;
  const cols = dotplotColumns(t, o.nGenes ?? 4);
  const G = t.groups.length;
  const P = cols.length;
  const values = new Float64Array(G * P);
  const sizes = new Float64Array(G * P);
  const geneCol = new Map<string, number>();
  t.genes.forEach((g, j) => geneCol.set(g, j));
  t.groups.forEach((g, r) =>
    cols.forEach(({ gene }, c) => {
      const s = t.stats.get(KEY(g, gene));
      sizes[r * P + c] = s ? s.pctGroup : NaN;
      values[r * P + c] = o.means ? o.means[r * t.genes.length + (geneCol.get(gene) as number)] : s ? s.logfoldchange : NaN;
    }),
  );
  const blocks: { label: string; start: number; end: number }[] = [];
  cols.forEach(({ group }, c) => {
    const last = blocks[blocks.length - 1];
    if (last && last.label === group) last.end = c + 1;
    else blocks.push({ label: group, start: c, end: c + 1 });
  });
  return matrixHeatmap({
    values,
    rowNames: t.groups,
    colNames: cols.map((c) => c.gene),
    colGroups: blocks,
    scale: o.means ? { vmin: 'p0', vmax: 'p100', cmap: o.cmap ?? 'Reds' } : { vmin: 'p0', vmax: 'p100', center: true, cmap: o.cmap ?? 'RdBu_r' },
    colorLabel: o.means ? (o.meanLabel ?? 'mean log1p(normalised counts)') : 'log2 fold change',
    sizes,
    sizeLabel: 'fraction of group expressing',
    title: o.title,
  });
}
