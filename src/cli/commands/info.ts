/**
 * `stnmf info <path>`: what stnmf makes of an input (platform and why, shape, feature types,
 * coordinate extent and unit, what the reader kept out of X). Reads, writes nothing.
 */
import { stat } from 'node:fs/promises';
import { StnmfError } from '../../errors.js';
import { describeDataset, detectPlatform, readDataset, type DatasetInfo, type Platform, type ReadOptions } from '../../io/index.js';
import type { Command } from '../command.js';
import type { FlagSpec, ParsedArgs } from '../args.js';

/** Platforms accepted by `--platform` (the readers of `readDataset`). */
export const PLATFORMS: readonly Platform[] = [
  'xenium', 'visium', 'visium-hd', '10x-h5', 'mex', 'h5ad', 'loom', 'csv', 'codex', 'mibi', 'mcmicro', 'imc', 'cosmx', 'merscope', 'slide-seq', 'stereo-seq',
];

/** Flags shared by `info` and `convert` that steer reading. */
export const READ_FLAGS: Record<string, FlagSpec> = {
  platform: { type: 'string', choices: PLATFORMS, help: 'skip detection and use this reader' },
  coords: { type: 'string', input: 'dataset', help: 'coordinates table for a CSV/TSV matrix (joined by label, else by row order)' },
  'coordinate-unit': { type: 'string', choices: ['um', 'px', 'unknown'], help: 'unit of --coords (default unknown)' },
  orientation: { type: 'string', choices: ['obs-rows', 'var-rows'], help: 'CSV/TSV matrix: obs-rows = one row per cell/spot, var-rows = one row per gene (default: decided from --coords, else obs-rows)' },
  'all-features': { type: 'boolean', help: '10x inputs: keep every feature type in X (default: Gene Expression only)' },
  'bin-size': { type: 'int', min: 1, help: 'Visium HD bin in µm (default 8); Stereo-seq GEM bin in DNBs (default 50)' },
  'microns-per-pixel': { type: 'number', exclusiveMin: 0, help: 'µm per pixel: CosMx (default 0.12), Slide-seq (no default)' },
};

/** Read options from the shared flags. */
export function readOptions(f: ParsedArgs['flags']): ReadOptions {
  const o: ReadOptions = {};
  if (f.platform !== undefined) o.platform = f.platform as Platform;
  if (f.coords !== undefined) o.coords = f.coords as string;
  if (f['coordinate-unit'] !== undefined) o.coordinateUnit = f['coordinate-unit'] as 'um' | 'px' | 'unknown';
  if (f.orientation !== undefined) o.orientation = f.orientation as 'obs-rows' | 'var-rows';
  if (f['all-features']) o.gexOnly = false;
  if (f['bin-size'] !== undefined) o.binSize = f['bin-size'] as number;
  if (f['microns-per-pixel'] !== undefined) o.micronsPerPixel = f['microns-per-pixel'] as number;
  return o;
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

/** The info record plus the input path, the detection reason and reader notes. */
export type InfoRecord = DatasetInfo & { path: string; detected: string; notes: string[] };

/** Reads `input` and describes it. */
export async function describePath(input: string, opts: ReadOptions): Promise<InfoRecord> {
  const detected = opts.platform ? `given (--platform ${opts.platform})` : (await detectPlatform(input)).reason;
  const ds = await readDataset(input, opts);
  const notes: string[] = [];
  // Text matrices: say which side was taken as observations, since it may have been a guess.
  const r = ds.uns.reader as { orientation?: string; reason?: string } | undefined;
  if (r?.orientation) notes.push(`orientation ${r.orientation} (${r.orientation === 'obs-rows' ? 'rows' : 'columns'} = observations): ${(r.reason ?? '').replace('pass orientation', 'pass --orientation')}`);
  if (ds.obsm.spatial === undefined) notes.push('no coordinates (text matrices take them with --coords)');
  return { path: input, detected, ...describeDataset(ds), notes };
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
    const scale = r.micronsPerUnit !== null && r.coordinateUnit !== 'um' ? ` (1 ${r.coordinateUnit} = ${num(r.micronsPerUnit)} µm)` : '';
    lines.push(`coordinates:   ${r.coordinateUnit}; x ${num(e.xMin)} to ${num(e.xMax)}, y ${num(e.yMin)} to ${num(e.yMax)}${scale}`);
  } else lines.push('coordinates:   none');
  for (const note of r.notes) lines.push(`note:          ${note}`);
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
  usage: 'stnmf info <path> [--json] [--platform P] [--coords FILE]',
  examples: ['stnmf info outs/                      # a Xenium or Space Ranger folder', 'stnmf info data.h5ad --json', 'stnmf info counts.csv.gz --coords positions.csv'],
  flags: {
    ...READ_FLAGS,
    json: { type: 'boolean', help: 'print one JSON document (keys platform, nObs, nVars, featureTypes, coordinateUnit, extent, filtered, ...)' },
  },
  async run(args, ctx) {
    const input = await inputPath('info', args);
    const rec = await describePath(input, readOptions(args.flags));
    ctx.print(args.flags.json ? JSON.stringify(rec) : formatInfo(rec));
  },
};
