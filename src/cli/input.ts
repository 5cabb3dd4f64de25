/**
 * The CLI side of the input contract (issue 13): one flag set for every command that reads
 * data, and one loader that turns a path plus those flags into the Dataset a method sees.
 *
 * Naming rule: a one-input command takes the flags as they are (`--where`, `--coords`); a
 * command with several inputs takes them once per input with the input's name as prefix
 * (`--cells-where`, `--spots-coords`, `--target-min-counts`). The flags are declared in
 * `reader-flags.ts` (how a path is read) and `input-flags.ts` (selection and QC); this file
 * only combines them.
 */
import type { Dataset } from '../dataset.js';
import { StnmfError } from '../errors.js';
import type { InputOptions, SelectionStep } from '../io/input-options.js';
import { readDataset, type ReadOptions } from '../io/index.js';
import { npyToDense, readNpy } from '../io/npy.js';
import { looksTransposed } from '../io/orientation.js';
import { applySelection } from '../io/select/index.js';
import { readSamples, useSampleKey, type SampleRecord } from '../io/samples.js';
import { abortableVfs } from '../io/vfs.js';
import { nodeVfs } from '../io/node-vfs.js';
import type { Dense } from '../linalg/dense.js';
import { validateMatrix } from '../nmf/nmf.js';
import type { FlagSpec, FlagValue } from './args.js';
import type { CommandContext } from './command.js';
import { normalizeFlags, sampleFlags, selectionFlags, selectionFromFlags } from './input-flags.js';
import { readerFlags, readerOptionsFromFlags } from './reader-flags.js';

/** reader-flags.ts names a prefix without its dash (`cells`), input-flags.ts with it (`cells-`). */
function readerPrefix(prefix: string): string | undefined {
  return prefix ? prefix.replace(/-$/, '') : undefined;
}

/**
 * The input flags of one input: reader options, then selection/QC (and `--normalize` when
 * asked); the unprefixed input also takes `--samples` / `--sample-key` (issue 18).
 */
export function inputFlags(prefix = '', opts: { normalize?: boolean } = {}): Record<string, FlagSpec> {
  return { ...readerFlags(readerPrefix(prefix)), ...selectionFlags(prefix), ...(opts.normalize ? normalizeFlags() : {}), ...(prefix === '' ? sampleFlags() : {}) };
}

/**
 * The input flags of the `--data` file of plot/report/view/export-vitessce (the count data
 * beside a result folder): the reader flags prefixed `data-` (`--data-orientation`,
 * `--data-coords`, `--data-microns-per-unit`, …). The selection flags are left out: the data's
 * observations are matched to the result's by name, so subsetting them would only break that.
 */
export function resultDataFlags(): Record<string, FlagSpec> {
  return readerFlags('data');
}

/**
 * The reader of a result's `--data` file through {@link loadInput} (same detection, orientation
 * evidence and errors as every other input), with the flags of {@link resultDataFlags}.
 */
export function resultDataReader(command: string, flags: Record<string, FlagValue>, ctx: CommandContext): (path: string) => Promise<Dataset> {
  return async (path: string) => (await loadInput(command, path, flags, ctx, { prefix: 'data-', flag: '--data' })).dataset;
}

/** A loaded input: the selected Dataset and what was done to get it (for summary/run.json). */
export interface LoadedInput {
  dataset: Dataset;
  /** The selection steps in order, each with what it removed. */
  selection: SelectionStep[];
  /** What run.json records about this input. */
  record: Record<string, unknown>;
  /** The samples read from `--samples` (undefined for one input, also with `--sample-key`). */
  samples?: SampleRecord[];
}

/** The options of parsed flags for the input with flag prefix `prefix`. */
export async function inputOptionsFromFlags(flags: Record<string, FlagValue>, prefix = '', normalize = false): Promise<InputOptions> {
  // --normalize belongs to the input contract only where the command declared normalizeFlags();
  // hsnmf and contrastive have a --normalize (and hsnmf a --normalize-per-sample) of their own.
  const sel = normalize ? flags : { ...flags, normalize: undefined, 'target-sum': undefined, 'normalize-per-sample': undefined };
  return { ...readerOptionsFromFlags(flags, readerPrefix(prefix)), ...(await selectionFromFlags(sel, prefix)) };
}

/**
 * Reads `path` with the reader flags, applies the selection flags in the documented order and
 * logs the platform, shape and every removal to stderr.
 *
 * @param command  the command name, for messages
 * @param path     the input path (positional, or the value of `--cells` etc.)
 * @param flags    parsed flags of the command
 * @param opts.prefix  flag prefix of this input (`cells-`; default none)
 * @param opts.flag    how the user named this input in messages (`--cells`; default `input`)
 * @param opts.normalize  apply `--normalize`/`--target-sum` (commands that declared {@link normalizeFlags})
 * @param opts.read    the reader (default `readDataset`), for a command with a fallback of its own
 * @param opts.nonNegative  the command factorises X: refuse NaN, infinite or negative values
 *   here, naming the file, before any computation and before the output folder exists
 */
export async function loadInput(
  command: string,
  path: string | undefined,
  flags: Record<string, FlagValue>,
  ctx: CommandContext,
  opts: { prefix?: string; flag?: string; normalize?: boolean; nonNegative?: boolean; read?: (path: string, options: ReadOptions) => Promise<Dataset> } = {},
): Promise<LoadedInput> {
  const prefix = opts.prefix ?? '';
  const manifest = prefix === '' ? (flags.samples as string | undefined) : undefined;
  const sampleKey = prefix === '' ? (flags['sample-key'] as string | undefined) : undefined;
  if (manifest !== undefined && path) throw new StnmfError('USAGE', `stnmf ${command}: give either an input (${path}) or --samples ${manifest}, not both`);
  if (manifest !== undefined && sampleKey !== undefined) throw new StnmfError('USAGE', `stnmf ${command}: --sample-key is for one input holding several samples; a --samples manifest names its samples itself`);
  if (!path && manifest === undefined) throw new StnmfError('USAGE', `${opts.flag ?? 'an input path'} is required (see 'stnmf ${command} --help')`);
  const options = await inputOptionsFromFlags(flags, prefix, opts.normalize);
  // Ctrl-C while a large table is read stops the read at its next chunk (io/vfs.ts).
  options.files = abortableVfs(options.files ?? nodeVfs, ctx.signal, `stnmf ${command}: reading ${path ?? manifest}`);
  let raw: Dataset;
  let samples: SampleRecord[] | undefined;
  // How messages name this input: the flag and path, or the manifest.
  const label = manifest !== undefined ? `--${prefix}samples ${manifest}` : opts.flag ? `${opts.flag} ${path}` : path!;
  if (manifest !== undefined) {
    const s = await readSamples(manifest, options as ReadOptions, opts.read);
    raw = s.dataset;
    samples = s.samples;
    for (const r of s.samples) {
      ctx.log(`read sample ${r.sampleId} (${r.path}) as ${r.platform}: ${r.nObs} observations x ${r.nVars} features${r.varsDropped ? `, ${r.varsDropped} features not in every sample left out` : ''}`);
    }
    if (s.droppedObsColumns.length) ctx.log(`  obs columns not in every sample left out: ${s.droppedObsColumns.join(', ')}`);
    if (s.coordinates === 'converted to µm') ctx.log('  coordinates: the samples differ in unit; all converted to µm');
    ctx.log(`joined ${s.samples.length} samples: ${raw.X.rows} observations x ${raw.X.cols} shared features (obs '${raw.meta.sampleKey}')`);
  } else {
    raw = await (opts.read ?? readDataset)(path!, options as ReadOptions);
    // The user's word on units wins over what the reader found (the reader may not know it).
    if (options.coordinateUnit !== undefined) raw.meta.coordinateUnit = options.coordinateUnit;
    if (options.micronsPerUnit !== undefined) raw.meta.micronsPerUnit = options.micronsPerUnit;
    checkNotTransposed(raw, label, prefix, options.orientation !== undefined);
    ctx.log(`read ${label} as ${raw.meta.platform}: ${raw.X.rows} observations x ${raw.X.cols} features`);
    if (sampleKey !== undefined) {
      raw = useSampleKey(raw, sampleKey);
      ctx.log(`  samples from obs '${sampleKey}'`);
    }
  }
  for (const f of raw.meta.filtered) ctx.log(`  kept out of X: ${f.count} ${f.axis} (${f.what}): ${f.why}`);
  const { dataset, steps } = await applySelection(raw, options, { source: path ?? manifest, prefix });
  for (const s of steps) {
    ctx.log(`  --${prefix}${s.step}: removed ${s.removedObs} observations, ${s.removedVars} features → ${s.nObs} x ${s.nVars}${s.note ? ` (${s.note})` : ''}`);
  }
  if (opts.nonNegative) validateMatrix(dataset.X, true, `${label} (X)`);
  const record: Record<string, unknown> = {
    path: path ?? null,
    ...(manifest !== undefined ? { samples: manifest } : {}),
    ...(raw.meta.sampleKey !== undefined ? { sampleKey: sampleKey ?? raw.meta.sampleKey, sampleRecords: samples ?? null } : {}),
    platform: raw.meta.platform,
    nObsRead: raw.X.rows,
    nVarsRead: raw.X.cols,
    nObs: dataset.X.rows,
    nVars: dataset.X.cols,
    coordinateUnit: dataset.obsm.spatial ? (dataset.meta.coordinateUnit ?? 'unknown') : null,
    micronsPerUnit: dataset.meta.micronsPerUnit ?? null,
    filtered: raw.meta.filtered,
    selection: steps,
  };
  return { dataset, selection: steps, record, samples };
}

/**
 * Refuses a matrix whose feature names look like observation ids (barcodes, spot ids, UUIDs,
 * numbered cells): read that way, every method would factorise cells as genes (issue 13, point
 * 4). A delimited matrix can be read the other way with `--orientation`; a format that fixes
 * the axes (h5ad, 10x) holds its genes as observations and must be transposed where it was made.
 * `--orientation` given by the user is their word and is not second-guessed.
 */
export function checkNotTransposed(d: Dataset, label: string, prefix: string, orientationGiven: boolean): void {
  if (orientationGiven) return;
  const message = transposedMessage(d, label, prefix);
  if (message) throw new StnmfError('BAD_INPUT', message);
}

/**
 * The one-line "looks transposed" message for `d` (its feature names look like barcodes), with
 * the flag that settles it, or undefined when the names look like features. Method commands
 * throw it ({@link checkNotTransposed}); `stnmf info` prints it as a warning.
 */
export function transposedMessage(d: Dataset, label: string, prefix: string): string | undefined {
  const why = looksTransposed(d.var.index);
  if (!why) return undefined;
  const reader = d.uns.reader as { format?: string; orientation?: string } | undefined;
  const flag = `--${prefix}orientation`;
  // An h5ad keeps the uns.reader record of the text file it was converted from; only a text
  // matrix read now can be read the other way.
  const delimited = reader?.format === 'delimited' && d.meta.platform !== 'h5ad';
  if (delimited && (reader?.orientation === 'obs-rows' || reader?.orientation === 'var-rows')) {
    const other = reader.orientation === 'obs-rows' ? 'var-rows' : 'obs-rows';
    return `${label}: the matrix looks transposed (${why}, read as ${reader.orientation}); pass ${flag} ${other} if the file has one row per ${other === 'var-rows' ? 'gene' : 'cell/spot'}, or ${flag} ${reader.orientation} to keep it as read`;
  }
  return `${label}: the matrix looks transposed (${why}); the ${d.meta.platform} format fixes cells/spots in rows, so this file holds its genes as observations; transpose it where it was made (anndata: adata.T), or pass ${flag} obs-rows to use it as read`;
}

/** Reads a factor matrix given on the command line (`--w0 W0.npy`), checking its shape. */
export function loadFactor(flag: string, path: string, rows: number, cols: number): Dense {
  const d = npyToDense(readNpy(path), path);
  if (d.rows !== rows || d.cols !== cols) {
    throw new StnmfError('BAD_INPUT', `${path} (--${flag}): expected shape ${rows} x ${cols}, found ${d.rows} x ${d.cols}`);
  }
  for (let q = 0; q < d.data.length; q++) {
    const v = d.data[q];
    if (!(v >= 0) || v === Infinity) {
      throw new StnmfError('BAD_INPUT', `${path} (--${flag}): entry (${Math.floor(q / cols)}, ${q % cols}) is ${v}; factors must be finite and non-negative`);
    }
  }
  return d;
}
