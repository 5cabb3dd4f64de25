/**
 * `stnmf multiomics`: joint NMF of spatial transcriptomics and proteomics with marker-based
 * annotation, niches and co-localization (methods-spec M3, corrected). Writes shared_labels.csv,
 * co_localization.csv, co_occurrence.csv, niche_composition.csv, factor_annotation.csv, W.npy
 * (observations x factors), H_transcript.npy / H_protein.npy (factors x features), result.h5ad,
 * summary.json and run.json.
 */
import { readFile } from 'node:fs/promises';
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { readDataset } from '../../io/index.js';
import { readCsvDataset } from '../../io/csv.js';
import { createKernels } from '../../linalg/backend.js';
import {
  parseCsvText,
  parseMarkerTable,
  runSpatialMultiOmics,
  toModality,
  scoreLabelsAgainstTruth,
  type MarkerTable,
  type MatchBy,
  type MultiOmicsOptions,
  type Normalization,
} from '../../methods/multiomics/index.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { writeMultiOmicsOutputs } from '../outputs/multiomics.js';
import { RunOutput } from '../output.js';

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
    await withRun(out, async () => {
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
        truthScores = scoreLabelsAgainstTruth(r, truth);
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
    }, kernels);
  },
};
