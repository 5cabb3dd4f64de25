/**
 * bcNMF factor enrichment per sample (issue 18, point 3): when the target and background are
 * pooled from several sections (`contrastive --samples manifest.csv --target-where …`), each
 * section's mean coefficient of every factor, and its log2 enrichment over the pooled
 * background mean with the δ of {@link enrichmentScores} — so one can see whether a
 * target-enriched factor is carried by every target section or by one.
 *
 * Layer 2 (methods): no Node APIs.
 */
import type { Dataset } from '../../dataset.js';
import type { Dense } from '../../linalg/dense.js';
import { sampleGroups } from '../../samples.js';
import type { ContrastiveNmfResult } from './model.js';

/** One sample's factor usage. */
export interface SampleEnrichment {
  sample: string;
  /** `target` or `background`: the side the sample's observations were pooled into. */
  side: 'target' | 'background';
  nObs: number;
  /** Mean coefficient of each factor over the sample's observations. */
  mean: number[];
  /** log2((mean + δ) / (pooled background mean + δ)) per factor. */
  enrichmentLog2: number[];
}

function sideRows(ds: Dataset, H: Dense, side: 'target' | 'background', bgMean: Float64Array, delta: number): SampleEnrichment[] {
  const g = sampleGroups(ds);
  if (!g) return [];
  const k = H.cols;
  const sums = g.ids.map(() => new Float64Array(k));
  const counts = new Int32Array(g.ids.length);
  for (let i = 0; i < H.rows; i++) {
    const s = g.codes[i];
    counts[s]++;
    for (let t = 0; t < k; t++) sums[s][t] += H.data[i * k + t];
  }
  const out: SampleEnrichment[] = [];
  g.ids.forEach((id, s) => {
    if (counts[s] === 0) return;
    const mean = Array.from(sums[s], (v) => v / counts[s]);
    out.push({ sample: id, side, nObs: counts[s], mean, enrichmentLog2: mean.map((m, t) => Math.log2((m + delta) / (bgMean[t] + delta))) });
  });
  return out;
}

/**
 * Per-sample factor usage of a bcNMF fit whose target `t` and background `b` carry a sample
 * column (`meta.sampleKey`); empty when neither does. The δ is the one of the pooled score:
 * 1e-9 × the mean of all coefficient means.
 */
export function perSampleEnrichment(t: Dataset, b: Dataset, r: ContrastiveNmfResult): SampleEnrichment[] {
  const k = r.hTarget.cols;
  let all = 0;
  for (let q = 0; q < k; q++) all += r.targetMean[q] + r.backgroundMean[q];
  const delta = Math.max((1e-9 * all) / (2 * k), Number.MIN_VALUE);
  return [...sideRows(t, r.hTarget, 'target', r.backgroundMean, delta), ...sideRows(b, r.hBackground, 'background', r.backgroundMean, delta)];
}
