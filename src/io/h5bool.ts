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
 * The patch runs on a file on disk ({@link patchBoolEnums}, Node) or on the bytes of a file
 * written in memory ({@link patchBoolEnumsInBytes}, browsers too); both share one scanner.
 */
import { StnmfError } from '../errors.js';
import { nodeFs } from './node-builtins.js';

/** Length of the compound member name (fixed: it makes the stand-in exactly enum-sized). */
const TOKEN_LENGTH = 11;

/** A fresh stand-in token: `stnmf` + 6 random hex digits. */
export function newBoolToken(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(3));
  return 'stnmf' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
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

/** The bytes of an ASCII string. */
function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** First index ≥ `from` where `needle` occurs in `hay`, or -1 (Buffer.indexOf for plain bytes). */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  for (let i = hay.indexOf(needle[0], from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(needle[0], i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** Last index ≤ `from` where `needle` occurs in `hay`, or -1. */
function lastIndexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  for (let i = Math.min(from, hay.length - needle.length); i >= 0; i--) {
    i = hay.lastIndexOf(needle[0], i);
    if (i < 0) return -1;
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** int8 integer datatype, version 1 (as h5wasm and h5py write it): signed, size 1, precision 8. */
const INT8_TYPE = [0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00];

/** The 33-byte version-3 compound stand-in as h5wasm encodes it. */
function placeholderBytes(token: string): Uint8Array {
  const name = ascii(token + '\0');
  return Uint8Array.from([0x36, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, ...name, 0x00, ...INT8_TYPE]);
}

/** The 33-byte version-3 enum h5py uses for numpy bool: int8 base, FALSE = 0, TRUE = 1. */
const ENUM_BYTES = Uint8Array.from([
  0x38, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
  ...INT8_TYPE,
  ...ascii('FALSE\0TRUE\0'),
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

const OHDR = ascii('OHDR');
const OCHK = ascii('OCHK');
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
  let from = rel;
  for (;;) {
    const h = lastIndexOfBytes(buf, OHDR, from);
    const c = lastIndexOfBytes(buf, OCHK, from);
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

/** Random access to the file being patched: its size, reads and writes at byte offsets. */
interface Patchable {
  size: number;
  /** Reads `into.length` bytes (fewer at the end) at `offset`; returns how many. */
  read(into: Uint8Array, offset: number): number;
  write(bytes: Uint8Array, offset: number): void;
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
  const fs = nodeFs();
  const fd = fs.openSync(path, 'r+');
  try {
    patchIn(path, { size: fs.fstatSync(fd).size, read: (into, off) => fs.readSync(fd, into, 0, into.length, off), write: (b, off) => void fs.writeSync(fd, b, 0, b.length, off) }, token, expected);
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link patchBoolEnums} on the bytes of a whole file held in memory (e.g. read back from MEMFS). */
export function patchBoolEnumsInBytes(bytes: Uint8Array, token: string, expected: number, label = '(in memory)'): void {
  if (expected === 0) return;
  patchIn(label, { size: bytes.length, read: (into, off) => { const b = bytes.subarray(off, off + into.length); into.set(b); return b.length; }, write: (b, off) => bytes.set(b, off) }, token, expected);
}

function patchIn(path: string, file: Patchable, token: string, expected: number): void {
  const needle = placeholderBytes(token);
  const size = file.size;
  const WINDOW = 1 << 24;
  const buf = new Uint8Array(Math.min(WINDOW + needle.length, size));
  const hits: number[] = [];
  for (let off = 0; off < size && hits.length < expected; off += WINDOW) {
    const n = file.read(buf.subarray(0, Math.min(buf.length, size - off)), off);
    const view = buf.subarray(0, n);
    for (let i = indexOfBytes(view, needle); i >= 0; i = indexOfBytes(view, needle, i + 1)) {
      if (i < WINDOW || off + WINDOW >= size) hits.push(off + i);
    }
  }
  let patched = 0;
  for (const p of new Set(hits)) {
    const lo = Math.max(0, p - LOOKBACK);
    const hi = Math.min(size, p + LOOKAHEAD);
    const win = new Uint8Array(hi - lo);
    file.read(win, lo);
    const chunk = findChunk(win, lo, p);
    if (!chunk) continue; // bytes that only look like the stand-in (raw data): leave them
    win.set(ENUM_BYTES, p - lo);
    const sum = lookup3(win.subarray(chunk.start, chunk.sumAt));
    new DataView(win.buffer).setUint32(chunk.sumAt, sum, true);
    file.write(win.subarray(chunk.start, chunk.sumAt + 4), lo + chunk.start);
    patched++;
  }
  if (patched !== expected) {
    throw new StnmfError('WRITE_FAILED', `${path}: could not convert ${expected - patched} of ${expected} boolean datatypes to HDF5 enums (object header not found)`);
  }
}
