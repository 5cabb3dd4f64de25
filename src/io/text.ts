/**
 * Streaming text input over a {@link Vfs}: line and record iteration over plain or gzip files
 * without ever holding the file as one string (a 1 GB CSV is read in 1 MB chunks), plus
 * delimiter-aware field splitting with RFC 4180 quoting. Handles a UTF-8 byte-order mark, CRLF
 * line ends and a missing final newline. gzip goes through the web `DecompressionStream`
 * (Node 20 and browsers), so the same code reads from disk and from dropped files.
 */
import { nodeVfs } from './node-vfs.js';
import { checkpoint, StnmfError } from '../errors.js';
import { badFile } from './util.js';
import type { Vfs } from './vfs.js';

/** Bytes per read: large enough that per-call overhead is nil, small enough to stream. */
const CHUNK = 1 << 20;

/** True when the file starts with the gzip magic bytes (extension is not trusted). */
export function isGzip(path: string, files: Vfs = nodeVfs): boolean {
  try {
    requireRegularFile(path, path, files); // a FIFO would block the read below
    const b = files.read(path, 0, 2);
    return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch {
    return false;
  }
}

/**
 * Size in bytes of a regular file (symlinks followed), after refusing what would hang or
 * mislead a reader: a FIFO (open blocks until a writer appears), a device (/dev/zero never
 * ends), a socket, or a folder where a file is expected. Every file-open helper of src/io
 * (forEachLine, isGzip, readNpy, openH5) goes through here, so no caller needs its own check.
 * One `files.stat` call decides (the Vfs classifies the kind).
 * @param label  how the file is named in messages (default the path; e.g. `W0.npy (--w0)`)
 * @param files  where the file lives (default the disk, {@link nodeVfs})
 * @throws StnmfError('BAD_FILE') naming the file
 */
export function requireRegularFile(path: string, label: string = path, files: Vfs = nodeVfs): number {
  const st = files.stat(path);
  if (!st) throw badFile(label, 'file not found');
  if (st.kind === 'file') return st.size;
  if (st.kind === 'denied') throw badFile(label, 'permission denied');
  const kind = st.kind === 'folder' ? 'a folder' : st.kind === 'fifo' ? 'a FIFO (named pipe)' : st.kind === 'device' ? 'a device' : st.kind === 'socket' ? 'a socket' : 'a special file';
  throw badFile(label, `not a regular file (${kind}); expected a file`);
}

/** Size in bytes, or a BAD_FILE error for a missing or non-regular file. */
export function fileSize(path: string, files: Vfs = nodeVfs): number {
  return requireRegularFile(path, path, files);
}

/** `files.read` with the system reason (EACCES, EISDIR, …) turned into a one-line BAD_FILE. */
export function readRange(path: string, position: number, length: number, files: Vfs = nodeVfs): Uint8Array {
  try {
    return files.read(path, position, length);
  } catch (e) {
    if (e instanceof StnmfError) throw e; // an interrupted read (abortableVfs), not a file error
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw badFile(path, code === 'EACCES' ? 'permission denied' : `cannot read (${code})`);
  }
}

/** The whole content of a (small) regular file: JSON side files, `.npy` arrays. */
export function readWholeFile(path: string, files: Vfs = nodeVfs, label: string = path): Uint8Array {
  const size = requireRegularFile(path, label, files);
  const b = readRange(path, 0, size, files);
  return b.length === size ? b : b.slice();
}

/** A (small) UTF-8 text file as one string. */
export function readTextFile(path: string, files: Vfs = nodeVfs): string {
  return new TextDecoder().decode(readWholeFile(path, files));
}

/**
 * The file's bytes in chunks of up to 1 MiB, gunzipped when it starts with the gzip magic.
 * Stopping early (`return` from a `for await`) stops reading.
 */
export async function* byteChunks(path: string, files: Vfs, size: number): AsyncGenerator<Uint8Array> {
  if (!isGzip(path, files)) {
    for (let pos = 0; pos < size; ) {
      const b = readRange(path, pos, Math.min(CHUNK, size - pos), files);
      if (b.length === 0) return;
      pos += b.length;
      yield b;
      // An async generator alone resumes on microtasks, which starve the event loop: without
      // this turn a signal handler (Ctrl-C) could not run until a 2 GB table was read.
      await checkpoint(undefined, 'read');
    }
    return;
  }
  let pos = 0;
  const raw = new ReadableStream<BufferSource>(
    {
      pull(c) {
        const b = pos < size ? readRange(path, pos, Math.min(CHUNK, size - pos), files) : new Uint8Array(0);
        if (b.length === 0) c.close();
        else {
          pos += b.length;
          c.enqueue(b as Uint8Array<ArrayBuffer>);
        }
      },
    },
    { highWaterMark: 0 },
  );
  const reader = (raw.pipeThrough(new DecompressionStream('gzip')) as ReadableStream<Uint8Array>).getReader();
  let done = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (e instanceof StnmfError) throw e; // a read error of the file itself
        throw badFile(path, `corrupt or truncated gzip data (${e instanceof Error ? e.message : String(e)})`);
      }
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
      await checkpoint(undefined, 'read');
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * Calls `onLine(line, lineNo)` for each line (1-based numbers, line ends stripped). Return
 * `false` from the callback to stop reading early. Empty files raise BAD_FILE.
 * @param files  where the file lives (default the disk)
 */
export async function forEachLine(path: string, onLine: (line: string, lineNo: number) => void | boolean, files: Vfs = nodeVfs): Promise<number> {
  const size = fileSize(path, files);
  if (size === 0) throw badFile(path, 'file is empty (0 bytes)');
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let rest = '';
  let lineNo = 0;
  let stopped = false;
  const emit = (line: string): boolean => {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    return onLine(line, lineNo) !== false;
  };
  for await (const chunk of byteChunks(path, files, size)) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (!emit(text.slice(start, nl))) {
        stopped = true;
        break;
      }
      start = nl + 1;
    }
    if (stopped) break;
    rest = text.slice(start);
  }
  if (!stopped) {
    rest += decoder.decode();
    if (rest.length > 0) emit(rest);
  }
  if (lineNo === 0) throw badFile(path, 'file is empty');
  return lineNo;
}

/** Separator of a delimited text file. */
export type Delimiter = ',' | '\t' | ';' | ' ' | 'whitespace';

/** Picks the delimiter from a header or first line: tab, then comma, then semicolon, then spaces. */
export function sniffDelimiter(line: string): Delimiter {
  if (line.includes('\t')) return '\t';
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  return 'whitespace';
}

/**
 * Splits one record into fields. Double-quoted fields may hold the delimiter and `""` escapes;
 * quotes are removed. With `whitespace`, runs of blanks separate fields.
 */
export function splitFields(line: string, delim: Delimiter): string[] {
  if (delim === 'whitespace') {
    const t = line.trim();
    return t === '' ? [''] : t.split(/\s+/);
  }
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const qpos = line.indexOf('"', i);
        if (qpos < 0) {
          s += line.slice(i);
          i = n;
          break;
        }
        s += line.slice(i, qpos);
        if (line[qpos + 1] === '"') {
          s += '"';
          i = qpos + 2;
        } else {
          i = qpos + 1;
          break;
        }
      }
      // Anything between the closing quote and the delimiter is kept (lenient).
      const d = line.indexOf(delim, i);
      if (d < 0) {
        out.push(s + line.slice(i));
        return out;
      }
      out.push(s + line.slice(i, d));
      i = d + 1;
    } else {
      const d = line.indexOf(delim, i);
      if (d < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + 1;
    }
  }
}

/** True when `line` ends inside an open double-quoted field (a record continues on the next line). */
function openQuote(line: string): boolean {
  let count = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) count++;
  return count % 2 === 1;
}

/**
 * Calls `onRecord(fields, recordNo, lineNo)` for each record of a delimited file, joining lines
 * of quoted fields that contain newlines. Blank lines and lines starting with `comment` (when
 * given) are skipped. The delimiter is sniffed from the first record unless given.
 */
export async function forEachRecord(
  path: string,
  onRecord: (fields: string[], recordNo: number, lineNo: number) => void | boolean,
  opts: { delimiter?: Delimiter; comment?: string; files?: Vfs } = {},
): Promise<{ delimiter: Delimiter; records: number }> {
  let delim = opts.delimiter;
  let pending = '';
  let records = 0;
  await forEachLine(path, (line, lineNo) => {
    if (pending === '') {
      if (line === '' || (opts.comment !== undefined && line.startsWith(opts.comment))) return true;
    }
    const text = pending === '' ? line : pending + '\n' + line;
    if (text.includes('"') && openQuote(text)) {
      pending = text;
      return true;
    }
    pending = '';
    delim ??= sniffDelimiter(text);
    records++;
    return onRecord(splitFields(text, delim), records, lineNo);
  }, opts.files);
  if (pending !== '') {
    records++;
    onRecord(splitFields(pending, delim ?? ','), records, -1);
  }
  return { delimiter: delim ?? ',', records };
}

/** Reads a whole (small) delimited file: header row + records. */
export async function readSmallTable(
  path: string,
  opts: { delimiter?: Delimiter; header?: boolean; comment?: string; files?: Vfs } = {},
): Promise<{ header: string[] | undefined; rows: string[][] }> {
  const rows: string[][] = [];
  let header: string[] | undefined;
  await forEachRecord(
    path,
    (f, n) => {
      if (n === 1 && opts.header !== false) header = f;
      else rows.push(f);
    },
    opts,
  );
  return { header, rows };
}

/**
 * Decimal notation (optional sign, fraction, exponent, surrounding blanks). `Number()` alone also
 * reads `0x1F` as 31, `0b1`, `0o7` and blank strings as 0: none of those is a number in a table.
 */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Parses a decimal number field; empty, `NA`, hexadecimal and other non-numbers give NaN.
 * `Infinity`/`-Infinity` and overflowing decimals (`1e999`) give ±Infinity, which the boundary
 * check (validate.ts) then reports with the file and position.
 */
export function num(s: string): number {
  if (s === '0') return 0;
  if (DECIMAL.test(s)) return Number(s);
  const t = s.trim();
  if (t === 'Infinity' || t === '+Infinity' || t === 'inf' || t === 'Inf') return Infinity;
  if (t === '-Infinity' || t === '-inf' || t === '-Inf') return -Infinity;
  return NaN;
}

/** True when the field reads as a finite decimal number. */
export function isNumeric(s: string): boolean {
  return DECIMAL.test(s) && Number.isFinite(Number(s));
}

/** Strips one layer of surrounding single or double quotes (`'Tal1'` in seqFISH tables). */
export function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === "'" && t[t.length - 1] === "'") || (t[0] === '"' && t[t.length - 1] === '"'))) {
    return t.slice(1, -1);
  }
  return t;
}
