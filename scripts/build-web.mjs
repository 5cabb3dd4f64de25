#!/usr/bin/env node
// Builds the browser viewer (web/) with Vite into dist/web/, which `stnmf view` serves.
// Type-checks web/ first (Vite's esbuild strips types without checking them).
// Usage: node scripts/build-web.mjs   (chained into `npm run build`)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = spawnSync(process.execPath, [`${repo}node_modules/typescript/bin/tsc`, '-p', `${repo}web/tsconfig.json`], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
await build({
  root: `${repo}web`,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: `${repo}dist/web`,
    emptyOutDir: true,
    target: 'es2020',
    // One JS and one CSS file; no source maps in the package.
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
});
console.log('build-web: dist/web written');
