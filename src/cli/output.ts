/**
 * The output folder of a computing command. Files are written into a hidden staging folder
 * inside `--out` and moved into place only when the whole run succeeded, so a failed run never
 * leaves half-written results (architecture.md §4, "Errors").
 *
 * Also the one place that (a) refuses output paths on pseudo file systems (/proc, /sys, ...),
 * where Node's recursive mkdir can spin forever, (b) removes staging folders left by runs that
 * were killed (SIGKILL, power loss) once their process is gone, and (c) knows every open staging
 * folder so that a signal handler can remove them synchronously before the process exits.
 */
import { existsSync, readdirSync, rmdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StnmfError } from '../errors.js';

/** Staging folder names: `.stnmf-partial-<pid>-<ms since epoch>`. */
const STAGING_RE = /^\.stnmf-partial-(\d+)-(\d+)$/;

/**
 * statfs magic numbers of kernel pseudo file systems (linux/magic.h). Writing results there is
 * never meant: procfs makes recursive mkdir loop at 100 % CPU, sysfs and friends refuse or
 * misbehave. tmpfs (/tmp, /dev/shm) is a real file system and stays allowed.
 */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x6165676c: 'pstore',
  0x1cd1: 'devpts',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
  0x65735543: 'fusectl',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
  0xf97cff8c: 'selinuxfs',
  0x6e736673: 'nsfs',
};

/** Open (not yet committed or aborted) outputs of this process, for {@link abortAllOutputsSync}. */
const open = new Set<RunOutput>();
/** Every output opened by this process (error messages may name a staging path after abort). */
const every: RunOutput[] = [];

/** The nearest existing ancestor of `abs` (itself when it exists). */
function existingAncestor(abs: string): string {
  let p = abs;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/**
 * Throws WRITE_FAILED when `dir` (or the folder it would be created in) lies on a kernel pseudo
 * file system or is an existing non-folder. One statfs call on the nearest existing ancestor.
 * @param flag  the option the path came from, for the message (default `--out`)
 */
export function checkOutputFolder(dir: string, flag = '--out'): void {
  const abs = resolve(dir);
  const anc = existingAncestor(abs);
  let fsType: number | undefined;
  try {
    fsType = statfsSync(anc).type;
  } catch {
    fsType = undefined; // statfs unsupported (non-Linux): the prefix check below still applies
  }
  const name = fsType !== undefined ? PSEUDO_FS[fsType] : undefined;
  const pseudoPrefix = /^\/(proc|sys)(\/|$)/.test(abs) || (/^\/dev(\/|$)/.test(abs) && !/^\/dev\/shm(\/|$)/.test(abs));
  if (name || pseudoPrefix) {
    throw new StnmfError('WRITE_FAILED', `${flag} ${dir}: on the ${name ?? 'device/kernel'} pseudo file system; choose a folder on a disk`);
  }
  if (anc === abs) {
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new StnmfError('WRITE_FAILED', `${flag} ${dir}: exists and is not a folder`);
  }
}

/** True when process `pid` no longer exists (signal 0 probes without delivering anything). */
function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes `.stnmf-partial-<pid>-<ts>` folders in `abs` whose process is dead (a run killed by
 * SIGKILL or a crash never got to clean up). Folders of live processes (a concurrent run into the
 * same --out) are left alone. Returns the names removed.
 */
export function removeStaleStaging(abs: string): string[] {
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = STAGING_RE.exec(n);
    if (!m || !processGone(Number(m[1]))) continue;
    try {
      rmSync(join(abs, n), { recursive: true, force: true });
      removed.push(n);
    } catch {
      /* not ours to fight over: permissions; the next run retries */
    }
  }
  return removed;
}

/** Errno codes that mean "cannot write here", with the words a user needs. */
const WRITE_ERRNO: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EIO: 'input/output error',
  EFBIG: 'the file is too large for this file system',
};

/** The plain-words reason of a write errno (ENOSPC → "the disk is full"), or undefined. */
export function writeErrnoReason(code: string | undefined): string | undefined {
  return code ? WRITE_ERRNO[code] : undefined;
}

/** A staged output folder; call `commit()` at the end of a successful run. */
export class RunOutput {
  /** The final folder. */
  readonly dir: string;
  /** The folder as the user gave it (for messages). */
  readonly given: string;
  /** Where files are written until `commit()`. */
  readonly staging: string;
  /** The highest folder this run created (removed again when the run fails), if any. */
  private readonly created: string | undefined;
  private committed = false;
  private aborted = false;

  private constructor(dir: string, given: string, staging: string, created: string | undefined) {
    this.dir = dir;
    this.given = given;
    this.staging = staging;
    this.created = created;
  }

  /**
   * Creates `dir` (and parents) and a fresh staging folder inside it, after refusing pseudo file
   * systems and removing staging folders of dead runs.
   */
  static async open(dir: string): Promise<RunOutput> {
    checkOutputFolder(dir);
    const abs = resolve(dir);
    const anc = existingAncestor(abs);
    removeStaleStaging(abs);
    const staging = join(abs, `.stnmf-partial-${process.pid}-${Date.now()}`);
    let created: string | undefined;
    try {
      await mkdir(staging, { recursive: true });
      if (anc !== abs) {
        // The first folder below the existing ancestor is the one this run made.
        let c = abs;
        while (dirname(c) !== anc) c = dirname(c);
        created = c;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new StnmfError('WRITE_FAILED', `--out ${dir}: cannot create the output folder (${writeErrnoReason(code) ?? (e as Error).message})`);
    }
    const out = new RunOutput(abs, dir, staging, created);
    open.add(out);
    every.push(out);
    return out;
  }

  /** The staging path of output file `name`; pass it to any writer (writeNpy, writeH5ad...). */
  path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`output name must be a plain file name: ${name}`);
    return join(this.staging, name);
  }

  private fail(name: string, e: unknown): never {
    if (e instanceof StnmfError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new StnmfError('WRITE_FAILED', `--out ${this.given}: cannot write ${name} (${writeErrnoReason(code) ?? (e as Error).message})`);
  }

  /** Writes a JSON document (2-space indented, trailing newline). */
  async writeJson(name: string, value: unknown): Promise<void> {
    try {
      await writeFile(this.path(name), JSON.stringify(value, jsonReplacer, 2) + '\n');
    } catch (e) {
      this.fail(name, e);
    }
  }

  /** Writes a text file. */
  async writeText(name: string, text: string): Promise<void> {
    try {
      await writeFile(this.path(name), text);
    } catch (e) {
      this.fail(name, e);
    }
  }

  /** Writes raw bytes. */
  async writeBytes(name: string, bytes: Uint8Array): Promise<void> {
    try {
      await writeFile(this.path(name), bytes);
    } catch (e) {
      this.fail(name, e);
    }
  }

  /** Moves every staged file into the output folder (replacing older results) and removes the staging folder. */
  async commit(): Promise<void> {
    try {
      const names = await readdir(this.staging);
      for (const n of names) await rename(join(this.staging, n), join(this.dir, n));
      await rm(this.staging, { recursive: true, force: true });
    } catch (e) {
      this.fail('the results', e);
    }
    this.committed = true;
    open.delete(this);
  }

  /**
   * Removes the staging folder without touching earlier results, and the output folder itself
   * when this run created it and it is empty. Safe to call twice.
   */
  async abort(): Promise<void> {
    this.abortSync();
  }

  /** Synchronous {@link abort}, usable from a signal handler right before `process.exit`. */
  abortSync(): void {
    open.delete(this);
    if (this.committed || this.aborted) return;
    this.aborted = true;
    try {
      rmSync(this.staging, { recursive: true, force: true });
    } catch {
      /* best effort: a later run removes it (removeStaleStaging) */
    }
    if (!this.created) return;
    // Remove the folders this run made, innermost first, only while they are empty.
    for (let c = this.dir; ; c = dirname(c)) {
      try {
        if (readdirSync(c).length > 0) break;
        rmdirSync(c);
      } catch {
        break;
      }
      if (c === this.created) break;
    }
  }

  /** Rewrites staging paths in `message` to the output folder the user gave. */
  static userPaths(message: string): string {
    let m = message;
    for (const o of every) m = m.split(o.staging).join(o.given.replace(/\/+$/, ''));
    return m;
  }
}

/** Aborts every open output synchronously (signal handlers, fatal exits). */
export function abortAllOutputsSync(): void {
  for (const o of [...open]) o.abortSync();
}

/** JSON replacer that writes typed arrays as plain arrays and non-finite numbers as null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
