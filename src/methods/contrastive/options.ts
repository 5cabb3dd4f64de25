/**
 * The options of `contrastiveNmf` (bcNMF), declared once with their constraints, defaults and
 * the defaults' sources (methods-spec M4.6, the original code's values); `stnmf contrastive`
 * derives its flags from this table and the app its form. `normalize` has no fixed default: l2
 * for Frobenius, l1 for Poisson, as the original.
 */
import type { OptionTable } from '../../options.js';

export const CONTRASTIVE_OPTIONS = {
  rank: { type: 'int', flag: 'rank', short: 'k', required: true, min: 1, help: 'number of factors K' },
  alpha: { type: 'number', flag: 'alpha', required: true, min: 0, help: 'contrastive weight α (0 = plain NMF of the target)' },
  loss: { type: 'string', flag: 'loss', choices: ['frobenius', 'poisson'], default: 'frobenius', source: 'bcNMF original', help: 'squared error or generalised KL / Poisson' },
  maxIter: { type: 'int', flag: 'max-iter', min: 0, default: 200, source: 'methods-spec M4.6', help: 'sweeps (0 returns the start)' },
  tol: { type: 'number', flag: 'tol', min: 0, default: 0, source: 'bcNMF original: fixed sweeps', help: 'stop when J changes by less than this (relative) over 10 sweeps; 0 = every sweep' },
  batchSize: { type: 'int', flag: 'batch-size', min: 1, help: 'observations per block (minibatch training); default all' },
  alphaScale: { type: 'string', flag: 'alpha-scale', choices: ['raw', 'perSample'], default: 'raw', source: 'bcNMF original', help: "raw = the original's α; perSample = α·n_target/n_background" },
  normalize: { type: 'string', flag: 'normalize', choices: ['l2', 'l1', 'none'], help: 'scale of the returned factors (default l2 for frobenius, l1 for poisson, as the original)' },
  intersect: { type: 'boolean', flag: 'intersect', help: 'keep only the features present in both inputs instead of failing' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'random seed of the initialisation' },
} as const satisfies OptionTable;
