/**
 * Writes an in-memory file tree (relative `/`-separated path → bytes, e.g. a zarr store from
 * src/plot/vitessce.ts's `annDataZarr`) under a folder.
 */
// node:fs fetched at call time (node-builtins.ts), so `stnmf/io` bundles for a browser.
import { nodeFs, nodePath } from './node-builtins.js';

/** Writes a store under `dir`. */
export function writeStore(dir: string, store: Map<string, Uint8Array>): void {
  for (const [rel, bytes] of store) {
    const p = nodePath().join(dir, ...rel.split('/'));
    nodeFs().mkdirSync(nodePath().dirname(p), { recursive: true });
    nodeFs().writeFileSync(p, bytes);
  }
}
