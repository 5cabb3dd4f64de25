/**
 * `stnmf app`'s static server: the COOP/COEP headers that make the page cross-origin isolated
 * (SharedArrayBuffer for the kernels' threads), their absence in the not-isolated mode the
 * browser test uses, exact-name serving (no path escapes the app folder, symlinks out of it
 * get 404) and the Host check against DNS rebinding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppServer } from '../src/cli/commands/app.js';

function appDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-app-server-'));
  writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><title>app</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'main.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt.outside'), 'x');
  symlinkSync('/etc/hostname', join(dir, 'assets', 'link.js'));
  return dir;
}

/** A raw GET with a chosen Host header (fetch does not let a caller set Host). */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('stnmf app server: COOP/COEP on every answer, exact files only, Host check', async () => {
  const dir = appDir();
  const srv = await startAppServer({ appDir: dir });
  try {
    const root = await get(srv.port, '/');
    assert.equal(root.status, 200);
    assert.match(root.body, /<title>app<\/title>/);
    assert.equal(root.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(root.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.match(String(root.headers['content-type']), /text\/html/);
    const js = await get(srv.port, '/assets/main.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /text\/javascript/);
    assert.equal(js.headers['cross-origin-embedder-policy'], 'require-corp');
    // Errors carry the headers too, so an isolated page never loads a non-isolated frame.
    const missing = await get(srv.port, '/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['cross-origin-opener-policy'], 'same-origin');
    for (const p of ['/../etc/passwd', '/assets/%2e%2e/index.html', '/assets/..%2f..%2fetc%2fpasswd', '/assets/link.js', '/assets']) {
      assert.equal((await get(srv.port, p)).status, 404, p);
    }
    assert.equal((await get(srv.port, '/', `evil.example:${srv.port}`)).status, 404);
    assert.equal((await get(srv.port, '/', `localhost:${srv.port}`)).status, 200);
  } finally {
    await srv.close();
  }
});

test('stnmf app server without cross-origin isolation sends no COOP/COEP', async () => {
  const srv = await startAppServer({ appDir: appDir(), crossOriginIsolation: false });
  try {
    const root = await get(srv.port, '/');
    assert.equal(root.status, 200);
    assert.equal(root.headers['cross-origin-opener-policy'], undefined);
    assert.equal(root.headers['cross-origin-embedder-policy'], undefined);
  } finally {
    await srv.close();
  }
});

test('stnmf app server refuses an unbuilt app folder with a message naming the build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-app-empty-'));
  await assert.rejects(startAppServer({ appDir: dir }), /app is not built.*npm run build/);
});
