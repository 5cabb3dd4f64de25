/**
 * The output folder of a computing command. Files are written into a hidden staging folder
 * inside `--out` and moved into place only when the whole run succeeded, so a failed run never
 * leaves half-written results (architecture.md §4, "Errors").
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StnmfError } from '../errors.js';

/** A staged output folder; call `commit()` at the end of a successful run. */
export class RunOutput {
  /** The final folder. */
  readonly dir: string;
  /** Where files are written until `commit()`. */
  readonly staging: string;
  private committed = false;

  private constructor(dir: string, staging: string) {
    this.dir = dir;
    this.staging = staging;
  }

  /** Creates `dir` (and parents) and a fresh staging folder inside it. */
  static async open(dir: string): Promise<RunOutput> {
    const abs = resolve(dir);
    const staging = join(abs, `.stnmf-partial-${process.pid}-${Date.now()}`);
    try {
      await mkdir(staging, { recursive: true });
    } catch (e) {
      throw new StnmfError('WRITE_FAILED', `--out ${dir}: cannot create the output folder (${(e as Error).message})`);
    }
    return new RunOutput(abs, staging);
  }

  /** The staging path of output file `name`; pass it to any writer (writeNpy, writeH5ad...). */
  path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`output name must be a plain file name: ${name}`);
    return join(this.staging, name);
  }

  /** Writes a JSON document (2-space indented, trailing newline). */
  async writeJson(name: string, value: unknown): Promise<void> {
    await writeFile(this.path(name), JSON.stringify(value, jsonReplacer, 2) + '\n');
  }

  /** Writes a text file. */
  async writeText(name: string, text: string): Promise<void> {
    await writeFile(this.path(name), text);
  }

  /** Writes raw bytes. */
  async writeBytes(name: string, bytes: Uint8Array): Promise<void> {
    await writeFile(this.path(name), bytes);
  }

  /** Moves every staged file into the output folder (replacing older results) and removes the staging folder. */
  async commit(): Promise<void> {
    const names = await readdir(this.staging);
    for (const n of names) await rename(join(this.staging, n), join(this.dir, n));
    await rm(this.staging, { recursive: true, force: true });
    this.committed = true;
  }

  /** Removes the staging folder without touching earlier results. Safe to call twice. */
  async abort(): Promise<void> {
    if (!this.committed) await rm(this.staging, { recursive: true, force: true });
  }
}

/** JSON replacer that writes typed arrays as plain arrays and non-finite numbers as null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
