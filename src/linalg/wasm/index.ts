/**
 * The WebAssembly SIMD kernel backend. `createKernels({ backend: 'auto' | 'wasm' })` (see
 * `../backend.ts`) loads `./backend.ts` itself and returns it wherever WebAssembly SIMD runs;
 * this index is for callers that want the wasm backend by name.
 */
export { createWasmKernels, wasmSimdAvailable } from './backend.js';
export type { WasmKernelOptions } from './backend.js';

/** `createKernels` (re-exported for callers that import this module directly). */
export { createKernels } from '../backend.js';
