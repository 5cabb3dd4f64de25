/**
 * The file access every reader goes through: a small synchronous file system over paths
 * (`stat`, `readdir`, `read` of a byte range). On Node it is the disk (`nodeVfs` in
 * `./node-vfs.ts`, the one reader-side file that touches the disk); in a browser worker it is
 * the `File` objects of a drop or a directory picker (`blobVfs`, read with `FileReaderSync`,
 * which browsers offer in workers only); in tests and in memory it is a map of byte arrays
 * (`memoryVfs`). Every reader takes it as `ReaderOptions.files` (default `nodeVfs`) and never
 * touches `node:fs` itself, as hyparquet reads an `AsyncBuffer` everywhere and keeps Node file
 * access in one place.
 *
 * Paths are `/`-separated. A folder exists when some file lies under it.
 */
import { StnmfError, throwIfAborted } from '../errors.js';

/**
 * What a path is. `fifo`/`device`/`socket`/`other` exist only on a real disk; `denied` means
 * the path could not be examined for lack of permission (not that it is missing).
 */
export type FileKind = 'file' | 'folder' | 'fifo' | 'device' | 'socket' | 'other' | 'denied';

/** {@link Vfs.stat}'s answer. `size` is in bytes (0 for folders). */
export interface FileStat {
  kind: FileKind;
  size: number;
}

/** A read-only synchronous file system. */
export interface Vfs {
  /** What the path is, or `undefined` when nothing is there (or it cannot be examined). */
  stat(path: string): FileStat | undefined;
  /** Names (not paths) of the entries of a folder, sorted; [] for a missing folder. */
  readdir(path: string): string[];
  /**
   * Up to `length` bytes from byte `position` of a regular file (fewer at its end). Throws a
   * plain `Error` with a system reason (e.g. `EACCES`) that callers turn into a BAD_FILE error.
   */
  read(path: string, position: number, length: number): Uint8Array;
  /**
   * The path a native reader (h5wasm's Node build) can open directly, when there is one; in a
   * browser `undefined`, and the HDF5 layer copies the bytes into its own file system instead.
   */
  nativePath?(path: string): string | undefined;
}

/**
 * `files` that stops reading once `signal` has fired: every `stat`, `readdir` and `read` then
 * throws `StnmfError('ABORTED')`. Readers read in chunks of at most 1 MB and let the event loop
 * run between them, so an interrupted read of a 2 GB table ends within one chunk rather than
 * after the last byte, without every reader taking the signal itself.
 */
export function abortableVfs(files: Vfs, signal: AbortSignal | undefined, what = 'read'): Vfs {
  if (!signal) return files;
  const check = (): void => throwIfAborted(signal, what);
  return {
    stat: (path) => (check(), files.stat(path)),
    readdir: (path) => (check(), files.readdir(path)),
    read: (path, position, length) => (check(), files.read(path, position, length)),
    ...(files.nativePath ? { nativePath: (path: string) => files.nativePath!(path) } : {}),
  };
}

/** Joins path parts with `/`, dropping empty parts and a trailing slash (not `..` aware). */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/').replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** The last part of a `/`-separated path. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** A file system over in-memory bytes; keys are paths such as `outs/cells.csv.gz`. */
export function memoryVfs(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): Vfs {
  // Keys are normalised once, so `a//b.csv` and `a/b.csv` name the same file in stat and read.
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  const map = new Map(entries.map(([p, b]) => [normalize(p), b]));
  return treeVfs(new Map([...map].map(([p, b]) => [p, b.length])), (path, position, length) => {
    const bytes = map.get(path)!;
    return bytes.subarray(position, Math.min(position + length, bytes.length));
  });
}

/** One file of a browser drop or picker: its path inside the dropped tree and the `File`/`Blob`. */
export interface BlobEntry {
  path: string;
  blob: Blob;
}

/**
 * A file system over browser `Blob`s (a `File` is one). Reads are synchronous through
 * `FileReaderSync`, which exists only inside a Web Worker, so the readers run in a worker and
 * the page stays responsive. Only the bytes asked for are read: a 2 GB transcripts table costs
 * nothing until a reader touches it.
 */
export function blobVfs(entries: readonly BlobEntry[]): Vfs {
  const byPath = new Map(entries.map((e) => [normalize(e.path), e.blob]));
  const Reader = (globalThis as { FileReaderSync?: new () => { readAsArrayBuffer(b: Blob): ArrayBuffer } }).FileReaderSync;
  return treeVfs(new Map([...byPath].map(([p, b]) => [p, b.size])), (path, position, length) => {
    if (!Reader) throw new StnmfError('BAD_OPTION', 'blobVfs: FileReaderSync is not available here (browser files are read inside a Web Worker)');
    const blob = byPath.get(path)!;
    return new Uint8Array(new Reader().readAsArrayBuffer(blob.slice(position, Math.min(position + length, blob.size))));
  });
}

/** `a//b/` → `a/b`, `/a` → `a`: one spelling per path, applied to keys and queries alike. */
function normalize(path: string): string {
  return joinPath(...path.split('/'));
}

/**
 * The folder structure implied by a flat list of file paths, with `read` over it. Paths are
 * normalised by {@link normalize} (no leading, doubled or trailing `/`), so the root is `''`.
 */
function treeVfs(sizes: Map<string, number>, readFile: (path: string, position: number, length: number) => Uint8Array): Vfs {
  const children = new Map<string, Set<string>>();
  for (const p of sizes.keys()) {
    const parts = p.split('/');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!children.has(parent)) children.set(parent, new Set());
      if (parts[i] !== '') children.get(parent)!.add(parts[i]);
    }
  }
  return {
    stat(path) {
      const p = normalize(path);
      const size = sizes.get(p);
      if (size !== undefined) return { kind: 'file', size };
      return children.has(p) || p === '' || p === '.' ? { kind: 'folder', size: 0 } : undefined;
    },
    readdir(path) {
      const p = normalize(path);
      return [...(children.get(p === '.' ? '' : p) ?? [])].sort();
    },
    read(path, position, length) {
      const p = normalize(path);
      if (!sizes.has(p)) throw new Error(children.has(p) ? 'EISDIR' : 'ENOENT');
      return readFile(p, position, length);
    },
  };
}

/** Options of every reader: where its files live. */
export interface FileSource {
  /**
   * The file system the paths are read from. Default: the disk (`nodeVfs`, Node only); in a
   * browser worker `blobVfs` over dropped `File`s, in tests `memoryVfs`.
   */
  files?: Vfs;
}

/** True when something (file, folder, …) is at `path`. */
export function exists(files: Vfs, path: string): boolean {
  return files.stat(path) !== undefined;
}

/** True when `path` is a folder. */
export function isFolder(files: Vfs, path: string): boolean {
  return files.stat(path)?.kind === 'folder';
}
