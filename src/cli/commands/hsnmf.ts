/**
 * `stnmf hsnmf`: spatially smoothed NMF and hybrid-graph Leiden clustering (SNMF / hSNMF,
 * methods-spec M1) with the reference's evaluation; `--sweep` runs the rank x resolution grid
 * and marks the Pareto front. Writers in src/cli/outputs/hsnmf.ts; the demo step in
 * src/cli/demo-steps.ts.
 */
import { readFile } from 'node:fs/promises';
import { obsStrings } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { createKernels } from '../../linalg/index.js';
import {
  evaluateHsnmfAsync,
  hsnmf,
  hsnmfSummary,
  hsnmfSweep,
  metricsCsv,
  sweepCsv,
  HSNMF_EVALUATE_OPTIONS,
  HSNMF_OPTIONS,
  type EvaluateOptions,
  type HsnmfOptions,
} from '../../methods/snmf/index.js';
import { optionsFromFlags } from '../../options.js';
import { optionFlags } from '../option-flags.js';
import { parseGmt, type GeneSet } from '../../metrics/index.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { storedFactors } from '../obs-matrix.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { perSampleCsv, writeRunFiles } from '../outputs/hsnmf.js';

function numberList(flag: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out = parts.map(Number);
  if (out.length === 0 || out.some((x) => !Number.isFinite(x))) throw new StnmfError('USAGE', `stnmf hsnmf: --${flag} must be a comma-separated list of numbers, got '${v}'`);
  return out;
}

export const hsnmfCommand: Command = {
  name: 'hsnmf',
  summary: 'spatially smoothed NMF + hybrid spatial/feature-graph Leiden clustering (SNMF/hSNMF)',
  usage: 'stnmf hsnmf <input> [--rank 10] [--alpha 0.5] [--resolution 0.4] [--mode hybrid|spatial|feature] [--sweep] --out DIR',
  examples: [
    "stnmf hsnmf xenium/ --rank 10 --resolution 0.4 --out hsnmf-out",
    "stnmf hsnmf nmf-out/ --use X_nmf --out hsnmf-reuse",
    "stnmf hsnmf xenium/ --mode feature --gmt gene_sets.gmt --out hsnmf-feature",
    "stnmf hsnmf xenium/ --sweep --ranks 5,10 --resolutions 0.4,0.8 --max-iter 100 --out hsnmf-sweep",
  ],
  flags: {
    ...optionFlags(HSNMF_OPTIONS),
    sweep: { type: 'boolean', help: 'run the rank x resolution grid and write sweep.csv with Pareto flags' },
    ranks: { type: 'string', help: 'sweep ranks, comma-separated (default 5,10,15,20,25,30,35,40)' },
    resolutions: { type: 'string', help: 'sweep resolutions, comma-separated (default 0.4,0.6,0.8,1.0,1.2)' },
    use: { type: 'string', help: 'smooth and cluster stored factors instead of fitting NMF: an obsm key of the input (X_nmf of a `stnmf nmf` result; H from the matching varm entry); --rank is taken from it' },
    ...optionFlags(HSNMF_EVALUATE_OPTIONS),
    gmt: { type: 'string', input: 'file', help: 'gene sets (GMT) for the marker over-representation score' },
    labels: { type: 'string', help: 'obs column with reference labels (ARI, NMI)' },
    threads: { type: 'int', min: 1, help: 'worker threads (default: all cores)' },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length > 1) throw new StnmfError('USAGE', `stnmf hsnmf: one input expected, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
    const threads = f.threads as number | undefined;
    if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf hsnmf: --threads must be >= 1, got ${threads}`);
    const ranks = numberList('ranks', f.ranks);
    const resolutions = numberList('resolutions', f.resolutions);
    if (!f.sweep && (ranks || resolutions)) throw new StnmfError('USAGE', 'stnmf hsnmf: --ranks/--resolutions need --sweep');
    const input = args.positionals[0];
    const { dataset: ds, record } = await loadInput('hsnmf', input, f, ctx, { nonNegative: f.use === undefined });
    if (f.use !== undefined && f.sweep) throw new StnmfError('USAGE', '--use reuses one set of factors; a --sweep fits one per rank, so drop one of them');
    const factors = f.use !== undefined ? storedFactors(ds, f.use as string) : undefined;
    let geneSets: GeneSet[] | undefined;
    if (f.gmt !== undefined) {
      let text: string;
      try {
        text = await readFile(f.gmt as string, 'utf8');
      } catch {
        throw new StnmfError('BAD_FILE', `${f.gmt} (--gmt): file not found or unreadable`);
      }
      geneSets = parseGmt(text, f.gmt as string);
    }
    const referenceLabels = f.labels !== undefined ? obsStrings(ds, f.labels as string, `--labels ${f.labels}`) : undefined;
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    const kernels = await createKernels({ threads });
    await withRun(out, async () => {
      const options: HsnmfOptions = {
        ...optionsFromFlags<HsnmfOptions>(HSNMF_OPTIONS, f),
        ...(factors ? { rank: factors.W.cols, factors } : {}),
        kernels,
        signal: ctx.signal,
        onProgress: (e) => ctx.progress(`hsnmf ${e.stage}`, e.done, e.total, e.detail),
      };
      const evalOptions: EvaluateOptions = {
        ...optionsFromFlags<EvaluateOptions>(HSNMF_EVALUATE_OPTIONS, f),
        seed: f.seed as number,
        geneNames: ds.var.index,
        geneSets,
        referenceLabels,
      };
      const inputs = { input: record, gmt: f.gmt, use: f.use };
      const t0 = performance.now();
      if (f.sweep) {
        const s = await hsnmfSweep(ds, { ...options, ranks, resolutions, evaluate: evalOptions });
        const seconds = (performance.now() - t0) / 1000;
        await out.writeText('sweep.csv', sweepCsv(s));
        const front = s.rows.filter((_, i) => s.paretoCompactSeparable[i]).map((r) => ({ rank: r.rank, resolution: r.resolution, moranChaos: r.moranChaos, silDbi: r.silDbi, nClusters: r.nClusters }));
        await finishRun(out, {
          command: 'hsnmf',
          parameters: { ...options, kernels: undefined, signal: undefined, onProgress: undefined, sweep: true, ranks: ranks ?? 'default', resolutions: resolutions ?? 'default', evaluate: { ...evalOptions, geneNames: undefined, geneSets: geneSets ? geneSets.length : undefined, referenceLabels: f.labels } },
          inputs,
          seed: f.seed as number,
          summary: { runs: s.rows.length, paretoFront: front },
          seconds,
          // sweep.csv's rows, timed (wall clock, so in run.json only).
          timings: { sweepSeconds: s.seconds },
        }, ctx, Boolean(f.json));
        return;
      }
      const r = await hsnmf(ds, options);
      const seconds = (performance.now() - t0) / 1000;
      ctx.progress('hsnmf metrics', 0, 1);
      const ev = await evaluateHsnmfAsync(r, { ...evalOptions, signal: ctx.signal });
      await out.writeText('metrics.csv', metricsCsv([ev.metrics]));
      if (ev.perSample) await out.writeText('per_sample_metrics.csv', perSampleCsv(ev.perSample));
      await writeRunFiles((name) => out.path(name), ds, r, ev, ctx.signal);
      await finishRun(out, {
        command: 'hsnmf',
        parameters: { ...r.parameters, evaluate: { subsample: evalOptions.subsample, seed: evalOptions.seed, minClusterSize: evalOptions.minClusterSize, gmt: f.gmt, labels: f.labels } },
        inputs,
        seed: f.seed as number,
        summary: { ...hsnmfSummary(ev.metrics, r), ...(ev.perSample ? { sampleKey: ds.meta.sampleKey, perSample: ev.perSample } : {}) },
        seconds,
        warnings: r.snmf.warnings,
        timings: { stageSeconds: r.seconds },
      }, ctx, Boolean(f.json));
    }, kernels);
  },
};
