/**
 * `applySelection`: the selection and QC of the input contract, in the fixed order documented
 * on {@link SelectionOptions}, each step reported as a {@link SelectionStep}; and
 * `splitByWhere`: two disjoint subsets of one input (contrastive target / background).
 *
 * Thresholds keep what reaches them (scanpy's `filter_cells` / `filter_genes`: a cell with
 * exactly `minCounts` counts is kept); `maxPctControl` keeps cells at or below the percentage
 * (cells without any counts have an undefined percentage and are dropped, as scanpy's
 * `adata[adata.obs.pct_counts_x <= t]` drops NaN). A step that leaves no observation or no
 * feature is an error naming it.
 */
import type { Column, Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import type { SelectionOptions, SelectionStep } from '../input-options.js';
import { complement, resolveFeatures } from './features.js';
import { highlyVariableSeuratV3 } from './hvg.js';
import { normalizeCounts } from './normalize.js';
import { sampleGroups, type SampleGroups } from '../../samples.js';
import { joinObsMeta } from './obs-meta.js';
import { cellQc, cellsPerFeature } from './qc.js';
import { maskToIds, subsetObs, subsetVars } from './subset.js';
import { evaluateWhere, whereColumns } from './where.js';

/** scanpy's per-cell QC column names, available to `where` even when obs lacks them. */
export const QC_COLUMNS = ['total_counts', 'n_genes_by_counts', 'pct_counts_control'];

/** Options of {@link applySelection} that are not part of the input contract's flags. */
export interface ApplyOptions {
  /** Name of the input in messages (`cells`, `spots`; default the dataset's source path). */
  source?: string;
  /** Flag prefix of this input (`target-` for `--target-where`); names flags in messages. */
  prefix?: string;
  /**
   * Write scanpy's QC columns to obs after the obs-meta join: `total_counts`,
   * `n_genes_by_counts` and, when the data has control features, `pct_counts_control`
   * (computed on X as it is then). Same-named columns already in obs (Xenium's cells.csv has
   * `total_counts`, which includes control counts) are replaced and the step's note names them.
   * Default false: obs stays as read.
   */
  addQcColumns?: boolean;
}

/** Result of {@link applySelection}. */
export interface Selection {
  dataset: Dataset;
  steps: SelectionStep[];
}

function flag(prefix: string | undefined, name: string): string {
  return `--${prefix ?? ''}${name}`;
}

/**
 * Applies `opts` to `ds` (not modified) in the documented order and returns the subset with
 * one step record per option given.
 * @throws StnmfError from the steps (unknown columns or genes, bad tables) and BAD_OPTION when
 * a step leaves no observations or no features.
 */
export async function applySelection(ds: Dataset, opts: SelectionOptions, aopts: ApplyOptions = {}): Promise<Selection> {
  const steps: SelectionStep[] = [];
  const source = aopts.source ?? ds.meta.source;
  let d: Dataset = { ...ds, obs: { index: ds.obs.index, columns: new Map(ds.obs.columns) } };
  const record = (step: string, value: unknown, before: Dataset, note?: string): void => {
    const s: SelectionStep = { step, value, removedObs: before.X.rows - d.X.rows, removedVars: before.X.cols - d.X.cols, nObs: d.X.rows, nVars: d.X.cols };
    if (note !== undefined) s.note = note;
    steps.push(s);
    if (d.X.rows === 0) throw new StnmfError('BAD_OPTION', `${source}: ${flag(aopts.prefix, step)} ${JSON.stringify(value)} removed every observation (${before.X.rows} → 0); loosen it`);
    if (d.X.cols === 0) throw new StnmfError('BAD_OPTION', `${source}: ${flag(aopts.prefix, step)} ${JSON.stringify(value)} removed every feature (${before.X.cols} → 0); loosen it`);
  };
  const keepObs = (step: string, value: unknown, mask: Uint8Array, note?: string): void => {
    const before = d;
    if (mask.every((v) => v === 1)) d = { ...d };
    else d = subsetObs(d, maskToIds(mask));
    record(step, value, before, note);
  };
  const keepVars = (step: string, value: unknown, ids: Int32Array, note?: string): void => {
    const before = d;
    if (ids.length !== d.X.cols) d = subsetVars(d, ids);
    record(step, value, before, note);
  };

  // 1. metadata tables
  for (const file of opts.obsMeta ?? []) {
    const before = d;
    const j = await joinObsMeta(d, file);
    record('obs-meta', file, before, `joined by ${j.idColumn}: added ${j.columns.map((c) => `${c.name} (${c.kind})`).join(', ')}${j.ignoredRows > 0 ? `; ${j.ignoredRows} table rows match no observation (ignored)` : ''}`);
  }
  if (aopts.addQcColumns) {
    const qc = cellQc(d);
    const cols: [string, Column][] = [
      ['total_counts', { kind: 'number', values: qc.totalCounts }],
      ['n_genes_by_counts', { kind: 'number', values: qc.nFeatures }],
    ];
    if (qc.pctControl) cols.push(['pct_counts_control', { kind: 'number', values: qc.pctControl }]);
    const replaced = cols.map(([k]) => k).filter((k) => d.obs.columns.has(k));
    for (const [k, c] of cols) d.obs.columns.set(k, c);
    const before = d;
    record('qc-columns', cols.map(([k]) => k), before, `${replaced.length > 0 ? `replaced obs ${replaced.join(', ')}; ` : ''}control counts from ${qc.controlSources.join(' + ') || 'none (no control features)'}`);
  }
  // 2. where. scanpy's QC column names that obs lacks are computed from X for the evaluation
  // (not stored), so `--where 'total_counts > 10'` means what it means in scanpy on any input.
  if (opts.where !== undefined) {
    const label = flag(aopts.prefix, 'where');
    const want = whereColumns(opts.where, label).filter((c) => QC_COLUMNS.includes(c) && !d.obs.columns.has(c));
    let view = d.obs;
    let note: string | undefined;
    if (want.length > 0) {
      const qc = cellQc(d);
      view = { index: d.obs.index, columns: new Map(d.obs.columns) };
      for (const c of want) {
        if (c === 'total_counts') view.columns.set(c, { kind: 'number', values: qc.totalCounts });
        else if (c === 'n_genes_by_counts') view.columns.set(c, { kind: 'number', values: qc.nFeatures });
        else if (qc.pctControl) view.columns.set(c, { kind: 'number', values: qc.pctControl });
      }
      note = `${want.filter((c) => view.columns.has(c)).join(', ')} computed from X as scanpy's calculate_qc_metrics (not stored in obs)`;
    }
    keepObs('where', opts.where, evaluateWhere(opts.where, view, label), note);
  }
  // 3. feature lists
  if (opts.genes !== undefined) keepVars('genes', opts.genes.length <= 20 ? opts.genes : `${opts.genes.length} names`, resolveFeatures(d.var.index, opts.genes, flag(aopts.prefix, 'genes')));
  if (opts.excludeGenes !== undefined) {
    const drop = resolveFeatures(d.var.index, opts.excludeGenes, flag(aopts.prefix, 'exclude-genes'));
    keepVars('exclude-genes', opts.excludeGenes.length <= 20 ? opts.excludeGenes : `${opts.excludeGenes.length} names`, complement(d.X.cols, drop));
  }
  // 4. cell QC: metrics of the cells are independent of each other, so one computation serves
  // the three filters, each applied (and reported) in turn.
  if (opts.minCounts !== undefined || opts.minFeatures !== undefined || opts.maxPctControl !== undefined) {
    const qc = cellQc(d);
    let alive = new Uint8Array(d.X.rows).fill(1);
    const pass = (step: string, value: number, ok: (i: number) => boolean, note?: string): void => {
      const mask = new Uint8Array(alive.length);
      for (let i = 0; i < alive.length; i++) mask[i] = alive[i] && ok(i) ? 1 : 0;
      // Subset by the cells still alive; the mask is relative to the rows before cell QC.
      const rel = new Uint8Array(d.X.rows);
      let k = 0;
      for (let i = 0; i < alive.length; i++) if (alive[i]) rel[k++] = mask[i];
      alive = mask;
      keepObs(step, value, rel, note);
    };
    if (opts.minCounts !== undefined) pass('min-counts', opts.minCounts, (i) => qc.totalCounts[i] >= opts.minCounts!);
    if (opts.minFeatures !== undefined) pass('min-features', opts.minFeatures, (i) => qc.nFeatures[i] >= opts.minFeatures!);
    if (opts.maxPctControl !== undefined) {
      if (!qc.pctControl) {
        throw new StnmfError('BAD_OPTION', `${source}: ${flag(aopts.prefix, 'max-pct-control')}: the data has no control features (no control columns recorded by the reader, no var feature_types, no control-named features); drop the flag`);
      }
      pass('max-pct-control', opts.maxPctControl, (i) => qc.pctControl![i] <= opts.maxPctControl!, `control counts from ${qc.controlSources.join(' + ')}`);
    }
  }
  // 5. gene QC
  if (opts.minCells !== undefined) {
    const cpf = cellsPerFeature(d);
    const ids: number[] = [];
    for (let j = 0; j < cpf.length; j++) if (cpf[j] >= opts.minCells) ids.push(j);
    keepVars('min-cells', opts.minCells, Int32Array.from(ids));
  }
  // 6. HVG
  if (opts.hvg !== undefined) {
    let batches: string[] | undefined;
    if (opts.hvgBatchKey !== undefined) {
      const c = d.obs.columns.get(opts.hvgBatchKey);
      if (!c) throw new StnmfError('USAGE', `${flag(aopts.prefix, 'hvg-batch-key')}: no obs column ${JSON.stringify(opts.hvgBatchKey)} (obs columns: ${[...d.obs.columns.keys()].slice(0, 25).join(', ')})`);
      batches = c.kind === 'category' ? Array.from(c.codes, (k) => (k >= 0 ? c.categories[k] : 'nan')) : Array.from(c.values as ArrayLike<number | string>, String);
    }
    const r = highlyVariableSeuratV3(d.X, opts.hvg, batches);
    // scanpy's var columns of highly_variable_genes(subset=True), on the kept features.
    const hvgCols: [string, Float64Array | Int32Array][] = [
      ['means', r.means],
      ['variances', r.variances],
      ['variances_norm', r.variancesNorm],
      ['highly_variable_rank', r.rank],
    ];
    if (batches) hvgCols.push(['highly_variable_nbatches', r.nBatches]);
    const replacedVar = hvgCols.map(([k]) => k).filter((k) => d.var.columns.has(k));
    d = { ...d, var: { index: d.var.index, columns: new Map(d.var.columns) } };
    for (const [k, v] of hvgCols) d.var.columns.set(k, { kind: 'number', values: v });
    keepVars('hvg', opts.hvg, r.selected, `seurat_v3 (scanpy) on counts${batches ? ` in ${new Set(batches).size} batches of ${opts.hvgBatchKey}` : ''}; var columns ${hvgCols.map(([k]) => k).join(', ')}${replacedVar.length > 0 ? ` (replacing ${replacedVar.join(', ')})` : ''}${opts.hvg >= r.selected.length && r.selected.length === r.means.length ? `; only ${r.means.length} features, all kept` : ''}`);
  }
  // 7. normalisation
  if (opts.normalize !== undefined && opts.normalize !== 'none') {
    const before = d;
    const groups = opts.normalizePerSample ? perSampleGroups(d, opts.normalize) : undefined;
    const nrm = normalizeCounts(d.X, opts.normalize, opts.targetSum, groups);
    d = { ...d, X: nrm.X };
    const perSample = nrm.sampleTargets ? `target sum per sample (the median of its non-zero totals): ${Object.entries(nrm.sampleTargets).map(([id, t]) => `${id} ${t}`).join(', ')}` : undefined;
    record('normalize', opts.normalize, before, perSample ?? (nrm.targetSum !== undefined ? `target sum ${nrm.targetSum} (${nrm.targetSource === 'given' ? '--target-sum' : 'median of the non-zero totals, scanpy default'})` : 'natural log of 1 + x'));
  }
  return { dataset: d, steps };
}

/** The samples `--normalize-per-sample` scales by, or a one-line error saying what it needs. */
function perSampleGroups(d: Dataset, method: string): SampleGroups {
  if (method !== 'total' && method !== 'total-log1p') throw new StnmfError('BAD_OPTION', `--normalize-per-sample: only applies with --normalize total or total-log1p (got ${method})`);
  const g = sampleGroups(d);
  if (!g) throw new StnmfError('BAD_OPTION', '--normalize-per-sample: the input is one sample; give several with --samples manifest.csv or --sample-key COLUMN');
  return g;
}

/**
 * One line per step for a run log (`where "sample == CP": removed 1200 observations
 * (36602 → 35402 x 248)`), in the order the steps ran.
 */
export function formatSteps(steps: readonly SelectionStep[]): string[] {
  return steps.map((s) => {
    const value = typeof s.value === 'string' ? JSON.stringify(s.value) : Array.isArray(s.value) ? s.value.join(',') : String(s.value);
    const parts: string[] = [];
    if (s.removedObs > 0) parts.push(`removed ${s.removedObs} observation${s.removedObs === 1 ? '' : 's'}`);
    if (s.removedVars > 0) parts.push(`removed ${s.removedVars} feature${s.removedVars === 1 ? '' : 's'}`);
    if (parts.length === 0) parts.push('removed nothing');
    return `${s.step} ${value}: ${parts.join(', ')} (now ${s.nObs} x ${s.nVars})${s.note ? `; ${s.note}` : ''}`;
  });
}

/**
 * Two disjoint subsets of one dataset by two `--where` expressions (contrastive target and
 * background from one input). `labels` name the flags in messages.
 * @throws StnmfError('BAD_OPTION') when a subset is empty or the two overlap (naming how many
 * observations and the first).
 */
export function splitByWhere(
  ds: Dataset,
  targetExpr: string,
  backgroundExpr: string,
  labels: { target: string; background: string } = { target: '--target-where', background: '--background-where' },
): { target: Dataset; background: Dataset; steps: SelectionStep[] } {
  const t = evaluateWhere(targetExpr, ds.obs, labels.target);
  const b = evaluateWhere(backgroundExpr, ds.obs, labels.background);
  let both = 0;
  let first = -1;
  for (let i = 0; i < t.length; i++) {
    if (t[i] && b[i]) {
      if (both++ === 0) first = i;
    }
  }
  const nt = t.reduce((s, v) => s + v, 0);
  const nb = b.reduce((s, v) => s + v, 0);
  if (nt === 0) throw new StnmfError('BAD_OPTION', `${labels.target} ${JSON.stringify(targetExpr)} selects no observation of ${ds.X.rows}`);
  if (nb === 0) throw new StnmfError('BAD_OPTION', `${labels.background} ${JSON.stringify(backgroundExpr)} selects no observation of ${ds.X.rows}`);
  if (both > 0) {
    throw new StnmfError('BAD_OPTION', `${labels.target} and ${labels.background} overlap: ${both} observations match both (first: ${JSON.stringify(ds.obs.index[first])}); make the two expressions exclusive`);
  }
  const target = subsetObs(ds, maskToIds(t));
  const background = subsetObs(ds, maskToIds(b));
  const step = (name: string, value: string, d: Dataset): SelectionStep => ({ step: name, value, removedObs: ds.X.rows - d.X.rows, removedVars: 0, nObs: d.X.rows, nVars: d.X.cols });
  return { target, background, steps: [step(labels.target.replace(/^--/, ''), targetExpr, target), step(labels.background.replace(/^--/, ''), backgroundExpr, background)] };
}
