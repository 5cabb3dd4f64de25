/**
 * The one error family of stnmf. Every error a user can cause (bad file, bad option, bad value)
 * is a `StnmfError` with a stable `code` and a one-line message that names the file or option,
 * the field, what was expected and what was found. The CLI prints `message` (never a stack) and
 * exits with `exitCode`.
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
