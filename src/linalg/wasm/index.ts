/**
 * The WebAssembly SIMD kernel backend. Importing this module registers it with
 * `createKernels` (see `../backend.ts`), so `createKernels({ backend: 'auto' | 'wasm' })`
 * returns it wherever WebAssembly SIMD runs.
 */
import { registerWasmFactory } from '../backend.js';
import { createWasmKernels } from './backend.js';

export { createWasmKernels, wasmSimdAvailable } from './backend.js';
export type { WasmKernelOptions } from './backend.js';

registerWasmFactory((threads) => createWasmKernels({ threads }));

/** `createKernels` (re-exported for callers that import this module directly). */
export { createKernels } from '../backend.js';
