/**
 * Joint multi-omics results as an AnnData-shaped Dataset, and their scores against known cell
 * types (layer 2, no Node imports).
 */
import { frame, type Column, type CoordinateUnit, type Dataset, type Frame } from '../../dataset.js';
import { KEYS } from '../../keys.js';
import { transposeDense } from '../../linalg/dense.js';
import { adjustedRandIndex } from '../../metrics/index.js';
import { assignmentAccuracy, type MultiOmicsResult } from './pipeline.js';
import { hstackCsr } from './preprocess.js';
import { factorNames } from '../../keys.js';

/** Unit of the aligned coordinates (those of the transcript slide when given, else the protein slide). */
export interface CoordinateFrame {
  coordinateUnit?: CoordinateUnit;
  micronsPerUnit?: number;
}

/**
 * The obs tables of the two inputs, in the row order of the tables given to the pipeline (a
 * Dataset's `obs`), whose columns the result keeps.
 */
export interface InputObs {
  tx?: Frame | null;
  prot?: Frame | null;
}

/** Modality prefixes of kept input obs columns (muon's `mod:column` naming of a MuData's global obs). */
export const OBS_PREFIX = { tx: 'tx:', prot: 'prot:' } as const;

/**
 * Column `c` of an input, taken at `rows` (the input row of each result observation; -1 = none,
 * e.g. a protein value aggregated into a spot, or a padded cell). Missing entries are NaN for
 * numbers and missing (-1) categories otherwise, as AnnData stores them; strings and booleans
 * with missing entries become categoricals for that reason.
 */
function takeRows(c: Column, rows: Int32Array): Column {
  const n = rows.length;
  const missing = rows.some((i) => i < 0);
  if (c.kind === 'number') return { kind: 'number', values: Float64Array.from(rows, (i) => (i >= 0 ? c.values[i] : NaN)) };
  if (c.kind === 'category') return { kind: 'category', codes: Int32Array.from(rows, (i) => (i >= 0 ? c.codes[i] : -1)), categories: c.categories, ordered: c.ordered };
  if (c.kind === 'bool') {
    if (!missing) return { kind: 'bool', values: Uint8Array.from(rows, (i) => c.values[i]) };
    return { kind: 'category', codes: Int32Array.from(rows, (i) => (i >= 0 ? c.values[i] : -1)), categories: ['False', 'True'] };
  }
  if (!missing) return { kind: 'string', values: Array.from(rows, (i) => c.values[i]) };
  const categories = [...new Set(c.values)].sort();
  const idx = new Map(categories.map((v, k) => [v, k]));
  const codes = new Int32Array(n);
  for (let q = 0; q < n; q++) codes[q] = rows[q] >= 0 ? idx.get(c.values[rows[q]])! : -1;
  return { kind: 'category', codes, categories };
}

/**
 * The run as an AnnData-shaped Dataset (what `stnmf multiomics` writes as result.h5ad): X =
 * [transcripts | proteins] raw, obs labels, obsm X_nmf/spatial, varm nmf = Hᵀ. With `inputs`,
 * every obs column of each input is kept as `tx:<column>` / `prot:<column>` (muon's naming), at
 * the input row each observation came from.
 */
export function multiomicsToDataset(r: MultiOmicsResult, coords: CoordinateFrame = {}, inputs: InputObs = {}): Dataset {
  const n = r.ids.length;
  const k = r.W.cols;
  const X = hstackCsr([r.Xtranscript, r.Xprotein].filter((b) => b.cols > 0));
  const names = [...r.transcriptFeatures, ...r.proteinFeatures];
  const cat = (values: string[]): Column => {
    const categories = [...new Set(values)].sort();
    const idx = new Map(categories.map((c, i) => [c, i]));
    return { kind: 'category', codes: Int32Array.from(values, (v) => idx.get(v)!), categories };
  };
  const hvgMask = new Uint8Array(names.length);
  for (const j of r.hvg) hvgMask[j] = 1;
  for (let j = r.transcriptFeatures.length; j < names.length; j++) hvgMask[j] = 1;
  const Ht = transposeDense(r.Htranscript);
  const Hp = transposeDense(r.Hprotein);
  const varm = new Float32Array(names.length * k);
  varm.set(Ht.data, 0);
  varm.set(Hp.data, Ht.data.length);
  const spatial = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) (spatial[2 * i] = r.x[i]), (spatial[2 * i + 1] = r.y[i]);
  const cats = r.coded.categories;
  const kept: Record<string, Column> = {};
  for (const [mod, rows] of [['tx', r.alignment.txRow], ['prot', r.alignment.protRow]] as const) {
    const f = inputs[mod];
    if (!f) continue;
    for (const [name, c] of f.columns) kept[OBS_PREFIX[mod] + name] = takeRows(c, rows);
  }
  return {
    X,
    obs: frame(r.ids, {
      cell_type: cat(r.labels),
      niche_type: cat(Array.from(r.niches.niche, (t) => (t >= 0 ? cats[t] : 'none'))),
      nmf_factor: { kind: 'category', codes: Int32Array.from(r.factor), categories: factorNames(k) },
      ...kept,
    }),
    var: frame(names, {
      modality: cat([...r.transcriptFeatures.map(() => 'transcript'), ...r.proteinFeatures.map(() => 'protein')]),
      nmf_used: { kind: 'bool', values: hvgMask },
    }),
    obsm: { [KEYS.spatial.obsm]: { rows: n, cols: 2, data: spatial }, [KEYS.multiomics.obsm]: { rows: n, cols: k, data: r.W.data } },
    varm: { [KEYS.multiomics.varm]: { rows: names.length, cols: k, data: varm } },
    obsp: {},
    layers: {},
    uns: {
      [KEYS.multiomics.uns]: {
        factor_cell_type: r.annotation.factors.map((f) => f.cellType),
        factor_score: Float64Array.from(r.annotation.factors, (f) => f.score),
        block_scale_transcript: r.blockScale.transcript,
        block_scale_protein: r.blockScale.protein,
        nmf_loss: r.nmf.loss,
        nmf_iterations: r.nmf.iterations,
      },
    },
    // Recording the unit keeps plots from labelling pixel coordinates (CODEX, IMC) as µm.
    meta: { platform: 'stnmf-multiomics', source: '(stnmf multiomics)', filtered: [], coordinateUnit: coords.coordinateUnit, micronsPerUnit: coords.micronsPerUnit },
  };
}

/** Accuracy (M3.9) and ARI of the labels against a truth map, over the observations it covers. */
export function scoreLabelsAgainstTruth(r: MultiOmicsResult, truth: ReadonlyMap<string, string>): Record<string, unknown> {
  const acc = assignmentAccuracy(r.ids, r.labels, truth);
  const t: string[] = [];
  const p: string[] = [];
  r.ids.forEach((id, i) => {
    const v = truth.get(id);
    if (v !== undefined) (t.push(v), p.push(r.labels[i]));
  });
  return { accuracy: acc.accuracy, ari: t.length ? adjustedRandIndex(t, p) : NaN, nScored: acc.n, recall: acc.recall, typesRecovered: acc.typesRecovered };
}

/**
 * The key figures of a joint multi-omics run as `stnmf multiomics` writes them in summary.json:
 * shapes, the factors' cell types, how many observations got each label, the scores against
 * known types when given (`scoreLabelsAgainstTruth`), and the NMF's loss.
 */
export function multiomicsSummary(r: MultiOmicsResult, truthScores: Record<string, unknown> = {}): Record<string, unknown> {
  const labelCounts: Record<string, number> = {};
  for (const l of r.labels) labelCounts[l] = (labelCounts[l] ?? 0) + 1;
  return {
    nObs: r.ids.length,
    nMatched: r.alignment.nMatched,
    nGenes: r.transcriptFeatures.length,
    nGenesUsed: r.hvg.length,
    nProteins: r.proteinFeatures.length,
    nFactors: r.W.cols,
    factorTypes: r.annotation.factors.map((a) => a.cellType),
    labelCounts,
    ...truthScores,
    nmfLoss: r.nmf.loss,
    nmfIterations: r.nmf.iterations,
    nmfConverged: r.nmf.converged,
    nEdges: r.graph.indptr[r.graph.n] / 2,
    shapes: { W: [r.W.rows, r.W.cols], H_transcript: [r.Htranscript.rows, r.Htranscript.cols], H_protein: [r.Hprotein.rows, r.Hprotein.cols] },
  };
}
