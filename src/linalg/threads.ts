/** The default thread count, one function for the backend chooser and the wasm backend. */

/**
 * The machine's parallelism, the default thread count (compute-notes.md §2.5): Node's
 * `os.availableParallelism()` (loaded lazily so this module stays browser-safe), else the
 * browser's `navigator.hardwareConcurrency`, else 1.
 */
export async function defaultThreads(): Promise<number> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof proc?.versions?.node === 'string') {
    const spec = 'node:os'; // a variable specifier keeps bundlers from pulling os into browser builds
    try {
      const os = (await import(/* @vite-ignore */ spec)) as { availableParallelism?: () => number; cpus(): unknown[] };
      return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
    } catch {
      // A runtime that looks like Node but has no node:os: run on one thread rather than fail.
      return 1;
    }
  }
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof hc === 'number' && hc > 0 ? hc : 1;
}
