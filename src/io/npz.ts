/**
 * NumPy `.npz` archives: a ZIP of `.npy` members, written uncompressed ("stored"), which is
 * what `np.savez` produces and `np.load` / `scipy.sparse.load_npz` read (formats.md §1.14).
 * A CSR matrix is written with scipy's keys `data`, `indices`, `indptr`, `shape` (without
 * `format`, which numpy would need as a bytes scalar; readers then assume CSR).
 */
import { StnmfError } from '../errors.js';
import { crc32 } from '../crc32.js';
import type { Csr } from '../linalg/csr.js';
import { writeFileAtomic, type WriteOptions } from './atomic.js';
import { encodeNpy, type NpyData, type NpyDescr } from './npy.js';

/** One member: an n-d numeric array, or the complete bytes of a `.npy` file. */
export type NpzMember = { shape: number[]; data: NpyData; descr?: NpyDescr } | { npyBytes: Uint8Array };

/** Encodes members (name → array; `.npy` is appended to names) as the bytes of a `.npz`. */
export function encodeNpz(members: Record<string, NpzMember>): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const [name, m] of Object.entries(members)) {
    const file = enc.encode(`${name}.npy`);
    const body = 'npyBytes' in m ? m.npyBytes : encodeNpy(m);
    if (body.length >= 0xffffffff || offset >= 0xffffffff) throw new StnmfError('WRITE_FAILED', 'encodeNpz: archives over 4 GiB need ZIP64, which is not written');
    const crc = crc32(body);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed
    local.setUint16(8, 0, true); // stored
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, body.length, true);
    local.setUint16(26, file.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, body.length, true);
    cd.setUint32(24, body.length, true);
    cd.setUint16(28, file.length, true);
    cd.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), file, body);
    central.push(new Uint8Array(cd.buffer), file);
    offset += 30 + file.length + body.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  const count = Object.keys(members).length;
  end.setUint16(8, count, true);
  end.setUint16(10, count, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((s, b) => s + b.length, 0));
  let p = 0;
  for (const b of all) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** Writes a CSR matrix as a scipy `save_npz`-compatible `.npz`, atomically. */
export function writeCsrNpz(path: string, a: Csr, opts: WriteOptions = {}): void {
  const bytes = encodeNpz({
    data: { shape: [a.data.length], data: a.data },
    indices: { shape: [a.indices.length], data: a.indices },
    indptr: { shape: [a.indptr.length], data: a.indptr },
    shape: { shape: [2], data: new Int32Array([a.rows, a.cols]) },
    // scipy.sparse.load_npz requires `format` as a 0-d bytes scalar (`|S3`).
    format: { npyBytes: bytesScalarNpy('csr') },
  });
  writeFileAtomic(path, bytes, opts);
}

/** The `.npy` bytes of a 0-d fixed-width bytes scalar (numpy `|S<n>`), header padded to 64 bytes. */
function bytesScalarNpy(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  let header = `{'descr': '|S${payload.length}', 'fortran_order': False, 'shape': (), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}
