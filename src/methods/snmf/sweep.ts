/**
 * The rank x resolution sweep of the reference (`hSNMF_model.py` RANK_GRID x RES_GRID) and the
 * Pareto analysis of `pareto_analysis.py` (methods-spec M1.5 item 13, Part IV.3): per rank
 * one SNMF and one feature graph, per resolution one Leiden run and one metric row; then the
 * Pareto front of spatial compactness (Moran's I / (100·CHAOS)) vs separability
 * (silhouette / DBI), and, when enrichment is available, of each vs CMC × Enrich.
 *
 * Layer 2 (methods): no Node APIs.
 */
import type { Dataset } from '../../dataset.js';
import { runStepsCancellable, throwIfAborted } from '../../errors.js';
import { paretoOptimal } from '../../metrics/pareto.js';
import { evaluateHsnmfAsync, metricsCsv, type EvaluateOptions, type HsnmfMetrics } from './evaluate.js';
import { featureGraphSteps, hsnmf, hsnmfDefaults, type HsnmfOptions } from './hsnmf.js';
import { snmf } from './snmf.js';

/** Options of {@link hsnmfSweep}. */
export interface SweepOptions extends HsnmfOptions {
  /** Ranks (default the reference figures' grid 5, 10, …, 40). */
  ranks?: number[];
  /** Resolutions (default 0.4, 0.6, 0.8, 1.0, 1.2). */
  resolutions?: number[];
  evaluate?: EvaluateOptions;
}

/** The sweep table. */
export interface SweepResult {
  rows: HsnmfMetrics[];
  /** Pareto-optimal (both maximised) in MoranChaos vs Sil/DBI. */
  paretoCompactSeparable: boolean[];
  /** Pareto-optimal in MoranChaos vs CMC×Enrich (all false without enrichment). */
  paretoCompactEnrich: boolean[];
  /** Pareto-optimal in Sil/DBI vs CMC×Enrich. */
  paretoSeparableEnrich: boolean[];
  seconds: number[];
}

/** Pareto optimality with both axes maximised (`metrics.paretoOptimal`, under the sweep's name). */
export const paretoFront = paretoOptimal;

/**
 * Runs hSNMF over `ranks x resolutions` in the chosen mode and evaluates every run.
 * @throws StnmfError as {@link hsnmf}.
 */
export async function hsnmfSweep(dataset: Dataset, options: SweepOptions = {}): Promise<SweepResult> {
  const ranks = options.ranks ?? [5, 10, 15, 20, 25, 30, 35, 40];
  const resolutions = options.resolutions ?? [0.4, 0.6, 0.8, 1.0, 1.2];
  const p = hsnmfDefaults(options);
  const rows: HsnmfMetrics[] = [];
  const seconds: number[] = [];
  const total = ranks.length * resolutions.length;
  for (const rank of ranks) {
    const t0 = Date.now();
    const s = await snmf(dataset, { ...options, rank });
    const conn = await runStepsCancellable(featureGraphSteps(s, p.nNeighbors), options.signal, 'hsnmf sweep');
    const prep = (Date.now() - t0) / 1000;
    for (const resolution of resolutions) {
      throwIfAborted(options.signal, 'hsnmf sweep');
      const t1 = Date.now();
      const r = await hsnmf(dataset, { ...options, rank, resolution, snmfResult: s, featureGraph: conn });
      const { metrics } = await evaluateHsnmfAsync(r, { ...options.evaluate, signal: options.signal });
      rows.push(metrics);
      seconds.push((Date.now() - t1) / 1000 + prep / resolutions.length);
      options.onProgress?.({ stage: 'sweep', done: rows.length, total, detail: `rank ${rank} resolution ${resolution}: ${r.nClusters} clusters` });
    }
  }
  const mc = rows.map((r) => r.moranChaos);
  const sd = rows.map((r) => r.silDbi);
  const ce = rows.map((r) => r.cmcEnrich);
  return {
    rows,
    paretoCompactSeparable: paretoFront(mc, sd),
    paretoCompactEnrich: paretoFront(mc, ce),
    paretoSeparableEnrich: paretoFront(sd, ce),
    seconds,
  };
}

/**
 * The sweep as CSV: the metric columns and the three Pareto flags. The seconds per run are not
 * in it (wall clock: the same sweep must give the same bytes); the CLI puts them in run.json.
 */
export function sweepCsv(s: SweepResult): string {
  return metricsCsv(s.rows, [
    { name: 'Pareto_MoranChaos_vs_SilDBI', values: s.paretoCompactSeparable },
    { name: 'Pareto_MoranChaos_vs_CMCxEnrich', values: s.paretoCompactEnrich },
    { name: 'Pareto_SilDBI_vs_CMCxEnrich', values: s.paretoSeparableEnrich },
  ]);
}
