/**
 * The disk as a {@link Vfs}: the only reader-side file that touches the disk. Symlinks are
 * followed; FIFOs, devices and sockets are reported as such so readers refuse them instead of
 * blocking; a permission error is reported as `denied`, not as a missing file.
 *
 * `node:fs` is fetched at call time (node-builtins.ts), so importing this module, which every
 * reader does for its default, costs a browser bundle nothing; there, using it throws.
 */
import { nodeFs } from './node-builtins.js';
import type { FileKind, Vfs } from './vfs.js';

/** The local file system (the default `files` of every reader). */
export const nodeVfs: Vfs = {
  stat(path) {
    let st;
    try {
      st = nodeFs().statSync(path);
    } catch (e) {
      // A permission problem is not "missing": the caller says "permission denied".
      return (e as NodeJS.ErrnoException).code === 'EACCES' ? { kind: 'denied', size: 0 } : undefined;
    }
    const kind: FileKind = st.isFile() ? 'file' : st.isDirectory() ? 'folder' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() || st.isBlockDevice() ? 'device' : st.isSocket() ? 'socket' : 'other';
    return { kind, size: st.isFile() ? st.size : 0 };
  },
  readdir(path) {
    try {
      return nodeFs().readdirSync(path).sort();
    } catch {
      return [];
    }
  },
  read(path, position, length) {
    const fs = nodeFs();
    const fd = fs.openSync(path, 'r');
    try {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  },
  nativePath: (path) => path,
};
