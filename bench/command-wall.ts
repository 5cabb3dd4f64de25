/**
 * Wall time of an `stnmf` command as a user runs it (issue 16, item 7): a fresh `node` process
 * that starts, reads the input, computes and writes its whole output folder (figures
 * included) — the part a benchmark's compute time leaves out. Every bench prints it beside
 * its compute time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

/**
 * Seconds from spawning `stnmf args… --out <fresh folder>` to its exit; the folder is removed
 * afterwards. Throws with the command's last stderr line when it fails.
 */
export function commandWallSeconds(args: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bench-wall-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--max-old-space-size=16384', CLI, ...args, '--out', join(dir, 'out')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`stnmf ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').pop()}`);
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
