/**
 * The selection library on small hand-built datasets: feature lists and their suggestions,
 * name-list files, obs-meta join rules and errors, QC with controls, normalisation values,
 * consistent subsetting of obsm / varm / layers / obsp, empty results, splitByWhere, qcSummary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataset, type Dataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { csrFromDense, csrToDense } from '../src/linalg/csr.js';
import { applySelection, cellQc, formatSteps, joinObsMeta, normalizeCounts, parseNameList, qcSummary, resolveFeatures, splitByWhere, suggestName } from '../src/io/select/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'stnmf-select-apply-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

// 4 cells x 5 features; feature 4 is a control probe by name.
const DENSE = [
  [1, 0, 2, 0, 1],
  [0, 0, 0, 0, 0],
  [3, 1, 0, 1, 5],
  [0, 2, 2, 2, 0],
];
function toy(): Dataset {
  const X = csrFromDense({ rows: 4, cols: 5, data: Float32Array.from(DENSE.flat()) });
  const d = makeDataset(X, ['a', 'b', 'c', 'd'], ['Gad1', 'Sst', 'Vip', 'Pvalb', 'NegControlProbe_1']);
  d.obs.columns.set('sample', { kind: 'category', categories: ['CP', 'HP'], codes: Int32Array.from([0, 1, 0, 1]) });
  d.obsm.spatial = { rows: 4, cols: 2, data: Float64Array.from([0, 0, 1, 10, 2, 20, 3, 30]) };
  d.varm.loadings = { rows: 5, cols: 1, data: Float64Array.from([10, 11, 12, 13, 14]) };
  d.layers.dense = { rows: 4, cols: 5, data: Float32Array.from({ length: 20 }, (_, k) => k) };
  d.layers.sparse = X;
  // A 4x4 graph with weight 10·i + j on every off-diagonal pair.
  d.obsp.g = csrFromDense({ rows: 4, cols: 4, data: Float32Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) === k % 4 ? 0 : 10 * Math.floor(k / 4) + (k % 4))) });
  return d;
}

const usage = (re: RegExp) => (e: unknown) => e instanceof StnmfError && (e.code === 'USAGE' || e.code === 'BAD_OPTION') && re.test(e.message);

test('suggestName: case-insensitive first, then small edit distances only', () => {
  assert.equal(suggestName('gad1', ['Gad2', 'Gad1']), 'Gad1');
  assert.equal(suggestName('Gadd1', ['Gad1', 'Sst']), 'Gad1');
  assert.equal(suggestName('Xyz', ['Gad1', 'Sst']), undefined);
  assert.equal(suggestName('ab', ['cd']), undefined);
});

test('resolveFeatures: var order, repeats once, did-you-mean errors', () => {
  const v = ['Gad1', 'Sst', 'Vip', 'Pvalb'];
  assert.deepEqual(Array.from(resolveFeatures(v, ['Vip', 'Gad1', 'Vip'])), [0, 2]);
  assert.throws(() => resolveFeatures(v, ['gad1']), usage(/^--genes: 'gad1' is not a feature; did you mean 'Gad1'\?$/));
  assert.throws(() => resolveFeatures(v, ['Sst', 'sst', 'Foo', 'Bar'], '--exclude-genes'), usage(/^--exclude-genes: 'sst' is not a feature; did you mean 'Sst'\? \(3 of 4 names are not features: 'sst', 'Foo', 'Bar'\)$/));
  assert.throws(() => resolveFeatures(v, ['Qqqqq']), usage(/'Qqqqq' is not a feature \(features: Gad1, Sst, Vip, Pvalb\)/));
});

test('parseNameList: comma list, file with comments / quotes / CSV remainder, missing file', async () => {
  assert.deepEqual(await parseNameList('Gad1, Sst,,Vip'), ['Gad1', 'Sst', 'Vip']);
  const p = file('genes.txt', '# markers\n"Gad1"\n\nSst,0.9\r\nVip\t3\n');
  assert.deepEqual(await parseNameList(p), ['Gad1', 'Sst', 'Vip']);
  await assert.rejects(parseNameList(join(tmp, 'nope', 'genes.txt')), /file not found/);
  await assert.rejects(parseNameList(' , '), /--genes: no names given/);
  await assert.rejects(parseNameList(file('empty.txt', '# nothing\n')), /lists no names/);
});

test('obs-meta: id column by name or position, typing, errors for missing / duplicate ids and clashing columns', async () => {
  const d = toy();
  const j = await joinObsMeta(d, file('m1.csv', 'barcode,score,label,flag,uniq\nd,4,x,True,p\nzz,9,y,False,q\nc,3,x,False,r\nb,2,y,True,s\na,1,,False,t\n'));
  assert.equal(j.idColumn, 'barcode');
  assert.equal(j.ignoredRows, 1);
  assert.deepEqual(j.columns, [
    { name: 'score', kind: 'number' },
    { name: 'label', kind: 'category' },
    { name: 'flag', kind: 'bool' },
    { name: 'uniq', kind: 'string' },
  ]);
  assert.deepEqual(d.obs.columns.get('score'), { kind: 'number', values: Float64Array.from([1, 2, 3, 4]) });
  assert.deepEqual(d.obs.columns.get('label'), { kind: 'category', categories: ['x', 'y'], codes: Int32Array.from([-1, 1, 0, 0]) });
  assert.deepEqual(d.obs.columns.get('flag'), { kind: 'bool', values: Uint8Array.from([0, 1, 0, 1]) });
  // id column named elsewhere in the header; TSV
  const j2 = await joinObsMeta(d, file('m2.tsv', 'batch\tcell_id\nB1\ta\nB2\tb\nB1\tc\nB2\td\n'));
  assert.equal(j2.idColumn, 'cell_id');
  assert.deepEqual(d.obs.columns.get('batch'), { kind: 'category', categories: ['B1', 'B2'], codes: Int32Array.from([0, 1, 0, 1]) });
  // unnamed id column: first column
  const j3 = await joinObsMeta(d, file('m3.csv', 'name,area\na,1\nb,2\nc,3\nd,4\n'));
  assert.equal(j3.idColumn, 'name (first column)');
  await assert.rejects(joinObsMeta(toy(), file('m4.csv', 'cell_id,v\na,1\nb,2\n')), (e: StnmfError) => e.code === 'BAD_INPUT' && /2 of 4 observations have no row in this table \(first: "c"\)/.test(e.message));
  await assert.rejects(joinObsMeta(toy(), file('m5.csv', 'cell_id,v\na,1\nb,2\na,3\nc,1\nd,1\n')), /duplicate name "a" \(entries 1 and 3\)/);
  await assert.rejects(joinObsMeta(toy(), file('m6.csv', 'cell_id,sample,v\na,1,1\nb,2,1\nc,3,1\nd,4,1\n')), /column "sample" already in obs; rename it in the table/);
  await assert.rejects(joinObsMeta(toy(), file('m7.csv', 'cell_id,v\n1,1\n2,2\n')), /no id in its id column "cell_id" is an observation name \(first id "1", first observation "a"\)/);
  await assert.rejects(joinObsMeta(toy(), file('m8.csv', 'cell_id,v\na,1,3\n')), /row 2 has 3 fields, the header has 2/);
});

test('cellQc: totals, features, control percentage from control-named features (NaN for empty cells)', () => {
  const qc = cellQc(toy());
  assert.deepEqual(Array.from(qc.totalCounts), [4, 0, 10, 6]);
  assert.deepEqual(Array.from(qc.nFeatures), [3, 0, 4, 3]);
  assert.deepEqual(Array.from(qc.controlCounts!), [1, 0, 5, 0]);
  const pct = Array.from(qc.pctControl!);
  assert.deepEqual([pct[0], pct[2], pct[3]], [25, 50, 0]);
  assert.ok(Number.isNaN(pct[1]));
  // Controls kept out of X by a reader: the obs column named in meta.filtered, added to the denominator.
  const d = toy();
  d.obs.columns.set('control_probe_counts', { kind: 'number', values: Float64Array.from([4, 0, 0, 6]) });
  d.meta.filtered.push({ axis: 'features', what: 'Negative Control Probe', count: 2, why: "gexOnly: only 'Gene Expression' features enter X; per-cell totals kept in obs 'control_probe_counts'" });
  const q2 = cellQc(d);
  assert.deepEqual(Array.from(q2.pctControl!), [62.5, NaN, 50, 50].map((v, i) => (i === 1 ? q2.pctControl![1] : v)));
  assert.deepEqual(q2.controlSources, ["1 features of X named like controls (" + '^(NegControlProbe_|NegControlCodeword_|BLANK_|Blank-|UnassignedCodeword_|DeprecatedCodeword_|Intergenic_Region|NegPrb|Negative|SystemControl|FalseCode)' + ')', "obs 'control_probe_counts'"]);
});

test('normalize: total to the median of non-zero totals, log1p, same sparsity', () => {
  const X = toy().X;
  const t = normalizeCounts(X, 'total');
  assert.equal(t.targetSum, 6); // totals 4, 0, 10, 6 -> median of 4, 6, 10
  assert.equal(t.targetSource, 'median');
  assert.deepEqual(t.X.indices, X.indices);
  const dense = csrToDense(t.X).data;
  assert.deepEqual(Array.from(dense.slice(0, 5)), [1.5, 0, 3, 0, 1.5]);
  assert.deepEqual(Array.from(dense.slice(5, 10)), [0, 0, 0, 0, 0]);
  assert.ok(Math.abs(dense[10] - 1.8) < 1e-6 && Math.abs(dense[14] - 3) < 1e-6);
  const l = normalizeCounts(X, 'total-log1p', 10);
  assert.equal(l.targetSum, 10);
  assert.ok(Math.abs(csrToDense(l.X).data[0] - Math.log1p(2.5)) < 1e-6);
  const g = normalizeCounts(X, 'log1p');
  assert.equal(g.targetSum, undefined);
  assert.ok(Math.abs(g.X.data[0] - Math.log(2)) < 1e-7);
  assert.equal(normalizeCounts(X, 'none').X, X);
  assert.throws(() => normalizeCounts(X, 'total', 0), /--target-sum must be a positive number/);
});

test('applySelection subsets obsm, varm, layers and obsp with X, and leaves the input alone', async () => {
  const d = toy();
  const r = await applySelection(d, { where: 'sample == HP or cell_is_big', excludeGenes: ['Sst'] }, {}).catch((e) => e);
  assert.ok(r instanceof StnmfError && /no obs column "cell_is_big"/.test(r.message));
  const s = await applySelection(d, { where: 'sample == CP or sample == HP', genes: ['Gad1', 'Vip', 'Pvalb', 'NegControlProbe_1'], excludeGenes: ['Vip'], minCounts: 1, minCells: 2 });
  // cell b has no counts -> min-counts; feature NegControlProbe_1 is in 2 cells, Pvalb in 2, Gad1 in 2.
  assert.deepEqual(s.dataset.obs.index, ['a', 'c', 'd']);
  assert.deepEqual(s.dataset.var.index, ['Gad1', 'Pvalb', 'NegControlProbe_1']);
  assert.deepEqual(Array.from(csrToDense(s.dataset.X).data), [1, 0, 1, 3, 1, 5, 0, 2, 0]);
  assert.deepEqual(Array.from(s.dataset.obsm.spatial.data), [0, 0, 2, 20, 3, 30]);
  assert.deepEqual(Array.from(s.dataset.varm.loadings.data), [10, 13, 14]);
  assert.deepEqual(Array.from((s.dataset.layers.dense as { data: Float32Array }).data), [0, 3, 4, 10, 13, 14, 15, 18, 19]);
  assert.deepEqual(Array.from(csrToDense(s.dataset.layers.sparse as never).data), [1, 0, 1, 3, 1, 5, 0, 2, 0]);
  assert.deepEqual(Array.from(csrToDense(s.dataset.obsp.g).data), [0, 2, 3, 20, 0, 23, 30, 32, 0]);
  assert.deepEqual(
    s.steps.map((x) => [x.step, x.removedObs, x.removedVars, x.nObs, x.nVars]),
    [
      ['where', 0, 0, 4, 5],
      ['genes', 0, 1, 4, 4],
      ['exclude-genes', 0, 1, 4, 3],
      ['min-counts', 1, 0, 3, 3],
      ['min-cells', 0, 0, 3, 3],
    ],
  );
  assert.equal(d.X.rows, 4);
  assert.equal(d.obsm.spatial.rows, 4);
  assert.deepEqual(formatSteps(s.steps).slice(2, 4), ['exclude-genes Vip: removed 1 feature (now 4 x 3)', 'min-counts 1: removed 1 observation (now 3 x 3)']);
  assert.equal(formatSteps(s.steps)[0], 'where "sample == CP or sample == HP": removed nothing (now 4 x 5)');
});

test('applySelection: empty results name the step; max-pct-control needs controls; QC columns on request', async () => {
  const d = toy();
  await assert.rejects(applySelection(d, { minCounts: 100 }, { source: 'cells' }), usage(/^cells: --min-counts 100 removed every observation \(4 → 0\); loosen it$/));
  await assert.rejects(applySelection(d, { where: 'sample == XX' }, { prefix: 'target-' }), usage(/--target-where "sample == XX" removed every observation/));
  await assert.rejects(applySelection(d, { minCells: 4 }), usage(/--min-cells 4 removed every feature \(5 → 0\)/));
  const noCtl = makeDataset(d.X, d.obs.index, ['A', 'B', 'C', 'D', 'E']);
  await assert.rejects(applySelection(noCtl, { maxPctControl: 5 }), usage(/--max-pct-control: the data has no control features/));
  const p = await applySelection(d, { maxPctControl: 30 });
  assert.deepEqual(p.dataset.obs.index, ['a', 'd'], 'b (no counts, NaN %) and c (50 %) dropped');
  const q = await applySelection(d, { where: 'total_counts >= 6 and pct_counts_control < 40' }, { addQcColumns: true });
  assert.deepEqual(q.dataset.obs.index, ['d']);
  assert.deepEqual(q.steps[0].value, ['total_counts', 'n_genes_by_counts', 'pct_counts_control']);
  const v = await applySelection(d, { where: 'n_genes_by_counts >= 3 and pct_counts_control <= 25' });
  assert.deepEqual(v.dataset.obs.index, ['a', 'd'], 'QC names computed for where without being stored');
  assert.equal(v.dataset.obs.columns.has('n_genes_by_counts'), false);
  assert.match(v.steps[0].note!, /^n_genes_by_counts, pct_counts_control computed from X/);
  const nrm = await applySelection(d, { normalize: 'total' });
  assert.match(nrm.steps[0].note!, /target sum 6 \(median of the non-zero totals, scanpy default\)/);
});

test('splitByWhere: two disjoint subsets, errors for overlap and empty sides', () => {
  const d = toy();
  const s = splitByWhere(d, 'sample == CP', 'sample == HP');
  assert.deepEqual(s.target.obs.index, ['a', 'c']);
  assert.deepEqual(s.background.obs.index, ['b', 'd']);
  assert.deepEqual(Array.from(s.background.obsm.spatial.data), [1, 10, 3, 30]);
  assert.deepEqual(s.steps.map((x) => [x.step, x.nObs]), [['target-where', 2], ['background-where', 2]]);
  assert.throws(() => splitByWhere(d, 'sample == CP', 'sample != HP'), usage(/--target-where and --background-where overlap: 2 observations match both \(first: "a"\)/));
  assert.throws(() => splitByWhere(d, 'sample == XX', 'sample == HP'), usage(/--target-where "sample == XX" selects no observation of 4/));
  assert.throws(() => splitByWhere(d, 'sample == CP', 'sample == XX'), usage(/--background-where "sample == XX" selects no observation/));
});

test('qcSummary: per-cell min/median/max, zero-count cells, obs columns with kinds', () => {
  const q = qcSummary(toy());
  assert.deepEqual(q.countsPerObs, { min: 0, median: 5, max: 10 });
  assert.deepEqual(q.featuresPerObs, { min: 0, median: 3, max: 4 });
  assert.equal(q.zeroCountObs, 1);
  assert.equal(q.zeroCountVars, 0);
  assert.deepEqual(q.obsColumns, [{ name: 'sample', kind: 'category', nCategories: 2 }]);
  assert.deepEqual([q.pctControl!.min, q.pctControl!.median, q.pctControl!.max], [0, 25, 50]);
});
