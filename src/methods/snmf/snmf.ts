/**
 * SNMF (methods-spec M1.3 steps 1–4): NMF of the log-normalised expression, the contact and
 * context radius graphs merged into the hybrid spatial graph S, and diffusion smoothing of
 * the usages W over S.
 *
 * Layer 2 (methods): no Node APIs.
 */
import { checkOptions, optionDefault } from '../../options.js';
import { HSNMF_OPTIONS } from './options.js';
import type { Dataset } from '../../dataset.js';
import { checkpoint, runSteps, runStepsCancellable, StnmfError, type Steps } from '../../errors.js';
import type { StnmfWarning } from '../../warnings.js';
import type { Csr, Dense, Kernels } from '../../linalg/index.js';
import { nmf, type NmfOptions } from '../../nmf/index.js';
import { checkPoints, knnQuery, type NeighborGraph } from '../../spatial/index.js';
import { mergeGraphsSteps, type CombineRule } from './adjacency.js';
import { logNormalize } from './normalize.js';
import { radiusGraphsSteps } from './radius.js';
import { perGroupGraphsSteps } from '../../spatial/blocks.js';
import { sampleGroups, type SampleGroups } from '../../samples.js';
import { diffusionSmoothSteps, type FactorMatrix } from './smooth.js';

/** Progress of a long hSNMF step. */
export interface SnmfProgress {
  /** `nmf`, `graphs`, `smooth`, `features`, `leiden`, `metrics`, `sweep`. */
  stage: string;
  done: number;
  total: number;
  detail?: string;
}

/** Options of {@link snmf}. Defaults are the reference's (methods-spec M1.4), declared in HSNMF_OPTIONS (options.ts). */
export interface SnmfOptions {
  /** NMF rank k (default 10). Must not exceed the number of genes or cells. */
  rank?: number;
  /**
   * Expression normalisation before NMF: `log1p-median` (default [T]: scale each cell to the
   * median positive total, then log1p) or `none` (X is factorised as it is).
   */
  normalize?: 'log1p-median' | 'none';
  /** With several samples: each cell scaled to its own sample's median total before log1p (default false: one median). */
  normalizePerSample?: boolean;
  /** Factorise `dataset.layers[layer]` (taken as already normalised) instead of X. */
  layer?: string;
  /** Contact radius r_c in µm (default 20). */
  contactRadius?: number;
  /** Contact edge weight (default 2.5). */
  contactWeight?: number;
  /** Context ("radius", "fallback") radius r_r in µm (default 80). */
  contextRadius?: number;
  /** Context edge weight (default 1.0). */
  contextWeight?: number;
  /** Weight of an edge in both graphs (default `max`). */
  combine?: CombineRule;
  /** Optional cap on every spatial edge weight (reference option; default none). */
  weightCap?: number;
  /** Diffusion step β (default 0.6). */
  beta?: number;
  /** Diffusion steps s (default 2, the pipeline's value). */
  steps?: number;
  /**
   * Micrometres per coordinate unit. Default: `meta.micronsPerUnit` when the reader (or the
   * user's `--microns-per-unit`) knows it, else 1 when the coordinate unit is `um`; otherwise the
   * run is refused with an error naming `--microns-per-unit` (never a silent 1).
   */
  micronsPerUnit?: number;
  /** NMF's seed (default 0); hSNMF's `seed` seeds Leiden too. `nmf.seed` overrides it for NMF alone. */
  seed?: number;
  /** NMF options passed through (defaults: cd/HALS Frobenius, NNDSVDa, 500 iterations, tol 1e-4, the seed above). */
  nmf?: Partial<Omit<NmfOptions, 'rank' | 'kernels' | 'signal' | 'onProgress'>>;
  /**
   * Precomputed NMF factors (W n x k, H k x p) to smooth instead of fitting (parity with the
   * scikit-learn peer; sweeps reuse them).
   */
  factors?: { W: FactorMatrix; H: FactorMatrix };
  kernels?: Kernels;
  threads?: number;
  /** Called as the factorisation and the smoothing advance (see {@link SnmfProgress}). */
  onProgress?: (e: SnmfProgress) => void;
  signal?: AbortSignal;
}

/** The spatial graphs of M1.3 steps 2–3 (symmetric, float64 weights, distances in µm). */
export interface SpatialGraphs {
  contact: NeighborGraph;
  context: NeighborGraph;
  /** The hybrid graph S = contact ∪ context with the combine rule. */
  hybrid: NeighborGraph;
  /** Coordinates in µm, flat `[x0, y0, x1, y1, …]`. */
  coordsUm: Float64Array;
  micronsPerUnit: number;
  /**
   * The samples when the dataset holds several (`meta.sampleKey`): the graphs above were built
   * per sample and joined block-diagonally, so no edge joins two samples.
   */
  samples?: SampleGroups;
}

/** Result of {@link snmf}. */
export interface SnmfResult {
  /** The matrix that was factorised (log-normalised expression unless `normalize: 'none'`). */
  X: Csr;
  /** Raw NMF usages W0 (n x k), `obsm.X_nmf`. */
  W0: Dense;
  /** Gene programs H (k x p). */
  H: Dense;
  /** Smoothed usages Ws (n x k, float32), `obsm.X_snmf`. */
  Ws: Dense;
  /** Ws in float64 (what the feature graph and the metrics use). */
  Ws64: Float64Array;
  graphs: SpatialGraphs;
  nmf: { loss: number; iterations: number; converged: boolean; seconds: number } | undefined;
  /** The factorisation's warnings (none when the factors were given). */
  warnings: StnmfWarning[];
  /** Resolved parameters (for run.json). */
  parameters: Record<string, unknown>;
}

/** The resolved SNMF parameters. */
export function snmfDefaults(o: SnmfOptions): Required<Pick<SnmfOptions, 'rank' | 'contactRadius' | 'contactWeight' | 'contextRadius' | 'contextWeight' | 'combine' | 'beta' | 'steps' | 'normalize'>> {
  return {
    rank: o.rank ?? optionDefault<number>(HSNMF_OPTIONS, 'rank'),
    contactRadius: o.contactRadius ?? optionDefault<number>(HSNMF_OPTIONS, 'contactRadius'),
    contactWeight: o.contactWeight ?? optionDefault<number>(HSNMF_OPTIONS, 'contactWeight'),
    contextRadius: o.contextRadius ?? optionDefault<number>(HSNMF_OPTIONS, 'contextRadius'),
    contextWeight: o.contextWeight ?? optionDefault<number>(HSNMF_OPTIONS, 'contextWeight'),
    combine: o.combine ?? 'max',
    beta: o.beta ?? optionDefault<number>(HSNMF_OPTIONS, 'beta'),
    steps: o.steps ?? optionDefault<number>(HSNMF_OPTIONS, 'steps'),
    normalize: o.normalize ?? optionDefault<'log1p-median' | 'none'>(HSNMF_OPTIONS, 'normalize'),
  };
}

/**
 * The options SNMF passes to NMF: the reference's (HALS as scikit-learn's cd — one sweep per
 * half-step, `halsAlpha: 0` —, NNDSVDa, 500 iterations, tol 1e-4, the run's seed), then
 * `nmf`'s own.
 */
function snmfNmfOptions(o: SnmfOptions): NonNullable<SnmfOptions['nmf']> {
  return {
    solver: 'hals',
    halsAlpha: 0,
    init: 'nndsvda',
    maxIter: optionDefault<number>(HSNMF_OPTIONS, 'nmf.maxIter'),
    tol: optionDefault<number>(HSNMF_OPTIONS, 'nmf.tol'),
    seed: o.seed ?? optionDefault<number>(HSNMF_OPTIONS, 'seed'),
    ...o.nmf,
  };
}

/**
 * The coordinates of `dataset` in µm (flat xy) and the scale used.
 * @throws StnmfError('BAD_INPUT') when the dataset has no `obsm.spatial` or it is malformed.
 */
export function coordinatesInMicrons(dataset: Dataset, micronsPerUnit?: number): { xy: Float64Array; micronsPerUnit: number; unit: string } {
  const sp = dataset.obsm.spatial;
  const n = dataset.X.rows;
  if (!sp) {
    throw new StnmfError('BAD_INPUT', `${dataset.meta.source}: obsm.spatial is missing; SNMF/hSNMF need cell coordinates (x, y) (for Xenium, cells.csv.gz next to the matrix)`);
  }
  if (sp.rows !== n || sp.cols < 2) {
    throw new StnmfError('BAD_INPUT', `${dataset.meta.source}: obsm.spatial must be ${n} x 2, found ${sp.rows} x ${sp.cols}`);
  }
  const unit = dataset.meta.coordinateUnit ?? 'unknown';
  // The scale is known (given, µm coordinates, or recorded by the reader) or the step refuses:
  // running µm radii on pixels links every cell or none, silently (issue 13, point 6).
  let scale = micronsPerUnit ?? dataset.meta.micronsPerUnit ?? (unit === 'um' ? 1 : undefined);
  if (scale === undefined) {
    throw new StnmfError(
      'BAD_OPTION',
      `${dataset.meta.source}: the coordinates are in '${unit}' with no known size in µm, and the hSNMF graph radii are in µm; pass --microns-per-unit (µm per coordinate unit), or --coordinate-unit um if they already are µm`,
    );
  }
  if (!(scale > 0) || !Number.isFinite(scale)) throw new StnmfError('BAD_OPTION', `snmf: micronsPerUnit must be a finite number > 0, got ${scale}`);
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = sp.data[i * sp.cols];
    const y = sp.data[i * sp.cols + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new StnmfError('BAD_INPUT', `${dataset.meta.source}: obsm.spatial row ${i} (${dataset.obs.index[i] ?? i}) has a non-finite coordinate (${x}, ${y})`);
    }
    xy[2 * i] = x * scale;
    xy[2 * i + 1] = y * scale;
  }
  return { xy, micronsPerUnit: scale, unit };
}

/**
 * Contact graph C (1e-6 < d ≤ r_c, weight w_c), context graph R (1e-6 < d ≤ r_r, weight w_r)
 * and their merge S (M1.3 steps 2–3). Radii in µm, coordinates in µm.
 * @throws StnmfError when neither graph has an edge, with the median nearest-neighbour
 *   distance so the user can see a unit mismatch.
 */
export function buildSpatialGraphs(
  coordsUm: Float64Array,
  o: SpatialGraphOptions,
  unitNote: { unit: string; micronsPerUnit: number } = { unit: 'um', micronsPerUnit: 1 },
  samples?: SampleGroups,
): { contact: NeighborGraph; context: NeighborGraph; hybrid: NeighborGraph } {
  return runSteps(buildSpatialGraphsSteps(coordsUm, o, unitNote, samples));
}

/** The radii (µm), weights and merge rule of {@link buildSpatialGraphs}. */
export interface SpatialGraphOptions {
  contactRadius: number;
  contactWeight: number;
  contextRadius: number;
  contextWeight: number;
  combine: CombineRule;
  weightCap?: number;
}

/**
 * {@link buildSpatialGraphs} as cancellable steps (errors.ts `Steps`), so {@link snmf} can be
 * interrupted while a large slide's graphs are built.
 */
export function* buildSpatialGraphsSteps(
  coordsUm: Float64Array,
  o: SpatialGraphOptions,
  unitNote: { unit: string; micronsPerUnit: number } = { unit: 'um', micronsPerUnit: 1 },
  samples?: SampleGroups,
): Steps<{ contact: NeighborGraph; context: NeighborGraph; hybrid: NeighborGraph }> {
  for (const [name, v] of [['contactRadius', o.contactRadius], ['contextRadius', o.contextRadius], ['contactWeight', o.contactWeight], ['contextWeight', o.contextWeight]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new StnmfError('BAD_OPTION', `snmf: ${name} must be a finite number > 0, got ${v}`);
  }
  checkPoints(coordsUm, 2, 'snmf: coordinates');
  // Both radii from one tree pass; each graph equals radiusGraph(coordsUm, r) (radius.ts).
  // Several samples: per sample, joined block-diagonally (serial sections overlap in space).
  const radii = [o.contactRadius, o.contextRadius];
  const [c, r] = samples
    ? yield* perGroupGraphsSteps(coordsUm, { codes: samples.codes, nGroups: samples.ids.length }, (pts) => radiusGraphsSteps(pts, radii))
    : yield* radiusGraphsSteps(coordsUm, radii);
  yield;
  const contact = constantWeights(c, o.contactWeight);
  const context = constantWeights(r, o.contextWeight);
  yield;
  const hybrid = yield* mergeGraphsSteps(contact, context, o.combine, o.weightCap);
  if (hybrid.indptr[hybrid.n] === 0) {
    let detail = '';
    // Nearest neighbours within each sample: serial sections overlap in space, and a distance
    // to a cell of another section says nothing about the radii (no edge crosses samples).
    const d = nearestOtherDistances(coordsUm, samples).sort((a, b) => a - b);
    if (d.length > 0) {
      const medUm = d[d.length >> 1];
      const med = medUm / unitNote.micronsPerUnit;
      detail = `; the median distance to the nearest other cell${samples ? ' of the same sample' : ''} is ${fmt(med)} coordinate units = ${fmt(medUm)} µm (unit '${unitNote.unit}', ${unitNote.micronsPerUnit} µm per unit)`;
    }
    throw new StnmfError(
      'BAD_INPUT',
      `snmf: the contact (${o.contactRadius} µm) and context (${o.contextRadius} µm) radius graphs have no edges${detail}; ` +
        `if the coordinates are not in micrometres, give micronsPerUnit (e.g. 0.2125 for Xenium morphology pixels) or radii in the coordinates' unit`,
    );
  }
  return { contact, context, hybrid };
}

/** Each point's distance to the nearest other point (of its own sample, with `samples`; a sample of one point has none). */
function nearestOtherDistances(xy: Float64Array, samples?: SampleGroups): number[] {
  const n = xy.length / 2;
  const groups: number[][] = [];
  for (let i = 0; i < n; i++) (groups[samples ? samples.codes[i] : 0] ??= []).push(i);
  const out: number[] = [];
  for (const rows of groups) {
    if (!rows || rows.length < 2) continue;
    const pts = new Float64Array(2 * rows.length);
    rows.forEach((i, q) => ((pts[2 * q] = xy[2 * i]), (pts[2 * q + 1] = xy[2 * i + 1])));
    out.push(...knnQuery(pts, 2, 1).distances);
  }
  return out;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

function constantWeights(g: NeighborGraph, w: number): NeighborGraph {
  (g.weights as Float64Array).fill(w);
  return g;
}

/** The matrix SNMF factorises, after validation. */
export function snmfInput(dataset: Dataset, o: SnmfOptions): { X: Csr; normalization: string } {
  if (o.layer === undefined) {
    // log1p of a negative count is NaN, which NMF would report as "NaN" without saying where it came from.
    const { indptr, indices, data } = dataset.X;
    for (let i = 0; i < dataset.X.rows; i++) {
      for (let q = indptr[i]; q < indptr[i + 1]; q++) {
        if (!(data[q] >= 0) || data[q] === Infinity) {
          throw new StnmfError('BAD_INPUT', `${dataset.meta.source}: X: value at row ${i}, column ${indices[q]} is ${data[q]}; hSNMF needs finite non-negative counts`);
        }
      }
    }
  }
  if (o.layer !== undefined) {
    const L = dataset.layers[o.layer];
    if (!L) throw new StnmfError('BAD_OPTION', `snmf: layer '${o.layer}' not found (layers: ${Object.keys(dataset.layers).join(', ') || 'none'})`);
    if (!('indptr' in L)) {
      const Xd = L as Dense;
      const rows: number[] = [], cols: number[] = [], vals: number[] = [];
      for (let i = 0; i < Xd.rows; i++) for (let j = 0; j < Xd.cols; j++) { const v = Xd.data[i * Xd.cols + j]; if (v !== 0) { rows.push(i); cols.push(j); vals.push(v); } }
      const indptr = new Int32Array(Xd.rows + 1);
      for (const r of rows) indptr[r + 1]++;
      for (let i = 0; i < Xd.rows; i++) indptr[i + 1] += indptr[i];
      return { X: { rows: Xd.rows, cols: Xd.cols, indptr, indices: Int32Array.from(cols), data: Float32Array.from(vals) }, normalization: `layer ${o.layer}` };
    }
    return { X: L as Csr, normalization: `layer ${o.layer}` };
  }
  const mode = o.normalize ?? 'log1p-median';
  if (o.normalizePerSample && mode !== 'log1p-median') throw new StnmfError('BAD_OPTION', 'snmf: normalizePerSample applies to normalize log1p-median only');
  if (mode === 'none') return { X: dataset.X, normalization: 'none' };
  if (o.normalizePerSample) {
    const g = sampleGroups(dataset);
    if (!g) throw new StnmfError('BAD_OPTION', 'snmf: normalizePerSample (--normalize-per-sample): the input is one sample; give several with --samples manifest.csv or --sample-key COLUMN');
    const { X, sampleTargets } = logNormalize(dataset.X, g);
    return { X, normalization: `log1p(counts * target / total), target per sample (its median total): ${g.ids.map((id, s) => `${id} ${sampleTargets![s]}`).join(', ')}` };
  }
  const { X, target } = logNormalize(dataset.X);
  return { X, normalization: `log1p(counts * ${target} / total)` };
}

/**
 * SNMF: NMF (M1.3 step 1, defaults M1.4: Frobenius, HALS = scikit-learn `cd`, NNDSVDa, 500
 * iterations, tol 1e-4, seed 0) of the log-normalised expression, then diffusion smoothing
 * of W over the hybrid contact/context graph (β = 0.6, 2 steps). No spatial term enters the
 * factorisation: W is smoothed afterwards, as in the reference code.
 * @throws StnmfError for missing coordinates, a rank larger than the number of genes or
 *   cells, radii that give no edges, or bad options.
 */
export async function snmf(dataset: Dataset, options: SnmfOptions = {}): Promise<SnmfResult> {
  // Types, ranges and choices as declared once in HSNMF_OPTIONS (the CLI's flags come from it).
  checkOptions(HSNMF_OPTIONS, options, 'snmf');
  const d = snmfDefaults(options);
  const nmfOptions = snmfNmfOptions(options);
  const n = dataset.X.rows;
  const p = dataset.X.cols;
  if (!Number.isInteger(d.rank) || d.rank < 1) throw new StnmfError('BAD_OPTION', `snmf: rank must be a positive integer, got ${d.rank}`);
  if (d.rank > p) throw new StnmfError('BAD_OPTION', `snmf: rank ${d.rank} is larger than the number of genes (${p}); choose a rank <= ${p}`);
  if (d.rank > n) throw new StnmfError('BAD_OPTION', `snmf: rank ${d.rank} is larger than the number of cells (${n})`);
  const coords = coordinatesInMicrons(dataset, options.micronsPerUnit);
  const { X, normalization } = snmfInput(dataset, options);
  const progress = options.onProgress;

  progress?.({ stage: 'graphs', done: 0, total: 1 });
  const samples = sampleGroups(dataset);
  const g = await runStepsCancellable(buildSpatialGraphsSteps(coords.xy, { ...d, weightCap: options.weightCap }, coords, samples), options.signal, 'snmf');
  progress?.({ stage: 'graphs', done: 1, total: 1, detail: `${g.hybrid.indptr[n] / 2} edges` });
  await checkpoint(options.signal, 'snmf');

  let W0: Dense;
  let H: Dense;
  let nmfInfo: SnmfResult['nmf'];
  let warnings: StnmfWarning[] = [];
  if (options.factors) {
    const { W, H: H0 } = options.factors;
    if (W.rows !== n || W.cols !== d.rank || H0.rows !== d.rank || H0.cols !== p) {
      throw new StnmfError('BAD_INPUT', `snmf: factors must be W ${n} x ${d.rank} and H ${d.rank} x ${p}, got W ${W.rows} x ${W.cols} and H ${H0.rows} x ${H0.cols}`);
    }
    W0 = { rows: n, cols: d.rank, data: Float32Array.from(W.data) };
    H = { rows: d.rank, cols: p, data: Float32Array.from(H0.data) };
    nmfInfo = undefined;
  } else {
    const t0 = Date.now();
    const res = await nmf(X, {
      ...nmfOptions,
      loss: 'frobenius',
      rank: d.rank,
      kernels: options.kernels,
      threads: options.threads,
      signal: options.signal,
      onProgress: progress ? (e) => progress({ stage: 'nmf', done: e.iteration, total: e.maxIter, detail: e.loss !== undefined ? `loss ${e.loss.toPrecision(6)}` : undefined }) : undefined,
    });
    W0 = res.W;
    H = res.H;
    nmfInfo = { loss: res.loss, iterations: res.iterations, converged: res.converged, seconds: (Date.now() - t0) / 1000 };
    warnings = res.warnings;
  }
  await checkpoint(options.signal, 'snmf');

  // Smooth the float64 view of W0 when the caller gave float64 factors (parity), else W0 itself.
  const source = options.factors?.W ?? W0;
  const Ws64 = await runStepsCancellable(diffusionSmoothSteps(source, g.hybrid, { beta: d.beta, steps: d.steps }), options.signal, 'snmf');
  progress?.({ stage: 'smooth', done: 1, total: 1 });
  return {
    X,
    W0,
    H,
    Ws: { rows: n, cols: d.rank, data: Float32Array.from(Ws64) },
    Ws64,
    graphs: { ...g, coordsUm: coords.xy, micronsPerUnit: coords.micronsPerUnit, ...(samples ? { samples } : {}) },
    nmf: nmfInfo,
    warnings,
    parameters: { ...d, weightCap: options.weightCap ?? null, micronsPerUnit: coords.micronsPerUnit, coordinateUnit: coords.unit, normalization, nmf: nmfOptions },
  };
}
