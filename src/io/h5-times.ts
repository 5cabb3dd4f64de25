/**
 * Reproducible HDF5 output: the same data written twice gives the same bytes.
 *
 * The HDF5 library stamps every object header it creates with the wall-clock time (access,
 * modification, change and birth times), so two runs with the same input and options differ in
 * those bytes and in the checksums that cover them. The C API turns this off with
 * `H5Pset_obj_track_times(dcpl, false)`, but h5wasm 0.10 neither calls nor exports it, so the
 * times are zeroed after the file is closed instead (timestamps belong in run.json, not in the
 * data file).
 *
 * What is rewritten: h5wasm (HDF5 1.14, latest file format) writes version-2 object headers,
 * which start with the signature "OHDR", a version byte 2 and a flags byte; flag 0x20 means four
 * 32-bit times follow the flags. The header's first chunk ends in a Jenkins lookup3 checksum of
 * everything before it. A candidate is changed only when its stored checksum verifies (so bytes
 * in raw data that merely look like a header are never touched), and the checksum is recomputed
 * after the times are set to 0. Nothing moves: the file keeps its size and layout, and h5py,
 * anndata and HDF5 itself read it as before (a time of 0 is a valid, if early, time).
 * Version-1 object headers (no signature, mtime in a separate message) are not written by
 * h5wasm; `test/h5-times.test.ts` checks that two writes are byte-identical, which would catch
 * them.
 *
 * Layer: io. The byte-level pass ({@link zeroObjectTimesIn}) touches no `node:*` API, so an
 * in-memory writer can apply it to its bytes; {@link zeroObjectTimes} applies it to a file.
 */
import { nodeFs } from './node-builtins.js';
import { StnmfError } from '../errors.js';
import { lookup3 } from './h5bool.js';

/** Random access to the bytes of a file or a buffer. */
interface ByteStore {
  readonly size: number;
  read(pos: number, len: number): Uint8Array;
  write(pos: number, bytes: Uint8Array): void;
}

const SIG = [0x4f, 0x48, 0x44, 0x52]; // "OHDR"
/** Bytes scanned at a time; headers that straddle a window edge are read on their own. */
const WINDOW = 1 << 24;

/**
 * Zeroes the times of one version-2 object header at `s` if it is a real one (checksum
 * verifies) and carries times; returns true when it was rewritten.
 */
function patchHeader(store: ByteStore, s: number): boolean {
  const pre = store.read(s, Math.min(4 + 2 + 16 + 4 + 8, store.size - s));
  if (pre.length < 7 || pre[4] !== 2) return false;
  const flags = pre[5];
  if (!(flags & 0x20)) return false;
  let q = 6 + 16; // times follow the flags
  if (flags & 0x10) q += 4; // maximum compact / minimum dense attribute counts
  const w = 1 << (flags & 3);
  if (q + w > pre.length) return false;
  let size = 0;
  for (let i = w - 1; i >= 0; i--) size = size * 256 + pre[q + i];
  const end = q + w + size; // relative offset of the checksum
  if (s + end + 4 > store.size) return false;
  const chunk = store.read(s, end + 4);
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
  if (lookup3(chunk.subarray(0, end)) !== dv.getUint32(end, true)) return false;
  let allZero = true;
  for (let i = 6; i < 22; i++) if (chunk[i] !== 0) allZero = false;
  if (allZero) return false;
  const out = Uint8Array.from(chunk);
  out.fill(0, 6, 22);
  new DataView(out.buffer).setUint32(end, lookup3(out.subarray(0, end)), true);
  store.write(s, out);
  return true;
}

function zeroIn(store: ByteStore): number {
  let patched = 0;
  for (let off = 0; off < store.size; off += WINDOW) {
    // 3 extra bytes so a signature that straddles the window edge is seen once, here.
    const buf = store.read(off, Math.min(WINDOW + 3, store.size - off));
    const scan = Math.min(WINDOW, buf.length);
    // indexOf finds the first signature byte natively; a JS loop over every byte made this
    // pass 4.8 s of a 1.7 GB result.h5ad (issue 16).
    for (let i = buf.indexOf(SIG[0]); i >= 0 && i < scan && i + 4 <= buf.length; i = buf.indexOf(SIG[0], i + 1)) {
      if (buf[i + 1] === SIG[1] && buf[i + 2] === SIG[2] && buf[i + 3] === SIG[3]) {
        if (patchHeader(store, off + i)) patched++;
      }
    }
  }
  return patched;
}

/**
 * Sets the object-header times of an HDF5 file image to 0, in place (see the file comment).
 *
 * @returns the number of object headers rewritten
 */
export function zeroObjectTimesIn(bytes: Uint8Array): number {
  return zeroIn({
    size: bytes.length,
    read: (pos, len) => bytes.subarray(pos, pos + len),
    write: (pos, b) => bytes.set(b, pos),
  });
}

/**
 * Sets the object-header times of the closed HDF5 file at `path` to 0, in place, so that equal
 * content gives equal bytes. Reads the file once in 16 MiB windows.
 *
 * @returns the number of object headers rewritten
 * @throws StnmfError('WRITE_FAILED') when the file cannot be read or rewritten
 */
export function zeroObjectTimes(path: string): number {
  const fs = nodeFs();
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r+');
    const f = fd;
    const size = fs.fstatSync(f).size;
    return zeroIn({
      size,
      read: (pos, len) => {
        const b = new Uint8Array(len);
        let got = 0;
        while (got < len) {
          const n = fs.readSync(f, b, got, len - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        return b.subarray(0, got);
      },
      write: (pos, b) => {
        let done = 0;
        while (done < b.length) done += fs.writeSync(f, b, done, b.length - done, pos + done);
      },
    });
  } catch (e) {
    if (e instanceof StnmfError) throw e;
    throw new StnmfError('WRITE_FAILED', `${path}: cannot clear the HDF5 object times (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
