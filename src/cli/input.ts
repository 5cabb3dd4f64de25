/**
 * Turns a command-line input path into a Dataset with a note of what was detected. Every
 * computing command accepts any path the io layer can read.
 */
import { stat } from 'node:fs/promises';
import type { Dataset } from '../dataset.js';
import { StnmfError } from '../errors.js';
import { readDataset } from '../io/index.js';
import { npyToDense, readNpy } from '../io/npy.js';
import type { Dense } from '../linalg/dense.js';
import type { CommandContext } from './command.js';

/** Reads `path` for command `command`, logging the detected platform and shape to stderr. */
export async function loadDataset(command: string, path: string | undefined, ctx: CommandContext): Promise<Dataset> {
  if (!path) throw new StnmfError('USAGE', `stnmf ${command}: an input path is required (see 'stnmf ${command} --help')`);
  try {
    await stat(path);
  } catch {
    throw new StnmfError('BAD_FILE', `${path}: no such file or folder`);
  }
  const ds = await readDataset(path);
  ctx.log(`stnmf ${command}: read ${path} as ${ds.meta.platform}: ${ds.X.rows} observations x ${ds.X.cols} features`);
  for (const f of ds.meta.filtered) ctx.log(`  kept out of X: ${f.count} ${f.axis} (${f.what}): ${f.why}`);
  return ds;
}

/** Reads a factor matrix given on the command line (`--w0 W0.npy`), checking its shape. */
export function loadFactor(flag: string, path: string, rows: number, cols: number): Dense {
  const d = npyToDense(readNpy(path), path);
  if (d.rows !== rows || d.cols !== cols) {
    throw new StnmfError('BAD_INPUT', `${path} (--${flag}): expected shape ${rows} x ${cols}, found ${d.rows} x ${d.cols}`);
  }
  for (let q = 0; q < d.data.length; q++) {
    const v = d.data[q];
    if (!(v >= 0) || v === Infinity) {
      throw new StnmfError('BAD_INPUT', `${path} (--${flag}): entry (${Math.floor(q / cols)}, ${q % cols}) is ${v}; factors must be finite and non-negative`);
    }
  }
  return d;
}
