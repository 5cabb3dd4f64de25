#!/usr/bin/env node
// Regenerates src/plot/font-data.ts, the bitmap fonts the PNG renderer draws text with, from
// Debian's Terminus console fonts (Terminus Font © Dimitar Zhekov, SIL Open Font License 1.1;
// package console-setup-linux). Two sizes: 12x24 for labels drawn at 11 device pixels and up,
// 8x16 for smaller text, where the downsampled 12x24 glyphs blur. Each size merges the Lat15,
// FullGreek, Uni2 and Uni3 encodings so ASCII, Latin-1 accents (ü, é), Greek (α, β, Δ), µ, ±,
// ≤, ≥, ², ³, superscript digits and arrows are all present. Run once; the output is committed,
// so no font is needed at build or run time:
//   apt-get install -y console-setup-linux   # provides /usr/share/consolefonts
//   node scripts/gen-plot-font.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DIR = '/usr/share/consolefonts';
const ENCODINGS = ['Lat15', 'FullGreek', 'Uni3', 'Uni2'];

/** Glyphs of one PSF2 file by code point: Map<cp, Uint8Array of rows>. */
function readPsf(path) {
  const buf = gunzipSync(readFileSync(path));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint16(0, true) === 0x0436) return readPsf1(path, buf, dv);
  if (dv.getUint32(0, true) !== 0x864ab572) throw new Error(`${path}: not a PSF font`);
  const headerSize = dv.getUint32(8, true);
  const flags = dv.getUint32(12, true);
  const count = dv.getUint32(16, true);
  const charSize = dv.getUint32(20, true);
  const height = dv.getUint32(24, true);
  const width = dv.getUint32(28, true);
  const glyphs = new Map();
  if (!(flags & 1)) throw new Error(`${path}: no Unicode table`);
  // Unicode table: for each glyph, UTF-8 code points separated by 0xFF (sequences after 0xFE are skipped).
  let p = headerSize + count * charSize;
  for (let g = 0; g < count; g++) {
    const start = p;
    while (buf[p] !== 0xff) p++;
    let chunk = buf.subarray(start, p);
    p++;
    const seq = chunk.indexOf(0xfe);
    if (seq >= 0) chunk = chunk.subarray(0, seq);
    for (const ch of new TextDecoder().decode(chunk)) {
      const cp = ch.codePointAt(0);
      if (!glyphs.has(cp)) glyphs.set(cp, buf.subarray(headerSize + g * charSize, headerSize + (g + 1) * charSize));
    }
  }
  return { width, height, rowBytes: Math.ceil(width / 8), glyphs };
}

/** PSF1 (8 pixels wide; the 14/16-row Terminus files): 256 or 512 glyphs, a uint16 Unicode table. */
function readPsf1(path, buf, dv) {
  const mode = buf[2];
  const height = buf[3];
  const count = mode & 1 ? 512 : 256;
  if (!(mode & 2)) throw new Error(`${path}: no Unicode table`);
  const glyphs = new Map();
  let p = 4 + count * height;
  for (let g = 0; g < count; g++) {
    let inSeq = false;
    for (;;) {
      const u = dv.getUint16(p, true);
      p += 2;
      if (u === 0xffff) break;
      if (u === 0xfffe) inSeq = true;
      else if (!inSeq && !glyphs.has(u)) glyphs.set(u, buf.subarray(4 + g * height, 4 + (g + 1) * height));
    }
  }
  return { width: 8, height, rowBytes: 1, glyphs };
}

const wanted = [];
for (let c = 32; c < 127; c++) wanted.push(c);
for (let c = 0xa0; c <= 0xff; c++) wanted.push(c);
for (let c = 0x391; c <= 0x3c9; c++) if (c !== 0x3a2) wanted.push(c);
wanted.push(0x2070, 0x2071, 0x2074, 0x2075, 0x2076, 0x2077, 0x2078, 0x2079, 0x207a, 0x207b, 0x207f);
wanted.push(0x2212, 0x2013, 0x2014, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2026, 0x2030, 0x2032, 0x2033);
wanted.push(0x2190, 0x2191, 0x2192, 0x2193, 0x2194, 0x2195, 0x2206, 0x221a, 0x221e, 0x2248, 0x2260, 0x2261, 0x2264, 0x2265, 0x00d7);
const allWanted = [...new Set(wanted)].filter((c) => c !== 0xa0 && c !== 0xad);

/** Superscript code point → its base character. */
const SUPERSCRIPTS = new Map([[0x2070, 48], [0x2071, 105], [0x2074, 52], [0x2075, 53], [0x2076, 54], [0x2077, 55], [0x2078, 56], [0x2079, 57], [0x207a, 43], [0x207b, 45], [0x207f, 110]]);

/** A glyph shrunk to 3/5 (nearest neighbour) and placed at the top of the cell, as ¹²³ are drawn. */
function superscript(src, width, height, rowBytes) {
  const out = new Uint8Array(height * rowBytes);
  const bit = (x, y) => (src[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
  const s = 0.6;
  const ox = Math.round((width - width * s) / 2);
  const oy = Math.round(height * 0.08);
  for (let y = 0; y < Math.round(height * s); y++) {
    for (let x = 0; x < Math.round(width * s); x++) {
      if (!bit(Math.min(width - 1, Math.floor(x / s)), Math.min(height - 1, Math.floor(y / s)))) continue;
      const X = x + ox;
      const Y = y + oy;
      if (X < width && Y < height) out[Y * rowBytes + (X >> 3)] |= 0x80 >> (X & 7);
    }
  }
  return out;
}

function build(size) {
  const fonts = ENCODINGS.map((e) => readPsf(`${DIR}/${e}-TerminusBold${size}.psf.gz`));
  const { width, height, rowBytes } = fonts[0];
  const chars = [];
  const bytes = [];
  const missing = [];
  for (const c of allWanted) {
    const f = fonts.find((ff) => ff.glyphs.has(c));
    const sup = SUPERSCRIPTS.get(c);
    if (!f && sup !== undefined && fonts[0].glyphs.has(sup)) {
      // Terminus lacks most superscripts: the base glyph at 3/5 scale, raised to the cap line.
      chars.push(c);
      for (const b of superscript(fonts[0].glyphs.get(sup), width, height, rowBytes)) bytes.push(b);
      continue;
    }
    if (!f) {
      missing.push(c);
      continue;
    }
    chars.push(c);
    for (const b of f.glyphs.get(c).subarray(0, height * rowBytes)) bytes.push(b);
  }
  if (missing.length) console.error(`TerminusBold${size}: no glyph for ${missing.map((c) => String.fromCodePoint(c)).join(' ')}`);
  return { width, height, rowBytes, chars, b64: Buffer.from(bytes).toString('base64') };
}

const big = build('24x12');
const small = build('16');
const out = `/**
 * Bitmap fonts for text in PNG output: Terminus Bold ${big.width}x${big.height} and ${small.width}x${small.height} (the Lat15,
 * FullGreek, Uni3 and Uni2 TerminusBold console fonts of Debian's console-setup-linux, merged;
 * Terminus Font © Dimitar Zhekov, SIL Open Font License 1.1).
 * Generated by scripts/gen-plot-font.mjs — do not edit by hand.
 */

/** One bitmap font: glyph cells of \`width\` x \`height\` pixels, 1 bit per pixel, most significant bit first. */
export interface BitmapFont {
  width: number;
  height: number;
  /** Bytes per glyph row. */
  rowBytes: number;
  /** Unicode code points of the glyphs, in storage order. */
  chars: readonly number[];
  /** Glyph bitmaps, base64 of height x rowBytes bytes per glyph. */
  bitmapsBase64: string;
}

/** The ${big.width}x${big.height} font (${big.chars.length} glyphs), for text drawn at 11 device pixels or more. */
export const FONT_LARGE: BitmapFont = {
  width: ${big.width},
  height: ${big.height},
  rowBytes: ${big.rowBytes},
  chars: ${JSON.stringify(big.chars)},
  bitmapsBase64: '${big.b64}',
};

/** The ${small.width}x${small.height} font (${small.chars.length} glyphs), for smaller text. */
export const FONT_SMALL: BitmapFont = {
  width: ${small.width},
  height: ${small.height},
  rowBytes: ${small.rowBytes},
  chars: ${JSON.stringify(small.chars)},
  bitmapsBase64: '${small.b64}',
};
`;
writeFileSync(new URL('../src/plot/font-data.ts', import.meta.url), out);
console.log(`font-data.ts: ${big.chars.length} + ${small.chars.length} glyphs`);
