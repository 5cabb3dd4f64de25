/**
 * cNMF (Kotliar et al. 2019, eLife; the `cnmf` package v1.x) split into its resumable steps so
 * replicates can run anywhere (threads, workers, machines) and be combined later:
 *
 * 1. {@link replicatePlan}: every (k, replicate) pair with its seed, derived from the run seed
 *    alone, so any share of the plan gives the same factorisation wherever it runs.
 * 2. {@link runReplicate}: one NMF from a random start (cNMF: `init='random'`), its spectra H.
 * 3. {@link cnmfConsensus}: cNMF's `consensus()` on the pooled spectra of one k, step by step as
 *    the package does it: spectra L2-normalised; local density = mean Euclidean distance to the
 *    `n = ⌊local_neighborhood_size · R⌋` nearest other spectra (cNMF:
 *    `int(local_neighborhood_size * n_spectra / k)`); spectra with density `< density_threshold`
 *    kept; k-means (10 starts, seed 1, cNMF's `random_state=1`) into k programs; the element-wise
 *    median of each cluster normalised to sum 1; usages refitted with the spectra fixed;
 *    stability = silhouette (Euclidean) of that clustering; error = the refit's
 *    `‖X − WH‖²` (cNMF's `prediction_error`, twice our Frobenius loss) or its KL for Poisson.
 *    cNMF's `k_selection_plot` computes stability and error *without* the density filter
 *    (`skip_density_and_return_after_stats=True`); {@link cnmfConsensus} returns both the
 *    filtered consensus and those unfiltered statistics.
 *
 * Layer 1: linalg only, runs in a browser.
 */
import { checkOptions, optionDefault } from '../options.js';
import { CONSENSUS_OPTIONS } from './options.js';
import { StnmfError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { Rng } from '../linalg/rng.js';
import { median, pairwiseDistances, silhouette, unitNorm } from './consensus.js';
import { kmeans } from './kmeans.js';
import type { NmfLoss } from './loss.js';
import { nmf, type NmfSolver } from './nmf.js';

/** One replicate factorisation of the plan. */
export interface ReplicateSpec {
  k: number;
  /** 0-based replicate index within its k. */
  replicate: number;
  /** Seed of its random start. */
  seed: number;
}

/**
 * The replicates of a rank sweep: for each k in `ranks`, `replicates` runs. The seed of
 * (k, r) is `Rng(seed).fork(k).fork(r)`'s first draw: it depends on the run seed, k and r only,
 * so adding ranks or replicates never changes the others. Order: by k, then replicate.
 */
export function replicatePlan(ranks: number[], replicates: number, seed: number): ReplicateSpec[] {
  if (!Number.isInteger(replicates) || replicates < 2) throw new StnmfError('BAD_OPTION', `replicates: consensus needs at least 2 per rank; got ${replicates}`);
  const plan: ReplicateSpec[] = [];
  const root = new Rng(seed);
  for (const k of ranks) {
    if (!Number.isInteger(k) || k < 1) throw new StnmfError('BAD_OPTION', `ranks: ${k} is not a whole number ≥ 1`);
    const rk = root.fork(k);
    for (let r = 0; r < replicates; r++) plan.push({ k, replicate: r, seed: rk.fork(r).nextUint32() });
  }
  return plan;
}

/** The share of worker `index` of `total` (cNMF's split: every `total`-th job from `index`). */
export function workerShare(plan: ReplicateSpec[], index: number, total: number): ReplicateSpec[] {
  if (!Number.isInteger(total) || total < 1) throw new StnmfError('BAD_OPTION', `totalWorkers: must be a whole number ≥ 1; got ${total}`);
  if (!Number.isInteger(index) || index < 0 || index >= total) throw new StnmfError('BAD_OPTION', `workerIndex: must be in 0..${total - 1}; got ${index}`);
  return plan.filter((_, i) => i % total === index);
}

/** Factorisation settings shared by the replicates and the refit. */
export interface CnmfFitOptions {
  /** Default `frobenius` (cNMF's `beta_loss`). */
  loss?: NmfLoss;
  /** Default `mu` (cNMF's solver). */
  solver?: NmfSolver;
  /** Default 1000 (cNMF's `max_NMF_iter`). */
  maxIter?: number;
  /** Default 1e-4 (cNMF). */
  tol?: number;
  kernels?: Kernels;
  signal?: AbortSignal;
}

/** Runs one replicate: NMF from a random start with the spec's seed; returns its spectra H (k x p) and final loss. */
export async function runReplicate(X: Csr | Dense, spec: ReplicateSpec, o: CnmfFitOptions = {}): Promise<{ H: Dense; loss: number; iterations: number }> {
  const fit = await nmf(X, {
    rank: spec.k, ...fitDefaults(o), init: 'random',
    seed: spec.seed, kernels: o.kernels, threads: o.kernels ? undefined : 1, signal: o.signal,
  });
  return { H: fit.H, loss: fit.loss, iterations: fit.iterations };
}

/**
 * cNMF's fit options with its defaults filled in (CONSENSUS_OPTIONS). HALS runs one sweep per
 * half-step (`halsAlpha: 0`): cNMF calls scikit-learn, whose `cd` solver is that, and the
 * k-selection statistic depends on how the replicates scatter — with the accelerated sweeps of
 * plain `nmf` the under-fitted k = 4 replicates of test/consensus-sim.test.ts agree so well
 * that stability no longer peaks at the true k = 5 on one of its three seeds.
 */
function fitDefaults(o: CnmfFitOptions): { loss: NmfLoss; solver: NmfSolver; maxIter: number; tol: number; halsAlpha: number } {
  checkOptions(CONSENSUS_OPTIONS, o, 'consensus');
  return {
    halsAlpha: 0,
    loss: o.loss ?? optionDefault<NmfLoss>(CONSENSUS_OPTIONS, 'loss'),
    solver: o.solver ?? optionDefault<NmfSolver>(CONSENSUS_OPTIONS, 'solver'),
    maxIter: o.maxIter ?? optionDefault<number>(CONSENSUS_OPTIONS, 'maxIter'),
    tol: o.tol ?? optionDefault<number>(CONSENSUS_OPTIONS, 'tol'),
  };
}

/** Options of {@link cnmfConsensus}. */
export interface CnmfConsensusOptions extends CnmfFitOptions {
  /** Fraction of replicates that are a spectrum's neighbourhood. Default 0.30 (cNMF). */
  localNeighborhoodSize?: number;
  /** Spectra with local density at or above this are outliers. Default 0.5 (cNMF; 2.0 keeps all). */
  densityThreshold?: number;
  /** Skip the refit of usages (statistics then have NaN errors). Default false. */
  skipRefit?: boolean;
}

/** The consensus of one k. */
export interface CnmfConsensus {
  k: number;
  /** Consensus spectra, k x p, rows summing to 1 (cNMF's median_spectra). */
  H: Dense;
  /** Usages refitted with H fixed, n x k. */
  W: Dense;
  /** Silhouette of the filtered clustering. */
  stability: number;
  /** Error of the filtered consensus' refit (see the module note). */
  error: number;
  /** cNMF's k-selection figures: silhouette and error without the density filter. */
  selection: { stability: number; error: number };
  /** Local density of every pooled spectrum (replicate-major, then program). */
  localDensity: Float64Array;
  /** Kept spectra (indices into the pooled list) and their cluster labels. */
  kept: number[];
  labels: Int32Array;
  /** L2-normalised pooled spectra (R·k rows of p), for diagnostics. */
  spectra: Float64Array[];
  /** Neighbours used for the density (⌊local_neighborhood_size · R⌋, at least 1). */
  nNeighbors: number;
}

/**
 * cNMF's consensus of the replicate spectra of one k (see the module note).
 * @param replicateH spectra of each replicate (k x p each)
 * @throws StnmfError('BAD_OPTION') when fewer than k spectra pass the density filter
 */
export async function cnmfConsensus(X: Csr | Dense, k: number, replicateH: Dense[], o: CnmfConsensusOptions = {}): Promise<CnmfConsensus> {
  const R = replicateH.length;
  if (R < 2) throw new StnmfError('BAD_OPTION', `consensus k=${k}: needs at least 2 replicates; got ${R}`);
  const p = X.cols;
  const spectra: Float64Array[] = [];
  for (const H of replicateH) {
    if (H.rows !== k || H.cols !== p) throw new StnmfError('BAD_INPUT', `consensus k=${k}: replicate spectra are ${H.rows} x ${H.cols}, expected ${k} x ${p}`);
    for (let t = 0; t < k; t++) spectra.push(unitNorm(H.data.subarray(t * p, (t + 1) * p)));
  }
  const m = spectra.length;
  checkOptions(CONSENSUS_OPTIONS, o, 'consensus');
  const threshold = o.densityThreshold ?? optionDefault<number>(CONSENSUS_OPTIONS, 'densityThreshold');
  const frac = o.localNeighborhoodSize ?? optionDefault<number>(CONSENSUS_OPTIONS, 'localNeighborhoodSize');
  if (!(frac > 0 && frac <= 1)) throw new StnmfError('BAD_OPTION', `localNeighborhoodSize: must be in (0, 1]; got ${frac}`);
  const nNeighbors = Math.max(1, Math.min(m - 1, Math.floor(frac * (m / k))));
  const dist = pairwiseDistances(spectra);
  const localDensity = new Float64Array(m);
  const row = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    row.set(dist.subarray(a * m, (a + 1) * m));
    row[a] = Infinity; // cNMF includes self (distance 0) among n+1 and divides by n: the same sum
    row.sort();
    let s = 0;
    for (let j = 0; j < nNeighbors; j++) s += row[j];
    localDensity[a] = s / nNeighbors;
  }
  const all = Array.from({ length: m }, (_, a) => a);
  const kept = all.filter((a) => localDensity[a] < threshold);
  if (kept.length < k) {
    throw new StnmfError('BAD_OPTION', `density threshold ${threshold}: only ${kept.length} of ${m} spectra at k=${k} have local density below it, fewer than k; raise --density-threshold (2.0 keeps all) or look at the density histogram`);
  }
  const clusterOf = (members: number[]) => {
    const data = new Float64Array(members.length * p);
    members.forEach((a, i) => data.set(spectra[a], i * p));
    const km = kmeans(data, members.length, p, { k, nInit: 10, seed: 1 });
    return { labels: km.labels, stability: silhouette(dist, m, members, km.labels, k) };
  };
  const medianSpectra = (members: number[], labels: Int32Array): Dense => {
    const H: Dense = { rows: k, cols: p, data: new Float32Array(k * p) };
    const col: number[] = [];
    for (let c = 0; c < k; c++) {
      const mine = members.filter((_, i) => labels[i] === c);
      let total = 0;
      const med = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        col.length = 0;
        for (const a of mine) col.push(spectra[a][j]);
        med[j] = col.length ? median(col) : 0;
        total += med[j];
      }
      for (let j = 0; j < p; j++) H.data[c * p + j] = total > 0 ? med[j] / total : 0;
    }
    return H;
  };
  const refit = async (H: Dense): Promise<{ W: Dense; error: number }> => {
    if (o.skipRefit) return { W: { rows: X.rows, cols: k, data: new Float32Array(0) }, error: NaN };
    const f = fitDefaults(o);
    const fit = await nmf(X, { rank: k, ...f, H0: H, updateH: false, kernels: o.kernels, signal: o.signal });
    return { W: fit.W, error: f.loss === 'frobenius' ? 2 * fit.loss : fit.loss };
  };
  const filtered = clusterOf(kept);
  const H = medianSpectra(kept, filtered.labels);
  const main = await refit(H);
  let selection: { stability: number; error: number };
  if (kept.length === m) selection = { stability: filtered.stability, error: main.error };
  else {
    const u = clusterOf(all);
    selection = { stability: u.stability, error: (await refit(medianSpectra(all, u.labels))).error };
  }
  return { k, H, W: main.W, stability: filtered.stability, error: main.error, selection, localDensity, kept, labels: filtered.labels, spectra, nNeighbors };
}

/**
 * Pearson correlation matrix of the pooled L2-normalised spectra (cNMF's clustergram shows the
 * distances of the same spectra), m x m row-major.
 */
export function spectraCorrelation(spectra: Float64Array[]): Float64Array {
  const m = spectra.length;
  const p = spectra[0]?.length ?? 0;
  const z = spectra.map((v) => {
    let mu = 0;
    for (let j = 0; j < p; j++) mu += v[j];
    mu /= p;
    let s = 0;
    const c = new Float64Array(p);
    for (let j = 0; j < p; j++) (c[j] = v[j] - mu), (s += c[j] * c[j]);
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < p; j++) c[j] *= inv;
    return c;
  });
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    out[a * m + a] = 1;
    for (let b = a + 1; b < m; b++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += z[a][j] * z[b][j];
      out[a * m + b] = out[b * m + a] = s;
    }
  }
  return out;
}

/**
 * cNMF's `--scale-genes` preprocessing as specified for stnmf: counts normalised to the median
 * cell total, then each gene divided by its standard deviation (ddof 1, scanpy's
 * `pp.scale(zero_center=False)`; genes with zero variance are left as they are). Returns the
 * scaled CSR and each gene's factor (1/sd), so spectra can be mapped back to count space.
 */
export function scaleGenes(X: Csr): { X: Csr; geneScale: Float64Array } {
  const n = X.rows, p = X.cols;
  const totals = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) totals[i] += X.data[q];
  const nz = Array.from(totals).filter((t) => t > 0);
  const med = nz.length ? median(nz) : 1;
  const data = new Float64Array(X.indptr[n]);
  const s1 = new Float64Array(p), s2 = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const f = totals[i] > 0 ? med / totals[i] : 0;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const v = X.data[q] * f;
      data[q] = v;
      s1[X.indices[q]] += v;
      s2[X.indices[q]] += v * v;
    }
  }
  const inv = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const mean = s1[j] / n;
    const v = n > 1 ? (s2[j] - n * mean * mean) / (n - 1) : 0;
    inv[j] = v > 0 ? 1 / Math.sqrt(v) : 1;
  }
  const out = new Float32Array(data.length);
  for (let q = 0; q < data.length; q++) out[q] = data[q] * inv[X.indices[q]];
  return { X: { rows: n, cols: p, indptr: X.indptr, indices: X.indices, data: out }, geneScale: inv };
}

/**
 * Parses a rank list: `5,7,10`, a range `5:30:5` (start:stop:step, stop included), or a mix
 * `5,8:12:2`. Sorted, duplicates removed.
 */
export function parseRanks(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const bits = part.split(':').map(Number);
    if (bits.some((b) => !Number.isInteger(b)) || bits.length > 3) throw new StnmfError('USAGE', `--ranks: '${part}' is not a whole number or a start:stop[:step] range`);
    if (bits.length === 1) out.add(bits[0]);
    else {
      const [a, b, step = 1] = bits;
      if (step < 1 || b < a) throw new StnmfError('USAGE', `--ranks: range '${part}' needs start ≤ stop and step ≥ 1`);
      for (let k = a; k <= b; k += step) out.add(k);
    }
  }
  const ks = [...out].sort((x, y) => x - y);
  if (ks.length === 0 || ks[0] < 2) throw new StnmfError('USAGE', `--ranks: give ranks ≥ 2 (got '${spec}')`);
  return ks;
}
