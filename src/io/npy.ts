/**
 * NumPy `.npy` files (formats.md §1.14): header versions 1.0/2.0/3.0 on read, the version numpy
 * itself would pick on write (1.0 unless the header exceeds 65,535 bytes), C or Fortran order on
 * read, C order on write, little-endian only. The header layout matches `numpy.save` byte for
 * byte (numpy >= 1.24 header spacing), so round trips are exact.
 */
import { StnmfError } from '../errors.js';
import { nodeVfs } from './node-vfs.js';
import { readWholeFile } from './text.js';
import type { Vfs } from './vfs.js';
import type { Dense } from '../linalg/dense.js';
import type { NumMatrix } from '../dataset.js';
import { writeFileAtomic, type WriteOptions } from './atomic.js';
import { badFile } from './util.js';

/** The element types read and written (`descr` strings). */
export type NpyDescr = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '|b1' | '<i2' | '<u2' | '<u4' | '|i1';

/** Typed storage per descr (`|b1` is stored as 0/1 bytes). */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | Int8Array;

/** An n-dimensional array in C order. */
export interface NpyArray {
  descr: NpyDescr;
  shape: number[];
  data: NpyData;
}

const CTORS: Record<NpyDescr, { new (b: ArrayBuffer, o?: number, n?: number): NpyData; BYTES_PER_ELEMENT: number }> = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<i4': Int32Array,
  '<i8': BigInt64Array,
  '|u1': Uint8Array,
  '|b1': Uint8Array,
  '<i2': Int16Array,
  '<u2': Uint16Array,
  '<u4': Uint32Array,
  '|i1': Int8Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses `.npy` bytes; `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name = '(npy)'): NpyArray {
  if (bytes.length === 0) throw badFile(name, 'file is empty (0 bytes), expected a .npy file');
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw badFile(name, "not a .npy file (magic '\\x93NUMPY' missing)");
  const major = bytes[6];
  let hlen: number;
  let start: number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw badFile(name, 'truncated .npy header');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw badFile(name, `header version: expected 1, 2 or 3, found ${major}`);
  }
  if (start + hlen > bytes.length) throw badFile(name, `header: declares ${hlen} bytes but the file ends first (truncated)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descrM = /'descr'\s*:\s*'([^']+)'/.exec(header);
  const fortM = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM || !fortM || !shapeM) throw badFile(name, `header: expected keys 'descr', 'fortran_order', 'shape', found ${JSON.stringify(header.trim())}`);
  let descr = descrM[1];
  if (descr === '=f4' || descr === '=f8' || descr === '=i4' || descr === '=i8') descr = '<' + descr.slice(1); // native = little on every supported host
  if (descr === '<u1') descr = '|u1';
  if (descr === '<b1') descr = '|b1';
  if (!(descr in CTORS)) {
    throw badFile(name, `descr: expected one of ${Object.keys(CTORS).join(' ')} (little-endian), found '${descr}'`);
  }
  const d = descr as NpyDescr;
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw badFile(name, `shape: expected non-negative integers, found (${shapeM[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const ctor = CTORS[d];
  const off = start + hlen;
  const need = count * ctor.BYTES_PER_ELEMENT;
  if (bytes.length - off < need) {
    throw badFile(name, `data: shape (${shape.join(', ')}) needs ${need} bytes, file has ${bytes.length - off} (truncated)`);
  }
  // Copy into a fresh buffer: the data offset need not be aligned to the element size.
  // (Buffer.slice would return a view of Node's shared pool, hence the explicit copy.)
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(off, off + need));
  const buf = copy.buffer;
  let data = new ctor(buf, 0, count);
  if (fortM[1] === 'True' && shape.length > 1) data = fortranToC(data, shape);
  return { descr: d, shape, data };
}

function fortranToC(src: NpyData, shape: number[]): NpyData {
  const n = src.length;
  const out = new (src.constructor as { new (n: number): NpyData })(n);
  const nd = shape.length;
  // Strides: Fortran (column-major) for src, C (row-major) for out.
  const fs = new Array<number>(nd);
  fs[0] = 1;
  for (let k = 1; k < nd; k++) fs[k] = fs[k - 1] * shape[k - 1];
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k] * fs[k];
    (out as unknown as number[])[c] = (src as unknown as number[])[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Reads a `.npy` file.
 * @param files  where the file lives (default the disk)
 */
export function readNpy(path: string, files: Vfs = nodeVfs): NpyArray {
  return parseNpy(readWholeFile(path, files), path);
}

function descrOf(data: NpyData, bool: boolean): NpyDescr {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Uint8Array) return bool ? '|b1' : '|u1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint32Array) return '<u4';
  return '|i1';
}

/** The header numpy writes: dict literal, growth spaces, padding to a multiple of 64, `\n`. */
function headerBytes(descr: NpyDescr, shape: number[]): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // numpy >= 1.24 leaves room for the first axis to grow to 21 digits (in-place appends).
  if (shape.length > 0) h += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  let pre = 10;
  let total = pre + h.length + 1;
  let pad = (64 - (total % 64)) % 64;
  if (h.length + pad + 1 > 65535) {
    pre = 12;
    total = pre + h.length + 1;
    pad = (64 - (total % 64)) % 64;
  }
  const hlen = h.length + pad + 1;
  const out = new Uint8Array(pre + hlen);
  out.set(MAGIC, 0);
  out[6] = pre === 10 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (pre === 10) dv.setUint16(8, hlen, true);
  else dv.setUint32(8, hlen, true);
  const text = h + ' '.repeat(pad) + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  return out;
}

/** Encodes an array as `.npy` bytes (C order). `bool` marks Uint8 data as `|b1`. */
export function encodeNpy(a: { shape: number[]; data: NpyData; descr?: NpyDescr }): Uint8Array {
  const count = a.shape.reduce((x, y) => x * y, 1);
  if (count !== a.data.length) throw new StnmfError('BAD_INPUT', `encodeNpy: shape (${a.shape.join(', ')}) needs ${count} values, got ${a.data.length}`);
  const descr = a.descr ?? descrOf(a.data, false);
  const head = headerBytes(descr, a.shape);
  const body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/**
 * Writes a matrix or n-d array to `path` as `.npy`, atomically. Dense float32 matrices become
 * `<f4`, Float64 NumMatrix `<f8`; W should be written `(n_obs, k)` and H `(k, n_var)`
 * (sklearn orientation, formats.md §1.14).
 */
export function writeNpy(path: string, a: Dense | NumMatrix | NpyArray, opts: WriteOptions = {}): void {
  const arr: { shape: number[]; data: NpyData; descr?: NpyDescr } =
    'shape' in a ? a : { shape: [a.rows, a.cols], data: a.data };
  writeFileAtomic(path, encodeNpy(arr), opts);
}

/** A 1-D or 2-D numeric array as a float32 Dense matrix (1-D becomes a column). */
export function npyToDense(a: NpyArray, name = '(npy)'): Dense {
  const [rows, cols] = matShape(a, name);
  const data = a.data instanceof Float32Array ? a.data : toF(a.data, Float32Array);
  return { rows, cols, data: data as Float32Array };
}

/** A 1-D or 2-D numeric array as a float64 NumMatrix. */
export function npyToFloat64(a: NpyArray, name = '(npy)'): NumMatrix {
  const [rows, cols] = matShape(a, name);
  const data = a.data instanceof Float64Array ? a.data : toF(a.data, Float64Array);
  return { rows, cols, data: data as Float64Array };
}

function matShape(a: NpyArray, name: string): [number, number] {
  if (a.shape.length === 2) return [a.shape[0], a.shape[1]];
  if (a.shape.length === 1) return [a.shape[0], 1];
  throw badFile(name, `shape: expected a 1-D or 2-D array, found (${a.shape.join(', ')})`);
}

function toF<T extends Float32Array | Float64Array>(src: NpyData, ctor: { new (n: number): T }): T {
  const out = new ctor(src.length);
  if (src instanceof BigInt64Array) for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  else for (let i = 0; i < src.length; i++) out[i] = (src as Float32Array)[i];
  return out;
}
