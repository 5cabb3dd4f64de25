/**
 * The one error family of stnmf. Every error a user can cause (bad file, bad option, bad value)
 * is a `StnmfError` with a stable `code` and a one-line message that names the file or option,
 * the field, what was expected and what was found. The CLI prints `message` (never a stack) and
 * exits with `exitCode`. A plain `Error` is kept for what no input or option can cause — a broken
 * invariant, a missing build artefact, a kernel used after `dispose()`, a wasm trap —: the CLI
 * reports it as an internal error (exit 1) and asks for a bug report.
 *
 * Layer 0: imported by every layer, imports nothing.
 */

/** Stable machine-readable error codes. */
export type StnmfErrorCode =
  | 'BAD_OPTION' // an option value is out of range or of the wrong type
  | 'BAD_INPUT' // a matrix or table has invalid values (NaN, negative, wrong shape)
  | 'BAD_FILE' // a file is missing, unreadable, truncated or of the wrong format
  | 'WRITE_FAILED' // an output could not be written
  | 'ABORTED' // the caller's AbortSignal fired
  | 'USAGE'; // wrong command-line usage

/** Exit codes by error code, following the CLI conventions in formats.md §4.1. */
const EXIT_CODES: Record<StnmfErrorCode, number> = {
  USAGE: 2,
  BAD_OPTION: 2,
  BAD_INPUT: 3,
  BAD_FILE: 3,
  WRITE_FAILED: 4,
  ABORTED: 130,
};

/** An actionable error raised at a validation boundary (reader, public function, CLI). */
export class StnmfError extends Error {
  readonly code: StnmfErrorCode;
  constructor(code: StnmfErrorCode, message: string) {
    super(message);
    this.name = 'StnmfError';
    this.code = code;
  }
  /** The process exit code the CLI uses for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** Throws `StnmfError('ABORTED')` when `signal` has fired; call between iterations. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new StnmfError('ABORTED', `${what}: aborted by the caller`);
}

/** Milliseconds between yields of {@link checkpoint}: short enough that Ctrl-C lands within 0.1 s. */
const YIELD_EVERY_MS = 50;
let lastYieldAt = 0;

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Cancellation point for long loops: throws `StnmfError('ABORTED')` when `signal` has fired, and
 * when more than ~50 ms have passed since the last yield, lets the event loop run first (a
 * `setTimeout(0)` macrotask, available in browsers and Node) so that signal handlers, abort
 * events and UI events get their turn. A compute loop that never yields never sees its signal
 * fire, because the handler that aborts it cannot run. Call it as `await checkpoint(signal, 'nmf')`
 * at the head of every iteration; between yields it costs one clock read.
 */
export async function checkpoint(signal: AbortSignal | undefined, what: string): Promise<void> {
  throwIfAborted(signal, what);
  const t = now();
  if (t - lastYieldAt < YIELD_EVERY_MS) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  lastYieldAt = now();
  throwIfAborted(signal, what);
}

/**
 * A long computation written once as a generator that `yield`s at its cancellation points, so
 * it can run both synchronously ({@link runSteps}) and cancellably ({@link runStepsCancellable})
 * without two copies of the loop. Yields carry no value.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to completion synchronously (its yields are ignored). */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps` to completion, passing each yield through {@link checkpoint}: the event loop gets
 * its turn about every 50 ms, and `StnmfError('ABORTED')` is thrown once `signal` has fired.
 */
export async function runStepsCancellable<T>(steps: Steps<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await checkpoint(signal, what);
  }
}
