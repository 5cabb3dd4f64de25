/**
 * The drawing model every chart builds: a list of primitives in pixel coordinates (origin top
 * left, y down). One scene renders to SVG (`sceneToSvg`) and to an RGBA raster
 * (`rasterize`, then `encodePng`), so each chart is written once for both formats.
 *
 * Text layout assumes a monospace font whose advance is 0.6 of the font size (DejaVu Sans
 * Mono, Menlo, Consolas and the raster's Terminus all are, to within a few per cent), so
 * legends and labels line up in both outputs.
 */

/** Horizontal text alignment relative to `x`. */
export type Anchor = 'start' | 'middle' | 'end';

/**
 * What a primitive shows, for tests and tools that read a figure back (renderers ignore it):
 * the scale bar's label, a heatmap's values, a curve's data.
 */
export interface PrimMeta {
  /** e.g. `scale-bar`, `colorbar`, `heatmap`, `curve`. */
  role?: string;
  label?: string;
  /** Row-major values of a heatmap image, or the y values of a curve. */
  values?: ArrayLike<number>;
  /** x values of a curve. */
  dataX?: ArrayLike<number>;
  rowNames?: string[];
  colNames?: string[];
}

/** A drawing primitive. Colours are `#rrggbb` strings; `none` means no fill or stroke. */
export type Prim =
  | ({ t: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; strokeWidth?: number; opacity?: number } & PrimMeta)
  | { t: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width?: number; dash?: number }
  /** A polyline (`closed` false) or polygon; `points` are x, y pairs. */
  | ({ t: 'path'; points: number[]; closed?: boolean; stroke?: string; width?: number; fill?: string; opacity?: number } & PrimMeta)
  | { t: 'circle'; cx: number; cy: number; r: number; fill: string; stroke?: string; strokeWidth?: number }
  /**
   * Many equal-sized dots (a scatter). `rgb` holds 3 bytes per point; drawn in array order,
   * so callers sort points to put the interesting ones on top.
   */
  | { t: 'points'; x: Float32Array; y: Float32Array; r: number; rgb: Uint8Array; opacity?: number }
  /** Text vertically centred on `y`; `rotate` -90 reads bottom to top. */
  | { t: 'text'; x: number; y: number; text: string; size: number; anchor?: Anchor; fill?: string; rotate?: 0 | -90; bold?: boolean }
  /** An RGBA image of `cols` x `rows` pixels stretched over the box, nearest neighbour (heatmaps, colour bars). */
  | ({ t: 'image'; x: number; y: number; w: number; h: number; cols: number; rows: number; rgba: Uint8Array } & PrimMeta);

/** A complete figure. */
export interface Scene {
  width: number;
  height: number;
  /** Page colour; default white. */
  background?: string;
  /** Used as the SVG `<title>` and the PNG's tEXt Title. */
  title?: string;
  prims: Prim[];
}

/** Text advance per character as a fraction of the font size (see the module note). */
export const CHAR_ADVANCE = 0.6;

/** Width in pixels of `text` at font `size`. */
export function textWidth(text: string, size: number): number {
  return [...text].length * size * CHAR_ADVANCE;
}

/** An axis-aligned box in scene pixels. */
export interface TextBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  text: string;
}

/**
 * The box a text primitive covers: its advance width (see {@link CHAR_ADVANCE}) by one font
 * size (ascender to descender), centred on `y`, rotated with the text. Layout code and the
 * no-overlap tests use the same box.
 */
export function textBox(p: Extract<Prim, { t: 'text' }>): TextBox {
  const w = textWidth(p.text, p.size);
  const a = p.anchor ?? 'start';
  const u0 = a === 'middle' ? -w / 2 : a === 'end' ? -w : 0;
  const h = p.size / 2;
  if (p.rotate === -90) return { x0: p.x - h, x1: p.x + h, y0: p.y - u0 - w, y1: p.y - u0, text: p.text };
  return { x0: p.x + u0, x1: p.x + u0 + w, y0: p.y - h, y1: p.y + h, text: p.text };
}

/**
 * Pairs of text primitives of `scene` whose boxes overlap by more than `tolerance` pixels in
 * both directions (empty texts ignored). A readable figure has none.
 */
export function textOverlaps(scene: Scene, tolerance = 0.5): [TextBox, TextBox][] {
  const boxes = scene.prims.filter((p): p is Extract<Prim, { t: 'text' }> => p.t === 'text' && p.text.trim() !== '').map(textBox);
  // Sweep over x so figures with thousands of labels stay fast.
  boxes.sort((a, b) => a.x0 - b.x0);
  const out: [TextBox, TextBox][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].x0 < boxes[i].x1 - tolerance; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > tolerance && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > tolerance) out.push([a, b]);
    }
  }
  return out;
}

/**
 * Text primitives of `scene` whose boxes reach past its edges by more than `tolerance` pixels
 * (they would be cut off in the PNG and overflow the SVG's viewBox). A readable figure has none.
 */
export function textOutside(scene: Scene, tolerance = 0.5): TextBox[] {
  return scene.prims
    .filter((p): p is Extract<Prim, { t: 'text' }> => p.t === 'text' && p.text.trim() !== '')
    .map(textBox)
    .filter((b) => b.x0 < -tolerance || b.y0 < -tolerance || b.x1 > scene.width + tolerance || b.y1 > scene.height + tolerance);
}

/** Shortens `text` with an ellipsis so that it fits `maxWidth` pixels at `size`. */
export function fitText(text: string, size: number, maxWidth: number): string {
  const chars = [...text];
  const max = Math.floor(maxWidth / (size * CHAR_ADVANCE));
  if (chars.length <= max) return text;
  if (max <= 1) return chars.slice(0, Math.max(0, max)).join('');
  return chars.slice(0, max - 1).join('') + '…';
}

/**
 * "Nice" tick values covering [lo, hi] with about `count` steps (1, 2, 5 x 10^k), as used by
 * most plotting libraries (Heckbert, Graphics Gems 1990).
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, count));
  // Multiples of the step rounded to its decimals, so 3 x 0.2 prints as 0.6.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const out: number[] = [];
  for (let m = Math.ceil(lo / step - 1e-9); m * step <= hi + step * 1e-9; m++) out.push(Number((m * step).toFixed(decimals)) + 0);
  return out;
}

/** The 1/2/5 x 10^k number nearest to `raw` (Heckbert's rounding). */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const e = Math.floor(Math.log10(raw));
  const f = raw / 10 ** e;
  const m = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return m * 10 ** e;
}

/** The largest 1/2/5 x 10^k number not above `max` (scale bar lengths). */
export function niceBelow(max: number): number {
  if (!(max > 0)) return 1;
  const e = Math.floor(Math.log10(max));
  const f = max / 10 ** e;
  const m = f >= 5 ? 5 : f >= 2 ? 2 : 1;
  return m * 10 ** e;
}

/** Formats a tick or value compactly: up to 3 significant digits, exponent for extremes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}
