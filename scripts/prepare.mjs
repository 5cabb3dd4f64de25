#!/usr/bin/env node
// npm's `prepare` hook: builds the package when dist/ is missing, so `npm ci` in a fresh git
// clone followed by `npx stnmf demo` (the README's first command) works, while installs that
// already have a build (and `npm pack`, which builds in `prepack`) skip the rebuild.
// Force a rebuild with `npm run build`.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const built = ['dist/src/cli/main.js', 'dist/src/index.d.ts', 'dist/web/index.html', 'dist/app/index.html'].every((p) => existsSync(`${repo}${p}`));
if (built) {
  console.log('prepare: dist/ present, not rebuilding (npm run build rebuilds)');
} else {
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: repo, stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 1);
}
