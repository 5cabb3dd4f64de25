/**
 * Named continuous colour maps as matplotlib/scanpy spell them (`--cmap viridis`, `magma`,
 * `Reds`, `RdBu_r` ...). Sequential maps are for non-negative quantities (usage, counts); the
 * diverging ones are for signed scores centred at 0 (neighbourhood-enrichment z-scores), as
 * squidpy's `nhood_enrichment` plot uses.
 */
import { StnmfError } from '../errors.js';
import { type Rgb, parseHex, viridis } from './color.js';

/** Nine evenly spaced stops of each map (matplotlib's `cmap(i / 8)`), interpolated linearly. */
const STOPS: Record<string, string[]> = {
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf'],
  inferno: ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98e09', '#f9cb35', '#fcffa4'],
  Reds: ['#fff5f0', '#fee0d2', '#fcbba1', '#fc9272', '#fb6a4a', '#ef3b2c', '#cb181d', '#a50f15', '#67000d'],
  Blues: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  Greys: ['#ffffff', '#f0f0f0', '#d9d9d9', '#bdbdbd', '#969696', '#737373', '#525252', '#252525', '#000000'],
  RdBu_r: ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'],
  coolwarm: ['#3b4cc0', '#6282ea', '#8db0fe', '#b8d0f9', '#dddddd', '#f5c4ad', '#f49a7b', '#de604d', '#b40426'],
};

/** Names `--cmap` accepts. */
export const COLORMAP_NAMES: readonly string[] = ['viridis', ...Object.keys(STOPS)];

/** Maps that are diverging (their midpoint is meaningful: put 0 there). */
export const DIVERGING_COLORMAPS: readonly string[] = ['RdBu_r', 'coolwarm'];

/** A colour map: position in [0, 1] → RGB (0–255, not rounded). */
export type Colormap = (t: number) => Rgb;

/**
 * The colour map called `name` (see {@link COLORMAP_NAMES}); default viridis, scanpy's default
 * for continuous values. Throws a one-line error naming the choices for an unknown name.
 */
export function colormap(name = 'viridis'): Colormap {
  if (name === 'viridis') return viridis;
  const stops = STOPS[name];
  if (!stops) throw new StnmfError('BAD_OPTION', `unknown colour map '${name}' (choose one of ${COLORMAP_NAMES.join(', ')})`);
  const rgb = stops.map(parseHex);
  return (t: number): Rgb => {
    const x = Math.max(0, Math.min(1, Number.isNaN(t) ? 0 : t)) * (rgb.length - 1);
    const i = Math.min(rgb.length - 2, Math.floor(x));
    const f = x - i;
    const a = rgb[i];
    const b = rgb[i + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  };
}

export { colormapTable } from './color.js';
