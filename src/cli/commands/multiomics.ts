/**
 * `stnmf multiomics`: joint NMF of spatial transcriptomics and proteomics with marker-based
 * annotation, niches and co-localization (methods-spec M3, corrected). Writes shared_labels.csv,
 * co_localization.csv, co_occurrence.csv, niche_composition.csv, factor_annotation.csv, W.npy
 * (observations x factors), H_transcript.npy / H_protein.npy (factors x features), result.h5ad,
 * summary.json and run.json.
 */
import { parseIdLabels } from '../../io/label-tables.js';
import { readFile } from 'node:fs/promises';
import { columnStrings, type Dataset } from '../../dataset.js';
import { sampleGroups } from '../../samples.js';
import { StnmfError } from '../../errors.js';
import { readDataset } from '../../io/index.js';
import { readCsvDataset } from '../../io/csv.js';
import { createKernels } from '../../linalg/backend.js';
import {
  parseMarkerTable,
  runSpatialMultiOmics,
  toModality,
  multiomicsSummary, scoreLabelsAgainstTruth,
  type MarkerTable,
  type ModalityTable,
  type MatchBy,
  type MultiOmicsOptions,
  type Normalization,
} from '../../methods/multiomics/index.js';
import type { FlagValue } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { inputFlags, loadInput, type LoadedInput } from '../input.js';
import { finishRun, withRun } from '../command.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { writeMultiOmicsOutputs } from '../outputs/multiomics.js';
import type { StnmfWarning } from '../../warnings.js';

/** Spot-level transcript platforms: protein cells are binned into their spots (M3.3). */
const SPOT_PLATFORMS = new Set(['visium', 'slide-seq', 'stereo-seq']);

/**
 * Reads one modality through the input contract (`--tx-…`/`--prot-…` flags); a `.csv`/`.tsv`
 * that platform detection rejects falls back to io's generic CSV reader (a `cell_id,x,y,…`
 * table as `stnmf simulate multiomics` writes it).
 */
async function readModality(path: string, flags: Record<string, FlagValue>, prefix: 'tx-' | 'prot-', ctx: CommandContext): Promise<LoadedInput> {
  const flag = `--${prefix.slice(0, -1)}`;
  const input = await loadInput('multiomics', path, flags, ctx, {
    prefix,
    flag,
    read: async (p, options) => {
      try {
        return await readDataset(p, options);
      } catch (e) {
        if (!/\.(csv|tsv|txt)(\.gz)?$/i.test(p) || !(e instanceof StnmfError) || e.code !== 'BAD_FILE') throw e;
        return readCsvDataset(p, { platform: options.platform ?? 'csv' });
      }
    },
  });
  // The niche graph, co-localization and co-occurrence are one spatial graph: several samples
  // (a joined h5ad written by stnmf) would be linked where their coordinates overlap.
  const g = sampleGroups(input.dataset);
  const present = g ? [...new Set(g.codes)].sort((a, b) => a - b).map((c) => g.ids[c]) : [];
  if (g && present.length > 1) {
    throw new StnmfError('BAD_INPUT', `${path} (${flag}): holds ${present.length} samples (obs ${g.key}: ${present.slice(0, 4).join(', ')}${present.length > 4 ? ', …' : ''}); multiomics builds one spatial graph, which would join them: run one sample at a time, e.g. --${prefix}where '${g.key} == "${present[0]}"'`);
  }
  return input;
}


/** The text of `--truth`, or BAD_FILE naming it. */
async function readTruthText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new StnmfError('BAD_FILE', `--truth ${path}: no such file`);
  }
}

function obsColumn(ds: Dataset | null, name: string): string[] | undefined {
  const c = ds?.obs.columns.get(name);
  return c ? columnStrings(c) : undefined;
}

/** Default niche / co-localization radius in µm (methods-spec M3.12: 50). */
const DEFAULT_RADIUS_UM = 50;

/**
 * The niche radius: `--radius` as given (in µm when the coordinates were converted to µm, else
 * in their own unit), or 50 µm — which needs coordinates of known scale. A µm default on pixel
 * coordinates would be off by the pixel size, silently (issue 13, point 6).
 */
function nicheRadius(given: number | undefined, modalities: ({ inMicrons: boolean; unit: string; table: ModalityTable } | null)[]): number {
  const m = modalities.find((x) => x?.table.x) ?? modalities.find((x) => x);
  if (given !== undefined) return given;
  if (!m || m.inMicrons || !m.table.x) return DEFAULT_RADIUS_UM;
  const which = m === modalities[0] ? 'tx' : 'prot';
  throw new StnmfError(
    'BAD_OPTION',
    `--${which} coordinates are in '${m.unit}' with no known size in µm, so the default --radius of ${DEFAULT_RADIUS_UM} µm cannot be applied; pass --${which}-microns-per-unit (e.g. 0.377 for CODEX at 20x), or --radius in the coordinates' own unit`,
  );
}

export const multiomicsCommand: Command = {
  name: 'multiomics',
  summary: 'joint NMF of spatial transcripts + proteins: factor annotation, cell types, niches, co-localization',
  usage: 'stnmf multiomics --tx <path> --prot <path> --markers markers.csv [--n-factors 15] [--radius 50] --out DIR',
  examples: [
    "stnmf simulate multiomics --seed 0 --out mo-sim && stnmf multiomics --tx mo-sim/transcripts.csv --prot mo-sim/proteins.csv --markers mo-sim/markers.csv --truth mo-sim/truth.csv --tx-coordinate-unit um --prot-coordinate-unit um --n-factors 4 --out mo-out",
    "stnmf multiomics --prot imaging_data.csv --prot-platform codex --prot-microns-per-unit 0.377 --markers prior_marker_info.csv --protein-normalization minmax --annotation correlation --out codex-out",
  ],
  flags: {
    tx: { type: 'string', input: 'dataset', help: 'transcript data (cells or spots x genes, raw counts); optional for a protein-only run' },
    prot: { type: 'string', input: 'dataset', help: 'protein data (cells x markers, intensities); optional for a transcript-only run' },
    markers: { type: 'string', input: 'file', required: true, help: "marker table: long 'cell_type,feature[,modality]' or a type x marker 0/1 table (CELESTA prior)" },
    'n-factors': { type: 'int', min: 1, default: 15, help: 'shared factors k (API example, methods-spec M3.10)' },
    radius: { type: 'number', help: 'niche and co-localization radius: µm when the coordinates have a known scale (default 50 µm), else in their own unit, and then it must be given' },
    annotation: { type: 'string', choices: ['overlap', 'correlation'], default: 'overlap', help: 'factor annotation: overlap of top loadings with markers (paper) or activity correlation (skill, corrected)' },
    'tie-break': { type: 'string', choices: ['first', 'most-markers'], default: 'first', help: 'overlap ties: first type in table order (spec) or the type with more matched markers' },
    match: { type: 'string', choices: ['id', 'coordinates', 'spots'], help: 'modality alignment (default: spots for spot platforms, else id)' },
    'align-radius': { type: 'number', exclusiveMin: 0, default: 5, help: 'mutual-nearest matching radius for --match coordinates (paper)' },
    'spot-radius': { type: 'number', exclusiveMin: 0, default: 27.5, help: 'spot radius for --match spots (Visium: 55 µm spots)' },
    unmatched: { type: 'string', choices: ['drop', 'pad-nearest'], default: 'drop', help: 'cells found in one modality only: drop, or copy the nearest cell (paper; invents values)' },
    normalization: { type: 'string', choices: ['log1p', 'minmax', 'log1p-minmax', 'none'], default: 'log1p', help: 'per-modality transform (paper log1p; minmax = skill)' },
    'protein-normalization': { type: 'string', choices: ['log1p', 'minmax', 'log1p-minmax', 'none'], help: 'protein transform when it should differ from --normalization' },
    'n-top-genes': { type: 'int', min: 1, default: 2000, help: 'highly variable genes kept (seurat flavour)' },
    'block-balance': { type: 'string', choices: ['frobenius', 'none'], default: 'frobenius', help: 'scale each modality block to unit Frobenius norm before the NMF' },
    init: { type: 'string', choices: ['nndsvda', 'nndsvd'], default: 'nndsvda', help: 'NMF initialisation (paper nndsvda; skill nndsvd)' },
    'max-iter': { type: 'int', min: 1, default: 500, help: 'NMF iterations (methods-spec M3.4)' },
    tol: { type: 'number', min: 0, default: 1e-4, help: 'NMF tolerance' },
    'include-self': { type: 'boolean', help: 'count each cell in its own neighbourhood (skill parity)' },
    'n-perms': { type: 'int', min: 0, default: 1000, help: 'permutations of the neighbourhood-enrichment test (0 = skip)' },
    'no-co-occurrence': { type: 'boolean', help: 'skip the O(n²) co-occurrence ratios' },
    truth: { type: 'string', input: 'file', help: "CSV 'cell_id,cell_type' of true labels: adds accuracy and ari to summary.json" },
    'truth-column': { type: 'string', help: 'obs column of the inputs holding true labels (e.g. ClusterName)' },
    seed: { type: 'int', min: 0, default: 42, help: 'seed of the NMF and permutations (methods-spec M3.12)' },
    threads: { type: 'int', min: 1, help: 'worker threads (default: all cores)' },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags('tx-'),
    ...inputFlags('prot-'),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length) throw new StnmfError('USAGE', `stnmf multiomics: unexpected argument '${args.positionals[0]}' (inputs go in --tx/--prot)`);
    if (!f.tx && !f.prot) throw new StnmfError('USAGE', 'stnmf multiomics: give --tx, --prot or both');
    const t0 = performance.now();
    const txIn = f.tx ? await readModality(f.tx as string, f, 'tx-', ctx) : null;
    const protIn = f.prot ? await readModality(f.prot as string, f, 'prot-', ctx) : null;
    const txDs = txIn?.dataset ?? null;
    const protDs = protIn?.dataset ?? null;
    const tx = txDs ? toModality(txDs, `--tx ${f.tx}`) : null;
    const prot = protDs ? toModality(protDs, `--prot ${f.prot}`) : null;
    for (const m of [tx, prot]) if (m?.note) ctx.log(m.note);
    const radius = nicheRadius(f.radius as number | undefined, [tx, prot]);
    let markerText: string;
    try {
      markerText = await readFile(f.markers as string, 'utf8');
    } catch {
      throw new StnmfError('BAD_FILE', `--markers ${f.markers}: no such file`);
    }
    const markers: MarkerTable = parseMarkerTable(markerText, `--markers ${f.markers}`);
    const txPlatform = txDs?.meta.platform;
    const matchBy = (f.match as MatchBy | undefined) ?? (txPlatform && SPOT_PLATFORMS.has(txPlatform) ? 'spots' : 'id');
    const threads = f.threads as number | undefined;
    const kernels = await createKernels({ threads });
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    await withRun(out, async () => {
      const options: MultiOmicsOptions = {
        nFactors: f['n-factors'] as number,
        radius,
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
      const frameOf = tx ?? prot!;
      await writeMultiOmicsOutputs(r, (name) => out.path(name), true, frameOf.inMicrons ? { coordinateUnit: 'um', micronsPerUnit: 1 } : { coordinateUnit: (txDs ?? protDs)!.meta.coordinateUnit }, { tx: txDs?.obs, prot: protDs?.obs }, ctx.signal);
      const warnings: StnmfWarning[] = r.warnings.map((message) => ({ code: 'data', message }));
      let truthScores: Record<string, unknown> = {};
      if (f.truth || f['truth-column']) {
        let truth: Map<string, string>;
        if (f.truth) truth = parseIdLabels(await readTruthText(f.truth as string), `--truth ${f.truth}`);
        else {
          const col = f['truth-column'] as string;
          const src = obsColumn(protDs, col) ? protDs! : obsColumn(txDs, col) ? txDs! : null;
          if (!src) throw new StnmfError('BAD_OPTION', `--truth-column ${col}: no such obs column in the inputs`);
          const vals = obsColumn(src, col)!;
          truth = new Map(src.obs.index.map((id, i) => [id, vals[i]]));
        }
        truthScores = scoreLabelsAgainstTruth(r, truth);
        if ((truthScores.nScored as number) === 0) warnings.push({ code: 'data', message: 'no observation id appears in the truth table' });
      }
      const seconds = (performance.now() - t0) / 1000;
      await finishRun(
        out,
        {
          command: 'multiomics',
          parameters: { ...options, kernels: undefined, signal: undefined, onStep: undefined, backend: r.nmf.backend },
          inputs: { tx: txIn?.record, prot: protIn?.record, markers: f.markers, truth: f.truth },
          seed: f.seed as number,
          summary: { ...multiomicsSummary(r, truthScores), seconds },
          seconds,
          warnings,
        },
        ctx,
        Boolean(f.json),
      );
    }, kernels);
  },
};
