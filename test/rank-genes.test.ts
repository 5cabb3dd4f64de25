/**
 * Marker statistics (issue 17 item 3) against independent oracles on real clusters: the Xenium
 * mouse-brain counts grouped by the committed leidenalg labels; scipy's mannwhitneyu
 * (tie-corrected, two-sided, asymptotic) for z and p, statsmodels' fdr_bh for the adjusted p,
 * numpy for scanpy's fold change and the non-zero fractions. Oracle:
 * scripts/fixtures/rank_genes_oracle.py (regenerating command in its docstring).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readXenium } from '../src/io/xenium.js';
import { benjaminiHochberg, markersCsv, rankGenesGroups, topMarkers } from '../src/metrics/rank-genes.js';
import { fixture, xeniumLeidenLabels } from './spatial-data.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

interface OracleGene { gene: number; z: number | null; p: number; p_adj: number; lfc: number; pct_in: number; pct_out: number }
interface Oracle { n_cells: number; n_genes: number; gene_names: string[]; groups: { code: number; size: number; genes: OracleGene[] }[] }

test('Wilcoxon z/p equal scipy mannwhitneyu and BH equals statsmodels fdr_bh to 1e-9 on Xenium Leiden clusters', async () => {
  const ds = await readXenium(shared('xenium-mouse-brain'));
  const oracle = fixture<Oracle>('rank-genes/xenium_leiden.json');
  assert.deepEqual(ds.var.index, oracle.gene_names);
  const labels = xeniumLeidenLabels();
  assert.equal(labels.length, ds.X.rows);
  let C = 0;
  for (const l of labels) C = Math.max(C, l + 1);
  const cats = Array.from({ length: C }, (_, c) => String(c));
  const t0 = performance.now();
  const r = rankGenesGroups(ds.X, labels, cats, { groupby: 'leiden' });
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 30, `rank_genes_groups took ${seconds} s`);
  const p = ds.X.cols;
  let checked = 0;
  for (const og of oracle.groups) {
    const g = r.groups.indexOf(String(og.code));
    assert.equal(r.sizes[g], og.size);
    for (const o of og.genes) {
      const q = g * p + o.gene;
      const where = `group ${og.code} gene ${oracle.gene_names[o.gene]}`;
      assert.ok(Math.abs(r.pvals[q] - o.p) <= 1e-9 + 1e-9 * o.p, `${where}: p ${r.pvals[q]} vs scipy ${o.p}`);
      assert.ok(Math.abs(r.pvalsAdj[q] - o.p_adj) <= 1e-9 + 1e-9 * o.p_adj, `${where}: p_adj ${r.pvalsAdj[q]} vs statsmodels ${o.p_adj}`);
      // z recovered from scipy's p is exact only while p carries digits (|z| < ~37).
      if (o.z !== null && o.p > 1e-290) assert.ok(Math.abs(r.scores[q] - o.z) <= 1e-7 * Math.max(1, Math.abs(o.z)), `${where}: z ${r.scores[q]} vs ${o.z}`);
      else assert.ok(Math.abs(r.scores[q]) > 35, `${where}: z ${r.scores[q]} where scipy's p is ${o.p}`);
      assert.ok(Math.abs(r.logfoldchanges[q] - o.lfc) <= 1e-9 * Math.max(1, Math.abs(o.lfc)), `${where}: lfc ${r.logfoldchanges[q]} vs ${o.lfc}`);
      assert.ok(Math.abs(r.pctGroup[q] - o.pct_in) <= 1e-12 && Math.abs(r.pctRest[q] - o.pct_out) <= 1e-12, `${where}: pct`);
      checked++;
    }
  }
  assert.equal(checked, oracle.groups.length * oracle.groups[0].genes.length);
  // The short list is the head of the sorted statistics.
  const top = topMarkers(r, 5);
  const g0 = r.groups.indexOf('0');
  for (let a = 1; a < 5; a++) assert.ok(r.scores[g0 * p + top[g0][a - 1]] >= r.scores[g0 * p + top[g0][a]]);
  const csv = markersCsv(r, ds.var.index).split('\n');
  assert.equal(csv[0], 'group,names,scores,logfoldchanges,pvals,pvals_adj,pct_nz_group,pct_nz_reference');
  assert.equal(csv.length - 2, r.groups.length * p);
  assert.equal(csv[1].split(',')[1], ds.var.index[top[0][0]]);
});

test('benjaminiHochberg: step-up minimum, clipped at 1, input order kept', () => {
  // Hand-computed: sorted p = .01 .02 .03 .5 (m = 4) → .04 .04 .04 .5; ties keep their value.
  assert.deepEqual(Array.from(benjaminiHochberg([0.5, 0.01, 0.03, 0.02])), [0.5, 0.04, 0.04, 0.04]);
  assert.deepEqual(Array.from(benjaminiHochberg([0.9, 0.95])), [0.95, 0.95]);
});
