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
  halsAlpha: {
    type: 'number', flag: 'hals-alpha', min: 0, default: 0.5, source: 'Gillis & Glineur 2012, accelerated HALS; docs/defaults-evidence.md',
    help: 'hals: reuse each half-step\'s products for up to 1 + ⌊α·ρ⌋ sweeps (ρ = their cost over one sweep\'s), fewer once a sweep changes little; 0 = one sweep, scikit-learn\'s cd',
  },
  tol: { type: 'number', flag: 'tol', min: 0, default: 1e-4, source: 'scikit-learn, and its stopping rule', help: 'stopping tolerance (0 runs every iteration)' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'random seed of the start and the restarts' },
  shardNonZeros: {
    type: 'int', flag: 'shard-nnz', min: 1,
    help: 'most stored non-zeros per shard: sparse X is held in row blocks of about equal non-zeros, each in its own WebAssembly memory (default: automatic, one block unless X does not fit one 4 GiB memory; summary shards)',
  },
  restarts: { type: 'int', flag: 'restarts', min: 1, default: 1, help: 'runs; restarts 2.. start from nndsvdar with their own seed; the lowest loss is kept (summary restartLosses)' },
} as const satisfies OptionTable;

/**
 * The options of cNMF (`runReplicate`, `cnmfConsensus` in src/nmf/cnmf.ts and `stnmf
 * consensus`), declared once; the defaults are cNMF's (Kotliar et al. 2019, its code's defaults).
 */
export const CONSENSUS_OPTIONS = {
  replicates: { type: 'int', flag: 'replicates', min: 2, default: 20, source: 'cNMF n_iter; cNMF suggests 100+ for final runs', help: 'replicate factorisations per k' },
  seed: { type: 'int', flag: 'seed', min: 0, default: 0, help: 'run seed; replicate seeds derive from it, k and the replicate index' },
  localNeighborhoodSize: { type: 'number', flag: 'local-neighborhood', exclusiveMin: 0, max: 1, default: 0.3, source: 'cNMF', help: "fraction of replicates that form a spectrum's neighbourhood for its local density" },
  densityThreshold: { type: 'number', flag: 'density-threshold', exclusiveMin: 0, default: 0.5, source: 'cNMF', help: 'spectra with local density at or above this are dropped as outliers (2 keeps all)' },
  loss: { type: 'string', flag: 'loss', choices: ['frobenius', 'poisson'], default: 'frobenius', source: 'cNMF beta_loss', help: 'NMF loss' },
  solver: { type: 'string', flag: 'solver', choices: ['mu', 'hals'], default: 'mu', source: 'cNMF', help: 'NMF solver' },
  maxIter: { type: 'int', flag: 'max-iter', min: 1, default: 1000, source: 'cNMF', help: 'iterations per replicate and refit' },
  tol: { type: 'number', flag: 'tol', min: 0, default: 1e-4, source: 'cNMF', help: 'stopping tolerance' },
} as const satisfies OptionTable;

/**
 * The NMF options the sample-aware fits (`inmf`, `scaledJointNmf`) take, as NMF declares them:
 * no loss, solver or restarts (they are Frobenius HALS fits from one start).
 */
export const SAMPLE_FIT_OPTIONS = {
  rank: NMF_OPTIONS.rank,
  init: NMF_OPTIONS.init,
  maxIter: NMF_OPTIONS.maxIter,
  tol: NMF_OPTIONS.tol,
  seed: NMF_OPTIONS.seed,
} as const satisfies OptionTable;

/**
 * The options `inmf` (src/nmf/inmf.ts) adds to NMF's (rank, init, maxIter, tol and seed
 * are NMF_OPTIONS'), declared once; `stnmf nmf --inmf` derives its flags from this table.
 */
export const INMF_OPTIONS = {
  lambda: {
    type: 'number', flag: 'inmf-lambda', exclusiveMin: 0, default: 5, source: 'LIGER optimizeALS',
    help: 'with --inmf: weight λ of the penalty λ‖W_s V_s‖² on what each sample adds to the shared programs (larger = closer to the plain joint fit)',
  },
} as const satisfies OptionTable;

/**
 * The option `scaledJointNmf` (src/nmf/scaled-joint.ts) adds to NMF's, declared once; `stnmf nmf
 * --sample-scaling` derives its flag from this table.
 */
export const SCALED_JOINT_OPTIONS = {
  reference: { type: 'string', flag: 'scaling-reference', help: 'with --sample-scaling: the sample whose scale is fixed at 1 for every feature (default: the first sample)' },
} as const satisfies OptionTable;
