/**
 * The disk as a {@link Vfs}, meant to become the only reader-side file with `node:fs` once the
 * readers go through `Vfs` (they do not yet). Symlinks are followed;
 * FIFOs, devices and sockets are reported as such so readers refuse them instead of blocking.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import type { FileKind, Vfs } from './vfs.js';

/** The local file system. */
export const nodeVfs: Vfs = {
  stat(path) {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A permission problem is not "missing": say it when the file is opened.
      if (code === 'EACCES') return { kind: 'file', size: 0 };
      return undefined;
    }
    const kind: FileKind = st.isFile() ? 'file' : st.isDirectory() ? 'folder' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() || st.isBlockDevice() ? 'device' : st.isSocket() ? 'socket' : 'other';
    return { kind, size: st.isFile() ? st.size : 0 };
  },
  readdir(path) {
    try {
      return readdirSync(path).sort();
    } catch {
      return [];
    }
  },
  read(path, position, length) {
    const fd = openSync(path, 'r');
    try {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  },
  nativePath: (path) => path,
};
