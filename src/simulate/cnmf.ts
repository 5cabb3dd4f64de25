/**
 * A cNMF-style simulation (after Kotliar et al. 2019, whose benchmark used Splatter): every cell
 * has one identity program (its cell type) and, with probability `activityFraction`, one
 * activity program shared across types with a known usage; counts are Poisson or negative
 * binomial around `library size × Σ usage · program`. Programs are gene-expression profiles
 * (rows summing to 1): shared log-normal base means, each program up-regulating its own random
 * `deFraction` of genes by log-normal fold changes. The truth (programs, usages) is returned, so
 * a consensus can be scored against it. Seeded; layer 2 (browser-safe).
 */
import { StnmfError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { Rng } from '../linalg/rng.js';

/** Options of {@link simulateCnmf}. */
export interface CnmfSimOptions {
  /** Cells. Default 2000. */
  cells?: number;
  /** Genes. Default 500. */
  genes?: number;
  /** Identity programs (cell types). Default 5. */
  identities?: number;
  /** Activity programs. Default 2. */
  activities?: number;
  /** Probability that a cell runs an activity program. Default 0.5. */
  activityFraction?: number;
  /** Usage of the activity program in a cell that runs one: uniform in [min, max]. Default [0.3, 0.8]. */
  activityUsage?: [number, number];
  /** Log-normal sd of the shared base means. Default 0.5. */
  baseSdlog?: number;
  /** Fraction of genes each program up-regulates (disjoint sets). Default 0.1. */
  deFraction?: number;
  /** Log2 fold change of activity programs' genes (they are used by fewer cells, at partial usage). Default deLog2Mean + 1. */
  activityLog2Mean?: number;
  /** Mean and sd of the log2 fold changes. Default 2 and 0.25. */
  deLog2Mean?: number;
  deLog2Sd?: number;
  /** Median library size. Default 1500; log-normal sd 0.3. */
  libSize?: number;
  /** `poisson` or `nb` (gamma–Poisson with `dispersion`). Default `poisson`. */
  counts?: 'poisson' | 'nb';
  /** NB dispersion φ: variance = μ + φμ². Default 0.1. */
  dispersion?: number;
  seed?: number;
}

/** A simulated data set with its truth. */
export interface CnmfSimulation {
  /** Counts, cells x genes. */
  X: Csr;
  /** True programs, (identities + activities) x genes, rows summing to 1; identities first. */
  programs: Dense;
  /** True usages, cells x programs, rows summing to 1. */
  usages: Dense;
  /** Identity of each cell, and its activity program index (−1 = none). */
  identity: Int32Array;
  activity: Int32Array;
}

/** Simulates counts from identity + activity programs (see the module note). */
export function simulateCnmf(o: CnmfSimOptions = {}): CnmfSimulation {
  const n = o.cells ?? 2000, p = o.genes ?? 500, T = o.identities ?? 5, A = o.activities ?? 2;
  const K = T + A;
  if (!(n >= 1 && p >= 2 && T >= 1 && A >= 0)) throw new StnmfError('BAD_OPTION', `simulateCnmf: need cells ≥ 1, genes ≥ 2, identities ≥ 1, activities ≥ 0`);
  const frac = o.activityFraction ?? 0.5;
  const [umin, umax] = o.activityUsage ?? [0.3, 0.8];
  const de = o.deFraction ?? 0.1, lm = o.deLog2Mean ?? 2, ls = o.deLog2Sd ?? 0.25;
  const lib = o.libSize ?? 1500;
  const phi = o.dispersion ?? 0.1;
  const rng = new Rng(o.seed ?? 0);
  const base = new Float64Array(p);
  for (let j = 0; j < p; j++) base[j] = Math.exp(rng.normal() * (o.baseSdlog ?? 0.5));
  const programs: Dense = { rows: K, cols: p, data: new Float32Array(K * p) };
  const nDe = Math.max(1, Math.round(de * p));
  if (nDe * K > p) throw new StnmfError('BAD_OPTION', `simulateCnmf: ${K} programs x ${nDe} up-regulated genes exceed ${p} genes; lower deFraction`);
  // Disjoint gene sets (one shuffle, cut in K blocks): programs are equally distinct, so a rank
  // below the truth has no single best way to merge them (what makes stability peak at the truth).
  const perm = Array.from({ length: p }, (_, j) => j);
  for (let a = p - 1; a > 0; a--) {
    const b = Math.floor(rng.uniform() * (a + 1));
    [perm[a], perm[b]] = [perm[b], perm[a]];
  }
  for (let t = 0; t < K; t++) {
    const prof = Float64Array.from(base);
    for (let a = 0; a < nDe; a++) prof[perm[t * nDe + a]] *= Math.pow(2, (t < T ? lm : (o.activityLog2Mean ?? lm + 1)) + ls * rng.normal());
    let s = 0;
    for (let j = 0; j < p; j++) s += prof[j];
    for (let j = 0; j < p; j++) programs.data[t * p + j] = prof[j] / s;
  }
  const usages: Dense = { rows: n, cols: K, data: new Float32Array(n * K) };
  const identity = new Int32Array(n), activity = new Int32Array(n).fill(-1);
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [], val: number[] = [];
  const mu = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const t = Math.min(T - 1, Math.floor(rng.uniform() * T));
    identity[i] = t;
    let u = 0;
    if (A > 0 && rng.uniform() < frac) {
      const a = Math.min(A - 1, Math.floor(rng.uniform() * A));
      activity[i] = a;
      u = umin + (umax - umin) * rng.uniform();
      usages.data[i * K + T + a] = u;
    }
    usages.data[i * K + t] = 1 - u;
    const L = lib * Math.exp(0.3 * rng.normal());
    mu.fill(0);
    for (let c = 0; c < K; c++) {
      const w = usages.data[i * K + c];
      if (w > 0) for (let j = 0; j < p; j++) mu[j] += w * programs.data[c * p + j];
    }
    for (let j = 0; j < p; j++) {
      const m = L * mu[j];
      const lam = o.counts === 'nb' ? m * rng.gamma(1 / phi) * phi : m;
      const x = rng.poisson(lam);
      if (x > 0) (idx.push(j), val.push(x));
    }
    indptr[i + 1] = idx.length;
  }
  return { X: { rows: n, cols: p, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) }, programs, usages, identity, activity };
}

/**
 * Matches estimated programs to true ones (greedy on Pearson correlation, highest pair first)
 * and returns the correlation of each true program with its match (NaN when unmatched).
 */
export function matchPrograms(truth: Dense, est: Dense): Float64Array {
  const p = truth.cols;
  const pearson = (a: Float32Array, b: Float32Array): number => {
    let ma = 0, mb = 0;
    for (let j = 0; j < p; j++) (ma += a[j]), (mb += b[j]);
    ma /= p, mb /= p;
    let sab = 0, saa = 0, sbb = 0;
    for (let j = 0; j < p; j++) {
      const x = a[j] - ma, y = b[j] - mb;
      sab += x * y, saa += x * x, sbb += y * y;
    }
    return sab / Math.sqrt(saa * sbb);
  };
  const pairs: [number, number, number][] = [];
  for (let t = 0; t < truth.rows; t++) for (let e = 0; e < est.rows; e++) {
    pairs.push([pearson(truth.data.subarray(t * p, (t + 1) * p), est.data.subarray(e * p, (e + 1) * p)), t, e]);
  }
  pairs.sort((a, b) => b[0] - a[0]);
  const out = new Float64Array(truth.rows).fill(NaN);
  const usedE = new Set<number>();
  for (const [r, t, e] of pairs) {
    if (!Number.isNaN(out[t]) || usedE.has(e)) continue;
    out[t] = r;
    usedE.add(e);
  }
  return out;
}
