/**
 * The reader half of the input contract as CLI flags, declared once (issue 13, point 1):
 * `--platform`, `--coords`, `--coordinate-unit`, `--microns-per-unit`, `--orientation`,
 * `--all-features`, plus the reader-specific `--bin-size` and `--microns-per-pixel`. Commands
 * with two inputs take them per input with the input's name as prefix (`--cells-coords`,
 * `--spots-orientation`).
 */
import { StnmfError } from '../errors.js';
import type { Platform, ReadOptions } from '../io/index.js';
import type { FlagSpec, ParsedArgs } from './args.js';

/** Platforms accepted by `--platform` (the readers of `readDataset`). */
export const PLATFORMS: readonly Platform[] = [
  'xenium', 'visium', 'visium-hd', '10x-h5', 'mex', 'h5ad', 'loom', 'csv', 'codex', 'mibi', 'mcmicro', 'imc', 'cosmx', 'merscope', 'slide-seq', 'stereo-seq',
];

const name = (prefix: string | undefined, flag: string) => (prefix ? `${prefix}-${flag}` : flag);

/**
 * The reader flags, named `<prefix>-<flag>` when a prefix is given (e.g. `cells` ->
 * `--cells-coords`). Help texts say which input the flag belongs to.
 */
export function readerFlags(prefix?: string): Record<string, FlagSpec> {
  const of = prefix ? ` (input --${prefix})` : '';
  return {
    [name(prefix, 'platform')]: { type: 'string', choices: PLATFORMS, help: `skip detection and use this reader${of}` },
    [name(prefix, 'coords')]: { type: 'string', input: 'dataset', help: `positions table joined by observation id (by row order only when neither side has ids)${of}` },
    [name(prefix, 'coordinate-unit')]: { type: 'string', choices: ['um', 'px'], help: `unit of the coordinates, overriding what the reader reports${of}` },
    [name(prefix, 'microns-per-unit')]: { type: 'number', help: `micrometres per coordinate unit (e.g. 0.2125 for Xenium morphology pixels); required by radius-based steps when the reader does not know it${of}` },
    [name(prefix, 'orientation')]: { type: 'string', choices: ['obs-rows', 'var-rows'], help: `delimited matrix: obs-rows = one row per cell/spot, var-rows = one row per gene (default: decided on evidence, else refused)${of}` },
    [name(prefix, 'all-features')]: { type: 'boolean', help: `keep every feature in X: 10x non-gene features, nuclear stains (DNA_*, Hoechst*, DAPI*)${of}` },
    [name(prefix, 'bin-size')]: { type: 'int', help: `Visium HD bin in µm (default 8); Stereo-seq GEM bin in DNBs (default 50)${of}` },
    [name(prefix, 'microns-per-pixel')]: { type: 'number', help: `µm per pixel: CosMx (default 0.12), Slide-seq (no default)${of}` },
  };
}

/** Read options from the flags declared by {@link readerFlags} with the same prefix. */
export function readerOptionsFromFlags(f: ParsedArgs['flags'], prefix?: string): ReadOptions {
  const get = (flag: string) => f[name(prefix, flag)];
  const o: ReadOptions = {};
  if (get('platform') !== undefined) o.platform = get('platform') as Platform;
  if (get('coords') !== undefined) o.coords = get('coords') as string;
  if (get('coordinate-unit') !== undefined) o.coordinateUnit = get('coordinate-unit') as 'um' | 'px';
  const upm = get('microns-per-unit');
  if (upm !== undefined) {
    if (typeof upm !== 'number' || !(upm > 0) || !Number.isFinite(upm)) throw new StnmfError('USAGE', `--${name(prefix, 'microns-per-unit')} must be a number > 0, got ${upm}`);
    o.micronsPerUnit = upm;
  }
  if (get('orientation') !== undefined) o.orientation = get('orientation') as 'obs-rows' | 'var-rows';
  if (get('all-features')) o.allFeatures = true;
  if (get('bin-size') !== undefined) o.binSize = get('bin-size') as number;
  if (get('microns-per-pixel') !== undefined) o.micronsPerPixel = get('microns-per-pixel') as number;
  return o;
}
