/**
 * `stnmf simulate cnmf`: identity + activity programs with known usages (src/simulate/cnmf.ts),
 * written as counts.h5ad (obs identity/activity, obsm true_usages, varm true_programs) plus
 * programs.npy (k x genes) and usages.npy (cells x k) for scoring `stnmf consensus`.
 */
import { makeDataset } from '../../dataset.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeNpy } from '../../io/npy.js';
import { transposeDense } from '../../linalg/dense.js';
import { simulateCnmf } from '../../simulate/cnmf.js';
import type { Generator } from '../command.js';

export const simulateCnmfGenerator: Generator = {
  name: 'cnmf',
  summary: 'cNMF-style counts: identity programs + activity programs with known usage (Poisson or NB)',
  flags: {
    cells: { type: 'int', default: 2000, help: 'cells' },
    genes: { type: 'int', default: 500, help: 'genes' },
    identities: { type: 'int', default: 5, help: 'identity programs (cell types)' },
    activities: { type: 'int', default: 2, help: 'activity programs' },
    'activity-fraction': { type: 'number', default: 0.5, help: 'fraction of cells running an activity program' },
    'lib-size': { type: 'number', default: 1500, help: 'median library size' },
    counts: { type: 'string', choices: ['poisson', 'nb'], default: 'poisson', help: 'count noise' },
    dispersion: { type: 'number', default: 0.1, help: 'NB dispersion (variance = mu + phi mu^2)' },
  },
  async run(f, out) {
    const sim = simulateCnmf({
      cells: f.cells as number, genes: f.genes as number, identities: f.identities as number, activities: f.activities as number,
      activityFraction: f['activity-fraction'] as number, libSize: f['lib-size'] as number, counts: f.counts as 'poisson' | 'nb', dispersion: f.dispersion as number, seed: f.seed as number,
    });
    const T = f.identities as number, A = f.activities as number;
    const ds = makeDataset(sim.X, Array.from({ length: sim.X.rows }, (_, i) => `cell${i}`), Array.from({ length: sim.X.cols }, (_, j) => `gene${j}`), { platform: 'simulated', source: 'simulateCnmf' });
    ds.obs.columns.set('identity', { kind: 'category', codes: sim.identity, categories: Array.from({ length: T }, (_, t) => `identity${t + 1}`) });
    ds.obs.columns.set('activity', { kind: 'category', codes: sim.activity, categories: Array.from({ length: A }, (_, a) => `activity${a + 1}`) });
    ds.obsm.true_usages = sim.usages;
    ds.varm.true_programs = transposeDense(sim.programs);
    await writeH5ad(out.path('counts.h5ad'), ds);
    writeNpy(out.path('programs.npy'), sim.programs);
    writeNpy(out.path('usages.npy'), sim.usages);
    return { cells: sim.X.rows, genes: sim.X.cols, programs: T + A, identities: T, activities: A, nnz: sim.X.indptr[sim.X.rows] };
  },
};
