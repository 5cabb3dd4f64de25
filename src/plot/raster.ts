/**
 * Scene → RGBA pixels, in plain TypeScript so PNGs can be made in Node and in browsers without
 * a canvas library. Antialiasing comes from supersampling: the scene is drawn at `scale`
 * times the size (default 3) with hard-edged shapes, then box-filtered down.
 */
import { parseHex } from './color.js';
import { type BitmapFont, FONT_LARGE, FONT_SMALL } from './font-data.js';
import { CHAR_ADVANCE, type Prim, type Scene } from './scene.js';

/** An RGBA image, 4 bytes per pixel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Options of {@link rasterize}. */
export interface RasterOptions {
  /** Supersampling factor per axis; 3 gives smooth dots and text at 9x the work. Default 3. */
  supersample?: number;
  /** Output pixels per scene unit (e.g. 2 for a high-DPI PNG). Default 1. */
  pixelRatio?: number;
}

/** A decoded bitmap font: glyph bits and code point → glyph index. */
interface LoadedFont {
  f: BitmapFont;
  bits: Uint8Array;
  index: Map<number, number>;
}
const loaded = new Map<BitmapFont, LoadedFont>();

/** Text below this many output pixels uses the 8x16 font: the 12x24 glyphs lose strokes when shrunk that far. */
export const SMALL_FONT_BELOW = 11;

function font(f: BitmapFont): LoadedFont {
  let l = loaded.get(f);
  if (!l) {
    const bin = atob(f.bitmapsBase64);
    const bits = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bits[i] = bin.charCodeAt(i);
    const index = new Map<number, number>();
    f.chars.forEach((c, i) => index.set(c, i));
    loaded.set(f, (l = { f, bits, index }));
  }
  return l;
}

/** Whether the PNG font can draw `cp` (otherwise it draws "?"). */
export function hasGlyph(cp: number): boolean {
  return font(FONT_LARGE).index.has(cp) && font(FONT_SMALL).index.has(cp);
}

class Canvas {
  readonly w: number;
  readonly h: number;
  readonly px: Uint8Array;
  constructor(w: number, h: number, bg: [number, number, number]) {
    this.w = w;
    this.h = h;
    this.px = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      this.px[3 * i] = bg[0];
      this.px[3 * i + 1] = bg[1];
      this.px[3 * i + 2] = bg[2];
    }
  }

  blend(x: number, y: number, r: number, g: number, b: number, a: number): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const o = 3 * (y * this.w + x);
    if (a >= 1) {
      this.px[o] = r;
      this.px[o + 1] = g;
      this.px[o + 2] = b;
      return;
    }
    this.px[o] += (r - this.px[o]) * a;
    this.px[o + 1] += (g - this.px[o + 1]) * a;
    this.px[o + 2] += (b - this.px[o + 2]) * a;
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: [number, number, number], a: number): void {
    const ax = Math.max(0, Math.round(x0));
    const bx = Math.min(this.w, Math.round(x1));
    const ay = Math.max(0, Math.round(y0));
    const by = Math.min(this.h, Math.round(y1));
    for (let y = ay; y < by; y++) for (let x = ax; x < bx; x++) this.blend(x, y, c[0], c[1], c[2], a);
  }

  disk(cx: number, cy: number, r: number, c: [number, number, number], a: number): void {
    // At least about one pixel so tiny dots do not vanish between sample centres.
    const rr = Math.max(r, 0.6);
    const r2 = rr * rr;
    const x0 = Math.max(0, Math.floor(cx - rr));
    const x1 = Math.min(this.w - 1, Math.ceil(cx + rr));
    const y0 = Math.max(0, Math.floor(cy - rr));
    const y1 = Math.min(this.h - 1, Math.ceil(cy + rr));
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy <= r2) this.blend(x, y, c[0], c[1], c[2], a);
      }
    }
  }

  /** A segment of width `wd` with round caps (distance-to-segment test over its box). */
  segment(x1: number, y1: number, x2: number, y2: number, wd: number, c: [number, number, number], a: number, dash = 0): void {
    const hw = Math.max(wd / 2, 0.5);
    const x0 = Math.max(0, Math.floor(Math.min(x1, x2) - hw));
    const xe = Math.min(this.w - 1, Math.ceil(Math.max(x1, x2) + hw));
    const y0 = Math.max(0, Math.floor(Math.min(y1, y2) - hw));
    const ye = Math.min(this.h - 1, Math.ceil(Math.max(y1, y2) + hw));
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len2 = dx * dx + dy * dy;
    const len = Math.sqrt(len2);
    for (let y = y0; y <= ye; y++) {
      for (let x = x0; x <= xe; x++) {
        const px = x + 0.5 - x1;
        const py = y + 0.5 - y1;
        let t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        if (dash > 0 && Math.floor((t * len) / dash) % 2 === 1) continue;
        const ex = px - t * dx;
        const ey = py - t * dy;
        if (ex * ex + ey * ey <= hw * hw) this.blend(x, y, c[0], c[1], c[2], a);
      }
    }
  }

  /** Even-odd polygon fill, sampled at pixel centres. */
  polygon(pts: number[], c: [number, number, number], a: number): void {
    let ymin = Infinity;
    let ymax = -Infinity;
    for (let i = 1; i < pts.length; i += 2) {
      ymin = Math.min(ymin, pts[i]);
      ymax = Math.max(ymax, pts[i]);
    }
    const m = pts.length / 2;
    const xs: number[] = [];
    for (let y = Math.max(0, Math.floor(ymin)); y <= Math.min(this.h - 1, Math.ceil(ymax)); y++) {
      const sy = y + 0.5;
      xs.length = 0;
      for (let i = 0; i < m; i++) {
        const ax = pts[2 * i];
        const ay = pts[2 * i + 1];
        const bx = pts[(2 * i + 2) % pts.length];
        const by = pts[(2 * i + 3) % pts.length];
        if (ay <= sy !== by <= sy) xs.push(ax + ((sy - ay) / (by - ay)) * (bx - ax));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        for (let x = Math.max(0, Math.round(xs[k])); x < Math.min(this.w, Math.round(xs[k + 1])); x++) this.blend(x, y, c[0], c[1], c[2], a);
      }
    }
  }

  /**
   * Text from the bitmap font, each glyph cell stretched to advance x 2·advance pixels and
   * sampled with bilinear coverage. The cell is centred on `y` (see scene.ts).
   */
  text(x: number, y: number, s: string, size: number, anchor: string, c: [number, number, number], rotate: number, bold: boolean, outputSize: number): void {
    const { f, bits, index: glyphIndex } = font(outputSize < SMALL_FONT_BELOW ? FONT_SMALL : FONT_LARGE);
    const FONT_WIDTH = f.width;
    const FONT_HEIGHT = f.height;
    const FONT_ROW_BYTES = f.rowBytes;
    const chars = [...s];
    const adv = size * CHAR_ADVANCE;
    const cellH = adv * (FONT_HEIGHT / FONT_WIDTH);
    const total = adv * chars.length;
    const startU = anchor === 'middle' ? -total / 2 : anchor === 'end' ? -total : 0;
    const v0 = -cellH / 2;
    // (u, v) run along and across the text; rotation -90 maps u → -y, v → x.
    const rot = rotate === -90;
    const boxU0 = startU;
    const boxU1 = startU + total;
    const x0 = Math.floor(rot ? x + v0 : x + boxU0);
    const x1 = Math.ceil(rot ? x - v0 : x + boxU1);
    const y0 = Math.floor(rot ? y - boxU1 : y + v0);
    const y1 = Math.ceil(rot ? y - boxU0 : y - v0);
    const sample = (gi: number, fx: number, fy: number): number => {
      if (fx < 0 || fy < 0 || fx >= FONT_WIDTH || fy >= FONT_HEIGHT) return 0;
      const row = bits[gi * FONT_HEIGHT * FONT_ROW_BYTES + fy * FONT_ROW_BYTES + (fx >> 3)];
      return (row >> (7 - (fx & 7))) & 1;
    };
    for (let py = Math.max(0, y0); py <= Math.min(this.h - 1, y1); py++) {
      for (let px = Math.max(0, x0); px <= Math.min(this.w - 1, x1); px++) {
        const cx = px + 0.5 - x;
        const cy = py + 0.5 - y;
        const u = rot ? -cy : cx;
        const v = rot ? cx : cy;
        const k = Math.floor((u - startU) / adv);
        if (k < 0 || k >= chars.length) continue;
        const gi = glyphIndex.get(chars[k].codePointAt(0) as number) ?? glyphIndex.get(63) ?? 0;
        const gx = ((u - startU - k * adv) / adv) * FONT_WIDTH - 0.5;
        const gy = ((v - v0) / cellH) * FONT_HEIGHT - 0.5;
        const ix = Math.floor(gx);
        const iy = Math.floor(gy);
        const fx = gx - ix;
        const fy = gy - iy;
        let cov =
          sample(gi, ix, iy) * (1 - fx) * (1 - fy) +
          sample(gi, ix + 1, iy) * fx * (1 - fy) +
          sample(gi, ix, iy + 1) * (1 - fx) * fy +
          sample(gi, ix + 1, iy + 1) * fx * fy;
        if (bold) cov = Math.min(1, cov * 1.6);
        if (cov > 0.02) this.blend(px, py, c[0], c[1], c[2], Math.min(1, cov * 1.25));
      }
    }
  }
}

function rgbOf(color: string | undefined): [number, number, number] | undefined {
  if (!color || color === 'none') return undefined;
  return parseHex(color);
}

/** Draws `scene` into an RGBA image (opaque). */
export function rasterize(scene: Scene, options: RasterOptions = {}): RgbaImage {
  const ss = Math.max(1, Math.round(options.supersample ?? 3));
  const ratio = options.pixelRatio ?? 1;
  const k = ss * ratio;
  const outW = Math.max(1, Math.round(scene.width * ratio));
  const outH = Math.max(1, Math.round(scene.height * ratio));
  const cv = new Canvas(outW * ss, outH * ss, rgbOf(scene.background) ?? [255, 255, 255]);
  for (const p of scene.prims) draw(cv, p, k, ratio);
  // Box filter down to the output size.
  const data = new Uint8Array(outW * outH * 4);
  const inv = 1 / (ss * ss);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ss; sy++) {
        let o = 3 * ((y * ss + sy) * cv.w + x * ss);
        for (let sx = 0; sx < ss; sx++, o += 3) {
          r += cv.px[o];
          g += cv.px[o + 1];
          b += cv.px[o + 2];
        }
      }
      const q = 4 * (y * outW + x);
      data[q] = Math.round(r * inv);
      data[q + 1] = Math.round(g * inv);
      data[q + 2] = Math.round(b * inv);
      data[q + 3] = 255;
    }
  }
  return { width: outW, height: outH, data };
}

function draw(cv: Canvas, p: Prim, k: number, ratio: number): void {
  switch (p.t) {
    case 'rect': {
      const f = rgbOf(p.fill);
      if (f) cv.rect(p.x * k, p.y * k, (p.x + p.w) * k, (p.y + p.h) * k, f, p.opacity ?? 1);
      const s = rgbOf(p.stroke);
      if (s) {
        const w = (p.strokeWidth ?? 1) * k;
        const [x0, y0, x1, y1] = [p.x * k, p.y * k, (p.x + p.w) * k, (p.y + p.h) * k];
        cv.rect(x0 - w / 2, y0 - w / 2, x1 + w / 2, y0 + w / 2, s, 1);
        cv.rect(x0 - w / 2, y1 - w / 2, x1 + w / 2, y1 + w / 2, s, 1);
        cv.rect(x0 - w / 2, y0, x0 + w / 2, y1, s, 1);
        cv.rect(x1 - w / 2, y0, x1 + w / 2, y1, s, 1);
      }
      return;
    }
    case 'line': {
      const s = rgbOf(p.stroke);
      if (s) cv.segment(p.x1 * k, p.y1 * k, p.x2 * k, p.y2 * k, (p.width ?? 1) * k, s, 1, (p.dash ?? 0) * k);
      return;
    }
    case 'path': {
      const pts = p.points.map((v) => v * k);
      const f = rgbOf(p.fill);
      if (f && pts.length >= 6) cv.polygon(pts, f, p.opacity ?? 1);
      const s = rgbOf(p.stroke);
      if (s) {
        const m = pts.length / 2;
        const segs = p.closed ? m : m - 1;
        for (let i = 0; i < segs; i++) {
          const j = (i + 1) % m;
          cv.segment(pts[2 * i], pts[2 * i + 1], pts[2 * j], pts[2 * j + 1], (p.width ?? 1) * k, s, p.opacity ?? 1);
        }
      }
      return;
    }
    case 'circle': {
      const f = rgbOf(p.fill);
      const s = rgbOf(p.stroke);
      if (s) cv.disk(p.cx * k, p.cy * k, (p.r + (p.strokeWidth ?? 1) / 2) * k, s, 1);
      if (f) cv.disk(p.cx * k, p.cy * k, (s ? p.r - (p.strokeWidth ?? 1) / 2 : p.r) * k, f, 1);
      return;
    }
    case 'points': {
      const a = p.opacity ?? 1;
      const c: [number, number, number] = [0, 0, 0];
      for (let i = 0; i < p.x.length; i++) {
        c[0] = p.rgb[3 * i];
        c[1] = p.rgb[3 * i + 1];
        c[2] = p.rgb[3 * i + 2];
        cv.disk(p.x[i] * k, p.y[i] * k, p.r * k, c, a);
      }
      return;
    }
    case 'text':
      cv.text(p.x * k, p.y * k, p.text, p.size * k, p.anchor ?? 'start', rgbOf(p.fill) ?? [34, 34, 34], p.rotate ?? 0, Boolean(p.bold), p.size * ratio);
      return;
    case 'image': {
      const x0 = Math.round(p.x * k);
      const y0 = Math.round(p.y * k);
      const x1 = Math.round((p.x + p.w) * k);
      const y1 = Math.round((p.y + p.h) * k);
      for (let y = Math.max(0, y0); y < Math.min(cv.h, y1); y++) {
        const r = Math.min(p.rows - 1, Math.floor(((y + 0.5 - y0) / (y1 - y0)) * p.rows));
        for (let x = Math.max(0, x0); x < Math.min(cv.w, x1); x++) {
          const col = Math.min(p.cols - 1, Math.floor(((x + 0.5 - x0) / (x1 - x0)) * p.cols));
          const o = 4 * (r * p.cols + col);
          const a = p.rgba[o + 3] / 255;
          if (a > 0) cv.blend(x, y, p.rgba[o], p.rgba[o + 1], p.rgba[o + 2], a);
        }
      }
      return;
    }
  }
}
