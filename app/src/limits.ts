/**
 * What fits in the browser: the kernels work in one WebAssembly memory, which is 32-bit
 * (65536 pages of 64 KiB = 4 GiB), so a run whose operands exceed it is refused up front with
 * the CLI line to run instead (Node has the same limit per memory but no tab to lose).
 */

/** WebAssembly memory limit in bytes (4 GiB). */
export const WASM_LIMIT = 4 * 1024 ** 3;

/**
 * A lower bound of the wasm memory a run needs, in bytes: X copied in (float32 values, int32
 * column indices and row pointers), W and H with the solvers' update buffers (about four copies
 * each), and for hSNMF the spatial and feature graphs (some 200 float64 + int32 entries a cell
 * at the default radii) and the smoothed usages.
 */
export function neededBytes(method: 'nmf' | 'hsnmf' | 'contrastive' | 'siid', n: number, p: number, nnz: number, k: number): number {
  const x = nnz * 8 + (n + 1) * 4;
  const factors = 4 * (n + p) * k * 4;
  const graphs = method === 'hsnmf' ? n * 200 * 12 + n * k * 8 * 3 : 0;
  return x + factors + graphs;
}
