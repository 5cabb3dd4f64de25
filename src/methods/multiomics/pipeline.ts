/**
 * `runSpatialMultiOmics`: the whole SpatialMultiOmics method (methods-spec M3, corrected):
 * align → normalise per modality → HVG → block balancing → joint NMF (shared W, H split into
 * transcript and protein blocks) → factor annotation → cell assignment → niches →
 * co-localization scores.
 */
import { csrToDense, selectCols, type Csr } from '../../linalg/csr.js';
import { zeros, type Dense } from '../../linalg/dense.js';
import type { Kernels } from '../../linalg/kernels.js';
import { nmf } from '../../nmf/index.js';
import { StnmfError } from '../../errors.js';
import { alignModalities, type AlignOptions, type Alignment, type ModalityTable } from './align.js';
import { annotateCorrelation, annotateOverlap, assignCells, type AnnotationResult, type CorrelationOptions, type OverlapOptions } from './annotate.js';
import {
  coOccurrenceAsync,
  colocalizationScores,
  encodeLabels,
  isolatedFraction,
  neighborhoodEnrichmentAsync,
  nicheComposition,
  radiusNeighbors,
  requireNeighbors,
  type CoOccurrence,
  type CoOccurrenceOptions,
  type CodedLabels,
  type ColocalizationScores,
  type NeighborLists,
  type NhoodEnrichment,
  type NicheComposition,
} from './colocalization.js';
import { resolveMarkers, type MarkerTable, type ResolvedMarkers } from './markers.js';
import { frobeniusNorm, highlyVariableGenes, hstackCsr, log1pCsr, normalizeCsr, scaleCsr, type Normalization } from './preprocess.js';

/** Joint matrices denser than this are factorised in dense form [T]. */
const DENSE_ABOVE = 0.3;
/** ... unless they have more entries than this (dense float32 memory cap, 1 GiB). */
const DENSE_MAX_ENTRIES = 2 ** 28;

/** Options of {@link runSpatialMultiOmics}; defaults from methods-spec M3.12 unless noted. */
export interface MultiOmicsOptions {
  /** Number of shared factors k; default 15 (API example, M3.10). */
  nFactors?: number;
  /** Niche / co-localization radius in coordinate units; default 50 (paper text, API, CLI). */
  radius?: number;
  /** Factor annotation variant (M3.5); default `overlap` (paper). */
  annotation?: 'overlap' | 'correlation';
  overlap?: OverlapOptions;
  correlation?: CorrelationOptions;
  /** Per-modality transform; default `log1p` (paper; `minmax` = skill parity). */
  normalization?: Normalization;
  /** Transform of the protein block when it should differ from `normalization`; default = `normalization`. */
  proteinNormalization?: Normalization;
  /** Highly variable genes kept; default 2000 (paper). Proteins are all kept. */
  nTopGenes?: number;
  /**
   * Block balancing (M3.4 step 3): `frobenius` (default) divides each block by its Frobenius
   * norm; `none` = parity; or explicit weights multiplying the unit-norm blocks.
   */
  blockBalance?: 'frobenius' | 'none' | { transcript: number; protein: number };
  /** NMF initialisation; default `nndsvda` (paper; `nndsvd` = skill parity). */
  init?: 'nndsvda' | 'nndsvd';
  /** Default 500 (M3.4). */
  maxIter?: number;
  /** Default 1e-4 (M3.4). */
  tol?: number;
  /** Seed of the NMF and the permutations; default 42 (M3.12). */
  seed?: number;
  /** Alignment of the two modalities (M3.3). */
  align?: AlignOptions;
  /** Count each cell in its own neighbourhood (skill parity); default false (M3.7 [T]). */
  includeSelf?: boolean;
  /** Permutations of the neighbourhood-enrichment test; default 1000; 0 skips it. */
  nPerms?: number;
  /** Co-occurrence options, or false to skip it; default on with 50 thresholds. */
  coOccurrence?: CoOccurrenceOptions | false;
  kernels?: Kernels;
  threads?: number;
  signal?: AbortSignal;
  /** Step names as they start (`align`, `nmf`, `annotate`, `niches`, `enrichment`, `co-occurrence`). */
  onStep?: (step: string) => void;
}

/** Everything the method produces. Matrices follow the toolkit orientation (rows = observations). */
export interface MultiOmicsResult {
  ids: string[];
  x: Float64Array;
  y: Float64Array;
  /** Aligned raw transcripts (observations x all transcript features; 0 columns when absent). */
  Xtranscript: Csr;
  /** Aligned raw proteins (observations x proteins; spot means in `spots` mode). */
  Xprotein: Csr;
  /** Shared usage W, observations x factors. */
  W: Dense;
  /** Transcript loadings, factors x all transcript features (0 for genes not selected as HVG). */
  Htranscript: Dense;
  /** Protein loadings, factors x proteins. */
  Hprotein: Dense;
  transcriptFeatures: string[];
  proteinFeatures: string[];
  /** Transcript columns used in the factorisation (HVGs). */
  hvg: Int32Array;
  /** Factor by which each block was multiplied before the NMF. */
  blockScale: { transcript: number; protein: number };
  annotation: AnnotationResult;
  markers: ResolvedMarkers;
  /** Argmax factor per observation (-1 = all-zero usage). */
  factor: Int32Array;
  /** Cell type per observation. */
  labels: string[];
  coded: CodedLabels;
  graph: NeighborLists;
  niches: NicheComposition;
  colocalization: ColocalizationScores;
  enrichment?: NhoodEnrichment;
  coOccurrence?: CoOccurrence;
  nmf: { loss: number; iterations: number; converged: boolean; backend: string };
  alignment: Pick<Alignment, 'nMatched' | 'txRow' | 'protRow'>;
  warnings: string[];
}

/**
 * Runs the corrected SpatialMultiOmics pipeline on two modalities (either may be absent, e.g. a
 * protein-only CODEX run: the factorisation then uses the one block).
 * @param tx transcripts (cells or spots x genes, raw counts), or null
 * @param prot proteins (cells x markers, intensities), or null
 * @param markers reference types and markers; names absent from both modalities are warned about
 * @throws StnmfError for unusable inputs (no shared observations, no neighbours within the
 *   radius, too few observations or features for the rank).
 */
export async function runSpatialMultiOmics(
  tx: ModalityTable | null,
  prot: ModalityTable | null,
  markers: MarkerTable,
  options: MultiOmicsOptions = {},
): Promise<MultiOmicsResult> {
  const k = options.nFactors ?? 15;
  const radius = options.radius ?? 50;
  const seed = options.seed ?? 42;
  const warnings: string[] = [];
  if (!tx && !prot) throw new StnmfError('BAD_INPUT', 'runSpatialMultiOmics: need transcripts, proteins or both');
  if (!Number.isInteger(k) || k < 1) throw new StnmfError('BAD_OPTION', `nFactors: expected an integer ≥ 1, got ${k}`);
  if (!(radius > 0) || !Number.isFinite(radius)) throw new StnmfError('BAD_OPTION', `radius: expected a finite number > 0, got ${radius}`);

  options.onStep?.('align');
  let aligned: Alignment;
  if (tx && prot) {
    aligned = alignModalities(tx, prot, options.align);
    warnings.push(...aligned.warnings);
  } else {
    const only = (tx ?? prot)!;
    const empty: Csr = { rows: only.X.rows, cols: 0, indptr: new Int32Array(only.X.rows + 1), indices: new Int32Array(0), data: new Float32Array(0) };
    aligned = {
      ids: only.ids.slice(),
      x: only.x ?? new Float64Array(only.ids.length).fill(NaN),
      y: only.y ?? new Float64Array(only.ids.length).fill(NaN),
      tx: tx ? tx.X : empty,
      prot: prot ? prot.X : empty,
      txRow: Int32Array.from({ length: only.ids.length }, (_, i) => (tx ? i : -1)),
      protRow: Int32Array.from({ length: only.ids.length }, (_, i) => (prot ? i : -1)),
      nMatched: only.ids.length,
      warnings: [],
    };
    warnings.push(`only ${tx ? 'transcripts' : 'proteins'} given: single-modality factorisation`);
  }
  const n = aligned.ids.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(aligned.x[i]) || !Number.isFinite(aligned.y[i])) {
      throw new StnmfError('BAD_INPUT', `observation '${aligned.ids[i]}': no finite x/y coordinates; niches and co-localization need positions`);
    }
  }
  const txFeatures = tx ? tx.features.slice() : [];
  const protFeatures = prot ? prot.features.slice() : [];

  // Markers are checked before the factorisation so a bad table fails (or warns) early.
  const resolved = resolveMarkers(markers, txFeatures, protFeatures);
  if (resolved.missing.length) {
    warnings.push(`marker table: ${resolved.missing.length} marker(s) match no feature and were ignored: ${resolved.missing.join('; ')}`);
  }
  if (resolved.genes.every((g) => g.length === 0) && resolved.proteins.every((p) => p.length === 0)) {
    throw new StnmfError('BAD_INPUT', `marker table: none of its ${markers.types.length} types has a marker among the data's features`);
  }

  // Per-modality normalisation, HVG selection and block balancing (M3.4).
  const norm = options.normalization ?? 'log1p';
  const protNormKind = options.proteinNormalization ?? norm;
  const txNorm = normalizeCsr(aligned.tx, norm, tx?.name ?? 'transcripts');
  const protNorm = normalizeCsr(aligned.prot, protNormKind, prot?.name ?? 'proteins');
  // HVG statistics always come from log1p data (scanpy's seurat flavour expects it).
  const hvg = txNorm.cols > 0 ? highlyVariableGenes(norm === 'log1p' ? txNorm : log1pCsr(aligned.tx), options.nTopGenes ?? 2000).selected : new Int32Array(0);
  const txUsed = txNorm.cols > 0 ? selectCols(txNorm, hvg) : txNorm;
  const bal = options.blockBalance ?? 'frobenius';
  const nTx = frobeniusNorm(txUsed);
  const nProt = frobeniusNorm(protNorm);
  let sTx = 1, sProt = 1;
  if (bal !== 'none') {
    const wT = typeof bal === 'object' ? bal.transcript : 1;
    const wP = typeof bal === 'object' ? bal.protein : 1;
    sTx = nTx > 0 ? wT / nTx : 0;
    sProt = nProt > 0 ? wP / nProt : 0;
  }
  const blocks = [txUsed, protNorm].filter((b) => b.cols > 0);
  const scaled = blocks.map((b) => scaleCsr(b, b === txUsed ? sTx : sProt));
  const Xs = hstackCsr(scaled);
  // Mostly-non-zero inputs (protein intensities, NB counts after log1p) factorise faster dense;
  // sparse count data stays sparse (architecture.md §3).
  const density = Xs.indptr[Xs.rows] / Math.max(1, Xs.rows * Xs.cols);
  const X: Csr | Dense = density > DENSE_ABOVE && Xs.rows * Xs.cols <= DENSE_MAX_ENTRIES ? csrToDense(Xs) : Xs;
  if (k > Math.min(X.rows, X.cols)) {
    throw new StnmfError('BAD_OPTION', `nFactors ${k}: must not exceed min(observations, features) = min(${X.rows}, ${X.cols})`);
  }

  options.onStep?.('nmf');
  const fit = await nmf(X, {
    rank: k,
    loss: 'frobenius',
    // The reference's scikit-learn cd: one sweep per half-step (plain nmf accelerates).
    solver: 'hals',
    halsAlpha: 0,
    init: options.init ?? 'nndsvda',
    maxIter: options.maxIter ?? 500,
    tol: options.tol ?? 1e-4,
    seed,
    kernels: options.kernels,
    threads: options.threads,
    signal: options.signal,
  });
  // The factorisation's warnings (convergence, empty factors, all-zero cells) join the method's.
  warnings.push(...fit.warnings.map((w) => w.message));
  const W = fit.W;
  const Htx = zeros(k, txFeatures.length);
  const Hprot = zeros(k, protFeatures.length);
  const used = txUsed.cols;
  for (let f = 0; f < k; f++) {
    for (let c = 0; c < used; c++) Htx.data[f * txFeatures.length + hvg[c]] = fit.H.data[f * X.cols + c];
    for (let c = 0; c < protNorm.cols; c++) Hprot.data[f * protFeatures.length + c] = fit.H.data[f * X.cols + used + c];
  }

  options.onStep?.('annotate');
  const annotation =
    (options.annotation ?? 'overlap') === 'overlap'
      ? annotateOverlap(Htx, Hprot, resolved, options.overlap)
      : annotateCorrelation(W, txNorm, protNorm, resolved, options.correlation);
  const { factor, labels } = assignCells(W, annotation.factors.map((a) => a.cellType));
  const coded = encodeLabels(labels);

  options.onStep?.('niches');
  const graph = radiusNeighbors(aligned.x, aligned.y, radius);
  requireNeighbors(graph, radius, 'radius');
  const iso = isolatedFraction(graph);
  if (iso > 0.5) warnings.push(`radius ${radius}: ${(100 * iso).toFixed(1)}% of observations have no neighbour; niches and scores rest on few cells`);
  const includeSelf = options.includeSelf ?? false;
  const niches = nicheComposition(graph, coded.codes, coded.categories.length, includeSelf);
  const colocalization = colocalizationScores(graph, coded, includeSelf);
  let enrichment: NhoodEnrichment | undefined;
  const nPerms = options.nPerms ?? 1000;
  if (nPerms > 0 && coded.categories.length > 1) {
    options.onStep?.('enrichment');
    enrichment = await neighborhoodEnrichmentAsync(graph, coded, { nPerms, seed, signal: options.signal });
  }
  let cooc: CoOccurrence | undefined;
  // squidpy's default distance range needs three cells.
  if (options.coOccurrence !== false && n >= 3) {
    options.onStep?.('co-occurrence');
    cooc = await coOccurrenceAsync(aligned.x, aligned.y, coded, { seed, signal: options.signal, ...(options.coOccurrence ?? {}) });
  }
  return {
    ids: aligned.ids,
    x: aligned.x,
    y: aligned.y,
    Xtranscript: aligned.tx,
    Xprotein: aligned.prot,
    W,
    Htranscript: Htx,
    Hprotein: Hprot,
    transcriptFeatures: txFeatures,
    proteinFeatures: protFeatures,
    hvg,
    blockScale: { transcript: sTx, protein: sProt },
    annotation,
    markers: resolved,
    factor,
    labels,
    coded,
    graph,
    niches,
    colocalization,
    enrichment,
    coOccurrence: cooc,
    nmf: { loss: fit.loss, iterations: fit.iterations, converged: fit.converged, backend: fit.parameters.backend },
    alignment: { nMatched: aligned.nMatched, txRow: aligned.txRow, protRow: aligned.protRow },
    warnings,
  };
}

/**
 * Fraction of observations whose label equals the truth (M3.9 accuracy), plus per-type recall
 * and the number of truth types recovered (recall > 0.5 [T]). Observations missing from `truth`
 * are skipped.
 */
export function assignmentAccuracy(
  ids: readonly string[],
  labels: readonly string[],
  truth: ReadonlyMap<string, string>,
): { accuracy: number; n: number; recall: Record<string, number>; typesRecovered: number } {
  let hit = 0, cnt = 0;
  const tot = new Map<string, number>();
  const ok = new Map<string, number>();
  ids.forEach((id, i) => {
    const t = truth.get(id);
    if (t === undefined) return;
    cnt++;
    tot.set(t, (tot.get(t) ?? 0) + 1);
    if (labels[i] === t) {
      hit++;
      ok.set(t, (ok.get(t) ?? 0) + 1);
    }
  });
  const recall: Record<string, number> = {};
  let recovered = 0;
  for (const [t, c] of [...tot].sort()) {
    recall[t] = (ok.get(t) ?? 0) / c;
    if (recall[t] > 0.5) recovered++;
  }
  return { accuracy: cnt ? hit / cnt : NaN, n: cnt, recall, typesRecovered: recovered };
}
