/** The run-file sink of the CLI: every file src/outputs makes is written to the run folder as it comes. */
import { writeFile } from 'node:fs/promises';
import { writeH5ad } from '../../io/h5ad.js';
import { writeNpy } from '../../io/npy.js';
import type { RunFileSink } from '../../outputs/hsnmf.js';
import type { RunOutput } from '../output.js';

/**
 * Writes each file into a run folder as it comes (result.h5ad straight to disk): through the
 * run's `RunOutput` (its write errors name the file and the reason), or to `path(name)` (the
 * demo's folders).
 */
export function diskSink(target: RunOutput | ((name: string) => string)): RunFileSink {
  const path = typeof target === 'function' ? target : (name: string) => target.path(name);
  return {
    text: typeof target === 'function' ? (name, text) => writeFile(path(name), text) : (name, text) => target.writeText(name, text),
    bytes: typeof target === 'function' ? (name, bytes) => writeFile(path(name), bytes) : (name, bytes) => target.writeBytes(name, bytes),
    npy: async (name, matrix) => writeNpy(path(name), matrix),
    h5ad: (name, dataset) => writeH5ad(path(name), dataset),
  };
}
