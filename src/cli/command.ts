/**
 * The contract every subcommand implements, and the shared end-of-run bookkeeping:
 * `summary.json` (key figures), `run.json` (version, full parameters, seed, inputs, timing).
 */
import type { FlagSpec, FlagValue, ParsedArgs } from './args.js';
import type { RunOutput } from './output.js';
import { VERSION } from '../version.js';
import type { StnmfWarning } from '../warnings.js';

/** Where a command reports to: stdout for results, stderr for progress and warnings. */
export interface CommandContext {
  /** Writes a line to stdout (machine-readable results, `--json`). */
  print(text: string): void;
  /** Writes a line to stderr (progress, notes, warnings). */
  log(text: string): void;
  /** Reports progress of a long step on stderr; throttled, plain lines when stderr is not a TTY. */
  progress(label: string, done: number, total: number, detail?: string): void;
  /** Fires when the user interrupts (Ctrl-C); pass it on as `signal`. */
  signal: AbortSignal;
}

/** One `stnmf <name>` subcommand. */
export interface Command {
  name: string;
  /** One line for `stnmf --help`. */
  summary: string;
  /** Usage line, e.g. `stnmf nmf <input> --rank K [options]`. */
  usage: string;
  examples: string[];
  flags: Record<string, FlagSpec>;
  /** Runs the command; throw StnmfError for user errors. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<void>;
}

/**
 * One simulator reachable as `stnmf simulate <name>` (declared here, not in simulate.ts, so
 * generator files and the simulate command do not import each other).
 */
export interface Generator {
  name: string;
  summary: string;
  /** Flags besides --out, --seed and --json (which every generator gets). */
  flags: Record<string, FlagSpec>;
  /** Writes the data through `out` and returns the key figures for summary.json. */
  run(flags: Record<string, FlagValue>, out: RunOutput, ctx: CommandContext): Promise<Record<string, unknown>>;
  /** Generators whose --out is their own file or folder tree (no run folder): called instead of `run`. */
  runDirect?(flags: Record<string, FlagValue>, ctx: CommandContext): Promise<void>;
}

/** What a computing command records about its run. */
export interface RunRecord {
  command: string;
  /** Every parameter after defaults were applied. */
  parameters: Record<string, unknown>;
  /** Input paths (and what was detected about them). */
  inputs: Record<string, unknown>;
  seed?: number;
  /**
   * The key figures (camelCase keys). A `seconds` entry here is moved to run.json (a number is
   * the total, an object per-stage timings): summary.json holds only what the data and options
   * determine, so reruns give byte-identical summaries.
   */
  summary: Record<string, unknown>;
  /** Wall-clock seconds of the whole run (run.json `seconds`). */
  seconds: number;
  /** Further wall-clock timings (per stage, per iteration), written to run.json `timings` only. */
  timings?: Record<string, unknown>;
  /** The result's warnings: written to summary.json `warnings` and one `warning:` line each on stderr. */
  warnings?: readonly StnmfWarning[];
}

/**
 * Writes `summary.json` and `run.json` into the staged output, commits the folder, prints each
 * warning as one `stnmf <command>: warning: …` line on stderr, and prints the summary to stdout
 * when `json` is set. Wall-clock values (`seconds`, `timings`, `finishedAt`) go to run.json
 * only; every other output file of a run depends only on the input and the options, so two
 * runs give the same bytes (test/rerun-identical.test.ts).
 */
export async function finishRun(out: RunOutput, rec: RunRecord, ctx: CommandContext, json: boolean): Promise<void> {
  const { seconds: stageSeconds, ...figures } = rec.summary;
  const timings = { ...(typeof stageSeconds === 'object' && stageSeconds !== null ? (stageSeconds as Record<string, unknown>) : {}), ...rec.timings };
  const warnings = rec.warnings ?? [];
  // The one warning channel: every computing command's summary has the list (empty when all is well).
  const summary = { ...figures, warnings: warnings.map((w) => ({ code: w.code, message: w.message })) };
  for (const w of warnings) ctx.log(`stnmf ${rec.command}: warning: ${w.message}`);
  await out.writeJson('summary.json', summary);
  await out.writeJson('run.json', {
    tool: 'stnmf',
    version: VERSION,
    command: rec.command,
    parameters: rec.parameters,
    seed: rec.seed,
    inputs: rec.inputs,
    seconds: rec.seconds,
    ...(Object.keys(timings).length > 0 ? { timings } : {}),
    finishedAt: new Date().toISOString(),
    node: process.version,
  });
  await out.commit();
  if (json) ctx.print(JSON.stringify(summary, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  ctx.log(`stnmf ${rec.command}: results in ${out.dir}`);
}

/**
 * Runs the body of a command that writes into a staged output folder, with the one
 * end-of-command rule every command follows: whatever happens, the staging folder is removed
 * unless the body committed it (a failed or interrupted run never leaves a half-written folder),
 * and the kernel backend, when given, is disposed (its worker threads would keep Node alive).
 */
export async function withRun<T>(out: RunOutput, body: () => Promise<T>, kernels?: { dispose(): void }): Promise<T> {
  try {
    return await body();
  } finally {
    try {
      await out.abort();
    } finally {
      kernels?.dispose();
    }
  }
}
