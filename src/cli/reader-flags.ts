/**
 * The reader flags of the input contract (issue 13): how a path is read — platform override,
 * positions table, coordinate unit and scale, matrix orientation, control features — declared
 * once for every command that reads data. Two-input commands call {@link readerFlags} once per
 * input with the input's name as prefix (`readerFlags('spots-')` gives `--spots-coords`, …).
 */
import { StnmfError } from '../errors.js';
import type { Orientation, ReaderOptions } from '../io/input-options.js';
import type { FlagSpec, FlagValue } from './args.js';

/** Platforms `--platform` accepts (the readers of `readDataset`). */
export const PLATFORMS = [
  'xenium', 'visium', 'visium-hd', '10x-h5', 'mex', 'h5ad', 'loom', 'csv', 'codex', 'mibi', 'mcmicro', 'imc', 'cosmx', 'merscope', 'slide-seq', 'stereo-seq',
] as const;

/** Flag declarations of the reader options, names prefixed by `prefix` (e.g. `cells-`). */
export function readerFlags(prefix = ''): Record<string, FlagSpec> {
  const p = prefix;
  return {
    [`${p}platform`]: { type: 'string', choices: PLATFORMS, help: 'skip detection and read the input with this reader (default: detected from the path)' },
    [`${p}coords`]: { type: 'string', help: 'positions table (CSV/TSV with an id column and named x/y columns) joined to the observations by id' },
    [`${p}coordinate-unit`]: { type: 'string', choices: ['um', 'px'], help: 'unit of the coordinates (default: what the reader reports, else unknown)' },
    [`${p}microns-per-unit`]: { type: 'number', help: 'µm per coordinate unit; makes pixel coordinates measurable for radius-based steps and scale bars (default: from the reader or a detected Visium/ST lattice)' },
    [`${p}orientation`]: { type: 'string', choices: ['obs-rows', 'var-rows'], help: 'delimited matrix: obs-rows = one row per cell/spot, var-rows = one row per gene (default: decided on evidence — names, --coords ids, shape — or refused)' },
    [`${p}all-features`]: { type: 'boolean', help: 'keep control probes, nuclear stains (DAPI, Hoechst, DNA_*) and other non-expression features in X' },
  };
}

function value(flags: Record<string, FlagValue>, name: string): FlagValue {
  return flags[name];
}

/** The ReaderOptions of parsed flags declared by {@link readerFlags} with the same prefix. */
export function readerOptionsFromFlags(flags: Record<string, FlagValue>, prefix = ''): ReaderOptions {
  const p = prefix;
  const o: ReaderOptions = {};
  const platform = value(flags, `${p}platform`);
  if (platform !== undefined) o.platform = String(platform);
  const coords = value(flags, `${p}coords`);
  if (coords !== undefined) o.coords = String(coords);
  const unit = value(flags, `${p}coordinate-unit`);
  if (unit !== undefined) o.coordinateUnit = unit as 'um' | 'px';
  const mpu = value(flags, `${p}microns-per-unit`);
  if (mpu !== undefined) {
    if (typeof mpu !== 'number' || !(mpu > 0) || !Number.isFinite(mpu)) throw new StnmfError('USAGE', `--${p}microns-per-unit must be a positive number, got ${JSON.stringify(mpu)}`);
    o.micronsPerUnit = mpu;
  }
  const orient = value(flags, `${p}orientation`);
  if (orient !== undefined) o.orientation = orient as Orientation;
  if (value(flags, `${p}all-features`) === true) o.allFeatures = true;
  return o;
}
