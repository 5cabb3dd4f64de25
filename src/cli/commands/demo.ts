/**
 * `stnmf demo`: the main job on built-in simulated data, no downloads. Each method adds a step
 * that writes into its own subfolder of `--out` (default `./stnmf-demo/`), and a top-level
 * summary.json gathers every step's key figures. The steps are in src/cli/demo-steps.ts.
 */
import { mkdir, rm, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { DEMO_STEPS } from '../demo-steps.js';
import { checkRunFolder, jsonReplacer } from '../output.js';

export { DEMO_STEPS, type DemoStep } from '../demo-steps.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every method on built-in simulated data (no downloads) and write ./stnmf-demo/',
  usage: 'stnmf demo [--out DIR]',
  examples: [
    "stnmf demo --force                 # replace an earlier ./stnmf-demo/",
    "stnmf demo --out demo2 --json",
  ],
  flags: {
    out: { type: 'string', short: 'o', default: 'stnmf-demo', output: 'folder', help: 'output folder (new or empty, unless --force)' },
    force: { type: 'boolean', help: 'replace a non-empty --out folder (an earlier demo): its old contents are removed once the new demo is complete' },
    json: { type: 'boolean', help: 'also print the summary to stdout' },
  },
  async run(args, ctx) {
    checkRunFolder(args.flags.out as string, { force: Boolean(args.flags.force) });
    const outDir = resolve(args.flags.out as string);
    const staging = `${outDir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const summary: Record<string, unknown> = {};
    const t0 = performance.now();
    try {
      for (const step of DEMO_STEPS) {
        ctx.log(`stnmf demo: ${step.name} ...`);
        const dir = join(staging, step.name);
        await mkdir(dir, { recursive: true });
        const s0 = performance.now();
        summary[step.name] = await step.run(dir, ctx);
        ctx.log(`stnmf demo: ${step.name} done in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
      }
      summary.seconds = (performance.now() - t0) / 1000;
      await writeFile(join(staging, 'summary.json'), JSON.stringify(summary, jsonReplacer, 2) + '\n');
      // Replace an older demo folder only once the new one is complete.
      await rm(outDir, { recursive: true, force: true });
      await rename(staging, outDir);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    if (args.flags.json) ctx.print(JSON.stringify(summary, jsonReplacer));
    ctx.log(`stnmf demo: results in ${outDir}`);
  },
};
