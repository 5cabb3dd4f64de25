/**
 * The options of `nmf` (src/nmf/nmf.ts), declared once with their constraints, defaults and the
 * defaults' sources; `stnmf nmf` derives its flags from this table and the app its form.
 * Solver and init have no fixed default: they follow the loss (see `NmfOptions`).
 */
import type { OptionTable } from '../options.js';

export const NMF_OPTIONS = {
  // No declared minimum: the library's check names the upper bound too (1 ≤ k ≤ min(n, p)).
  rank: { type: 'int', flag: 'rank', short: 'k', required: true, help: 'number of factors k (checked by the library: 1 ≤ k ≤ min(n, p))' },
  loss: { type: 'string', flag: 'loss', choices: ['frobenius', 'poisson'], default: 'frobenius', source: 'scikit-learn', help: 'frobenius = ½‖X−WH‖², poisson = generalised KL' },
  solver: { type: 'string', flag: 'solver', choices: ['mu', 'hals'], help: 'mu (multiplicative updates) or hals (coordinate descent, Frobenius only); default hals for frobenius, mu for poisson' },
  init: { type: 'string', flag: 'init', choices: ['nndsvda', 'nndsvd', 'nndsvdar', 'random', 'custom'], help: 'initialisation (default nndsvd with hals, nndsvda with mu: docs/defaults-evidence.md; custom = the start given by --w0/--h0)' },
  maxIter: { type: 'int', flag: 'max-iter', min: 1, default: 200, source: 'scikit-learn', help: 'maximum iterations' },
  tol: { type: 'number', flag: 'tol', min: 0, default: 1e-4, source: 'scikit-learn, and its stopping rule', help: 'stopping tolerance (0 runs every iteration)' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'random seed of the start and the restarts' },
  restarts: { type: 'int', flag: 'restarts', min: 1, default: 1, help: 'runs; restarts 2.. start from nndsvdar with their own seed; the lowest loss is kept (summary restartLosses)' },
} as const satisfies OptionTable;
