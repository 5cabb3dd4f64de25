/**
 * The SpatialMultiOmics synthetic benchmark (methods-spec M3.9, made precise): cells of four
 * types clustered around random centres, negative-binomial transcripts with Poisson-boosted
 * marker genes, Normal protein intensities with Poisson-boosted marker proteins, and a marker
 * table whose names match the features (the skill's never did, M3.5).
 */
import { csrFromDense, type Csr } from '../linalg/csr.js';
import { zeros } from '../linalg/dense.js';
import { Rng } from '../linalg/rng.js';
import { StnmfError } from '../errors.js';

/** Options of {@link simulateMultiOmics}; defaults are M3.9's. */
export interface MultiOmicsSimOptions {
  /** Seed of every draw; default 0. */
  seed?: number;
  /** Number of cells; default 200 (paper). Types are assigned round-robin (skill). */
  nCells?: number;
  /** Cell-type names; default T cells, Macrophages, Epithelial, Fibroblasts (paper). */
  types?: string[];
  /** Genes; default 500 (skill). */
  nGenes?: number;
  /** Proteins; default 10 (skill). */
  nProteins?: number;
  /** Marker genes per type; default 4 (paper). */
  markerGenesPerType?: number;
  /** Marker proteins per type; default 2 (skill). */
  markerProteinsPerType?: number;
  /** Side of the square region in px; default 1000 (paper). */
  extent?: number;
  /** SD of cell positions around their type centre in px; default 60 (paper). */
  spatialSd?: number;
  /** Negative-binomial mean of every gene; default 5 (paper). */
  geneMean?: number;
  /** NB overdispersion φ (variance μ + φμ²); default 0.5 (paper; size 1/φ = 2). */
  overdispersion?: number;
  /** Poisson rate added to marker genes of the cell's type; default 50 (paper). */
  markerGeneBoost?: number;
  /** Protein baseline Normal(mean, sd), clipped at 0; default (2, 0.5) (paper). */
  proteinMean?: number;
  proteinSd?: number;
  /** Poisson rate added to marker proteins of the cell's type; default 4 (paper). */
  markerProteinBoost?: number;
}

/** A simulated modality: ids, feature names, matrix (cells x features) and coordinates. */
export interface SimModality {
  ids: string[];
  features: string[];
  X: Csr;
  x: Float64Array;
  y: Float64Array;
}

/** The benchmark: both modalities of the same cells, the marker table and the truth. */
export interface MultiOmicsSim {
  transcripts: SimModality;
  proteins: SimModality;
  /** Long-format marker rows (type, feature, modality) in type order. */
  markers: { cellType: string; feature: string; modality: 'transcript' | 'protein' }[];
  types: string[];
  /** True type per cell (index into `types`). */
  truth: Int32Array;
  /** Type centres, `[x0, y0, x1, y1, …]`. */
  centres: Float64Array;
}

/**
 * Generates the M3.9 benchmark. Same options and seed → identical output.
 * Genes: NB(mean μ, overdispersion φ) as a gamma–Poisson mixture (rate ~ Gamma(1/φ, φμ)); the
 * type's marker genes get an extra Poisson(boost). Proteins: Normal(2, 0.5) clipped at 0 plus a
 * Poisson(4) on the type's marker proteins. Marker genes of type t are genes t·m … t·m + m − 1
 * (likewise proteins), so the default uses 16 of 500 genes and 8 of 10 proteins.
 */
export function simulateMultiOmics(options: MultiOmicsSimOptions = {}): MultiOmicsSim {
  const seed = options.seed ?? 0;
  const n = options.nCells ?? 200;
  const types = options.types ?? ['T cells', 'Macrophages', 'Epithelial', 'Fibroblasts'];
  const G = options.nGenes ?? 500;
  const P = options.nProteins ?? 10;
  const mg = options.markerGenesPerType ?? 4;
  const mp = options.markerProteinsPerType ?? 2;
  const extent = options.extent ?? 1000;
  const sd = options.spatialSd ?? 60;
  const mu = options.geneMean ?? 5;
  const phi = options.overdispersion ?? 0.5;
  const gBoost = options.markerGeneBoost ?? 50;
  const pMean = options.proteinMean ?? 2;
  const pSd = options.proteinSd ?? 0.5;
  const pBoost = options.markerProteinBoost ?? 4;
  const T = types.length;
  if (!Number.isInteger(n) || n < 1) throw new StnmfError('BAD_OPTION', `cells: expected an integer ≥ 1, got ${n}`);
  if (T * mg > G) throw new StnmfError('BAD_OPTION', `genes: ${T} types x ${mg} markers need at least ${T * mg} genes, got ${G}`);
  if (T * mp > P) throw new StnmfError('BAD_OPTION', `proteins: ${T} types x ${mp} markers need at least ${T * mp} proteins, got ${P}`);

  const root = new Rng(seed);
  const rPos = root.fork(1), rGene = root.fork(2), rProt = root.fork(3);
  const centres = new Float64Array(2 * T);
  for (let t = 0; t < 2 * T; t++) centres[t] = rPos.uniform() * extent;
  const truth = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i % T;
    truth[i] = t;
    x[i] = centres[2 * t] + sd * rPos.normal();
    y[i] = centres[2 * t + 1] + sd * rPos.normal();
  }
  const width = Math.max(3, String(G - 1).length);
  const pWidth = Math.max(2, String(P - 1).length);
  const genes = Array.from({ length: G }, (_, j) => `GENE_${String(j).padStart(width, '0')}`);
  const proteins = Array.from({ length: P }, (_, j) => `PROT_${String(j).padStart(pWidth, '0')}`);
  const ids = Array.from({ length: n }, (_, i) => `cell_${String(i).padStart(String(n - 1).length, '0')}`);

  const Xg = zeros(n, G);
  const shape = 1 / phi;
  const scale = phi * mu;
  for (let i = 0; i < n; i++) {
    const t = truth[i];
    for (let j = 0; j < G; j++) {
      let v = rGene.poisson(rGene.gamma(shape) * scale);
      if (j >= t * mg && j < (t + 1) * mg) v += rGene.poisson(gBoost);
      Xg.data[i * G + j] = v;
    }
  }
  const Xp = zeros(n, P);
  for (let i = 0; i < n; i++) {
    const t = truth[i];
    for (let j = 0; j < P; j++) {
      let v = Math.max(0, pMean + pSd * rProt.normal());
      if (j >= t * mp && j < (t + 1) * mp) v += rProt.poisson(pBoost);
      Xp.data[i * P + j] = v;
    }
  }
  const markers: MultiOmicsSim['markers'] = [];
  types.forEach((name, t) => {
    for (let j = t * mg; j < (t + 1) * mg; j++) markers.push({ cellType: name, feature: genes[j], modality: 'transcript' });
    for (let j = t * mp; j < (t + 1) * mp; j++) markers.push({ cellType: name, feature: proteins[j], modality: 'protein' });
  });
  return {
    transcripts: { ids, features: genes, X: csrFromDense(Xg), x, y },
    proteins: { ids: ids.slice(), features: proteins, X: csrFromDense(Xp), x: x.slice(), y: y.slice() },
    markers,
    types: types.slice(),
    truth,
    centres,
  };
}
