#!/usr/bin/env node
/**
 * `stnmf` command-line entry: dispatches to the subcommands in `commands/index.ts`, prints
 * help, turns errors into one line on stderr and the exit codes of formats.md §4.1:
 * 2 usage, 3 bad input, 4 cannot write, 130/143 on SIGINT/SIGTERM, 1 only for an internal error.
 *
 * Signals: SIGINT/SIGTERM abort `ctx.signal`; long loops see it at their next `checkpoint`
 * (errors.ts) and unwind, so the command removes its staging folder itself. If the run has not
 * unwound after {@link FORCE_EXIT_MS}, the staging folders are removed here and the process
 * exits anyway, so Ctrl-C always takes effect within a second.
 */
import { accessSync, constants, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { StnmfError } from '../errors.js';
import { requireRegularFile } from '../io/text.js';
import { VERSION } from '../version.js';
import { formatHelp, parseArgs } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { abortAllOutputsSync, checkRunFolder, RunOutput, writeErrnoReason } from './output.js';

/** Exit codes of the signals we handle (128 + signal number, the shell convention). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** How long a run may take to unwind after a signal before it is cut short. */
const FORCE_EXIT_MS = 700;

/** The signal that interrupted the run, once one did. */
let interruptedBy: NodeJS.Signals | undefined;

/**
 * Writes to stdout/stderr that never throw: a closed pipe (`stnmf … | head`) must not change the
 * outcome of a run, so EPIPE and friends are swallowed here and by the stream error handlers.
 */
function safeWrite(stream: NodeJS.WriteStream, text: string): void {
  try {
    if (!stream.destroyed && stream.writable) stream.write(text);
  } catch {
    /* closed pipe */
  }
}
for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);

let interruptReported = false;
/** The one line printed when a signal ended the run. */
function reportInterrupt(cmd: Command): void {
  if (interruptReported) return;
  interruptReported = true;
  safeWrite(process.stderr, `stnmf ${cmd.name}: interrupted by ${interruptedBy}; no results written\n`);
}

function makeContext(cmd: Command): CommandContext {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interruptedBy) {
      // A second Ctrl-C: leave now.
      abortAllOutputsSync();
      process.exit(SIGNAL_EXIT[interruptedBy]);
    }
    interruptedBy = sig;
    controller.abort();
    // A loop that does not reach a checkpoint in time: clean up and leave regardless.
    setTimeout(() => {
      abortAllOutputsSync();
      reportInterrupt(cmd);
      process.exit(SIGNAL_EXIT[sig]);
    }, FORCE_EXIT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = Boolean(process.stderr.isTTY);
  let lastAt = 0;
  let lastLabel = '';
  return {
    print: (t) => safeWrite(process.stdout, t + '\n'),
    log: (t) => safeWrite(process.stderr, t + '\n'),
    progress(label, done, total, detail) {
      const now = Date.now();
      // Plain lines at most every 2 s when piped; a redrawn line on a terminal.
      if (label === lastLabel && done < total && now - lastAt < (tty ? 100 : 2000)) return;
      lastAt = now;
      lastLabel = label;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      const line = `${label} ${done}/${total} (${pct}%)${detail ? ' ' + detail : ''}`;
      if (tty) safeWrite(process.stderr, `\r${line}\x1b[K${done >= total ? '\n' : ''}`);
      else safeWrite(process.stderr, line + '\n');
    },
    signal: controller.signal,
  };
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `stnmf ${VERSION} — non-negative matrix factorization for spatial omics`,
    '',
    'Usage: stnmf <command> [options]   (stnmf <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/**
 * Why a write under `target` failed when the library only says so in an HDF5 error stack: the
 * file system is full, or read-only, else a plain "HDF5 could not write the file".
 */
function diagnoseWrite(target: string): string {
  for (let d = dirname(target); ; d = dirname(d)) {
    try {
      const st = statfsSync(d);
      if (st.bavail * st.bsize < 1 << 20) return 'the disk is full (ENOSPC)';
      try {
        accessSync(d, constants.W_OK);
      } catch {
        return 'the folder is not writable (read-only file system or no permission)';
      }
      return 'HDF5 could not write the file';
    } catch {
      if (dirname(d) === d) return 'HDF5 could not write the file';
    }
  }
}

/** `max-iter` → `maxIter`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * The message as printed: one line, no leading `stnmf <cmd>:` (main prints the command name
 * once), staging paths replaced by the --out folder the user gave, and library option names that
 * a flag of this command sets (`maxIter`, `nPerms`) replaced by the flag (`--max-iter`).
 */
export function userMessage(cmd: Command, message: string): string {
  let m = message.replace(/\s*\n\s*/g, ' ');
  const prefix = new RegExp(`^(stnmf( ${cmd.name.replace(/[-]/g, '\\-')})?: )+`);
  m = m.replace(prefix, '');
  m = RunOutput.userPaths(m);
  m = m.replace(/\bENOSPC: no space left on device(, \w+)?/g, 'the disk is full (ENOSPC)');
  m = m.replace(/^(.*?): write failed \(HDF5-DIAG[^)]*\)+:?\)?/, (_all, target: string) => `${target}: write failed (${diagnoseWrite(target)})`);
  m = m.replace(/\bEROFS: read-only file system(, \w+)?/g, 'the file system is read-only (EROFS)');
  m = m.replace(/\bEACCES: permission denied(, \w+)?/g, 'permission denied (EACCES)');
  for (const flag of Object.keys(cmd.flags)) {
    const c = camel(flag);
    if (c !== flag) m = m.replace(new RegExp(`(^|[^\\w-])${c}\\b`, 'g'), `$1--${flag}`);
    else m = m.replace(new RegExp(`^${flag}:`), `--${flag}:`);
  }
  return m;
}

/** Caps `--threads` at the machine's parallelism, with one warning line (issue 15: 1000 threads used 7.4 GB). */
function capThreads(cmd: Command, flags: Record<string, unknown>): void {
  const t = flags.threads;
  if (typeof t !== 'number') return;
  const max = availableParallelism();
  if (t > max) {
    safeWrite(process.stderr, `stnmf ${cmd.name}: warning: --threads ${t} is more than this machine's ${max} cores; using ${max}\n`);
    flags.threads = max;
  }
}

/**
 * Refuses input-path flags (declared `input` in the flag spec) that are missing or not regular
 * files: a FIFO given to --w0 or --markers would otherwise block the reader forever.
 */
function checkInputPaths(cmd: Command, flags: Record<string, unknown>, positionals: string[]): void {
  // Positionals are input paths or subcommand names; either way a FIFO, device or socket there
  // can only hang or mislead the reader (`stnmf view /dev/zero`).
  for (const p of positionals) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st && !st.isFile() && !st.isDirectory()) requireRegularFile(p);
  }
  for (const [name, spec] of Object.entries(cmd.flags)) {
    const v = flags[name];
    if (!spec.input || typeof v !== 'string') continue;
    if (spec.notPathPrefix && v.startsWith(spec.notPathPrefix)) continue;
    if (spec.input === 'dataset') {
      let dir = false;
      try {
        dir = statSync(v).isDirectory();
      } catch {
        dir = false;
      }
      if (dir) continue;
    }
    requireRegularFile(v, `${v} (--${name})`);
  }
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    safeWrite(process.stdout, topHelp() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    safeWrite(process.stdout, `stnmf ${VERSION} (writes AnnData h5ad encoding 0.1.0, NPY 1.0)\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    safeWrite(process.stderr, `stnmf: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    safeWrite(process.stdout, formatHelp(cmd.name, cmd.usage, cmd.summary, cmd.flags, cmd.examples) + '\n');
    return 0;
  }
  const ctx = makeContext(cmd);
  let outFlag: unknown;
  try {
    const args = parseArgs(cmd.name, rest, cmd.flags);
    outFlag = args.flags.out;
    capThreads(cmd, args.flags);
    checkInputPaths(cmd, args.flags, args.positionals);
    // Before any input is read: a run that could not write its folder does no work.
    if (cmd.flags.out?.output === 'folder' && typeof args.flags.out === 'string') checkRunFolder(args.flags.out, { force: Boolean(args.flags.force) });
    await cmd.run(args, ctx);
    return 0;
  } catch (e) {
    abortAllOutputsSync();
    if (interruptedBy) {
      reportInterrupt(cmd);
      return SIGNAL_EXIT[interruptedBy];
    }
    if (e instanceof StnmfError) {
      safeWrite(process.stderr, `stnmf ${cmd.name}: error: ${userMessage(cmd, e.message)}\n`);
      return e.exitCode;
    }
    const err = e as NodeJS.ErrnoException;
    const why = writeErrnoReason(err?.code);
    if (why) {
      // A write that failed outside the staged writers (a plot or report library writing directly).
      const where = typeof outFlag === 'string' ? `--out ${outFlag}: ` : '';
      safeWrite(process.stderr, `stnmf ${cmd.name}: error: ${where}cannot write the results: ${why} (${err.code})\n`);
      return 4;
    }
    safeWrite(
      process.stderr,
      `stnmf ${cmd.name}: internal error: ${userMessage(cmd, err?.message ?? String(e))}; this is a bug, please report it with the command line (STNMF_DEBUG=1 prints the stack)\n`,
    );
    if (process.env.STNMF_DEBUG) safeWrite(process.stderr, `${err?.stack}\n`);
    return 1;
  }
}

/** True when this module is the process entry (`stnmf …`, `node main.js …`), not imported. */
function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      safeWrite(process.stderr, `stnmf: internal error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
