/**
 * The options of `siid` / `runSiid`, declared once with their constraints, defaults and the
 * defaults' sources ([P] the paper, [T] this toolkit's measurement; methods-spec M2); `stnmf
 * siid` derives its flags from this table and the app its form. Options whose CLI flag is not
 * a plain value (`--no-platform-scaling`, `--intersect`, `--visium-genes panel`, `--impute`) are
 * mapped by `siidOptionsFromFlags` (flags.ts).
 */
import type { OptionTable } from '../../options.js';

export const SIID_OPTIONS = {
  rank: { type: 'int', flag: 'rank', short: 'k', min: 1, default: 20, source: 'paper: 20 breast, 40 colorectal', help: 'latent factors h' },
  solver: { type: 'string', flag: 'solver', choices: ['mu', 'adam'], default: 'mu', source: 'toolkit: ECM, fast', help: 'mu = ECM multiplicative updates; adam = paper parity' },
  entropyLambda: {
    type: 'number', flag: 'entropy-lambda', min: 0, default: 0,
    source: 'toolkit: on the pseudo-Visium pair of the Xenium slide, λ = 1000 (the paper\'s) gave 10-fold holdout R² 0.274 against 0.416 without',
    help: 'entropy schedule λ, ω = exp(epoch/λ) (0 = off; paper: 1000 imputation, 500 deconvolution)',
  },
  entropyReduction: { type: 'string', flag: 'entropy-reduction', choices: ['sum', 'meanOverCells'], default: 'sum', source: 'paper', help: 'entropy summed over cells (paper) or averaged (public code)' },
  entropySchedule: { type: 'string', flag: 'entropy-schedule', choices: ['continuous', 'step100'], default: 'continuous', source: 'paper', help: 'ω every epoch (paper) or every 100 epochs (public code)' },
  maxIter: { type: 'int', flag: 'max-iter', min: 1, help: 'sweeps (mu, default 100: toolkit, the holdout R² is flat beyond it) or epochs (adam, default 5000: paper)' },
  restarts: { type: 'int', flag: 'restarts', min: 1, default: 3, source: 'paper', help: 'random restarts; the lowest objective is kept' },
  restartScreening: { type: 'int', flag: 'restart-screening', min: 0, default: 20, source: 'toolkit', help: 'mu: sweeps after which only the best restart continues (0 = run all to the end, the paper\'s rule)' },
  learningRate: { type: 'number', flag: 'learning-rate', exclusiveMin: 0, default: 0.05, source: 'paper', help: 'adam learning rate' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'random seed' },
  mappingDistance: { type: 'number', flag: 'mapping-distance', exclusiveMin: 0, default: 100, source: 'methods-spec M2.2', help: 'map each cell to its nearest spot within this distance in µm (both slides are converted to µm; a slide of unknown scale needs --cells-/--spots-microns-per-unit)' },
} as const satisfies OptionTable;

