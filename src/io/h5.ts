/**
 * Thin, checked access to HDF5 files through h5wasm. Every failure becomes a one-line
 * `StnmfError` naming the file and the HDF5 path, and the HDF5 C library's diagnostic dump is
 * routed into the exception instead of stderr.
 *
 * Two builds of h5wasm, each loaded on first use: on a file system with native paths (the disk,
 * `Vfs.nativePath`) the Node build opens the file where it lies, and long datasets are read in
 * hyperslabs, so nothing is copied; anywhere else (a browser worker reading a dropped `File`,
 * an in-memory `Vfs`) the ESM build (`h5wasm`, which runs in browsers and in Node) gets the
 * file's bytes in its in-memory file system (MEMFS) and opens them there. The file is removed
 * from MEMFS when it is closed.
 */
import { nodeVfs } from './node-vfs.js';
import { readRange, requireRegularFile } from './text.js';
import type { Vfs } from './vfs.js';
import type H5wasmModule from 'h5wasm/node';
import type { Dataset as H5Dataset, Group as H5Group, File as H5File } from 'h5wasm/node';
import { StnmfError } from '../errors.js';

export type { H5Dataset, H5Group, H5File };

/** The parts of an h5wasm build this module uses. */
type H5wasm = typeof H5wasmModule;

/** The parts of the h5wasm Emscripten module the hyperslab reader and MEMFS use. */
interface H5Module {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  get_dataset_data(fileId: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
  FS: { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array; unlink(path: string): void };
}

/** A loaded build: its classes and its Emscripten module. */
interface Build {
  lib: H5wasm;
  mod: H5Module;
}

let nativeBuild: Promise<Build> | undefined;
let memoryBuild: Promise<Build> | undefined;
/** The builds loaded so far (class checks accept objects of either). */
const loaded: Build[] = [];

// Not a literal: bundlers for the browser must not follow it (the Node build needs node:fs);
// Node resolves it as usual.
const NODE_BUILD = 'h5wasm/node';

async function load(spec: Promise<{ default: H5wasm } | H5wasm>): Promise<Build> {
  const m = await spec;
  const lib = ('File' in m ? m : m.default) as H5wasm;
  const mod = (await lib.ready) as unknown as H5Module & { activate_throwing_error_handler(): void };
  // Without this the C library prints a multi-line HDF5-DIAG trace for every failed call.
  mod.activate_throwing_error_handler();
  const b = { lib, mod };
  loaded.push(b);
  return b;
}

/**
 * The Node build (files opened by path on disk), loaded once. Importing it compiles the HDF5
 * library (~0.5 s), which every CLI start paid even for `--help`; hence on first use.
 */
function native(): Promise<Build> {
  nativeBuild ??= load(import(/* @vite-ignore */ NODE_BUILD) as Promise<{ default: H5wasm }>);
  return nativeBuild;
}

/** The ESM build (files opened from bytes in MEMFS; browsers and Node), loaded once. */
function memory(): Promise<Build> {
  memoryBuild ??= load(import('h5wasm') as unknown as Promise<H5wasm>);
  return memoryBuild;
}

/** Loads the Node build of h5wasm (kept for callers that write files on disk). */
export async function h5Ready(): Promise<void> {
  await native();
}

/** The build whose classes `e` is an instance of (`kind` names the class). */
function isA(e: unknown, kind: 'Group' | 'Dataset'): boolean {
  for (const b of loaded) if (e instanceof b.lib[kind]) return true;
  return false;
}

/** The HDF5 signature; it sits at offset 0, 512, 1024, ... (a user block may precede it). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the file starts (or, after a user block, continues) with the HDF5 signature. */
export function looksLikeHdf5(path: string, files: Vfs = nodeVfs): boolean {
  try {
    const st = files.stat(path);
    if (st?.kind !== 'file') return false; // a FIFO would block the read below
    for (let off = 0; off + 8 <= st.size && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      const buf = files.read(path, off, 8);
      if (SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

/** Last useful line of an HDF5 error stack ("minor: ..."), for a one-line message. */
function h5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const minors = [...text.matchAll(/minor:\s*(.+)/g)].map((m) => m[1].trim());
  if (minors.length > 0) return minors[minors.length - 1];
  return text.split('\n').filter((l) => l.trim() !== '')[0] ?? 'unknown HDF5 error';
}

let memCounter = 0;

/**
 * Opens an HDF5 file for reading. Checks existence, emptiness and the signature first so that
 * the common mistakes give a plain message; a truncated file fails in HDF5's superblock check.
 * @param files  where the file lives (default the disk); without a native path its bytes are
 *               copied into h5wasm's MEMFS (browser), freed on `close()`
 */
export async function openH5(path: string, files: Vfs = nodeVfs): Promise<H5File> {
  const size = requireRegularFile(path, path, files);
  if (size === 0) throw new StnmfError('BAD_FILE', `${path}: file is empty (0 bytes), expected an HDF5 file`);
  if (!looksLikeHdf5(path, files)) {
    throw new StnmfError('BAD_FILE', `${path}: not an HDF5 file (no HDF5 signature in the first bytes)`);
  }
  const nativePath = files.nativePath?.(path);
  if (nativePath !== undefined) {
    const { lib } = await native();
    try {
      return new lib.File(nativePath, 'r');
    } catch (e) {
      throw new StnmfError('BAD_FILE', `${path}: cannot open as HDF5 (${h5Reason(e)}; truncated or damaged file?)`);
    }
  }
  const bytes = readRange(path, 0, size, files);
  const { lib, mod } = await memory();
  const memPath = `/stnmf-read-${++memCounter}.h5`;
  mod.FS.writeFile(memPath, bytes);
  let f: H5File;
  try {
    f = new lib.File(memPath, 'r');
  } catch (e) {
    mod.FS.unlink(memPath);
    throw new StnmfError('BAD_FILE', `${path}: cannot open as HDF5 (${h5Reason(e)}; truncated or damaged file?)`);
  }
  const close = f.close.bind(f);
  f.close = () => {
    const r = close();
    mod.FS.unlink(memPath);
    return r;
  };
  return f;
}

/** Opens (truncating) an HDF5 file on disk for writing (Node build). */
export async function createH5(path: string): Promise<H5File> {
  const { lib } = await native();
  try {
    return new lib.File(path, 'w');
  } catch (e) {
    throw new StnmfError('WRITE_FAILED', `${path}: cannot create HDF5 file (${h5Reason(e)})`);
  }
}

/**
 * An HDF5 file being written in h5wasm's in-memory file system (browsers and Node): write into
 * `file`, close it, then `bytes()` returns the finished file and frees it from MEMFS.
 */
export interface MemoryH5 {
  file: H5File;
  /** The bytes of the closed file (call once, after `file.close()`). */
  bytes(): Uint8Array;
}

/** Creates an empty HDF5 file in MEMFS (ESM build of h5wasm) for an in-memory writer. */
export async function createMemoryH5(): Promise<MemoryH5> {
  const { lib, mod } = await memory();
  const memPath = `/stnmf-write-${++memCounter}.h5`;
  let file: H5File;
  try {
    file = new lib.File(memPath, 'w');
  } catch (e) {
    throw new StnmfError('WRITE_FAILED', `(in memory): cannot create HDF5 file (${h5Reason(e)})`);
  }
  return {
    file,
    bytes() {
      const b = mod.FS.readFile(memPath);
      mod.FS.unlink(memPath);
      return b;
    },
  };
}

/** True when `name` exists under `g` (no exception for missing links). */
export function has(g: H5Group, name: string): boolean {
  try {
    return g.keys().includes(name);
  } catch {
    return false;
  }
}

/** The entity at `path` below `g`, or undefined. Walks one level at a time so missing parents are fine. */
export function getEntity(g: H5Group, path: string): H5Group | H5Dataset | undefined {
  let cur: H5Group | H5Dataset = g;
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (!isA(cur, 'Group') || !has(cur as H5Group, part)) return undefined;
    const next = (cur as H5Group).get(part);
    if (isA(next, 'Group') || isA(next, 'Dataset')) cur = next as H5Group | H5Dataset;
    else return undefined;
  }
  return cur;
}

/** The group at `path`, or undefined. */
export function getGroup(g: H5Group, path: string): H5Group | undefined {
  const e = getEntity(g, path);
  return isA(e, 'Group') ? (e as H5Group) : undefined;
}

/** The dataset at `path`, or undefined. */
export function getDataset(g: H5Group, path: string): H5Dataset | undefined {
  const e = getEntity(g, path);
  return isA(e, 'Dataset') ? (e as H5Dataset) : undefined;
}

/** True when `e` is a group (h5wasm class check without exposing the class). */
export function isGroup(e: unknown): e is H5Group {
  return isA(e, 'Group');
}

/** True when `e` is a dataset. */
export function isDataset(e: unknown): e is H5Dataset {
  return isA(e, 'Dataset');
}

/** The dataset at `path` or a `BAD_FILE` error naming file and field. */
export function needDataset(file: string, g: H5Group, path: string): H5Dataset {
  const d = getDataset(g, path);
  if (!d) throw new StnmfError('BAD_FILE', `${file}: missing dataset '${joinPath(g.path, path)}'`);
  return d;
}

/** The group at `path` or a `BAD_FILE` error naming file and field. */
export function needGroup(file: string, g: H5Group, path: string): H5Group {
  const d = getGroup(g, path);
  if (!d) throw new StnmfError('BAD_FILE', `${file}: missing group '${joinPath(g.path, path)}'`);
  return d;
}

function joinPath(base: string, p: string): string {
  return (base === '/' ? '' : base) + '/' + p.replace(/^\//, '');
}

/**
 * Elements per hyperslab when a 1-D numeric dataset is read in pieces: 2²² (32 MB of int64),
 * far below h5wasm's 2 GiB heap, large enough that the per-call overhead is nil (issue 16).
 */
const DEFAULT_READ_CHUNK = 1 << 22;
let readChunk = DEFAULT_READ_CHUNK;

/**
 * Internal (tests): sets the elements per hyperslab read of 1-D numeric datasets (`undefined`
 * restores the default 2²²); returns the previous value. Small values force the chunked path.
 */
export function setH5ReadChunkElements(n: number | undefined): number {
  const prev = readChunk;
  readChunk = n === undefined ? DEFAULT_READ_CHUNK : Math.max(1, Math.floor(n));
  return prev;
}

/** True when the failure is h5wasm's heap limit, not a damaged file. */
function isHeapLimit(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e);
  return /exceeds maximum memory|Cannot enlarge memory|Out of memory|Array buffer allocation failed|Invalid typed array length/i.test(text);
}

/** The StnmfError for a failed dataset read: too large for the heap, or unreadable (damaged). */
export function h5ReadError(file: string, d: H5Dataset, e: unknown): StnmfError {
  if (e instanceof StnmfError) return e;
  if (isHeapLimit(e)) {
    return new StnmfError('BAD_FILE', `${file}: dataset '${d.path}' (${(d.shape ?? []).join(' x ')} ${d.dtype}) is too large to read in one piece: h5wasm's heap holds at most 2 GiB (${h5Reason(e)})`);
  }
  return new StnmfError('BAD_FILE', `${file}: cannot read dataset '${d.path}' (${h5Reason(e)}; truncated or damaged file?)`);
}

/** Length of a 1-D integer or float dataset (the kind read in hyperslabs), else undefined. */
function numericLength(d: H5Dataset): number | undefined {
  const m = d.metadata;
  const shape = d.shape;
  if (!shape || shape.length !== 1 || m.vlen) return undefined;
  // H5T_INTEGER = 0, H5T_FLOAT = 1.
  if (m.type !== 0 && m.type !== 1) return undefined;
  return Number(shape[0]);
}

/** Hyperslab [start, end) of a 1-D dataset. */
function sliceOf(file: string, d: H5Dataset, start: number, end: number): unknown {
  try {
    return d.slice([[start, end]]);
  } catch (e) {
    throw h5ReadError(file, d, e);
  }
}

/**
 * Reads a dataset's values, turning HDF5 read failures (truncation inside data) into BAD_FILE.
 * 1-D numeric datasets longer than the read chunk come in hyperslabs into one array of their
 * own type, so a dataset larger than h5wasm's 2 GiB heap reads too.
 */
export function readValue(file: string, d: H5Dataset): unknown {
  const n = numericLength(d);
  if (n !== undefined && n > readChunk) {
    let out: { set(a: ArrayLike<number | bigint>, o: number): void } | undefined;
    for (let s = 0; s < n; s += readChunk) {
      const part = sliceOf(file, d, s, Math.min(n, s + readChunk)) as ArrayLike<number> & { constructor: new (n: number) => typeof out };
      out ??= new part.constructor(n);
      out!.set(part, s);
    }
    return out;
  }
  try {
    return d.value;
  } catch (e) {
    throw h5ReadError(file, d, e);
  }
}

/** Elements of a 1-D numeric dataset that is read in hyperslabs, else undefined (read whole). */
function chunkedLength(d: H5Dataset): number | undefined {
  const n = numericLength(d);
  return n !== undefined && n > readChunk ? n : undefined;
}

type HeapView = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;
type ViewCtor = new (b: ArrayBufferLike, o: number, n: number) => HeapView;

/** The typed-array type of a little-endian integer/float dataset, or undefined (read by slice). */
function viewType(d: H5Dataset): ViewCtor | undefined {
  const m = d.metadata;
  if (!m.littleEndian) return undefined;
  if (m.type === 1) return m.size === 4 ? Float32Array : m.size === 8 ? Float64Array : undefined;
  const t: Record<number, [ViewCtor, ViewCtor]> = { 1: [Int8Array, Uint8Array], 2: [Int16Array, Uint16Array], 4: [Int32Array, Uint32Array], 8: [BigInt64Array, BigUint64Array] };
  const pair = t[m.size];
  return pair ? pair[m.signed ? 0 : 1] : undefined;
}

/**
 * Reads a long 1-D numeric dataset hyperslab by hyperslab into one reused buffer on the h5wasm
 * heap and hands each piece, as a view of that buffer in the stored type, to `take` with its
 * offset. Nothing per piece is allocated on the JS side, so the reader's peak memory is the
 * output arrays plus one piece (issue 16). The view is valid only during `take`.
 */
function forEachHeapPiece(file: string, d: H5Dataset, n: number, take: (v: unknown, offset: number) => void): void {
  const Ctor = viewType(d);
  const mod = loaded.find((b) => d instanceof b.lib.Dataset)?.mod;
  if (!Ctor || !mod) {
    for (let s = 0; s < n; s += readChunk) take(sliceOf(file, d, s, Math.min(n, s + readChunk)), s);
    return;
  }
  const size = d.metadata.size;
  const per = Math.min(readChunk, n);
  const ptr = mod._malloc(per * size + 8);
  if (!ptr) throw h5ReadError(file, d, new Error(`Out of memory: cannot allocate ${per * size} bytes`));
  try {
    const fileId = (d as unknown as { file_id: bigint }).file_id;
    for (let s = 0; s < n; s += readChunk) {
      const m = Math.min(n, s + readChunk) - s;
      try {
        mod.get_dataset_data(fileId, d.path, [BigInt(m)], [BigInt(s)], [1n], BigInt(ptr));
      } catch (e) {
        throw h5ReadError(file, d, e);
      }
      // After the call: the heap may have grown, which replaces its buffer.
      take(new Ctor(mod.HEAPU8.buffer, ptr, m), s);
    }
  } finally {
    mod._free(ptr);
  }
}

/**
 * Reads an integer dataset of any width and signedness as Int32Array. int32 data is returned as
 * is; 64-bit data is read through an Int32Array view of its low words (compute-notes §4: 3-4x
 * faster than a `Number()` loop) after checking that every high word is zero. Long 1-D
 * datasets are read in hyperslabs and narrowed as they arrive, so no int64 copy of the whole
 * dataset is ever held (issue 16).
 */
export function readInt32(file: string, d: H5Dataset): Int32Array {
  const n = chunkedLength(d);
  if (n === undefined) return toInt32(file, d.path, readValue(file, d));
  const out = new Int32Array(n);
  forEachHeapPiece(file, d, n, (v, offset) => narrowInto(file, d.path, v, out, offset));
  return out;
}

/** Writes integer typed array `v` into out[offset…] as int32, checking the range as toInt32 does. */
function narrowInto(file: string, field: string, v: unknown, out: Int32Array, offset: number): void {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    let bad = 0;
    for (let i = 0, j = 0; i < v.length; i++, j += 2) {
      const lo = w[j];
      bad |= w[j + 1] | (lo >>> 31);
      out[offset + i] = lo;
    }
    if (bad !== 0) throw new StnmfError('BAD_INPUT', `${file}: '${field}': expected integers in [0, 2^31), found a value outside that range`);
    return;
  }
  if (v instanceof Int32Array) {
    out.set(v, offset);
    return;
  }
  out.set(toInt32(file, field, v), offset);
}

/** Converts any integer typed array to Int32Array, checking range. */
export function toInt32(file: string, field: string, v: unknown): Int32Array {
  if (v instanceof Int32Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    const out = new Int32Array(v.length);
    // Little-endian: low word at even positions. A non-zero high word or a negative low word
    // means the value does not fit in int32 (or is negative for the signed type).
    let bad = 0;
    for (let i = 0, j = 0; i < out.length; i++, j += 2) {
      const lo = w[j];
      bad |= w[j + 1] | (lo >>> 31);
      out[i] = lo;
    }
    if (bad !== 0) {
      throw new StnmfError('BAD_INPUT', `${file}: '${field}': expected integers in [0, 2^31), found a value outside that range`);
    }
    return out;
  }
  if (v instanceof Uint32Array) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] > 0x7fffffff) throw new StnmfError('BAD_INPUT', `${file}: '${field}': value ${v[i]} does not fit in int32`);
    }
    return new Int32Array(v.buffer, v.byteOffset, v.length);
  }
  if (v instanceof Int16Array || v instanceof Uint16Array || v instanceof Int8Array || v instanceof Uint8Array) {
    return Int32Array.from(v);
  }
  if (v instanceof Float64Array || v instanceof Float32Array) {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i])) throw new StnmfError('BAD_INPUT', `${file}: '${field}': expected integers, found ${v[i]}`);
      out[i] = v[i];
    }
    return out;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return Int32Array.of(Number(v));
  throw new StnmfError('BAD_FILE', `${file}: '${field}': expected an integer array, found ${describeValue(v)}`);
}

/**
 * Reads a numeric dataset as Float32Array (copy-free when it already is float32). Long 1-D
 * datasets are read in hyperslabs and converted as they arrive (no whole-array copy of
 * another type). `check` sees each piece in its stored type first, with the piece's offset
 * (e.g. to test that counts are whole numbers before float32 rounds them).
 */
export function readFloat32(file: string, d: H5Dataset, check?: (v: unknown, offset: number) => void): Float32Array {
  const n = chunkedLength(d);
  if (n === undefined) {
    const v = readValue(file, d);
    check?.(v, 0);
    return toFloat32(file, d.path, v);
  }
  const out = new Float32Array(n);
  forEachHeapPiece(file, d, n, (v, offset) => {
    check?.(v, offset);
    // Number typed arrays convert natively in set(); only 64-bit integers need a loop.
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) for (let i = 0; i < v.length; i++) out[offset + i] = Number(v[i]);
    else out.set(v as Float64Array, offset);
  });
  return out;
}

/** Converts a numeric typed array (bigint included) to Float32Array. */
export function toFloat32(file: string, field: string, v: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return out;
  }
  // The typed-array constructor converts natively (Float32Array.from iterates in JS).
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return new Float32Array(v as unknown as ArrayLike<number>);
  if (typeof v === 'number') return Float32Array.of(v);
  throw new StnmfError('BAD_FILE', `${file}: '${field}': expected a numeric array, found ${describeValue(v)}`);
}

/** Converts a numeric typed array (bigint included) to Float64Array. */
export function toFloat64(file: string, field: string, v: unknown): Float64Array {
  if (v instanceof Float64Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'number') return Float64Array.of(v);
  throw new StnmfError('BAD_FILE', `${file}: '${field}': expected a numeric array, found ${describeValue(v)}`);
}

/** Strips trailing NULs that fixed-length HDF5 strings carry (`|S18` with shorter values). */
export function stripNul(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Reads a string dataset (fixed or variable length, scalar or 1-D) as a string array. */
export function readStrings(file: string, d: H5Dataset): string[] {
  return toStrings(file, d.path, readValue(file, d));
}

/** Normalises an h5wasm string result to a string array. */
export function toStrings(file: string, field: string, v: unknown): string[] {
  if (typeof v === 'string') return [stripNul(v)];
  if (Array.isArray(v)) {
    const out = new Array<string>(v.length);
    for (let i = 0; i < v.length; i++) {
      const s = v[i];
      if (typeof s === 'string') out[i] = stripNul(s);
      else if (s instanceof Uint8Array) out[i] = stripNul(new TextDecoder().decode(s));
      else if (s === null || s === undefined) out[i] = '';
      else out[i] = String(s);
    }
    return out;
  }
  throw new StnmfError('BAD_FILE', `${file}: '${field}': expected strings, found ${describeValue(v)}`);
}

/** Reads an attribute as a JSON-compatible value (strings NUL-stripped), or undefined. */
export function readAttr(obj: H5Group | H5Dataset, name: string): unknown {
  const attrs = obj.attrs;
  if (!(name in attrs)) return undefined;
  try {
    return cleanJson(attrs[name].json_value);
  } catch {
    return undefined;
  }
}

/** Reads an attribute that must be a string. */
export function readStringAttr(obj: H5Group | H5Dataset, name: string): string | undefined {
  const v = readAttr(obj, name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function cleanJson(v: unknown): unknown {
  if (typeof v === 'string') return stripNul(v);
  if (Array.isArray(v)) return v.map(cleanJson);
  return v;
}

/** A short description of a value's type for error messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return `array of ${v.length > 0 ? typeof v[0] : 'nothing'}`;
  return typeof v;
}
