/**
 * `stnmf nmf`: factorise any readable data set, X ≈ W·H, and write W.npy (observations x k),
 * H.npy (k x features), the labels, the loss trace, summary.json and run.json.
 */
import { StnmfError } from '../../errors.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import {
  attachNmf, inmf, inmfSummary, INMF_OPTIONS, nmf, nmfHistoryCsv, nmfSummary, NMF_OPTIONS,
  SAMPLE_FIT_OPTIONS, scaledJointNmf, scaledJointSummary, SCALED_JOINT_OPTIONS, type InmfOptions, type NmfOptions, type ScaledJointOptions,
} from '../../nmf/index.js';
import { inmfRunFiles, scaledJointRunFiles } from '../../outputs/sample-fits.js';
import { contiguousRows, sampleGroups } from '../../samples.js';
import type { Dataset } from '../../dataset.js';
import { optionsFromFlags } from '../../options.js';
import { optionFlags } from '../option-flags.js';
import type { Command, CommandContext } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { fitStreamedSamples, streamSamples } from '../../io/samples-stream.js';
import { selectionFlags } from '../input-flags.js';
import { readerOptionsFromFlags } from '../reader-flags.js';
import { convergenceWarning } from '../../warnings.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadFactor, loadInput } from '../input.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { perSampleFiles, sampleBlockFiles } from '../../outputs/samples.js';
import { diskSink } from '../outputs/sink.js';

/**
 * `--stream`: the joint fit of a manifest's samples with one sample in memory at a time
 * (src/io/samples-stream.ts). Only what the streamed HALS fit does is accepted: Frobenius, HALS,
 * the random start, one run, one sweep per half-step (`--hals-alpha 0`: the W half-step's
 * early stop looks at all samples' sweeps at once), the samples as read (selection and
 * normalisation need every sample at once, so they are refused with the flag to drop).
 */
async function runStreamed(input: string | undefined, f: ParsedArgs['flags'], ctx: CommandContext, given?: ReadonlySet<string>): Promise<void> {
  if (f.samples === undefined) throw new StnmfError('USAGE', 'stnmf nmf: --stream fits the samples of a --samples manifest one at a time; give --samples manifest.csv');
  if (input !== undefined) throw new StnmfError('USAGE', `stnmf nmf: --stream reads the samples of --samples; drop the input ${input}`);
  const refuse = (flag: string, why: string) => {
    throw new StnmfError('USAGE', `stnmf nmf: --${flag} ${why} with --stream`);
  };
  if (f.loss !== 'frobenius') refuse('loss', 'poisson is not available (the streamed fit is HALS, Frobenius)');
  if (f.solver !== undefined && f.solver !== 'hals') refuse('solver', `${f.solver} is not available (the streamed fit is HALS)`);
  if (f.init !== undefined && f.init !== 'random') refuse('init', `${f.init} is not available (NNDSVD needs the whole matrix; the streamed fit starts at random)`);
  if (f.w0 !== undefined || f.h0 !== undefined) refuse('w0/--h0', 'are not available');
  if ((f.restarts as number) > 1) refuse('restarts', 'above 1 is not available');
  if (given?.has('hals-alpha') && f['hals-alpha'] !== 0) refuse('hals-alpha', `${f['hals-alpha']} is not available (the streamed fit runs one sweep per half-step: --hals-alpha 0)`);
  if (f.normalize !== undefined && f.normalize !== 'none') refuse('normalize', 'is not available (normalising needs every sample at once)');
  for (const flag of ['target-sum', 'normalize-per-sample']) if (f[flag] !== undefined && f[flag] !== false) refuse(flag, 'is not available (no normalisation in a streamed fit)');
  for (const flag of Object.keys(selectionFlags(''))) if (f[flag] !== undefined) refuse(flag, 'is not available (selection needs every sample at once; subset each sample with stnmf convert first)');
  if (f['sample-key'] !== undefined) refuse('sample-key', 'is not available (one file is one sample in memory anyway)');
  const manifest = f.samples as string;
  const st = await streamSamples(manifest, readerOptionsFromFlags(f, ''));
  const n = st.rows.reduce((a, b) => a + b, 0);
  ctx.log(`stnmf nmf: streaming ${st.ids.length} samples (${n} observations x ${st.features.length} shared features), one at a time`);
  const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
  const kernels = await createKernels({ threads: f.threads as number | undefined });
  await withRun(out, async () => {
    const t0 = performance.now();
    const rank = f.rank as number;
    const fit = await fitStreamedSamples(st, {
      rank, maxIter: f['max-iter'] as number, tol: f.tol as number, seed: f.seed as number, kernels, signal: ctx.signal,
      onProgress: (e) => ctx.progress('nmf (streamed)', e.iteration, e.maxIter),
    });
    const seconds = (performance.now() - t0) / 1000;
    writeNpy(out.path('W.npy'), fit.Wall);
    writeNpy(out.path('H.npy'), fit.H);
    // Each sample's rows of the stacked W, in manifest order.
    const perSample = await sampleBlockFiles(diskSink(out), st.ids, contiguousRows(st.rows), st.obsNames, fit.Wall);
    await out.writeText('obs_names.txt', st.obsNames.join('\n') + '\n');
    await out.writeText('var_names.txt', st.features.join('\n') + '\n');
    const parameters = { rank, loss: 'frobenius', solver: 'hals', init: 'random', maxIter: f['max-iter'], halsAlpha: 0, tol: f.tol, seed: f.seed, stream: true, backend: kernels.name, threads: kernels.threads };
    const warnings = convergenceWarning('nmf', fit.converged, f['max-iter'] as number, f.tol as number);
    await finishRun(out, {
      command: 'nmf',
      parameters,
      inputs: { samples: manifest, sampleIds: st.ids, featuresDropped: Object.fromEntries(st.ids.map((id, s) => [id, st.featuresDropped[s]])) },
      seed: f.seed as number,
      summary: { iterations: fit.iterations, converged: fit.converged, rank, nObs: n, nVars: st.features.length, stream: true, samples: st.ids, peakNnz: fit.peakNnz, perSampleFiles: perSample, resultH5ad: 'not written: the streamed fit never holds the joined X' },
      seconds,
      warnings,
    }, ctx, Boolean(f.json));
  }, kernels);
}

/**
 * What the sample-aware fits (`--inmf`, `--sample-scaling`) cannot combine with, checked before
 * anything is read; their own flags are refused without them.
 */
function checkSampleFitFlags(args: ParsedArgs): void {
  const f = args.flags;
  if (!f.inmf && args.given?.has('inmf-lambda')) throw new StnmfError('USAGE', 'stnmf nmf: --inmf-lambda sets the penalty of the integrative fit; add --inmf (or drop --inmf-lambda)');
  if (!f['sample-scaling'] && args.given?.has('scaling-reference')) throw new StnmfError('USAGE', 'stnmf nmf: --scaling-reference names the sample of scale 1 of --sample-scaling; add --sample-scaling (or drop --scaling-reference)');
  const mode = f.inmf ? 'inmf' : f['sample-scaling'] ? 'sample-scaling' : undefined;
  if (mode === undefined) return;
  if (f.inmf && f['sample-scaling']) throw new StnmfError('USAGE', 'stnmf nmf: --inmf and --sample-scaling are two models; give one');
  const refuse = (flag: string, why: string) => {
    throw new StnmfError('USAGE', `stnmf nmf: --${flag} ${why} with --${mode}`);
  };
  if (f.samples === undefined && f['sample-key'] === undefined) throw new StnmfError('USAGE', `stnmf nmf: --${mode} fits several samples; give --samples manifest.csv or --sample-key COLUMN`);
  if (f.stream) refuse('stream', 'is not available (the fit holds every sample)');
  if (f.loss !== 'frobenius') refuse('loss', `${f.loss} is not available (the fit is Frobenius)`);
  if (f.solver !== undefined && f.solver !== 'hals') refuse('solver', `${f.solver} is not available (the fit runs HALS sweeps)`);
  if (f.init === 'custom' || f.w0 !== undefined || f.h0 !== undefined) refuse('w0/--h0', 'are not available');
  if ((f.restarts as number) > 1) refuse('restarts', 'above 1 is not available');
  if (args.given?.has('hals-alpha')) refuse('hals-alpha', 'is not available (the fit runs one sweep per block)');
}

/** The samples of a sample-aware fit, or a usage error naming what to give. */
function groupsOf(ds: Dataset, mode: string) {
  const groups = sampleGroups(ds);
  if (!groups) throw new StnmfError('USAGE', `stnmf nmf: --${mode} fits several samples; give --samples manifest.csv or --sample-key COLUMN`);
  return groups;
}

/**
 * `--inmf` (LIGER's integrative NMF, src/nmf/inmf.ts) or `--sample-scaling` (a scale per sample
 * and feature, src/nmf/scaled-joint.ts) of the input's samples: one library call, then the run
 * files of src/outputs/sample-fits.ts.
 */
async function runSampleFit(mode: 'inmf' | 'sample-scaling', ds: Dataset, f: ParsedArgs['flags'], ctx: CommandContext, record: unknown, selection: unknown, threads: number | undefined): Promise<void> {
  const groups = groupsOf(ds, mode);
  const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
  const kernels = await createKernels({ threads });
  await withRun(out, async () => {
    const t0 = performance.now();
    const common = { kernels, signal: ctx.signal };
    const fit =
      mode === 'inmf'
        ? await inmf(ds.X, groups, {
            ...optionsFromFlags<Omit<InmfOptions, 'kernels' | 'signal' | 'onProgress'>>({ ...SAMPLE_FIT_OPTIONS, ...INMF_OPTIONS }, f),
            ...common,
            onProgress: (e) => ctx.progress('inmf', e.iteration, e.maxIter, `objective ${e.objective.toPrecision(7)}`),
          })
        : await scaledJointNmf(ds.X, groups, {
            ...optionsFromFlags<Omit<ScaledJointOptions, 'kernels' | 'signal' | 'onProgress'>>({ ...SAMPLE_FIT_OPTIONS, ...SCALED_JOINT_OPTIONS }, f),
            ...common,
            onProgress: (e) => ctx.progress('nmf (sample scaling)', e.iteration, e.maxIter, `loss ${e.loss.toPrecision(7)}`),
          });
    const seconds = (performance.now() - t0) / 1000;
    const isInmf = 'objective' in fit;
    const perSample = isInmf ? await inmfRunFiles(ds, fit, diskSink(out)) : await scaledJointRunFiles(ds, fit, diskSink(out));
    const p = fit.parameters;
    await finishRun(out, {
      command: 'nmf',
      parameters: { ...p, ...(isInmf ? { inmf: true } : { sampleScaling: true }), loss: 'frobenius', solver: 'hals' },
      inputs: { input: record },
      seed: p.seed,
      summary: { ...(isInmf ? inmfSummary(fit, ds.X) : scaledJointSummary(fit, ds.X)), sampleKey: groups.key, perSampleFiles: perSample, normalize: f.normalize, selection, backend: p.backend, threads: p.threads },
      seconds,
      warnings: fit.warnings,
    }, ctx, Boolean(f.json));
  }, kernels);
}

export const nmfCommand: Command = {
  name: 'nmf',
  summary: 'non-negative matrix factorization X ≈ W·H of any readable data set',
  usage: 'stnmf nmf <input> | --samples manifest.csv --rank K [--loss poisson|frobenius] [--solver mu|hals] --out DIR',
  examples: [
    "stnmf nmf xenium/ --rank 10 --loss poisson --max-iter 100 --out nmf-out",
    "stnmf nmf xenium-qc.h5ad --rank 8 --normalize total-log1p --restarts 2 --seed 1 --out nmf-norm --json",
    "stnmf nmf --samples breast-samples.csv --rank 6 --normalize total-log1p --max-iter 100 --out nmf-joint",
    "stnmf nmf --samples breast-samples.csv --rank 6 --normalize total-log1p --inmf --inmf-lambda 5 --max-iter 100 --out nmf-inmf",
    "stnmf nmf --samples breast-samples.csv --rank 6 --sample-scaling --scaling-reference slice1 --max-iter 100 --out nmf-scaled",
  ],
  flags: {
    ...optionFlags(NMF_OPTIONS),
    w0: { type: 'string', input: 'file', help: 'initial W (.npy, observations x k); needs --h0' },
    h0: { type: 'string', input: 'file', help: 'initial H (.npy, k x features); needs --w0' },
    threads: { type: 'int', min: 1, help: 'worker threads (default: all cores)' },
    inmf: {
      type: 'boolean',
      help: "with several samples (--samples or --sample-key): LIGER's integrative NMF, X_s ≈ W_s (H + V_s), shared programs H plus each sample's own V_s (writes V_<sample>.npy; Frobenius, HALS sweeps)",
    },
    ...optionFlags(INMF_OPTIONS),
    'sample-scaling': {
      type: 'boolean',
      help: 'with several samples: the joint NMF X_s ≈ W_s H diag(φ_s) with a learned scale φ per sample and feature (a per-slide capture efficiency, as SIID scales platforms), 1 on the reference sample; writes sample_scaling.csv (Frobenius, HALS sweeps)',
    },
    ...optionFlags(SCALED_JOINT_OPTIONS),
    stream: {
      type: 'boolean',
      help: 'with --samples: fit with one sample in memory at a time (HALS block updates from a random start, each iteration re-reading every sample; for studies whose samples together exceed memory; convert CSV samples to .h5ad first, they are re-read each iteration); writes H, W and W_<sample> but no result.h5ad (the joined X is never held)',
    },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags('', { normalize: true }),
  },
  async run(args, ctx) {
    const f = args.flags;
    const input = args.positionals[0];
    if (args.positionals.length > 1) throw new StnmfError('USAGE', `stnmf nmf: one input expected, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
    if ((f.w0 === undefined) !== (f.h0 === undefined)) throw new StnmfError('USAGE', 'stnmf nmf: --w0 and --h0 go together');
    if (f.init !== undefined && f.init !== 'custom' && f.w0 !== undefined) throw new StnmfError('USAGE', `stnmf nmf: --init ${f.init} conflicts with --w0/--h0 (they set a custom start)`);
    if (f.init === 'custom' && f.w0 === undefined) throw new StnmfError('USAGE', 'stnmf nmf: --init custom starts from --w0 and --h0; give both');
    const threads = f.threads as number | undefined;
    if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf nmf: --threads must be ≥ 1, got ${threads}`);
    checkSampleFitFlags(args);
    if (f.stream) return runStreamed(input, f, ctx, args.given);
    const { dataset: ds, selection, record } = await loadInput('nmf', input, f, ctx, { normalize: true, nonNegative: true });
    if (f.inmf || f['sample-scaling']) return runSampleFit(f.inmf ? 'inmf' : 'sample-scaling', ds, f, ctx, record, selection, threads);
    const rank = f.rank as number;
    const W0 = f.w0 ? loadFactor('w0', f.w0 as string, ds.X.rows, rank) : undefined;
    const H0 = f.h0 ? loadFactor('h0', f.h0 as string, rank, ds.X.cols) : undefined;
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    const kernels = await createKernels({ threads });
    await withRun(out, async () => {
      const t0 = performance.now();
      const result = await nmf(ds.X, {
        ...optionsFromFlags<Pick<NmfOptions, keyof typeof NMF_OPTIONS>>(NMF_OPTIONS, f),
        W0,
        H0,
        kernels,
        signal: ctx.signal,
        onProgress: (e) => ctx.progress(`nmf restart ${e.restart + 1}/${e.restarts}`, e.iteration, e.maxIter, e.loss !== undefined ? `loss ${e.loss.toPrecision(7)}` : undefined),
      });
      const seconds = (performance.now() - t0) / 1000;
      if (result.parameters.shards > 1) ctx.log(`nmf: X was held in ${result.parameters.shards} row-block shards of about ${Math.ceil(ds.X.indptr[ds.X.rows] / result.parameters.shards).toLocaleString('en-US')} non-zeros, each in its own WebAssembly memory (one holds 4 GiB)`);
      writeNpy(out.path('W.npy'), result.W);
      writeNpy(out.path('H.npy'), result.H);
      // Several samples: the stacked fit is a shared H with a W per sample (its rows of W).
      const perSample = await perSampleFiles(diskSink(out), ds, result.W);
      await out.writeText('obs_names.txt', ds.obs.index.join('\n') + '\n');
      await out.writeText('var_names.txt', ds.var.index.join('\n') + '\n');
      // result.h5ad: the input with W as obsm['X_nmf'] and Hᵀ as varm['nmf'] (scanpy names).
      attachNmf(ds, result);
      await writeH5ad(out.path('result.h5ad'), ds);
      await out.writeText('history.csv', nmfHistoryCsv(result));
      const p = result.parameters;
      await finishRun(
        out,
        {
          command: 'nmf',
          parameters: p,
          inputs: { input: record },
          seed: p.seed,
          summary: {
            ...nmfSummary(result, ds.X),
            ...(ds.meta.sampleKey !== undefined ? { sampleKey: ds.meta.sampleKey, perSampleFiles: perSample } : {}),
            normalize: f.normalize,
            selection,
            backend: p.backend,
            threads: p.threads,
          },
          seconds,
          warnings: result.warnings,
          // history.csv's rows, timed (wall clock, so in run.json only).
          timings: { historySeconds: result.history.map((h) => h.seconds) },
        },
        ctx,
        Boolean(f.json),
      );
    }, kernels);
  },
};
