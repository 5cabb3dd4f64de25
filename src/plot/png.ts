/**
 * PNG encoding of an RGBA image (PNG spec, W3C 2003): signature, IHDR, optional tEXt, IDAT
 * (zlib via fflate, a small dependency-free deflate that runs in Node and browsers), IEND.
 * Rows use the Sub filter, which shrinks flat plot backgrounds well at no search cost.
 */
import { zlibSync } from 'fflate';
import type { RgbaImage } from './raster.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309) as used by PNG chunks. */
export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
  return out;
}

/** Options of {@link encodePng}. */
export interface PngOptions {
  /** Stored as a `tEXt` Title chunk (Latin-1; other characters become `?`). */
  title?: string;
  /** deflate level 0–9; default 6 (zlib's default). */
  level?: number;
}

/** Encodes an RGBA image as PNG bytes (8-bit RGBA, non-interlaced). */
export function encodePng(img: RgbaImage, options: PngOptions = {}): Uint8Array {
  const { width, height, data } = img;
  if (data.length !== width * height * 4) throw new Error(`encodePng: expected ${width * height * 4} bytes, got ${data.length}`);
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1; // Sub filter
    const row = y * stride;
    for (let x = 0; x < stride; x++) raw[o + 1 + x] = (data[row + x] - (x >= 4 ? data[row + x - 4] : 0)) & 255;
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const parts: Uint8Array[] = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (options.title) {
    const text = `Title\0${options.title}`;
    parts.push(chunk('tEXt', Uint8Array.from([...text].map((c) => (c.charCodeAt(0) < 256 ? c.charCodeAt(0) : 63)))));
  }
  parts.push(chunk('IDAT', zlibSync(raw, { level: (options.level ?? 6) as 6 })));
  parts.push(chunk('IEND', new Uint8Array(0)));
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
