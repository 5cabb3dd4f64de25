/**
 * The output folder of a computing command. Files are written into a hidden staging folder
 * beside `--out` and the whole folder is renamed into place only when the run succeeded, so a
 * failed run never leaves half-written results (architecture.md §4, "Errors") and a folder never
 * mixes two runs (issue 13, point 9): a non-empty `--out` is refused unless `--force`, which
 * swaps the old folder out only once the new one is complete.
 *
 * Also the one place that (a) refuses output paths on pseudo file systems (/proc, /sys, ...),
 * where Node's recursive mkdir can spin forever, (b) removes staging folders left by runs that
 * were killed (SIGKILL, power loss) once their process is gone, and (c) knows every open staging
 * folder so that a signal handler can remove them synchronously before the process exits.
 */
import { existsSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StnmfError } from '../errors.js';
import type { FlagSpec } from './args.js';

/** Staging folder names inside an output folder: `.stnmf-partial-<pid>-<ms since epoch>`. */
const STAGING_RE = /^\.stnmf-partial-(\d+)-(\d+)$/;

/** Escapes a file name for use in a RegExp. */
function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Names of the folders staged beside an output folder `base`: `.<base>.stnmf-partial-<pid>-<ms>`
 * (the new results) and `.<base>.stnmf-old-<pid>-<ms>` (the replaced folder, for the instant
 * between the two renames of a `--force` run).
 */
function siblingRe(base: string): RegExp {
  return new RegExp(`^\\.${reEscape(base)}\\.stnmf-(partial|old)-(\\d+)-(\\d+)$`);
}

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

/**
 * Creates `dir` and its missing parents one level at a time: Node's recursive mkdir reports a
 * read-only or denied parent as ENOENT, which would hide the reason from the message.
 */
async function mkdirChain(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = dir; !existsSync(p); p = dirname(p)) {
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
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

/**
 * Cleans up after a killed run beside output folder `abs`: staged new results of a dead process
 * are removed; a replaced folder it had moved aside (`--force`, killed between the two renames)
 * is put back when `abs` is missing, else removed (it was being replaced on purpose).
 */
export function removeStaleSiblings(abs: string): void {
  const parent = dirname(abs);
  const re = siblingRe(basename(abs));
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = re.exec(n);
    if (!m || !processGone(Number(m[2]))) continue;
    try {
      if (m[1] === 'old' && !existsSync(abs)) renameSync(join(parent, n), abs);
      else rmSync(join(parent, n), { recursive: true, force: true });
    } catch {
      /* permissions: the next run retries */
    }
  }
}

/** The entries of folder `abs` that are content (not staging folders of stnmf runs); [] when it does not exist. */
export function folderContent(abs: string): string[] {
  try {
    return readdirSync(abs).filter((n) => !STAGING_RE.test(n));
  } catch {
    return [];
  }
}

/** How a run treats what is already in its output folder. */
export interface OutputMode {
  /** Replace a non-empty folder (the `--force` flag); default false: a non-empty folder is refused. */
  force?: boolean;
  /**
   * Add files to the folder and keep what is there (`stnmf report` writing report.html into a
   * result folder, `stnmf consensus` whose workers share one folder); default false.
   */
  merge?: boolean;
  /** The flag the path came from, for messages (default `--out`). */
  flag?: string;
}

/**
 * Refuses an output folder the run may not write: a pseudo file system, an existing non-folder,
 * and (unless `force` or `merge`) a folder that already holds files, with the one-line message
 * naming the flag and what to do. With `force`, refuses the current folder or one containing
 * it (replacing it would pull the ground from under the shell). Cheap: the CLI calls it before
 * any input is read, and {@link RunOutput.open} again.
 */
export function checkRunFolder(dir: string, mode: OutputMode = {}): void {
  const flag = mode.flag ?? '--out';
  checkOutputFolder(dir, flag);
  if (mode.merge) return;
  const abs = resolve(dir);
  const content = folderContent(abs);
  if (content.length === 0) return;
  if (!mode.force) {
    const shown = content.slice(0, 3).join(', ') + (content.length > 3 ? ', …' : '');
    throw new StnmfError('WRITE_FAILED', `${flag} ${dir}: the folder is not empty (${content.length} entries: ${shown}); pass --force to replace its contents, or choose an empty or new folder`);
  }
  const real = realpathSync(abs);
  const cwd = process.cwd();
  if (cwd === real || cwd.startsWith(real.endsWith(sep) ? real : real + sep)) {
    throw new StnmfError('WRITE_FAILED', `${flag} ${dir}: is the current folder or contains it; --force would replace it; choose another folder`);
  }
}

/**
 * The `--out`/`--force` pair of a command that writes a run folder (issue 13, point 9): a
 * non-empty `--out` is refused unless `--force`, and `--force` replaces the folder whole.
 */
export function runFolderFlags(help = 'output folder'): Record<string, FlagSpec> {
  return {
    out: { type: 'string', short: 'o', required: true, output: 'folder', help: `${help} (new or empty, unless --force)` },
    force: { type: 'boolean', help: 'replace a non-empty --out folder: its old contents are removed once the new results are complete' },
  };
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
  /**
   * `sibling`: staging is a folder beside `dir`, renamed onto it at commit (the folder appears
   * whole, or with `force` replaces the old one whole). `inside`: staging is inside `dir` and its
   * files are moved into `dir` at commit (`merge`, or a parent folder we may not write).
   */
  private readonly layout: 'sibling' | 'inside';
  private readonly mode: OutputMode;
  /** The highest folder this run created (removed again when the run fails), if any. */
  private readonly created: string | undefined;
  private committed = false;
  private aborted = false;

  private constructor(dir: string, given: string, staging: string, layout: 'sibling' | 'inside', mode: OutputMode, created: string | undefined) {
    this.dir = dir;
    this.given = given;
    this.staging = staging;
    this.layout = layout;
    this.mode = mode;
    this.created = created;
  }

  /**
   * Opens a staging folder for `dir`, after refusing pseudo file systems, a non-empty folder
   * without `force` (see {@link checkRunFolder}) and removing what runs that were killed left.
   * Nothing visible is created at `dir` until {@link commit}, except parents of `dir` that did not
   * exist (removed again by {@link abort}).
   */
  static async open(dir: string, mode: OutputMode = {}): Promise<RunOutput> {
    checkRunFolder(dir, mode);
    const flag = mode.flag ?? '--out';
    let abs = resolve(dir);
    // A symlinked --out: the results go where it points, and the link stays.
    if (existsSync(abs)) abs = realpathSync(abs);
    removeStaleStaging(abs);
    removeStaleSiblings(abs);
    const stamp = `${process.pid}-${Date.now()}`;
    const parent = dirname(abs);
    const anc = existingAncestor(parent);
    const firstCreated = (below: string, target: string): string | undefined => {
      if (below === target) return undefined;
      let c = target;
      while (dirname(c) !== below) c = dirname(c);
      return c;
    };
    const fail = (e: unknown): never => {
      const code = (e as NodeJS.ErrnoException).code;
      throw new StnmfError('WRITE_FAILED', `${flag} ${dir}: cannot create the output folder (${writeErrnoReason(code) ?? (e as Error).message})`);
    };
    // A mount point (a container volume given as --out) cannot be renamed onto from beside it
    // (EXDEV/EBUSY): stage inside it, as when merging.
    const mountPoint = existsSync(abs) && existsSync(parent) && statSync(abs).dev !== statSync(parent).dev;
    let layout: 'sibling' | 'inside' = mode.merge || mountPoint ? 'inside' : 'sibling';
    let staging = '';
    let created: string | undefined;
    if (layout === 'sibling') {
      staging = join(parent, `.${basename(abs)}.stnmf-partial-${stamp}`);
      try {
        // Parents first, then the staging folder alone: a recursive mkdir reports a read-only or
        // denied folder as ENOENT, which would hide the reason from the message.
        await mkdirChain(parent);
        await mkdir(staging);
        created = firstCreated(anc, parent);
      } catch (e) {
        // A folder given to us inside a parent we may not write: stage inside it instead.
        const code = (e as NodeJS.ErrnoException).code;
        if (!existsSync(abs) || !['EACCES', 'EPERM', 'EROFS'].includes(code ?? '')) fail(e);
        layout = 'inside';
      }
    }
    if (layout === 'inside') {
      staging = join(abs, `.stnmf-partial-${stamp}`);
      const ancAbs = existingAncestor(abs);
      try {
        await mkdirChain(abs);
        await mkdir(staging);
        created = firstCreated(ancAbs, abs);
      } catch (e) {
        fail(e);
      }
    }
    const out = new RunOutput(abs, dir, staging, layout, mode, created);
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
    throw new StnmfError('WRITE_FAILED', `${this.mode.flag ?? '--out'} ${this.given}: cannot write ${name} (${writeErrnoReason(code) ?? (e as Error).message})`);
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

  /**
   * Puts the results in place. Beside-staged: one rename of the staging folder onto `--out`
   * (which must be missing or empty: rename(2) refuses a non-empty target, so a run that
   * started into an empty folder and finds it filled by another run fails instead of mixing);
   * with `force`, the old folder is first renamed aside and removed after the swap (put back if
   * the swap fails). Inside-staged: each staged file is moved into `--out` (after removing the old
   * contents with `force`), and the staging folder is removed.
   */
  async commit(): Promise<void> {
    const flag = this.mode.flag ?? '--out';
    try {
      if (this.layout === 'sibling') {
        if (folderContent(this.dir).length === 0) {
          // Staging folders of dead runs inside an otherwise empty --out would block the rename.
          removeStaleStaging(this.dir);
        }
        try {
          await rename(this.staging, this.dir);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
          if (!this.mode.force) {
            throw new StnmfError('WRITE_FAILED', `${flag} ${this.given}: the folder was filled by another run while this one ran; results not written; pass --force to replace its contents, or choose an empty or new folder`);
          }
          const old = join(dirname(this.dir), `.${basename(this.dir)}.stnmf-old-${process.pid}-${Date.now()}`);
          await rename(this.dir, old);
          try {
            await rename(this.staging, this.dir);
          } catch (e2) {
            await rename(old, this.dir);
            throw e2;
          }
          await rm(old, { recursive: true, force: true });
        }
      } else {
        if (this.mode.force && !this.mode.merge) {
          for (const n of folderContent(this.dir)) await rm(join(this.dir, n), { recursive: true, force: true });
        }
        const names = await readdir(this.staging);
        for (const n of names) await rename(join(this.staging, n), join(this.dir, n));
        await rm(this.staging, { recursive: true, force: true });
      }
    } catch (e) {
      this.fail('the results', e);
    }
    this.committed = true;
    open.delete(this);
  }

  /**
   * Removes the staging folder without touching earlier results, and the folders this run
   * created when they are empty. Safe to call twice.
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
      /* best effort: a later run removes it (removeStaleStaging / removeStaleSiblings) */
    }
    if (!this.created) return;
    // Remove the folders this run made, innermost first, only while they are empty.
    for (let c = this.layout === 'sibling' ? dirname(this.dir) : this.dir; ; c = dirname(c)) {
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
