/**
 * PNG encoding of an RGBA image (PNG spec, W3C 2003): signature, IHDR, optional tEXt, IDAT
 * (zlib via fflate, a small dependency-free deflate that runs in Node and browsers), IEND.
 * Rows use the Sub filter, which shrinks flat plot backgrounds well at no search cost.
 */
import { StnmfError } from '../errors.js';
import { zlibSync } from 'fflate';
import { crc32Finish, crc32Update } from '../crc32.js';
import type { RgbaImage } from './raster.js';

/**
 * CRC-32 (ISO 3309) as used by PNG chunks: the running register without the final inversion
 * (kept under this name for `stnmf/plot` callers; the implementation is `src/crc32.ts`).
 */
export const crc32 = crc32Update;

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32Finish(crc32Update(out.subarray(4, 8 + data.length))));
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
  if (data.length !== width * height * 4) throw new StnmfError('BAD_INPUT', `encodePng: expected ${width * height * 4} bytes, got ${data.length}`);
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
