/**
 * `stnmf contrastive`: background-contrastive NMF (bcNMF, methods-spec M4) of a target data set
 * against a background with the same features. Writes basis.npy (k x features), H_target.npy
 * (target observations x k), H_background.npy (background observations x k), history.csv,
 * enrichment.csv, result.h5ad (target and background stacked, `obs.group`,
 * `obsm.X_bcnmf`, `varm.bcnmf`), summary.json and run.json.
 *
 * Orientation: observations are rows. The original code (and its demo tables) stores features
 * x samples; pass `--features-in-rows` for such tables and they are transposed on reading.
 */
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { createKernels } from '../../linalg/backend.js';
import { applySelection, splitByWhere } from '../../io/select/index.js';
import type { FlagValue } from '../args.js';
import { contrastiveNmf, CONTRASTIVE_OPTIONS, type ContrastiveNmfOptions } from '../../methods/contrastive/index.js';
import { optionsFromFlags } from '../../options.js';
import { optionFlags } from '../option-flags.js';
import { contrastiveRunFiles, contrastiveSummary } from '../../outputs/contrastive.js';
import { diskSink } from '../outputs/sink.js';
import type { Command, CommandContext } from '../command.js';
import { selectionFromFlags } from '../input-flags.js';
import { inputFlags, loadInput } from '../input.js';
import { finishRun, withRun } from '../command.js';
import { RunOutput, runFolderFlags } from '../output.js';

/**
 * The target and background of a run: two inputs (`--target`, `--background`, each with its
 * `--target-…`/`--background-…` input flags), or one input (`--input`, with the unprefixed
 * input flags) split by `--target-where` / `--background-where`, after which the other
 * `--target-…`/`--background-…` selection flags apply to each half.
 */
async function loadSides(f: Record<string, FlagValue>, ctx: CommandContext): Promise<{ t: Dataset; b: Dataset; inputs: Record<string, unknown> }> {
  // --features-in-rows is the bcNMF demo tables' layout: var-rows for both sides.
  if (f['features-in-rows']) {
    for (const side of f.input !== undefined ? [''] : ['target-', 'background-']) {
      if (f[`${side}orientation`] === 'obs-rows') throw new StnmfError('USAGE', `--features-in-rows contradicts --${side}orientation obs-rows`);
      f[`${side}orientation`] = 'var-rows';
    }
  }
  if (f.input !== undefined || f.samples !== undefined) {
    // --samples: the sections of a manifest pooled into one input, then split into the sides.
    const what = f.input !== undefined ? '--input' : '--samples';
    if (f.target !== undefined || f.background !== undefined) throw new StnmfError('USAGE', `give either ${what} with --target-where/--background-where, or --target and --background`);
    if (f['target-where'] === undefined || f['background-where'] === undefined) {
      throw new StnmfError('USAGE', `${what} needs --target-where and --background-where to split it (e.g. --target-where 'condition == "tumour"' --background-where 'condition == "normal"')`);
    }
    const whole = await loadInput('contrastive', f.input as string, f, ctx, { flag: '--input', nonNegative: true });
    const split = splitByWhere(whole.dataset, f['target-where'] as string, f['background-where'] as string);
    const side = async (ds: Dataset, prefix: string) => {
      const opts = await selectionFromFlags({ ...f, [`${prefix}where`]: undefined }, prefix);
      const sel = await applySelection(ds, opts, { source: `${f.input ?? f.samples} (${prefix.slice(0, -1)})`, prefix });
      return sel;
    };
    const t = await side(split.target, 'target-');
    const b = await side(split.background, 'background-');
    ctx.log(`split ${f.input ?? f.samples}: ${t.dataset.X.rows} target and ${b.dataset.X.rows} background observations`);
    return { t: t.dataset, b: b.dataset, inputs: { input: whole.record, split: split.steps, target: t.steps, background: b.steps } };
  }
  if (f.target === undefined || f.background === undefined) throw new StnmfError('USAGE', 'give --target and --background, or one --input with --target-where and --background-where');
  const given = Object.keys(inputFlags()).filter((k) => f[k] !== undefined);
  if (given.length) throw new StnmfError('USAGE', `--${given[0]} applies to a single --input; with --target and --background use --target-${given[0]} / --background-${given[0]}`);
  const t = await loadInput('contrastive', f.target as string, f, ctx, { prefix: 'target-', flag: '--target', nonNegative: true });
  const b = await loadInput('contrastive', f.background as string, f, ctx, { prefix: 'background-', flag: '--background', nonNegative: true });
  return { t: t.dataset, b: b.dataset, inputs: { target: t.record, background: b.record } };
}

export const contrastiveCommand: Command = {
  name: 'contrastive',
  summary: 'background-contrastive NMF (bcNMF): factors of a target that its background lacks',
  usage: 'stnmf contrastive (--target <path> --background <path> | (--input <path> | --samples manifest.csv) --target-where EXPR --background-where EXPR) --rank K --alpha A [--loss frobenius|poisson] --out DIR',
  examples: [
    "stnmf contrastive --target target_images.csv --background background_images.csv --features-in-rows --rank 2 --alpha 2 --max-iter 300 --out bcnmf-demo",
    "stnmf contrastive --input imaging_data.csv --target-where 'ClusterName == \"CD8+ T cells\"' --background-where 'ClusterName == \"CD4+ T cells CD45RO+\"' --rank 3 --alpha 1 --out bcnmf-tcells",
    "stnmf contrastive --samples breast-samples.csv --target-where 'condition == \"late\"' --background-where 'condition == \"early\"' --hvg 500 --rank 3 --alpha 0.5 --out bcnmf-layers",
  ],
  flags: {
    target: { type: 'string', help: 'target data set (any readable format); or use --input with --target-where' },
    background: { type: 'string', help: 'background data set with the same features; or use --input with --background-where' },
    input: { type: 'string', help: 'one data set holding both groups, split by --target-where and --background-where (obs expressions)' },
    'features-in-rows': { type: 'boolean', help: 'delimited tables store features as rows and observations as columns (the bcNMF demo layout)' },
    ...optionFlags(CONTRASTIVE_OPTIONS),
    top: { type: 'int', min: 1, default: 10, help: 'top features listed per factor in summary.json' },
    threads: { type: 'int', min: 1, help: 'worker threads (default: all cores)' },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags(),
    ...inputFlags('target-'),
    ...inputFlags('background-'),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length > 0) throw new StnmfError('USAGE', `stnmf contrastive: unexpected argument '${args.positionals[0]}' (inputs go in --target and --background)`);
    const threads = f.threads as number | undefined;
    if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf contrastive: --threads must be >= 1, got ${threads}`);
    const { t, b, inputs } = await loadSides(f, ctx);
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    const kernels = await createKernels({ threads });
    await withRun(out, async () => {
      const t0 = performance.now();
      const r = await contrastiveNmf(t, b, {
        ...optionsFromFlags<ContrastiveNmfOptions>(CONTRASTIVE_OPTIONS, f),
        kernels,
        signal: ctx.signal,
        onProgress: (e) => ctx.progress('bcNMF sweeps', e.iteration, e.maxIter, `J ${e.objective.toPrecision(7)}`),
      });
      const seconds = (performance.now() - t0) / 1000;
      await contrastiveRunFiles(t, b, r, diskSink(out));
      await finishRun(
        out,
        {
          command: 'contrastive',
          parameters: { ...r.parameters, featuresInRows: Boolean(f['features-in-rows']) },
          inputs: { ...inputs, nTarget: t.X.rows, nBackground: b.X.rows, nFeaturesTarget: t.X.cols, nFeaturesBackground: b.X.cols },
          seed: f.seed as number,
          summary: { ...contrastiveSummary(t, b, r, { top: f.top as number, backend: kernels.name }), seconds },
          seconds,
          warnings: r.warnings,
        },
        ctx,
        Boolean(f.json),
      );
    }, kernels);
  },
};
