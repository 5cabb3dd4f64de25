/**
 * HDF5 booleans as h5py writes them, produced with h5wasm.
 *
 * pandas only accepts a real bool for a categorical's `ordered` flag and numpy only gives a bool
 * array for an HDF5 enum `{FALSE = 0, TRUE = 1}` over int8 (h5py's bool encoding), so AnnData
 * categoricals and bool columns need that enum type. h5wasm 0.10 cannot create enum types. The
 * way round it: write a same-sized stand-in type and rewrite its bytes after the file is closed.
 *
 * The stand-in is a one-member compound over int8 whose member name is an 11-character token.
 * h5wasm writes datatype messages in version 3 encoding, where that compound takes exactly 33
 * bytes, the size of the version-3 enum (8 header + 12 int8 base + "FALSE\0" + "TRUE\0" + 2
 * values). Element storage is identical (one byte, 0 or 1), so only the 33 datatype bytes
 * change; every other byte of the file stays put. Datatype messages live in object headers
 * (version 2, "OHDR"/"OCHK" chunks) that carry a Jenkins lookup3 checksum, which is verified
 * before the patch (so a stray match in raw data is never touched) and recomputed after it.
 *
 * Node-only (layer: io).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { StnmfError } from '../errors.js';

/** Length of the compound member name (fixed: it makes the stand-in exactly enum-sized). */
const TOKEN_LENGTH = 11;

/** A fresh stand-in token: `stnmf` + 6 random hex digits. */
export function newBoolToken(): string {
  return 'stnmf' + randomBytes(3).toString('hex');
}

/** The h5wasm dtype of the stand-in for `token`. */
export function boolPlaceholderDtype(token: string): [[string, string]] {
  if (token.length !== TOKEN_LENGTH) throw new Error(`bool token must have ${TOKEN_LENGTH} characters`);
  return [[token, '|b']];
}

/** The h5wasm data (a one-column Map) of the stand-in for 0/1 values. */
export function boolPlaceholderData(token: string, values: ArrayLike<number>): Map<string, Int8Array> {
  return new Map([[token, Int8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0))]]);
}

/** int8 integer datatype, version 1 (as h5wasm and h5py write it): signed, size 1, precision 8. */
const INT8_TYPE = [0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00];

/** The 33-byte version-3 compound stand-in as h5wasm encodes it. */
function placeholderBytes(token: string): Uint8Array {
  const name = Buffer.from(token + '\0', 'ascii');
  return Uint8Array.from([0x36, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, ...name, 0x00, ...INT8_TYPE]);
}

/** The 33-byte version-3 enum h5py uses for numpy bool: int8 base, FALSE = 0, TRUE = 1. */
const ENUM_BYTES = Uint8Array.from([
  0x38, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
  ...INT8_TYPE,
  ...Buffer.from('FALSE\0TRUE\0', 'ascii'),
  0x00, 0x01,
]);

/**
 * Bob Jenkins' lookup3 `hashlittle`, byte-wise, as HDF5's `H5_checksum_lookup3` computes it
 * for metadata checksums (initval 0).
 */
export function lookup3(k: Uint8Array, initval = 0): number {
  let length = k.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  const rot = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let o = 0;
  while (length > 12) {
    a = (a + (k[o] + (k[o + 1] << 8) + (k[o + 2] << 16) + (k[o + 3] << 24))) >>> 0;
    b = (b + (k[o + 4] + (k[o + 5] << 8) + (k[o + 6] << 16) + (k[o + 7] << 24))) >>> 0;
    c = (c + (k[o + 8] + (k[o + 9] << 8) + (k[o + 10] << 16) + (k[o + 11] << 24))) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c;
  // The tail: the last 1..12 bytes (the C code's fall-through switch, as a chain of ifs).
  if (length >= 12) c = (c + (k[o + 11] << 24)) >>> 0;
  if (length >= 11) c = (c + (k[o + 10] << 16)) >>> 0;
  if (length >= 10) c = (c + (k[o + 9] << 8)) >>> 0;
  if (length >= 9) c = (c + k[o + 8]) >>> 0;
  if (length >= 8) b = (b + (k[o + 7] << 24)) >>> 0;
  if (length >= 7) b = (b + (k[o + 6] << 16)) >>> 0;
  if (length >= 6) b = (b + (k[o + 5] << 8)) >>> 0;
  if (length >= 5) b = (b + k[o + 4]) >>> 0;
  if (length >= 4) a = (a + (k[o + 3] << 24)) >>> 0;
  if (length >= 3) a = (a + (k[o + 2] << 16)) >>> 0;
  if (length >= 2) a = (a + (k[o + 1] << 8)) >>> 0;
  a = (a + k[o]) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

const OHDR = Buffer.from('OHDR', 'ascii');
const OCHK = Buffer.from('OCHK', 'ascii');
/** How far before a stand-in its object-header chunk may start (chunks are small; 64 KiB is ample). */
const LOOKBACK = 1 << 16;
const LOOKAHEAD = 1 << 16;

/**
 * The object-header chunk holding file offset `p`: its start and its checksum offset, found by
 * walking the messages from the nearest "OHDR"/"OCHK" signature before `p` and accepting the
 * first boundary whose stored lookup3 checksum matches. Undefined when no chunk verifies.
 */
function findChunk(buf: Uint8Array, base: number, p: number): { start: number; sumAt: number } | undefined {
  const rel = p - base;
  const hay = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  let from = rel;
  for (;;) {
    const h = hay.lastIndexOf(OHDR, from);
    const c = hay.lastIndexOf(OCHK, from);
    const s = Math.max(h, c);
    if (s < 0) return undefined;
    const found = walkChunk(buf, s, s === h, rel);
    if (found !== undefined) return { start: s, sumAt: found };
    from = s - 1;
    if (from < 0) return undefined;
  }
}

/** Walks one chunk's messages; returns the checksum offset if the chunk covers `rel` and verifies. */
function walkChunk(buf: Uint8Array, s: number, isHeader: boolean, rel: number): number | undefined {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let q = s + 4;
  let flags = 0;
  let end = -1; // known end of the message area (OHDR gives its size)
  if (isHeader) {
    if (buf[q] !== 2) return undefined; // only version-2 headers carry checksums
    flags = buf[q + 1];
    q += 2;
    if (flags & 0x20) q += 16; // access/modification/change/birth times
    if (flags & 0x10) q += 4; // attribute phase-change values
    const w = 1 << (flags & 3);
    if (q + w > buf.length) return undefined;
    const size = w === 1 ? buf[q] : w === 2 ? dv.getUint16(q, true) : w === 4 ? dv.getUint32(q, true) : Number(dv.getBigUint64(q, true));
    q += w;
    end = q + size;
    if (end + 4 > buf.length) return undefined;
    if (!(rel >= q && rel < end)) return undefined;
    const sum = lookup3(buf.subarray(s, end));
    return sum === dv.getUint32(end, true) ? end : undefined;
  }
  // OCHK: the length is not stored in the chunk; the messages are walked and the checksum is
  // tried at each boundary (and within the < 4-byte gap that may precede it).
  const hdr = 4; // message header without creation order; with it (flag in the OHDR) 6 bytes
  for (const msgHdr of [hdr, hdr + 2]) {
    let r = q;
    for (let steps = 0; steps < 4096 && r + 4 <= buf.length; steps++) {
      for (let gap = 0; gap < msgHdr && r + gap + 4 <= buf.length; gap++) {
        const at = r + gap;
        if (at > rel && lookup3(buf.subarray(s, at)) === dv.getUint32(at, true)) return at;
      }
      if (r + msgHdr > buf.length) break;
      const type = buf[r];
      const size = dv.getUint16(r + 1, true);
      if (type > 0x18) break;
      r += msgHdr + size;
    }
  }
  return undefined;
}

/**
 * Replaces every stand-in datatype written with `token` by the h5py bool enum, in place.
 * Scans the file in 16 MiB windows and stops once `expected` stand-ins are patched (writers put
 * them in obs/var/uns before the large matrices, so that is usually within the first window).
 *
 * @throws StnmfError('WRITE_FAILED') when a stand-in cannot be found in a verifiable object header
 */
export function patchBoolEnums(path: string, token: string, expected: number): void {
  if (expected === 0) return;
  const needle = Buffer.from(placeholderBytes(token));
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const WINDOW = 1 << 24;
    const buf = Buffer.alloc(WINDOW + needle.length);
    const hits: number[] = [];
    for (let off = 0; off < size && hits.length < expected; off += WINDOW) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - off), off);
      const view = buf.subarray(0, n);
      for (let i = view.indexOf(needle); i >= 0; i = view.indexOf(needle, i + 1)) {
        if (i < WINDOW || off + WINDOW >= size) hits.push(off + i);
      }
    }
    let patched = 0;
    for (const p of new Set(hits)) {
      const lo = Math.max(0, p - LOOKBACK);
      const hi = Math.min(size, p + LOOKAHEAD);
      const win = Buffer.alloc(hi - lo);
      readSync(fd, win, 0, win.length, lo);
      const chunk = findChunk(win, lo, p);
      if (!chunk) continue; // bytes that only look like the stand-in (raw data): leave them
      win.set(ENUM_BYTES, p - lo);
      const sum = lookup3(win.subarray(chunk.start, chunk.sumAt));
      win.writeUInt32LE(sum, chunk.sumAt);
      writeSync(fd, win, chunk.start, chunk.sumAt + 4 - chunk.start, lo + chunk.start);
      patched++;
    }
    if (patched !== expected) {
      throw new StnmfError('WRITE_FAILED', `${path}: could not convert ${expected - patched} of ${expected} boolean datatypes to HDF5 enums (object header not found)`);
    }
  } finally {
    closeSync(fd);
  }
}
