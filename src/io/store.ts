/**
 * Writes an in-memory file tree (relative `/`-separated path → bytes, e.g. a zarr store from
 * src/plot/vitessce.ts's `annDataZarr`) under a folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes a store under `dir`. */
export function writeStore(dir: string, store: Map<string, Uint8Array>): void {
  for (const [rel, bytes] of store) {
    const p = join(dir, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
}
