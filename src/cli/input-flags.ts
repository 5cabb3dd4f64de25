/**
 * The selection / QC flags of the input contract (issue 13), declared once for every command
 * that reads data. A two-input command calls {@link selectionFlags} once per input with the
 * input's name as prefix (`selectionFlags('target-')` gives `--target-where`, …).
 * `--normalize` / `--target-sum` are separate ({@link normalizeFlags}): only commands that
 * factorise normalised values take them.
 */
import { StnmfError } from '../errors.js';
import type { Normalization, SelectionOptions } from '../io/input-options.js';
import { parseNameList } from '../io/select/features.js';
import type { FlagSpec, FlagValue } from './args.js';

/** Flag declarations of the selection options, names prefixed by `prefix` (e.g. `cells-`). */
export function selectionFlags(prefix = ''): Record<string, FlagSpec> {
  const p = prefix;
  return {
    [`${p}obs-meta`]: { type: 'string', array: true, help: 'metadata table (CSV/TSV) joined to obs by observation id (first column, or one named cell_id/barcode/CellID); its columns are added to obs; repeatable' },
    [`${p}where`]: {
      type: 'string',
      help: `keep observations matching an expression over obs columns, e.g. 'sample == "CP" and total_counts >= 10' (==, !=, <, <=, >, >=, in [a, b], not in, and, or, not, parentheses; \`odd name\` in backquotes)`,
    },
    [`${p}genes`]: { type: 'string', help: 'keep only these features: a comma list or a file with one name a line (exact names; the data keeps its feature order)' },
    [`${p}exclude-genes`]: { type: 'string', help: 'drop these features: a comma list or a file with one name a line' },
    [`${p}min-counts`]: { type: 'number', help: 'drop observations with fewer total counts (scanpy filter_cells(min_counts); kept when ≥; default: no filter)' },
    [`${p}min-features`]: { type: 'int', help: 'drop observations with fewer non-zero features (scanpy filter_cells(min_genes); default: no filter)' },
    [`${p}max-pct-control`]: { type: 'number', help: 'drop observations whose control counts (control probes/codewords, NegPrb, Blank) exceed this percentage of all counts, 0-100 (default: no filter)' },
    [`${p}min-cells`]: { type: 'int', help: 'drop features non-zero in fewer observations (scanpy filter_genes(min_cells); default: no filter)' },
    [`${p}hvg`]: { type: 'int', help: "keep the N most variable features, Seurat v3 on counts (scanpy highly_variable_genes(flavor='seurat_v3', n_top_genes=N); default: all features)" },
    [`${p}hvg-batch-key`]: { type: 'string', help: 'obs column of batches for --hvg (scanpy batch_key: median rank over batches; default: one batch)' },
  };
}

/**
 * `--samples` and `--sample-key` (issue 18): several samples as one input. Only the
 * unprefixed input of a command takes them.
 */
export function sampleFlags(): Record<string, FlagSpec> {
  return {
    samples: {
      type: 'string',
      input: 'file',
      help: 'several samples as one input: a CSV manifest sample_id,path[,coords][,microns_per_unit][,coordinate_unit][,platform][,condition,…] (paths relative to the manifest; other columns become obs columns); observation names get -<sample_id>, features are those of every sample, obs sample names the sample; spatial graphs never join samples',
    },
    'sample-key': { type: 'string', help: 'obs column naming the sample of each observation of one input holding several samples (copied to obs sample); spatial graphs never join samples' },
  };
}

/** `--normalize` and `--target-sum` (nmf only). */
export function normalizeFlags(): Record<string, FlagSpec> {
  return {
    normalize: { type: 'string', choices: ['none', 'total', 'log1p', 'total-log1p'], default: 'none', help: 'normalisation of X before factorising: none = raw counts; total = each observation scaled to the target sum (scanpy normalize_total); log1p = ln(1 + x); total-log1p = both' },
    'target-sum': { type: 'number', help: 'target sum of --normalize total / total-log1p (default: the median of the non-zero observation totals, scanpy normalize_total default)' },
    'normalize-per-sample': { type: 'boolean', help: 'with several samples (--samples, --sample-key): scale each observation to the median total of its own sample, as normalising each slide before joining them would (default: one median over all samples)' },
  };
}

function usage(name: string, msg: string): StnmfError {
  return new StnmfError('USAGE', `--${name} ${msg}`);
}

function num(flags: Record<string, FlagValue>, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw usage(name, `needs a number, got ${JSON.stringify(v)}`);
  return v;
}

function str(flags: Record<string, FlagValue>, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw usage(name, `needs a value, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The SelectionOptions of parsed flags (as declared by {@link selectionFlags} with the same
 * prefix, plus {@link normalizeFlags} when present). Gene lists given as files are read here.
 * @throws StnmfError('USAGE') naming the flag: negative thresholds, a percentage outside 0–100,
 * `--hvg` below 1, `--target-sum` not positive, an empty `--where`.
 */
export async function selectionFromFlags(flags: Record<string, FlagValue>, prefix = ''): Promise<SelectionOptions> {
  const p = prefix;
  const out: SelectionOptions = {};
  const meta = flags[`${p}obs-meta`];
  if (meta !== undefined) out.obsMeta = Array.isArray(meta) ? meta : [String(meta)];
  const where = str(flags, `${p}where`);
  if (where !== undefined) {
    if (where.trim() === '') throw usage(`${p}where`, 'is empty (write e.g. --where \'sample == "CP"\')');
    out.where = where;
  }
  const genes = str(flags, `${p}genes`);
  if (genes !== undefined) out.genes = await parseNameList(genes, `--${p}genes`);
  const ex = str(flags, `${p}exclude-genes`);
  if (ex !== undefined) out.excludeGenes = await parseNameList(ex, `--${p}exclude-genes`);
  for (const [name, key] of [
    ['min-counts', 'minCounts'],
    ['min-features', 'minFeatures'],
    ['min-cells', 'minCells'],
  ] as const) {
    const v = num(flags, `${p}${name}`);
    if (v === undefined) continue;
    if (v < 0) throw usage(`${p}${name}`, `must be ≥ 0, got ${v}`);
    out[key] = v;
  }
  const pct = num(flags, `${p}max-pct-control`);
  if (pct !== undefined) {
    if (!(pct >= 0 && pct <= 100)) throw usage(`${p}max-pct-control`, `is a percentage and must be within 0-100, got ${pct}`);
    out.maxPctControl = pct;
  }
  const hvg = num(flags, `${p}hvg`);
  if (hvg !== undefined) {
    if (!(Number.isInteger(hvg) && hvg >= 1)) throw usage(`${p}hvg`, `must be a whole number ≥ 1, got ${hvg}`);
    out.hvg = hvg;
  }
  const bk = str(flags, `${p}hvg-batch-key`);
  if (bk !== undefined) {
    if (out.hvg === undefined) throw usage(`${p}hvg-batch-key`, `needs --${p}hvg N`);
    out.hvgBatchKey = bk;
  }
  const nrm = str(flags, 'normalize');
  if (nrm !== undefined) {
    if (!['none', 'total', 'log1p', 'total-log1p'].includes(nrm)) throw usage('normalize', `must be one of none, total, log1p, total-log1p; got '${nrm}'`);
    out.normalize = nrm as Normalization;
  }
  const ts = num(flags, 'target-sum');
  if (ts !== undefined) {
    if (!(ts > 0)) throw usage('target-sum', `must be > 0, got ${ts}`);
    if (out.normalize !== 'total' && out.normalize !== 'total-log1p') throw usage('target-sum', 'only applies with --normalize total or total-log1p');
    out.targetSum = ts;
  }
  if (flags['normalize-per-sample']) {
    if (out.normalize !== 'total' && out.normalize !== 'total-log1p') throw usage('normalize-per-sample', 'only applies with --normalize total or total-log1p');
    if (out.targetSum !== undefined) throw usage('normalize-per-sample', '--target-sum scales every sample to the same total; drop one of them');
    out.normalizePerSample = true;
  }
  return out;
}
