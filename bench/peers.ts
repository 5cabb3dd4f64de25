/**
 * Runs the reference tools of ../shared/tools/peers from the benchmarks (Debian's python3 and
 * Rscript, packages listed in the peers' README) and reads their JSON.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Folder of the peer scripts, beside the repository. */
export const PEERS = new URL('../../../shared/tools/peers/', import.meta.url).pathname;
/** Folder of the shared data sets. */
export const DATA = new URL('../../../shared/data/', import.meta.url).pathname;

/** Whether Debian's python3 has the named modules (the peers need them). */
export function pythonHas(...modules: string[]): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether Rscript with RcppML is installed. */
export function rcppmlAvailable(): boolean {
  try {
    execFileSync('Rscript', ['-e', 'library(RcppML)'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a peer script (python or R) with arguments; returns the parsed --json output file. */
export function runPeer(interpreter: '/usr/bin/python3' | 'Rscript', script: string, args: string[], jsonPath: string): Record<string, unknown> {
  execFileSync(interpreter, [PEERS + script, ...args, '--json', jsonPath], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 26 });
  return JSON.parse(readFileSync(jsonPath, 'utf8').replace(/\bNaN\b|-?Infinity\b/g, 'null'));
}
