/**
 * Colour maps and palettes shared by the static plots and the viewer.
 *
 * Continuous values use viridis (perceptually uniform, readable in grey and by colour-blind
 * readers; matplotlib's and scanpy's default). Categories use scanpy's `default_20` palette
 * (itself matplotlib's tab10 + tab20 mix) so that cluster colours match what users see in
 * scanpy; beyond 20 categories golden-angle hues keep neighbours distinct.
 *
 * Layer 3 (plot): pure functions, no I/O; runs in browsers.
 */

/** An RGB colour with 0–255 channels. */
export type Rgb = [number, number, number];

/** Viridis at 11 evenly spaced stops (matplotlib `_viridis_data` at 0, 0.1, ..., 1). */
const VIRIDIS_STOPS: readonly string[] = [
  '#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725',
];

/** scanpy `palettes.default_20`. */
export const CATEGORY_PALETTE: readonly string[] = [
  '#1f77b4', '#ff7f0e', '#279e68', '#d62728', '#aa40fc', '#8c564b', '#e377c2', '#b5bd61', '#17becf', '#aec7e8',
  '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#dbdb8d', '#9edae5', '#ad494a', '#8c6d31',
];

/** Colour for missing values and unassigned categories (AnnData code -1). */
export const MISSING_COLOR = '#c8c8c8';

/** `#rrggbb` → [r, g, b]. */
export function parseHex(hex: string): Rgb {
  const h = hex.startsWith('#') ? hex.slice(1) : hex;
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  const v = parseInt(full, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** [r, g, b] → `#rrggbb`. */
export function toHex(c: Rgb): string {
  return '#' + c.map((x) => Math.max(0, Math.min(255, Math.round(x))).toString(16).padStart(2, '0')).join('');
}

const VIRIDIS_RGB = VIRIDIS_STOPS.map(parseHex);

/** Viridis colour at `t` in [0, 1] (clamped; NaN gives the missing colour). */
export function viridis(t: number): Rgb {
  if (Number.isNaN(t)) return parseHex(MISSING_COLOR);
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS_RGB.length - 1);
  const i = Math.min(VIRIDIS_RGB.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS_RGB[i];
  const b = VIRIDIS_RGB[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** A 256-entry RGBA table of `map` (entry i = colour at i / 255), for colour bars, rasters and the viewer's WebGL texture. */
export function colormapTable(map: (t: number) => Rgb): Uint8Array {
  const t = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const c = map(i / 255);
    t[4 * i] = Math.round(c[0]);
    t[4 * i + 1] = Math.round(c[1]);
    t[4 * i + 2] = Math.round(c[2]);
    t[4 * i + 3] = 255;
  }
  return t;
}

/** The 256-entry RGBA lookup table of viridis. */
export function viridisTable(): Uint8Array {
  return colormapTable(viridis);
}

/** Colour of category `i` (0-based): scanpy's 20 colours, then golden-angle hues. */
export function categoryColor(i: number): string {
  if (i < 0) return MISSING_COLOR;
  if (i < CATEGORY_PALETTE.length) return CATEGORY_PALETTE[i];
  // Golden-angle steps keep consecutive categories far apart on the hue circle.
  const h = ((i - CATEGORY_PALETTE.length) * 137.508) % 360;
  return toHex(hslToRgb(h, 0.62, 0.5));
}

/** HSL (h in degrees, s and l in [0, 1]) → RGB. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

/**
 * Robust colour range of `values`: the `lo` and `hi` quantiles (defaults 0 and 0.99, so one
 * hot cell does not wash out the map — scanpy's `vmax='p99'` idiom), ignoring NaN.
 */
export function valueRange(values: ArrayLike<number>, lo = 0, hi = 0.99): [number, number] {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v.push(values[i]);
  if (v.length === 0) return [0, 1];
  const s = Float64Array.from(v).sort();
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  let a = q(lo);
  let b = q(hi);
  if (!(b > a)) {
    a = s[0];
    b = s[s.length - 1];
  }
  if (!(b > a)) b = a + 1;
  return [a, b];
}
