/**
 * `stnmf siid`: joint imputation and deconvolution of a single-cell slide and a spot slide
 * (methods-spec M2). Writes result.h5ad (cells x modelled genes; layers `imputed` and, with a
 * holdout, `holdout`), proportions.csv (spot x factor), holdout_r2.csv (gene, R², fold and the
 * baselines), summary.json and run.json (files made by src/outputs/siid.ts; the demo step in
 * src/cli/demo-steps.ts).
 */
import { readFileSync } from 'node:fs';
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { npyToFloat64, readNpy } from '../../io/npy.js';
import { requireMicrons } from '../../io/units.js';
import { resolveSiidOptions, runSiid, type SiidOptions } from '../../methods/siid/index.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { RunOutput, runFolderFlags } from '../output.js';
import type { FlagValue } from '../args.js';
import { writeOutputs } from '../outputs/siid.js';

export const siidCommand: Command = {
  name: 'siid',
  summary: 'SIID: impute unmeasured genes of a single-cell slide and deconvolve a spot slide jointly',
  usage: 'stnmf siid --cells <path> --spots <path> [--rank 20] [--holdout-folds 10] [--solver mu|adam] [--entropy-lambda 0] --out DIR',
  examples: [
    "stnmf siid --cells sim/cells.h5ad --spots sim/spots.h5ad --rank 4 --truth obs:type --holdout-folds 4 --out siid-sim --json",
    "stnmf siid --cells pv/cells.h5ad --spots pv/spots.h5ad --rank 10 --holdout-folds 0 --out siid-pv",
  ],
  flags: {
    cells: { type: 'string', input: 'dataset', required: true, help: 'single-cell slide (Xenium-like), any format stnmf reads' },
    spots: { type: 'string', input: 'dataset', required: true, help: 'spot slide (Visium-like), any format stnmf reads; its genes must include the cell panel' },
    rank: { type: 'int', min: 1, short: 'k', default: 20, help: 'latent factors h (paper: 20 breast, 40 colorectal)' },
    'holdout-folds': { type: 'int', min: 0, default: 10, help: 'k-fold gene holdout over the panel (0 = skip; paper: 10)' },
    'fold-seed': { type: 'int', min: 0, default: 0, help: 'seed of the gene folds' },
    solver: { type: 'string', choices: ['mu', 'adam'], default: 'mu', help: 'mu = ECM multiplicative updates (fast); adam = paper parity' },
    'entropy-lambda': { type: 'number', default: 0, help: 'entropy schedule λ, ω = exp(epoch/λ) (0 = off, the library default: on the pseudo-Visium pair of the Xenium slide, λ = 1000 (the paper) gave 10-fold holdout R² 0.274 against 0.416 without; paper: 1000 imputation, 500 deconvolution)' },
    'entropy-reduction': { type: 'string', choices: ['sum', 'meanOverCells'], default: 'sum', help: 'entropy summed over cells (paper) or averaged (public code)' },
    'entropy-schedule': { type: 'string', choices: ['continuous', 'step100'], default: 'continuous', help: 'ω every epoch (paper) or every 100 epochs (public code)' },
    'max-iter': { type: 'int', min: 1, help: 'sweeps (mu, default 100) or epochs (adam, default 5000)' },
    restarts: { type: 'int', min: 1, default: 3, help: 'random restarts; the lowest objective is kept (paper: 3)' },
    'restart-screening': { type: 'int', min: 0, help: 'mu: sweeps after which only the best restart continues (default 20; 0 = run all to the end)' },
    'learning-rate': { type: 'number', exclusiveMin: 0, default: 0.05, help: 'adam learning rate (paper 0.05)' },
    seed: { type: 'int', min: 0, default: 0, help: 'random seed' },
    threads: { type: 'int', min: 1, help: 'threads of the fused passes (default: all cores)' },
    'mapping-distance': { type: 'number', exclusiveMin: 0, default: 100, help: 'map each cell to its nearest spot within this distance in µm (both slides are converted to µm; a slide of unknown scale needs --cells-/--spots-microns-per-unit)' },
    mapping: { type: 'string', input: 'file', help: 'given mapping instead: .npy or text file with the spot index of every cell (-1 = none)' },
    intersect: { type: 'boolean', help: 'drop cell genes missing from the spot slide instead of failing' },
    'visium-genes': { type: 'string', choices: ['panel', 'all'], default: 'panel', help: 'spot genes modelled: the cell panel (+ --impute) or all' },
    impute: { type: 'string', help: 'comma-separated spot genes to impute (added to the model and to result.h5ad)' },
    'no-platform-scaling': { type: 'boolean', help: 'turn off the per-gene platform factor φ' },
    truth: { type: 'string', input: 'file', notPathPrefix: 'obs:', help: "true cell types for ARI / JS: 'obs:<column>' of the cells, or a text/CSV file with one label per cell" },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags('cells-'),
    ...inputFlags('spots-'),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length) throw new StnmfError('USAGE', `stnmf siid: unexpected argument '${args.positionals[0]}' (inputs go with --cells and --spots)`);
    const cellsIn = await loadInput('siid', f.cells as string, f, ctx, { prefix: 'cells-', flag: '--cells', nonNegative: true });
    const spotsIn = await loadInput('siid', f.spots as string, f, ctx, { prefix: 'spots-', flag: '--spots', nonNegative: true });
    const cells = cellsIn.dataset;
    const spots = spotsIn.dataset;
    const mapping = f.mapping ? readMapping(f.mapping as string, cells.X.rows, spots.X.rows) : undefined;
    if (!mapping) {
      // --mapping-distance is in µm: both slides' scales must be known (issue 13, point 6).
      requireMicrons(cells, 'siid --mapping-distance', 'cells-');
      requireMicrons(spots, 'siid --mapping-distance', 'spots-');
    }
    const options = optionsFromFlags(f);
    const truth = f.truth ? readTruth(f.truth as string, cells) : undefined;
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    await withRun(out, async () => {
      const r = await runSiid(cells, spots, mapping, options, Number(f['holdout-folds']), Number(f['fold-seed']), ctx, truth);
      await writeOutputs(r, cells, spots, (name) => out.path(name), ctx.signal);
      await finishRun(
        out,
        {
          command: 'siid',
          parameters: { ...resolveSiidOptions(options), holdoutFolds: f['holdout-folds'], foldSeed: f['fold-seed'] },
          inputs: {
            cells: cellsIn.record,
            spots: spotsIn.record,
            mapping: f.mapping,
            notes: r.prepared.notes,
          },
          seed: options.seed,
          summary: r.summary,
          seconds: r.summary.seconds as number,
          warnings: r.fit.warnings,
        },
        ctx,
        Boolean(f.json),
      );
    });
  },
};

function optionsFromFlags(f: Record<string, FlagValue>): SiidOptions {
  const lambda = f['entropy-lambda'] as number;
  if (lambda < 0) throw new StnmfError('USAGE', `stnmf siid: --entropy-lambda must be >= 0 (0 = off), got ${lambda}`);
  const threads = f.threads as number | undefined;
  if (threads !== undefined && threads < 1) throw new StnmfError('USAGE', `stnmf siid: --threads must be >= 1, got ${threads}`);
  return {
    threads,
    rank: f.rank as number,
    solver: f.solver as 'mu' | 'adam',
    maxIter: f['max-iter'] as number | undefined,
    restarts: f.restarts as number,
    restartScreening: f['restart-screening'] as number | undefined,
    seed: f.seed as number,
    entropyLambda: lambda > 0 ? lambda : null,
    entropyReduction: f['entropy-reduction'] as 'sum' | 'meanOverCells',
    entropySchedule: f['entropy-schedule'] as 'continuous' | 'step100',
    learningRate: f['learning-rate'] as number,
    platformScaling: !f['no-platform-scaling'],
    mappingDistance: f['mapping-distance'] as number,
    missingGenes: f.intersect ? 'intersect' : 'error',
    visiumGenes: f['visium-genes'] === 'all' ? 'all' : 'panelOnly',
    imputeGenes: f.impute ? String(f.impute).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  };
}

function readMapping(path: string, n: number, nSpots: number): Int32Array {
  let vals: number[];
  if (path.endsWith('.npy')) vals = Array.from(npyToFloat64(readNpy(path), path).data);
  else {
    vals = [];
    for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
      const t = line.split(/[,\t]/).pop()!.trim();
      if (t === '') continue;
      const v = Number(t);
      if (!Number.isFinite(v)) {
        if (vals.length === 0) continue; // header
        throw new StnmfError('BAD_FILE', `${path} (--mapping): '${t}' is not a spot index`);
      }
      vals.push(v);
    }
  }
  if (vals.length !== n) throw new StnmfError('BAD_FILE', `${path} (--mapping): ${vals.length} entries, expected one spot index per cell (${n})`);
  // Int32Array.from would truncate 1.5 to 1 without a word.
  vals.forEach((v, i) => {
    if (!Number.isInteger(v) || v < -1 || v >= nSpots) {
      throw new StnmfError('BAD_INPUT', `${path} (--mapping): entry ${i + 1} is ${v}; expected a spot index (a whole number from 0 to ${nSpots - 1}) or -1 for none`);
    }
  });
  return Int32Array.from(vals);
}

function readTruth(spec: string, cells: Dataset): string[] {
  if (spec.startsWith('obs:')) {
    const name = spec.slice(4);
    const c = cells.obs.columns.get(name);
    if (!c) throw new StnmfError('BAD_OPTION', `stnmf siid: --truth ${spec}: the cells have no obs column '${name}' (have: ${[...cells.obs.columns.keys()].join(', ') || 'none'})`);
    if (c.kind === 'category') return Array.from(c.codes, (k) => (k >= 0 ? c.categories[k] : ''));
    return Array.from(c.values as ArrayLike<unknown>, (v) => String(v));
  }
  const lines = readFileSync(spec, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  let labels = lines.map((l) => l.split(',').pop()!.trim());
  if (labels.length === cells.X.rows + 1) labels = labels.slice(1);
  if (labels.length !== cells.X.rows) throw new StnmfError('BAD_FILE', `${spec} (--truth): ${labels.length} labels, expected one per cell (${cells.X.rows})`);
  return labels;
}
