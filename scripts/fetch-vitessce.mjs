#!/usr/bin/env node
// Fetches the published Vitessce app (and the React it runs on) for the check that our
// `export-vitessce` output opens in it (test/viewer-vitessce-app.test.ts, built by
// scripts/build-vitessce-check.mjs), into .cache/vitessce-check/node_modules.
//
// Why not devDependencies: `npm install vitessce` pulls 1,709 packages (2.1 GB, one of them from
// a GitHub tarball), but the check only loads Vitessce's prebuilt browser bundle, whose eager
// imports are React alone. So the four tarballs below are fetched from the npm registry with
// `npm pack` (pinned versions, checked against the sha512 recorded here) and unpacked; nothing
// else is installed and package-lock.json stays as it is.
//
// Usage: node scripts/fetch-vitessce.mjs [--optional]
//   --optional: a failure (e.g. offline) prints one line and exits 0; the app test then skips
//   outside CI. `npm test` runs it this way; it does nothing when the pinned versions are there.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Where the packages land; scripts/build-vitessce-check.mjs looks here. */
export const VITESSCE_CACHE = join(REPO, '.cache', 'vitessce-check');

/** name → [version, sha512 of the registry tarball (base64, as in npm's "integrity")]. */
const PINS = {
  vitessce: ['4.0.8', 'poZpP41oTXtMib0/eKXp0lyAJwCeW0gAPwATFao24yJESsLG2nu1dDRoPxaiuF2/f/H0zEwxHUgKCOgGjRKAfQ=='],
  react: ['18.3.1', 'wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=='],
  'react-dom': ['18.3.1', '5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=='],
  // react-dom's one runtime dependency.
  scheduler: ['0.23.2', 'UOShsPwz7NrMUqhR6t0hWjFduvOzbtv7toDH1/hIrfRNIDBnnBWd0CwJTGvTpngVlmwGCdP9/Zl/tVrDqcuYzQ=='],
};

function installedVersion(name) {
  const p = join(VITESSCE_CACHE, 'node_modules', name, 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : undefined;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${(r.stderr || '').trim().split('\n').pop()}`);
  return r.stdout;
}

/** Fetches whatever pinned package is missing or at another version. Returns the names fetched. */
export function fetchVitessce() {
  const missing = Object.entries(PINS).filter(([name, [version]]) => installedVersion(name) !== version);
  if (missing.length === 0) return [];
  const work = mkdtempSync(join(tmpdir(), 'stnmf-vitessce-'));
  try {
    run('npm', ['pack', '--silent', ...missing.map(([name, [version]]) => `${name}@${version}`)], work);
    for (const [name, [version, sha512]] of missing) {
      const tgz = join(work, `${name}-${version}.tgz`);
      const got = createHash('sha512').update(readFileSync(tgz)).digest('base64');
      if (got !== sha512) throw new Error(`${name}@${version}: tarball sha512 ${got} is not the pinned ${sha512}`);
      const staged = join(work, name);
      mkdirSync(staged);
      run('tar', ['-xzf', tgz, '--strip-components=1', '-C', staged], work);
      const dest = join(VITESSCE_CACHE, 'node_modules', name);
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(join(VITESSCE_CACHE, 'node_modules'), { recursive: true });
      // A copy, not a rename: the temporary folder may be on another file system.
      cpSync(staged, dest, { recursive: true });
    }
    return missing.map(([name]) => name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const optional = process.argv.includes('--optional');
  try {
    const got = fetchVitessce();
    if (got.length) console.log(`fetch-vitessce: ${got.join(', ')} into ${VITESSCE_CACHE}`);
  } catch (e) {
    console.error(`fetch-vitessce: ${e instanceof Error ? e.message : e}${optional ? ' (the Vitessce app test will skip)' : ''}`);
    if (!optional) process.exitCode = 1;
  }
}
