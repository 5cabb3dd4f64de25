/**
 * Atomic file output (formats.md §4.1: "write outputs atomically"). Every writer in src/io
 * writes to a hidden temporary name in the destination folder and renames it over the target
 * only once the content is complete, so a crash or an error never leaves a half-written file
 * under the real name. Rename is atomic because source and target share a folder (one file
 * system).
 */
// node:fs through node-builtins.ts (fetched when a writer runs), so that modules holding both a
// reader and a writer (csv.ts, npy.ts, h5ad.ts) can be bundled for a browser, where only the
// readers and the in-memory encoders are used.
import { nodeCrypto, nodeFs } from './node-builtins.js';
import { basename, dirname, join } from './paths.js';
import { StnmfError } from '../errors.js';

/** Options shared by the writers. */
export interface WriteOptions {
  /** Replace an existing file (default true; the CLI passes false unless `--force`). */
  overwrite?: boolean;
}

/** A temporary sibling of `target`: same folder, hidden, unique per call. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`);
}

function checkTarget(target: string, opts: WriteOptions): void {
  if (opts.overwrite === false && nodeFs().existsSync(target)) {
    throw new StnmfError('WRITE_FAILED', `${target}: file exists (use --force to overwrite)`);
  }
  if (!nodeFs().existsSync(dirname(target))) {
    throw new StnmfError('WRITE_FAILED', `${target}: folder ${dirname(target)} does not exist`);
  }
}

function reason(e: unknown): string {
  if (e instanceof StnmfError) return e.message;
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/**
 * Runs `write(tmpPath)` and renames the temporary file onto `target` when it resolves. On any
 * error the temporary file is removed and the target is left untouched. For writers that need a
 * path (h5wasm) rather than bytes.
 */
export async function withAtomicPath<T>(
  target: string,
  write: (tmpPath: string) => T | Promise<T>,
  opts: WriteOptions = {},
): Promise<T> {
  checkTarget(target, opts);
  const tmp = tempPathFor(target);
  try {
    const r = await write(tmp);
    nodeFs().renameSync(tmp, target);
    return r;
  } catch (e) {
    nodeFs().rmSync(tmp, { force: true });
    if (e instanceof StnmfError) throw e;
    throw new StnmfError('WRITE_FAILED', `${target}: write failed (${reason(e)})`);
  }
}

/** Writes bytes or text to `target` atomically (temp file, fsync, rename). */
export function writeFileAtomic(target: string, content: Uint8Array | string | Uint8Array[], opts: WriteOptions = {}): void {
  const w = openAtomic(target, opts);
  try {
    if (Array.isArray(content)) for (const c of content) w.write(c);
    else w.write(content);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** An open atomic output: append with `write`, finish with `commit` or `abort`. */
export interface AtomicWriter {
  /** The final path. */
  readonly target: string;
  write(chunk: Uint8Array | string): void;
  /** Flushes, closes and renames the temporary file onto the target. */
  commit(): void;
  /** Closes and deletes the temporary file; the target is untouched. Safe to call twice. */
  abort(): void;
}

/**
 * Opens a streaming atomic writer (used for CSV and other row-by-row outputs). Small writes are
 * buffered into 1 MB blocks so that a table of many short lines does not cost a syscall per line.
 */
export function openAtomic(target: string, opts: WriteOptions = {}): AtomicWriter {
  checkTarget(target, opts);
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = nodeFs().openSync(tmp, 'w');
  } catch (e) {
    throw new StnmfError('WRITE_FAILED', `${target}: cannot create a file in ${dirname(target)} (${reason(e)})`);
  }
  const BLOCK = 1 << 20;
  let buf = Buffer.allocUnsafe(BLOCK);
  let used = 0;
  let done = false;
  const flush = () => {
    let off = 0;
    while (off < used) off += nodeFs().writeSync(fd!, buf, off, used - off);
    used = 0;
  };
  const fail = (e: unknown): never => {
    abort();
    throw new StnmfError('WRITE_FAILED', `${target}: write failed (${reason(e)})`);
  };
  const abort = () => {
    if (done) return;
    done = true;
    try {
      if (fd !== undefined) nodeFs().closeSync(fd);
    } catch {
      /* already closed */
    }
    nodeFs().rmSync(tmp, { force: true });
  };
  return {
    target,
    write(chunk) {
      if (done) throw new StnmfError('WRITE_FAILED', `${target}: write after commit/abort`);
      try {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (bytes.length >= BLOCK) {
          flush();
          let off = 0;
          while (off < bytes.length) off += nodeFs().writeSync(fd!, bytes, off, bytes.length - off);
          return;
        }
        if (used + bytes.length > BLOCK) flush();
        buf.set(bytes, used);
        used += bytes.length;
      } catch (e) {
        fail(e);
      }
    },
    commit() {
      if (done) throw new StnmfError('WRITE_FAILED', `${target}: commit after commit/abort`);
      try {
        flush();
        nodeFs().fsyncSync(fd!);
        nodeFs().closeSync(fd!);
        fd = undefined;
        nodeFs().renameSync(tmp, target);
        done = true;
        buf = Buffer.alloc(0);
      } catch (e) {
        fail(e);
      }
    },
    abort,
  };
}
