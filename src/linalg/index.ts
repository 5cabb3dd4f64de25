/** linalg: matrices, the seeded RNG and the kernel backends (layer 0; runs in browsers). */
export * from './dense.js';
export * from './csr.js';
export * from './rng.js';
export type { Kernels, KernelOptions, RatioPass64 } from './kernels.js';
export { MODEL_FLOOR, modelAtNonzeros, ratioPass, ratioPassGeneric } from './ratio-pass64.js';
export { createTsKernels } from './ts-kernels.js';
export { createKernels, defaultThreads } from './backend.js';
