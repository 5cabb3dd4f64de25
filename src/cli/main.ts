#!/usr/bin/env node
/**
 * `stnmf` command-line entry: dispatches to the subcommands in `commands/index.ts`, prints
 * help, turns StnmfError into one line on stderr and a non-zero exit code.
 */
import { StnmfError } from '../errors.js';
import { VERSION } from '../version.js';
import { formatHelp, parseArgs } from './args.js';
import type { CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';

function makeContext(): CommandContext {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const tty = Boolean(process.stderr.isTTY);
  let lastAt = 0;
  let lastLabel = '';
  return {
    print: (t) => void process.stdout.write(t + '\n'),
    log: (t) => void process.stderr.write(t + '\n'),
    progress(label, done, total, detail) {
      const now = Date.now();
      // Plain lines at most every 2 s when piped; a redrawn line on a terminal.
      if (label === lastLabel && done < total && now - lastAt < (tty ? 100 : 2000)) return;
      lastAt = now;
      lastLabel = label;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      const line = `${label} ${done}/${total} (${pct}%)${detail ? ' ' + detail : ''}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`);
      else process.stderr.write(line + '\n');
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

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`stnmf ${VERSION} (writes AnnData h5ad encoding 0.1.0, NPY 1.0)\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`stnmf: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(formatHelp(cmd.name, cmd.usage, cmd.summary, cmd.flags, cmd.examples) + '\n');
    return 0;
  }
  const ctx = makeContext();
  try {
    const args = parseArgs(cmd.name, rest, cmd.flags);
    await cmd.run(args, ctx);
    return 0;
  } catch (e) {
    if (e instanceof StnmfError) {
      process.stderr.write(`stnmf ${cmd.name}: error: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`stnmf ${cmd.name}: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.STNMF_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`stnmf: internal error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
