/**
 * Chooses and creates a kernel backend. The wasm backend registers itself through
 * `registerWasmFactory` (kept separate so this module loads nowhere near wasm or workers when
 * a caller asks for `ts`).
 */
import type { KernelOptions, Kernels } from './kernels.js';
import { createTsKernels } from './ts-kernels.js';

type WasmFactory = (threads: number) => Promise<Kernels | undefined>;
let wasmFactory: WasmFactory | undefined;

/** Lets the wasm backend module plug itself in (called by `linalg/wasm/index.ts`). */
export function registerWasmFactory(f: WasmFactory): void {
  wasmFactory = f;
}

/** The machine's parallelism: Node's `os.availableParallelism()` or the browser's hardwareConcurrency. */
export function defaultThreads(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  const hc = g.navigator?.hardwareConcurrency;
  return typeof hc === 'number' && hc > 0 ? hc : 1;
}

/**
 * Creates kernels. `backend: 'auto'` (default) takes WebAssembly SIMD when available and falls
 * back to the TypeScript reference; `threads` defaults to the machine's parallelism.
 */
export async function createKernels(options: KernelOptions = {}): Promise<Kernels> {
  const backend = options.backend ?? 'auto';
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (backend === 'ts') return createTsKernels();
  const k = wasmFactory ? await wasmFactory(threads) : undefined;
  if (k) return k;
  if (backend === 'wasm') throw new Error('the WebAssembly SIMD backend is not available in this environment');
  return createTsKernels();
}
