/**
 * `stnmf multiomics`: joint NMF of spatial transcriptomics and proteomics with marker-based
 * annotation, niches and co-localization (methods-spec M3, corrected). Writes shared_labels.csv,
 * co_localization.csv, co_occurrence.csv, niche_composition.csv, factor_annotation.csv, W.npy
 * (observations x factors), H_transcript.npy / H_protein.npy (factors x features), result.h5ad,
 * summary.json and run.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Column, CoordinateUnit, Dataset } from '../../dataset.js';
import { frame } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { readDataset } from '../../io/index.js';
import { readCsvDataset } from '../../io/csv.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { writeNpy } from '../../io/npy.js';
import { createKernels } from '../../linalg/backend.js';
import { selectCols, type Csr } from '../../linalg/csr.js';
import { transposeDense } from '../../linalg/dense.js';
import {
  assignmentAccuracy,
  hstackCsr,
  parseCsvText,
  parseMarkerTable,
  runSpatialMultiOmics,
  type MarkerTable,
  type MatchBy,
  type ModalityTable,
  type MultiOmicsOptions,
  type MultiOmicsResult,
  type Normalization,
} from '../../methods/multiomics/index.js';
import { adjustedRandIndex } from '../../metrics/index.js';
import { simulateMultiOmics } from '../../simulate/multiomics.js';
import type { Command, CommandContext } from '../command.js';
import { finishRun } from '../command.js';
import { jsonReplacer, RunOutput } from '../output.js';

const TX_PLATFORMS = ['visium', 'xenium', 'merfish', 'merscope', 'cosmx', 'stereo-seq', 'slide-seq', 'h5ad', 'csv'] as const;
const PROT_PLATFORMS = ['codex', 'mibi', 'imc', 'cycif', 'h5ad', 'csv'] as const;
/** Spot-level transcript platforms: protein cells are binned into their spots (M3.3). */
const SPOT_PLATFORMS = new Set(['visium', 'slide-seq', 'stereo-seq']);

type ReadWithPlatform = (path: string, options?: { platform?: string }) => Promise<Dataset>;

/** Reads one modality: io's readDataset with the platform hint, falling back to io's generic CSV reader for .csv/.tsv. */
async function readModality(path: string, platform: string | undefined, flag: string): Promise<Dataset> {
  const read = readDataset as ReadWithPlatform;
  const generic = platform === 'csv' || platform === undefined;
  try {
    return await read(path, generic ? undefined : { platform });
  } catch (e) {
    if (!/\.(csv|tsv|txt)(\.gz)?$/i.test(path) || !(e instanceof StnmfError) || e.code !== 'BAD_FILE') throw e;
    try {
      return await readCsvDataset(path, { platform: platform ?? 'csv' });
    } catch (e2) {
      if (e2 instanceof StnmfError) throw new StnmfError(e2.code, `--${flag} ${e2.message}`);
      throw e2;
    }
  }
}

/**
 * The method's view of a Dataset. Coordinates come from `obsm.spatial`, else from feature columns
 * named x/y (a `cell_id,x,y,features…` table read as a plain matrix), which are then removed from
 * the features. Coordinates are converted to µm when the reader knows µm per unit, or scaled by
 * `umPerUnit` when given.
 */
export function toModality(ds: Dataset, name: string, umPerUnit?: number): { table: ModalityTable; note?: string } {
  let X: Csr = ds.X;
  let features = ds.var.index.slice();
  let x: Float64Array | undefined;
  let y: Float64Array | undefined;
  let note: string | undefined;
  const sp = ds.obsm.spatial;
  if (sp && sp.cols >= 2) {
    x = Float64Array.from({ length: sp.rows }, (_, i) => sp.data[i * sp.cols]);
    y = Float64Array.from({ length: sp.rows }, (_, i) => sp.data[i * sp.cols + 1]);
  } else {
    const lower = features.map((f) => f.toLowerCase());
    const ix = lower.findIndex((f) => f === 'x' || f === 'x_centroid' || f === 'centroidx');
    const iy = lower.findIndex((f) => f === 'y' || f === 'y_centroid' || f === 'centroidy');
    if (ix >= 0 && iy >= 0) {
      const dense = (j: number) => {
        const out = new Float64Array(X.rows);
        for (let i = 0; i < X.rows; i++) {
          for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) if (X.indices[p] === j) out[i] = X.data[p];
        }
        return out;
      };
      x = dense(ix);
      y = dense(iy);
      const keep = features.map((_, j) => j).filter((j) => j !== ix && j !== iy);
      X = selectCols(X, keep);
      features = keep.map((j) => features[j]);
      note = `${name}: columns '${ds.var.index[ix]}', '${ds.var.index[iy]}' used as coordinates`;
    }
  }
  const scale = umPerUnit ?? ds.meta.micronsPerUnit;
  if (x && y && scale !== undefined && scale !== 1) {
    for (let i = 0; i < x.length; i++) (x[i] *= scale), (y[i] *= scale);
    note = `${note ? note + '; ' : ''}${name}: coordinates scaled by ${scale} µm per unit`;
  }
  return { table: { ids: ds.obs.index, features, X, x, y, name }, note };
}

const csvField = (s: string | number): string => {
  const t = typeof s === 'number' ? (Number.isNaN(s) ? 'NaN' : Number.isFinite(s) ? String(s) : s > 0 ? 'inf' : '-inf') : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};
const csvLine = (fields: (string | number)[]) => fields.map(csvField).join(',');

/** Writes every output file of a run into `dir` (through `path(name)`). */
export async function writeMultiOmicsOutputs(r: MultiOmicsResult, path: (name: string) => string, h5ad: boolean, coords: CoordinateFrame = {}): Promise<void> {
  const T = r.coded.categories.length;
  const cats = r.coded.categories;
  const lines = ['cell_id,x,y,cell_type'];
  r.ids.forEach((id, i) => lines.push(csvLine([id, r.x[i], r.y[i], r.labels[i]])));
  await writeFile(path('shared_labels.csv'), lines.join('\n') + '\n');

  const nA = new Float64Array(T);
  for (const c of r.coded.codes) nA[c]++;
  const c = r.colocalization;
  const e = r.enrichment;
  const co = [
    'cell_type_A,cell_type_B,n_A,n_B,edges,expected_edges,neighbor_ratio_literal,edge_enrichment_ratio,log2_edge_enrichment,standardized_neighbor_excess,nhood_count,nhood_perm_mean,nhood_perm_sd,nhood_z,nhood_p',
  ];
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      const o = a * T + b;
      co.push(
        csvLine([
          cats[a], cats[b], nA[a], nA[b], c.edges[o], c.expectedEdges[o], c.neighborRatioLiteral[o], c.edgeEnrichmentRatio[o],
          c.log2EdgeEnrichment[o], c.standardizedNeighborExcess[o],
          e ? e.count[o] : NaN, e ? e.permMean[o] : NaN, e ? e.permSd[o] : NaN, e ? e.zscore[o] : NaN, e ? e.pValue[o] : NaN,
        ]),
      );
    }
  }
  await writeFile(path('co_localization.csv'), co.join('\n') + '\n');

  if (r.coOccurrence) {
    const q = r.coOccurrence;
    const out = ['cell_type_A,cell_type_B,distance_low,distance_high,ratio,pairs'];
    for (let a = 0; a < T; a++) {
      for (let b = 0; b < T; b++) {
        for (let s = 0; s < q.nBins; s++) {
          const o = (a * T + b) * q.nBins + s;
          out.push(csvLine([cats[a], cats[b], q.thresholds[s], q.thresholds[s + 1], q.ratio[o], q.counts[o]]));
        }
      }
    }
    await writeFile(path('co_occurrence.csv'), out.join('\n') + '\n');
  }

  const niche = [csvLine(['cell_id', 'niche_type', 'n_neighbors', ...cats.map((t) => `frac_${t}`)])];
  r.ids.forEach((id, i) => {
    const fr: number[] = [];
    for (let t = 0; t < T; t++) fr.push(r.niches.fractions[i * T + t]);
    niche.push(csvLine([id, r.niches.niche[i] >= 0 ? cats[r.niches.niche[i]] : 'none', r.niches.nNeighbors[i], ...fr]));
  });
  await writeFile(path('niche_composition.csv'), niche.join('\n') + '\n');

  const fa = ['factor,cell_type,score,gene_score,protein_score,n_cells,top_genes,top_proteins'];
  const perFactor = new Int32Array(r.W.cols);
  for (const f of r.factor) if (f >= 0) perFactor[f]++;
  for (const f of r.annotation.factors) {
    fa.push(
      csvLine([
        f.factor, f.cellType, f.score, f.geneScore, f.proteinScore, perFactor[f.factor],
        f.topGenes.map((j) => r.transcriptFeatures[j]).join(';'), f.topProteins.map((j) => r.proteinFeatures[j]).join(';'),
      ]),
    );
  }
  await writeFile(path('factor_annotation.csv'), fa.join('\n') + '\n');

  writeNpy(path('W.npy'), r.W);
  writeNpy(path('H_transcript.npy'), r.Htranscript);
  writeNpy(path('H_protein.npy'), r.Hprotein);
  await writeFile(path('obs_names.txt'), r.ids.join('\n') + '\n');
  await writeFile(path('transcript_features.txt'), r.transcriptFeatures.join('\n') + (r.transcriptFeatures.length ? '\n' : ''));
  await writeFile(path('protein_features.txt'), r.proteinFeatures.join('\n') + (r.proteinFeatures.length ? '\n' : ''));

  if (h5ad) { const rd = resultDataset(r, coords); if (r.transcriptFeatures.length) writeMarkerOutputs(path('markers.csv'), rd, 'cell_type', { columns: [0, r.transcriptFeatures.length], layer: 'transcripts' }); await writeH5ad(path('result.h5ad'), rd); }
}

/** Unit of the aligned coordinates (those of the transcript slide when given, else the protein slide). */
export interface CoordinateFrame {
  coordinateUnit?: CoordinateUnit;
  micronsPerUnit?: number;
}

/** The run as an AnnData-shaped Dataset: X = [transcripts | proteins] raw, obs labels, obsm X_nmf/spatial, varm nmf = Hᵀ. */
export function resultDataset(r: MultiOmicsResult, coords: CoordinateFrame = {}): Dataset {
  const n = r.ids.length;
  const k = r.W.cols;
  const X = hstackCsr([r.Xtranscript, r.Xprotein].filter((b) => b.cols > 0));
  const names = [...r.transcriptFeatures, ...r.proteinFeatures];
  const cat = (values: string[]): Column => {
    const categories = [...new Set(values)].sort();
    const idx = new Map(categories.map((c, i) => [c, i]));
    return { kind: 'category', codes: Int32Array.from(values, (v) => idx.get(v)!), categories };
  };
  const hvgMask = new Uint8Array(names.length);
  for (const j of r.hvg) hvgMask[j] = 1;
  for (let j = r.transcriptFeatures.length; j < names.length; j++) hvgMask[j] = 1;
  const Ht = transposeDense(r.Htranscript);
  const Hp = transposeDense(r.Hprotein);
  const varm = new Float32Array(names.length * k);
  varm.set(Ht.data, 0);
  varm.set(Hp.data, Ht.data.length);
  const spatial = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) (spatial[2 * i] = r.x[i]), (spatial[2 * i + 1] = r.y[i]);
  const cats = r.coded.categories;
  return {
    X,
    obs: frame(r.ids, {
      cell_type: cat(r.labels),
      niche_type: cat(Array.from(r.niches.niche, (t) => (t >= 0 ? cats[t] : 'none'))),
      nmf_factor: { kind: 'number', values: r.factor },
    }),
    var: frame(names, {
      modality: cat([...r.transcriptFeatures.map(() => 'transcript'), ...r.proteinFeatures.map(() => 'protein')]),
      nmf_used: { kind: 'bool', values: hvgMask },
    }),
    obsm: { spatial: { rows: n, cols: 2, data: spatial }, X_nmf: { rows: n, cols: k, data: r.W.data } },
    varm: { nmf: { rows: names.length, cols: k, data: varm } },
    obsp: {},
    layers: {},
    uns: {
      multiomics: {
        factor_cell_type: r.annotation.factors.map((f) => f.cellType),
        factor_score: Float64Array.from(r.annotation.factors, (f) => f.score),
        block_scale_transcript: r.blockScale.transcript,
        block_scale_protein: r.blockScale.protein,
        nmf_loss: r.nmf.loss,
        nmf_iterations: r.nmf.iterations,
      },
    },
    // Recording the unit keeps plots from labelling pixel coordinates (CODEX, IMC) as µm.
    meta: { platform: 'stnmf-multiomics', source: '(stnmf multiomics)', filtered: [], coordinateUnit: coords.coordinateUnit, micronsPerUnit: coords.micronsPerUnit },
  };
}

/** Reads `cell_id,cell_type` (header required; first two columns used). */
async function readTruth(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new StnmfError('BAD_FILE', `--truth ${path}: no such file`);
  }
  const rows = parseCsvText(text);
  if (rows.length < 2 || rows[0].length < 2) throw new StnmfError('BAD_FILE', `--truth ${path}: expected a header 'cell_id,cell_type' and rows`);
  const m = new Map<string, string>();
  for (const r of rows.slice(1)) if (r.length >= 2) m.set(r[0], r[1]);
  return m;
}

function obsColumn(ds: Dataset | null, name: string): string[] | undefined {
  const c = ds?.obs.columns.get(name);
  if (!c) return undefined;
  if (c.kind === 'string') return c.values;
  if (c.kind === 'category') return Array.from(c.codes, (k) => (k >= 0 ? c.categories[k] : ''));
  if (c.kind === 'number') return Array.from(c.values, String);
  return Array.from(c.values, (v) => (v ? 'true' : 'false'));
}

/** Accuracy (M3.9) and ARI of the labels against a truth map, over the observations it covers. */
export function scoreAgainstTruth(r: MultiOmicsResult, truth: ReadonlyMap<string, string>): Record<string, unknown> {
  const acc = assignmentAccuracy(r.ids, r.labels, truth);
  const t: string[] = [];
  const p: string[] = [];
  r.ids.forEach((id, i) => {
    const v = truth.get(id);
    if (v !== undefined) (t.push(v), p.push(r.labels[i]));
  });
  return { accuracy: acc.accuracy, ari: t.length ? adjustedRandIndex(t, p) : NaN, nScored: acc.n, recall: acc.recall, typesRecovered: acc.typesRecovered };
}

export const multiomicsCommand: Command = {
  name: 'multiomics',
  summary: 'joint NMF of spatial transcripts + proteins: factor annotation, cell types, niches, co-localization',
  usage: 'stnmf multiomics --tx <path> --prot <path> --markers markers.csv [--n-factors 15] [--radius 50] --out DIR',
  examples: [
    'stnmf simulate multiomics --seed 0 --out sim && stnmf multiomics --tx sim/transcripts.csv --prot sim/proteins.csv --markers sim/markers.csv --truth sim/truth.csv --n-factors 4 --out mo-out',
    'stnmf multiomics --prot imaging_data.csv --prot-platform codex --markers prior_marker_info.csv --protein-normalization minmax --annotation correlation --out codex-out',
  ],
  flags: {
    tx: { type: 'string', help: 'transcript data (cells or spots x genes, raw counts); optional for a protein-only run' },
    prot: { type: 'string', help: 'protein data (cells x markers, intensities); optional for a transcript-only run' },
    'tx-platform': { type: 'string', choices: TX_PLATFORMS, help: 'transcript platform (default: detected)' },
    'prot-platform': { type: 'string', choices: PROT_PLATFORMS, help: 'protein platform (default: detected)' },
    markers: { type: 'string', required: true, help: "marker table: long 'cell_type,feature[,modality]' or a type x marker 0/1 table (CELESTA prior)" },
    'n-factors': { type: 'int', default: 15, help: 'shared factors k (API example, methods-spec M3.10)' },
    radius: { type: 'number', default: 50, help: 'niche and co-localization radius in coordinate units (µm when known)' },
    annotation: { type: 'string', choices: ['overlap', 'correlation'], default: 'overlap', help: 'factor annotation: overlap of top loadings with markers (paper) or activity correlation (skill, corrected)' },
    'tie-break': { type: 'string', choices: ['first', 'most-markers'], default: 'first', help: 'overlap ties: first type in table order (spec) or the type with more matched markers' },
    match: { type: 'string', choices: ['id', 'coordinates', 'spots'], help: 'modality alignment (default: spots for spot platforms, else id)' },
    'align-radius': { type: 'number', default: 5, help: 'mutual-nearest matching radius for --match coordinates (paper)' },
    'spot-radius': { type: 'number', default: 27.5, help: 'spot radius for --match spots (Visium: 55 µm spots)' },
    unmatched: { type: 'string', choices: ['drop', 'pad-nearest'], default: 'drop', help: 'cells found in one modality only: drop, or copy the nearest cell (paper; invents values)' },
    normalization: { type: 'string', choices: ['log1p', 'minmax', 'log1p-minmax', 'none'], default: 'log1p', help: 'per-modality transform (paper log1p; minmax = skill)' },
    'protein-normalization': { type: 'string', choices: ['log1p', 'minmax', 'log1p-minmax', 'none'], help: 'protein transform when it should differ from --normalization' },
    'n-top-genes': { type: 'int', default: 2000, help: 'highly variable genes kept (seurat flavour)' },
    'block-balance': { type: 'string', choices: ['frobenius', 'none'], default: 'frobenius', help: 'scale each modality block to unit Frobenius norm before the NMF' },
    init: { type: 'string', choices: ['nndsvda', 'nndsvd'], default: 'nndsvda', help: 'NMF initialisation (paper nndsvda; skill nndsvd)' },
    'max-iter': { type: 'int', default: 500, help: 'NMF iterations (methods-spec M3.4)' },
    tol: { type: 'number', default: 1e-4, help: 'NMF tolerance' },
    'include-self': { type: 'boolean', help: 'count each cell in its own neighbourhood (skill parity)' },
    'n-perms': { type: 'int', default: 1000, help: 'permutations of the neighbourhood-enrichment test (0 = skip)' },
    'no-co-occurrence': { type: 'boolean', help: 'skip the O(n²) co-occurrence ratios' },
    'tx-um-per-unit': { type: 'number', help: 'µm per transcript coordinate unit (default: from the reader, else 1)' },
    'prot-um-per-unit': { type: 'number', help: 'µm per protein coordinate unit (default: from the reader, else 1)' },
    truth: { type: 'string', help: "CSV 'cell_id,cell_type' of true labels: adds accuracy and ari to summary.json" },
    'truth-column': { type: 'string', help: 'obs column of the inputs holding true labels (e.g. ClusterName)' },
    seed: { type: 'int', default: 42, help: 'seed of the NMF and permutations (methods-spec M3.12)' },
    threads: { type: 'int', help: 'worker threads (default: all cores)' },
    out: { type: 'string', short: 'o', required: true, help: 'output folder' },
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length) throw new StnmfError('USAGE', `stnmf multiomics: unexpected argument '${args.positionals[0]}' (inputs go in --tx/--prot)`);
    if (!f.tx && !f.prot) throw new StnmfError('USAGE', 'stnmf multiomics: give --tx, --prot or both');
    const t0 = performance.now();
    const txDs = f.tx ? await readModality(f.tx as string, f['tx-platform'] as string | undefined, 'tx') : null;
    const protDs = f.prot ? await readModality(f.prot as string, f['prot-platform'] as string | undefined, 'prot') : null;
    const tx = txDs ? toModality(txDs, `--tx ${f.tx}`, f['tx-um-per-unit'] as number | undefined) : null;
    const prot = protDs ? toModality(protDs, `--prot ${f.prot}`, f['prot-um-per-unit'] as number | undefined) : null;
    for (const m of [tx, prot]) if (m?.note) ctx.log(`stnmf multiomics: ${m.note}`);
    for (const [ds, flag] of [[txDs, 'tx'], [protDs, 'prot']] as const) {
      if (ds) ctx.log(`stnmf multiomics: --${flag} ${ds.meta.source}: ${ds.X.rows} observations x ${ds.X.cols} features (${ds.meta.platform})`);
    }
    let markerText: string;
    try {
      markerText = await readFile(f.markers as string, 'utf8');
    } catch {
      throw new StnmfError('BAD_FILE', `--markers ${f.markers}: no such file`);
    }
    const markers: MarkerTable = parseMarkerTable(markerText, `--markers ${f.markers}`);
    const txPlatform = (f['tx-platform'] as string | undefined) ?? txDs?.meta.platform;
    const matchBy = (f.match as MatchBy | undefined) ?? (txPlatform && SPOT_PLATFORMS.has(txPlatform) ? 'spots' : 'id');
    const threads = f.threads as number | undefined;
    const kernels = await createKernels({ threads });
    const out = await RunOutput.open(f.out as string);
    try {
      const options: MultiOmicsOptions = {
        nFactors: f['n-factors'] as number,
        radius: f.radius as number,
        annotation: f.annotation as 'overlap' | 'correlation',
        overlap: { tieBreak: f['tie-break'] === 'most-markers' ? 'mostMarkers' : 'first' },
        normalization: f.normalization as Normalization,
        proteinNormalization: f['protein-normalization'] as Normalization | undefined,
        nTopGenes: f['n-top-genes'] as number,
        blockBalance: f['block-balance'] as 'frobenius' | 'none',
        init: f.init as 'nndsvda' | 'nndsvd',
        maxIter: f['max-iter'] as number,
        tol: f.tol as number,
        seed: f.seed as number,
        align: {
          matchBy,
          radius: f['align-radius'] as number,
          spotRadius: f['spot-radius'] as number,
          unmatched: f.unmatched === 'pad-nearest' ? 'padNearest' : 'drop',
        },
        includeSelf: Boolean(f['include-self']),
        nPerms: f['n-perms'] as number,
        coOccurrence: f['no-co-occurrence'] ? false : undefined,
        kernels,
        signal: ctx.signal,
        onStep: (s) => ctx.log(`stnmf multiomics: ${s} ...`),
      };
      const r = await runSpatialMultiOmics(tx?.table ?? null, prot?.table ?? null, markers, options);
      for (const w of r.warnings) ctx.log(`stnmf multiomics: warning: ${w}`);
      await writeMultiOmicsOutputs(r, (name) => out.path(name), true, (txDs ?? protDs)?.meta);
      let truthScores: Record<string, unknown> = {};
      if (f.truth || f['truth-column']) {
        let truth: Map<string, string>;
        if (f.truth) truth = await readTruth(f.truth as string);
        else {
          const col = f['truth-column'] as string;
          const src = obsColumn(protDs, col) ? protDs! : obsColumn(txDs, col) ? txDs! : null;
          if (!src) throw new StnmfError('BAD_OPTION', `--truth-column ${col}: no such obs column in the inputs`);
          const vals = obsColumn(src, col)!;
          truth = new Map(src.obs.index.map((id, i) => [id, vals[i]]));
        }
        truthScores = scoreAgainstTruth(r, truth);
        if ((truthScores.nScored as number) === 0) ctx.log('stnmf multiomics: warning: no observation id appears in the truth table');
      }
      const labelCounts: Record<string, number> = {};
      for (const l of r.labels) labelCounts[l] = (labelCounts[l] ?? 0) + 1;
      const seconds = (performance.now() - t0) / 1000;
      await finishRun(
        out,
        {
          command: 'multiomics',
          parameters: { ...options, kernels: undefined, signal: undefined, onStep: undefined, backend: r.nmf.backend },
          inputs: { tx: f.tx, prot: f.prot, markers: f.markers, truth: f.truth, txPlatform, protPlatform: f['prot-platform'] ?? protDs?.meta.platform },
          seed: f.seed as number,
          summary: {
            nObs: r.ids.length,
            nMatched: r.alignment.nMatched,
            nGenes: r.transcriptFeatures.length,
            nGenesUsed: r.hvg.length,
            nProteins: r.proteinFeatures.length,
            nFactors: r.W.cols,
            factorTypes: r.annotation.factors.map((a) => a.cellType),
            labelCounts,
            ...truthScores,
            nmfLoss: r.nmf.loss,
            nmfIterations: r.nmf.iterations,
            nmfConverged: r.nmf.converged,
            nEdges: r.graph.indptr[r.graph.n] / 2,
            warnings: r.warnings,
            shapes: { W: [r.W.rows, r.W.cols], H_transcript: [r.Htranscript.rows, r.Htranscript.cols], H_protein: [r.Hprotein.rows, r.Hprotein.cols] },
            seconds,
          },
          seconds,
        },
        ctx,
        Boolean(f.json),
      );
    } catch (e) {
      await out.abort();
      throw e;
    } finally {
      kernels.dispose();
    }
  },
};

/**
 * `stnmf demo` step: the M3.9 benchmark (200 cells, 4 types, k = 4) through the whole pipeline,
 * written into `outDir`, in a few seconds.
 */
export async function demoMultiomics(outDir: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const sim = simulateMultiOmics({ seed: 0 });
  const markers: MarkerTable = {
    types: sim.types,
    markers: sim.types.map((t) => sim.markers.filter((m) => m.cellType === t).map((m) => ({ feature: m.feature, modality: m.modality }))),
  };
  const kernels = await createKernels();
  try {
    const t0 = performance.now();
    const r = await runSpatialMultiOmics(
      { ...sim.transcripts, name: 'simulated transcripts' },
      { ...sim.proteins, name: 'simulated proteins' },
      markers,
      { nFactors: 4, radius: 50, seed: 42, kernels, signal: ctx.signal, nPerms: 1000 },
    );
    await writeMultiOmicsOutputs(r, (name) => join(outDir, name), false);
    const truth = new Map(sim.transcripts.ids.map((id, i) => [id, sim.types[sim.truth[i]]]));
    const summary = { ...scoreAgainstTruth(r, truth), nObs: r.ids.length, nFactors: 4, factorTypes: r.annotation.factors.map((a) => a.cellType), seconds: (performance.now() - t0) / 1000 };
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
    return summary;
  } finally {
    kernels.dispose();
  }
}
