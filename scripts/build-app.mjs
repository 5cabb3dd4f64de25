#!/usr/bin/env node
// Builds the in-browser app (app/) with Vite into dist/app/, which `stnmf app` serves and which
// works as plain static files on any host. Type-checks app/ first (Vite's esbuild strips types
// without checking them). The method form is generated from the CLI's own flag declarations
// (defaults, ranges, choices, help), read here from the compiled commands in dist/src, so the
// app and the CLI cannot disagree on a default: run after `tsc -p .`.
// Usage: node scripts/build-app.mjs   (chained into `npm run build`)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = spawnSync(process.execPath, [`${repo}node_modules/typescript/bin/tsc`, '-p', `${repo}app/tsconfig.json`], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const { nmfCommand } = await import(`${repo}dist/src/cli/commands/nmf.js`);
const { hsnmfCommand } = await import(`${repo}dist/src/cli/commands/hsnmf.js`);
const { contrastiveCommand } = await import(`${repo}dist/src/cli/commands/contrastive.js`);
const { siidCommand } = await import(`${repo}dist/src/cli/commands/siid.js`);
/** The flags the app's form offers, per method, in form order (the rest keep the CLI defaults). */
const FORM = {
  nmf: ['loss', 'solver', 'rank', 'max-iter', 'tol', 'restarts', 'seed', 'threads', 'normalize'],
  hsnmf: ['rank', 'mode', 'alpha', 'resolution', 'contact-radius', 'context-radius', 'contact-weight', 'context-weight', 'beta', 'steps', 'n-neighbors', 'normalize', 'max-iter', 'tol', 'seed', 'subsample', 'min-cluster-size', 'threads'],
  contrastive: ['target-where', 'background-where', 'rank', 'alpha', 'loss', 'max-iter', 'tol', 'alpha-scale', 'normalize', 'seed', 'threads'],
  siid: ['rank', 'holdout-folds', 'fold-seed', 'solver', 'max-iter', 'restarts', 'restart-screening', 'entropy-lambda', 'mapping-distance', 'seed', 'threads'],
  input: ['where', 'min-counts', 'min-features', 'max-pct-control', 'min-cells', 'hvg'],
};
const pick = (flags, names) => names.map((name) => {
  const s = flags[name];
  if (!s) throw new Error(`build-app: flag --${name} not declared by the CLI`);
  return { name, type: s.type, help: s.help, default: s.default, choices: s.choices, min: s.min, max: s.max, exclusiveMin: s.exclusiveMin, required: s.required };
});
const cliFlags = { nmf: pick(nmfCommand.flags, FORM.nmf), hsnmf: pick(hsnmfCommand.flags, FORM.hsnmf), contrastive: pick(contrastiveCommand.flags, FORM.contrastive), siid: pick(siidCommand.flags, FORM.siid), input: pick(nmfCommand.flags, FORM.input) };

await build({
  root: `${repo}app`,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  define: { __CLI_FLAGS__: JSON.stringify(cliFlags) },
  worker: { format: 'es' },
  build: {
    outDir: `${repo}dist/app`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
  },
});
console.log('build-app: dist/app written');
