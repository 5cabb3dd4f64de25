/**
 * Synthetic target/background count data with known truth for bcNMF (methods-spec M4): a set of
 * shared programs varies strongly in both data sets, and each target observation also carries
 * one of a few weaker target-specific programs, which define the target's groups. Plain NMF on
 * the target is dominated by the shared variation; a contrastive method should recover the groups.
 */
import type { Csr } from '../linalg/csr.js';
import { csrFromCoo } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { Rng } from '../linalg/rng.js';
import type { Dataset } from '../dataset.js';
import { frame, makeDataset } from '../dataset.js';
import { StnmfError } from '../errors.js';

/** Options of `simulateContrastive`. */
export interface ContrastiveSimOptions {
  /** Target observations (default 600). */
  nTarget?: number;
  /** Background observations (default 400). */
  nBackground?: number;
  /** Features (default 300). */
  features?: number;
  /** Programs present in target and background (default 4). */
  shared?: number;
  /** Target-only programs = target groups (default 2). */
  specific?: number;
  /** Share of a target observation's expected counts drawn from its specific program (default 0.25). */
  specificWeight?: number;
  /** Mean counts per observation (default 400). */
  meanCount?: number;
  /** Dirichlet concentration of the programs over features; small = sparse programs (default 0.1). */
  programConcentration?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** Simulated pair with its truth. */
export interface ContrastiveSim {
  /** Target counts, nTarget x features, as a Dataset (obs column `group`). */
  target: Dataset;
  /** Background counts, nBackground x features. */
  background: Dataset;
  /** Group (= specific program index, 0-based) of each target observation. */
  targetGroup: Int32Array;
  /** (shared + specific) x features programs, rows sum to 1; the last `specific` rows are target-only. */
  programs: Dense;
  shared: number;
  specific: number;
}

/**
 * Draws the pair. Per observation: library size ~ meanCount·LogNormal(0, 0.3); shared usage
 * ~ Dirichlet(0.5) over the shared programs; target observations put `specificWeight` of their
 * mass on the program of their group (groups assigned round-robin then shuffled); counts are
 * Poisson at every feature.
 */
export function simulateContrastive(options: ContrastiveSimOptions = {}): ContrastiveSim {
  const nT = options.nTarget ?? 600, nB = options.nBackground ?? 400, p = options.features ?? 300;
  const kS = options.shared ?? 4, kT = options.specific ?? 2;
  const w = options.specificWeight ?? 0.25, mean = options.meanCount ?? 400, conc = options.programConcentration ?? 0.1;
  for (const [name, v, min] of [['nTarget', nT, 1], ['nBackground', nB, 1], ['features', p, 2], ['shared', kS, 1], ['specific', kT, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new StnmfError('BAD_OPTION', `simulateContrastive: ${name} must be a whole number >= ${min}, got ${v}`);
  }
  if (!(w > 0 && w < 1)) throw new StnmfError('BAD_OPTION', `simulateContrastive: specificWeight must be in (0, 1), got ${w}`);
  if (!(mean > 0) || !(conc > 0)) throw new StnmfError('BAD_OPTION', 'simulateContrastive: meanCount and programConcentration must be > 0');
  const rng = new Rng(options.seed ?? 0);
  const K = kS + kT;
  const programs: Dense = { rows: K, cols: p, data: new Float32Array(K * p) };
  const a = new Float64Array(p).fill(conc);
  for (let t = 0; t < K; t++) programs.data.set(rng.dirichlet(a), t * p);
  const group = new Int32Array(nT);
  for (let i = 0; i < nT; i++) group[i] = i % kT;
  rng.shuffle(group);
  const draw = (n: number, isTarget: boolean): Csr => {
    const ri: number[] = [], ci: number[] = [], vals: number[] = [];
    const u = new Float64Array(kS).fill(0.5);
    const mix = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      const lib = mean * Math.exp(0.3 * rng.normal());
      const s = rng.dirichlet(u);
      mix.fill(0);
      const sharedMass = isTarget ? 1 - w : 1;
      for (let t = 0; t < kS; t++) for (let j = 0; j < p; j++) mix[j] += sharedMass * s[t] * programs.data[t * p + j];
      if (isTarget) {
        const g = kS + group[i];
        for (let j = 0; j < p; j++) mix[j] += w * programs.data[g * p + j];
      }
      for (let j = 0; j < p; j++) {
        const c = rng.poisson(lib * mix[j]);
        if (c > 0) {
          ri.push(i);
          ci.push(j);
          vals.push(c);
        }
      }
    }
    return csrFromCoo(n, p, ri, ci, vals);
  };
  const XT = draw(nT, true), XB = draw(nB, false);
  const genes = Array.from({ length: p }, (_, j) => `gene_${j + 1}`);
  const target = makeDataset(XT, Array.from({ length: nT }, (_, i) => `target_${i}`), genes, { platform: 'simulated' });
  target.obs = frame(target.obs.index, { group: { kind: 'number', values: Int32Array.from(group) } });
  const background = makeDataset(XB, Array.from({ length: nB }, (_, i) => `background_${i}`), genes, { platform: 'simulated' });
  return { target, background, targetGroup: group, programs, shared: kS, specific: kT };
}
