/**
 * `stnmf info <path>`: what stnmf makes of an input (platform and why, shape, feature types,
 * coordinate extent and unit, what the reader kept out of X). Reads, writes nothing.
 */
import { stat } from 'node:fs/promises';
import { StnmfError } from '../../errors.js';
import { describeDataset, detectPlatform, readDataset, type DatasetInfo, type ReadOptions } from '../../io/index.js';
import type { StnmfWarning } from '../../warnings.js';
import type { Command, CommandContext } from '../command.js';
import type { FlagSpec, ParsedArgs } from '../args.js';
import { readerFlags, readerOptionsFromFlags } from '../reader-flags.js';
import type { SelectionOptions, SelectionStep } from '../../io/input-options.js';
import { applySelection, qcSummary, type QcSummary } from '../../io/select/index.js';
import { sampleFlags, selectionFlags, selectionFromFlags } from '../input-flags.js';
import { loadInput, transposedMessage } from '../input.js';
import { sampleGroups, sampleRows } from '../../samples.js';
import { subsetObs } from '../../io/select/subset.js';

export { PLATFORMS } from '../reader-flags.js';

/** Flags shared by `info` and `convert` that steer reading (see src/cli/reader-flags.ts). */
export const READ_FLAGS: Record<string, FlagSpec> = readerFlags();

/** Read options from the shared flags. */
export function readOptions(f: ParsedArgs['flags']): ReadOptions {
  return readerOptionsFromFlags(f);
}

/** Checks the single input path exists; a missing path is BAD_FILE (exit 3). */
export async function inputPath(command: string, args: ParsedArgs): Promise<string> {
  const input = args.positionals[0];
  if (!input) throw new StnmfError('USAGE', `stnmf ${command}: an input path is required (see 'stnmf ${command} --help')`);
  if (args.positionals.length > 1) throw new StnmfError('USAGE', `stnmf ${command}: one input expected, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  try {
    await stat(input);
  } catch {
    throw new StnmfError('BAD_FILE', `${input}: no such file or folder`);
  }
  return input;
}

/** One sample's QC in the info of several samples. */
export interface SampleInfo {
  sample: string;
  path: string | null;
  nObs: number;
  /** Features of the sample left out because not every sample has them. */
  varsDropped: number;
  qc: QcSummary;
}

/** The info record plus the input path, the detection reason and reader notes (and, for several samples, each sample's QC). */
export type InfoRecord = DatasetInfo & { path: string; detected: string; notes: string[]; qc: QcSummary; selection: SelectionStep[]; warnings: StnmfWarning[]; sampleKey?: string; samples?: SampleInfo[] };

/** Reads `input` and describes it. */
export async function describePath(input: string, opts: ReadOptions, selection: SelectionOptions = {}): Promise<InfoRecord> {
  const detected = opts.platform ? `given (--platform ${opts.platform})` : (await detectPlatform(input)).reason;
  // The selection flags apply as in every other command, so `info` previews what a method sees.
  const { dataset: ds, steps } = await applySelection(await readDataset(input, opts), selection, { source: input });
  const notes: string[] = [];
  const info = describeDataset(ds);
  const o = info.orientation;
  if (o.confidence !== 'format') notes.push(`orientation ${o.orientation} (${o.orientation === 'obs-rows' ? 'rows' : 'columns'} = observations, ${o.confidence}): ${o.reasons.join('; ')}`);
  // info reports rather than refuses, but a transposed-looking matrix is what every method
  // command refuses (checkNotTransposed), so say it here as a warning with the flag to pass.
  const warnings: StnmfWarning[] = [];
  const transposed = opts.orientation ? undefined : transposedMessage(ds, input, '');
  if (transposed) warnings.push({ code: 'looks-transposed', message: `${transposed} (method commands refuse it until then)` });
  if (info.idJoin.method === 'row-order') notes.push(`positions joined by row order: ${info.idJoin.reason}`);
  if (ds.obsm.spatial === undefined) notes.push('no coordinates (text matrices take them with --coords)');
  else notes.push(`scale: ${info.units.note}`);
  return { path: input, detected, ...info, notes, qc: qcSummary(ds), selection: steps, warnings };
}

/**
 * The info of several samples (`--samples` or `--sample-key`): the joined input as a method
 * command reads it (loadInput, selection applied), and each sample's QC on its own rows.
 */
async function describeSamples(args: ParsedArgs, ctx: CommandContext): Promise<InfoRecord> {
  const { dataset: ds, selection, samples } = await loadInput('info', args.positionals[0], args.flags, ctx);
  const groups = sampleGroups(ds)!;
  const source = (args.flags.samples as string | undefined) ?? args.positionals[0];
  const info = describeDataset(ds);
  const per: SampleInfo[] = sampleRows(groups).map((rows, g) => {
    const rec = samples?.find((r) => r.sampleId === groups.ids[g]);
    return { sample: groups.ids[g], path: rec?.path ?? null, nObs: rows.length, varsDropped: rec?.varsDropped ?? 0, qc: qcSummary(subsetObs(ds, rows)) };
  });
  const notes = ds.obsm.spatial === undefined ? ['no coordinates'] : [`scale: ${info.units.note}`];
  return { path: source, detected: args.flags.samples !== undefined ? 'a --samples manifest' : `one input, samples from obs '${args.flags['sample-key']}'`, ...info, notes, qc: qcSummary(ds), selection, warnings: [], sampleKey: groups.key, samples: per };
}

function n(v: number): string {
  return v.toLocaleString('en-US');
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** The human-readable form of an info record (stdout without `--json`). */
export function formatInfo(r: InfoRecord): string {
  const lines = [
    `path:          ${r.path}`,
    `platform:      ${r.platform} (${r.detected})`,
    `shape:         ${n(r.nObs)} observations x ${n(r.nVars)} features`,
    `feature types: ${Object.entries(r.featureTypes).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`,
  ];
  if (r.extent) {
    const e = r.extent;
    // A unit the files do not name but whose size is known reads as plain "units".
    const unit = r.coordinateUnit === 'unknown' && r.micronsPerUnit !== null ? 'units' : r.coordinateUnit;
    const scale = r.micronsPerUnit !== null && r.coordinateUnit !== 'um' ? ` (1 ${unit === 'units' ? 'unit' : unit} = ${num(r.micronsPerUnit)} µm)` : '';
    lines.push(`coordinates:   ${unit}; x ${num(e.xMin)} to ${num(e.xMax)}, y ${num(e.yMin)} to ${num(e.yMax)}${scale}`);
  } else lines.push('coordinates:   none');
  const q = r.qc;
  const mmm = (m: { min: number; median: number; max: number }) => `min ${num(m.min)}, median ${num(m.median)}, max ${num(m.max)}`;
  lines.push(`counts/obs:    ${mmm(q.countsPerObs)}; ${n(q.zeroCountObs)} observations with no counts`);
  lines.push(`features/obs:  ${mmm(q.featuresPerObs)}; ${n(q.zeroCountVars)} features never detected`);
  if (q.pctControl) lines.push(`control %:     ${mmm(q.pctControl)} (${q.pctControl.sources.join(' + ')})`);
  lines.push(`obs columns:   ${q.obsColumns.length ? q.obsColumns.map((c) => `${c.name} (${c.kind}${c.nCategories !== undefined ? `, ${c.nCategories} values` : ''})`).join(', ') : 'none'}`);
  for (const st of r.selection) lines.push(`selection:     --${st.step} ${JSON.stringify(st.value)}: removed ${n(st.removedObs)} observations, ${n(st.removedVars)} features → ${n(st.nObs)} x ${n(st.nVars)}`);
  for (const note of r.notes) lines.push(`note:          ${note}`);
  for (const smp of r.samples ?? []) {
    const d = smp.varsDropped ? `; ${n(smp.varsDropped)} of its features not in every sample left out` : '';
    lines.push(`sample ${smp.sample}: ${n(smp.nObs)} observations; counts/obs median ${num(smp.qc.countsPerObs.median)}; features/obs median ${num(smp.qc.featuresPerObs.median)}; ${n(smp.qc.zeroCountObs)} with no counts${d}`);
  }
  if (r.filtered.length === 0) lines.push('filtered:      nothing');
  else {
    lines.push('filtered:');
    for (const f of r.filtered) lines.push(`  ${n(f.count)} ${f.axis} (${f.what}): ${f.why}`);
  }
  return lines.join('\n');
}

/** `stnmf info`: reads an input and prints what stnmf makes of it (text, or JSON with `--json`). */
export const infoCommand: Command = {
  name: 'info',
  summary: 'describe an input: platform, shape, feature types, coordinates, what was filtered',
  usage: 'stnmf info <path> | --samples manifest.csv [--json] [--platform P] [--coords FILE]',
  examples: [
    'stnmf info xenium/                                   # a Xenium or Space Ranger folder',
    'stnmf info olfactory-bulb/counts.csv.gz --coords olfactory-bulb/positions.csv --json',
    'stnmf info imaging_data.csv --microns-per-unit 0.377 --where \'ClusterName == "tumor cells"\'',
    'stnmf info --samples breast-samples.csv                # several sections: the joined input and each sample\'s QC',
  ],
  flags: {
    ...READ_FLAGS,
    ...selectionFlags(),
    ...sampleFlags(),
    json: { type: 'boolean', help: 'print one JSON document (keys platform, nObs, nVars, featureTypes, coordinateUnit, extent, filtered, qc, selection, ...; with several samples also sampleKey and samples)' },
  },
  async run(args, ctx) {
    if (args.flags.samples !== undefined || args.flags['sample-key'] !== undefined) {
      const rec = await describeSamples(args, ctx);
      ctx.print(args.flags.json ? JSON.stringify(rec) : formatInfo(rec));
      return;
    }
    const input = await inputPath('info', args);
    const rec = await describePath(input, readOptions(args.flags), await selectionFromFlags(args.flags));
    for (const w of rec.warnings) ctx.log(`stnmf info: warning: ${w.message}`);
    ctx.print(args.flags.json ? JSON.stringify(rec) : formatInfo(rec));
  },
};
