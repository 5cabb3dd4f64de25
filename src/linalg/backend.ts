/**
 * Chooses and creates a kernel backend. The wasm backend (`./wasm/backend.ts`) is loaded on
 * first use only, so this module loads nowhere near wasm or workers when a caller asks for `ts`.
 */
import { StnmfError } from '../errors.js';
import type { KernelOptions, Kernels } from './kernels.js';
import { defaultThreads } from './threads.js';
import { createTsKernels } from './ts-kernels.js';

export { defaultThreads };

/**
 * Creates kernels. `backend: 'auto'` (default) takes WebAssembly SIMD when available and falls
 * back to the TypeScript reference; `threads` defaults to the machine's parallelism.
 */
export async function createKernels(options: KernelOptions = {}): Promise<Kernels> {
  const backend = options.backend ?? 'auto';
  const threads = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new StnmfError('BAD_OPTION', `createKernels: threads must be a positive integer, got ${threads}`);
  if (backend === 'ts') return createTsKernels();
  // Loaded on first use only (the module's own cache makes later calls cheap).
  const { createWasmKernels } = await import('./wasm/backend.js');
  const k = await createWasmKernels({ threads });
  if (k) return k;
  if (backend === 'wasm') throw new StnmfError('BAD_OPTION', `backend 'wasm': WebAssembly SIMD is not available in this environment; use 'auto' (falls back to the TypeScript kernels) or 'ts'`);
  return createTsKernels();
}
