/**
 * Parquet tables (Xenium `cells.parquet`, Visium HD `tissue_positions.parquet`). Parsing uses
 * the pure-JS dependencies `hyparquet` and `hyparquet-compressors` (zstd/gzip/brotli/lz4),
 * loaded on first use. The file is read through a {@link Vfs} as hyparquet's `AsyncBuffer`
 * (byte ranges on demand), so the same code reads from disk and from a dropped `File`.
 */
import type { Column } from '../dataset.js';
import { columnFromStrings } from './csv.js';
import { nodeVfs } from './node-vfs.js';
import { readRange, requireRegularFile } from './text.js';
import { badFile } from './util.js';
import type { Vfs } from './vfs.js';

/** Column-wise contents of a parquet file: name -> values (numbers, strings, bigints...). */
export type ParquetColumns = Map<string, unknown[]>;

/**
 * hyparquet's `AsyncBuffer` over a Vfs file: `slice(start, end)` reads that byte range (each
 * call a fresh `ArrayBuffer`, which hyparquet may keep).
 */
export function vfsAsyncBuffer(path: string, files: Vfs = nodeVfs): {
  byteLength: number;
  /** The bytes `[start, end)` of the file (end defaults to its length). */
  slice(start: number, end?: number): ArrayBuffer;
} {
  const byteLength = requireRegularFile(path, path, files);
  return {
    byteLength,
    slice(start, end = byteLength) {
      const b = readRange(path, start, Math.max(0, end - start), files);
      return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b.buffer : (b.slice().buffer as ArrayBuffer);
    },
  };
}

/**
 * Reads every column of a parquet file.
 * @param files  where the file lives (default the disk)
 */
export async function readParquetColumns(path: string, files: Vfs = nodeVfs): Promise<ParquetColumns> {
  // Loaded on first use (dependencies of the package): the CLI's start-up stays light.
  const { parquetMetadataAsync, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  type Chunk = { columnName: string; columnData: ArrayLike<unknown>; rowStart: number };
  // Column chunks (not row objects): a multi-million-row positions table then costs its values,
  // not one JS object per row.
  const chunks = new Map<string, Chunk[]>();
  let names: string[];
  let nRows: number;
  try {
    const file = vfsAsyncBuffer(path, files);
    const md = await parquetMetadataAsync(file);
    names = md.schema.slice(1).filter((e) => !e.num_children).map((e) => e.name);
    nRows = Number(md.num_rows);
    await parquetRead({
      file,
      metadata: md,
      compressors,
      onChunk: (c: Chunk) => {
        let list = chunks.get(c.columnName);
        if (!list) chunks.set(c.columnName, (list = []));
        list.push(c);
      },
    });
  } catch (e) {
    throw badFile(path, `cannot read parquet (${e instanceof Error ? e.message : String(e)})`);
  }
  const out: ParquetColumns = new Map();
  for (const name of names) {
    const list = (chunks.get(name) ?? []).sort((x, y) => x.rowStart - y.rowStart);
    const values = new Array<unknown>(nRows);
    for (const c of list) for (let i = 0; i < c.columnData.length; i++) values[c.rowStart + i] = c.columnData[i];
    out.set(name, values);
  }
  return out;
}

/** A parquet value column as a Dataset column (bytes decoded as UTF-8, bigints as numbers). */
export function parquetColumn(values: unknown[]): Column {
  const dec = new TextDecoder();
  const text = values.map((v) => (v instanceof Uint8Array ? dec.decode(v) : v === null || v === undefined ? '' : typeof v === 'bigint' ? v.toString() : String(v)));
  if (values.every((v) => typeof v === 'number' || typeof v === 'bigint' || v === null)) {
    return { kind: 'number', values: Float64Array.from(values, (v) => (v === null ? NaN : Number(v))) };
  }
  if (values.every((v) => typeof v === 'boolean')) return { kind: 'bool', values: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  return columnFromStrings(text);
}
