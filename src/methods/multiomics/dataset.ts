/**
 * Joint multi-omics results as an AnnData-shaped Dataset, and their scores against known cell
 * types (layer 2, no Node imports).
 */
import { frame, type Column, type CoordinateUnit, type Dataset } from '../../dataset.js';
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

/** The run as an AnnData-shaped Dataset (what `stnmf multiomics` writes as result.h5ad): X = [transcripts | proteins] raw, obs labels, obsm X_nmf/spatial, varm nmf = Hᵀ. */
export function multiomicsToDataset(r: MultiOmicsResult, coords: CoordinateFrame = {}): Dataset {
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
  return {
    X,
    obs: frame(r.ids, {
      cell_type: cat(r.labels),
      niche_type: cat(Array.from(r.niches.niche, (t) => (t >= 0 ? cats[t] : 'none'))),
      nmf_factor: { kind: 'category', codes: Int32Array.from(r.factor), categories: factorNames(k) },
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
