/**
 * The viewer's server: answers on 127.0.0.1 only, serves the app, the result's data and its
 * files, and nothing outside the result folder (raw `../` and encoded traversal paths → 404);
 * the data endpoints match the result files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { safeSegments, startViewServer, webRoot } from '../src/cli/commands/view.js';
import { readResult } from '../src/io/result.js';
import { asResult, type ResultDataset } from '../src/result-dataset.js';
import { makeDataset } from '../src/dataset.js';
import { KEYS } from '../src/keys.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { dense } from '../src/linalg/dense.js';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { XENIUM_H5, xeniumResult } from './viewer-helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, fail) => {
    // The path goes on the wire exactly as written (no client-side normalisation).
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('safeSegments rejects traversal, encoded or not', () => {
  assert.deepEqual(safeSegments('/files/W.npy'), ['files', 'W.npy']);
  for (const p of ['/../x', '/files/..', '/files/%2e%2e', '/files/..%2fx', '/files/a%2fb', '/files/%5c..%5cx', '//x', '/files/%00', '/files/%E0%A4%A', 'x']) {
    assert.equal(safeSegments(p), undefined, p);
  }
});

test('server: app, data endpoints, result files; 404 for everything outside', async (t) => {
  if (!existsSync(`${webRoot()}index.html`)) assert.fail(`viewer app not built at ${webRoot()}: run 'node scripts/build-web.mjs'`);
  const fx = await xeniumResult(1);
  const r = await readResult(fx.dir, { data: XENIUM_H5 });
  const srv = await startViewServer(r, 0);
  t.after(() => srv.close());
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const port = srv.port;

  const index = await get(port, '/');
  assert.equal(index.status, 200);
  assert.match(index.body.toString(), /<canvas id="gl">/);
  const asset = index.body.toString().match(/src="\.\/(assets\/[^"]+\.js)"/);
  assert.ok(asset, 'index.html references its script');
  assert.equal((await get(port, `/${asset[1]}`)).status, 200);

  const meta = JSON.parse((await get(port, '/api/meta.json')).body.toString());
  assert.equal(meta.n, fx.n);
  assert.equal(meta.k, fx.k);
  assert.deepEqual(meta.obsNames.slice(0, 3), fx.obsNames.slice(0, 3));
  const W = new Float32Array(new Uint8Array((await get(port, '/api/W.bin')).body).buffer);
  assert.deepEqual(W, fx.W);
  const coords = new Float32Array(new Uint8Array((await get(port, '/api/coords.bin')).body).buffer);
  for (const i of [0, 1234, fx.n - 1]) {
    assert.ok(Math.abs(coords[2 * i] + meta.offset[0] - fx.x[i]) < 1e-3);
    assert.ok(Math.abs(coords[2 * i + 1] + meta.offset[1] - fx.y[i]) < 1e-3);
  }
  // A gene column equals the counts read independently from the 10x file.
  const ds = await readTenxH5(XENIUM_H5);
  const j = ds.var.index.indexOf('Gfap');
  const gi = meta.expressionGenes.indexOf('Gfap');
  const gene = new Float32Array(new Uint8Array((await get(port, `/api/gene/${gi}.bin`)).body).buffer);
  const expect = new Float32Array(ds.X.rows);
  for (let i = 0; i < ds.X.rows; i++) for (let e = ds.X.indptr[i]; e < ds.X.indptr[i + 1]; e++) if (ds.X.indices[e] === j) expect[i] = ds.X.data[e];
  assert.deepEqual(gene, expect);
  const cl = new Int32Array(new Uint8Array((await get(port, '/api/cluster/0.bin')).body).buffer);
  assert.equal(meta.clusters[0].categories[cl[5]], `F${fx.clusters[5] + 1}`);

  const summary = await get(port, '/files/summary.json');
  assert.equal(summary.status, 200);
  assert.deepEqual(JSON.parse(summary.body.toString()), JSON.parse(readFileSync(`${fx.dir}/summary.json`, 'utf8')));

  const outside = [
    '/../package.json',
    '/../../etc/passwd',
    '/files/../run.json',
    '/files/../../../etc/passwd',
    '/files/..%2f..%2fetc%2fpasswd',
    '/files/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/files/%2e%2e%2fW.npy',
    '/files/%252e%252e%252fpackage.json',
    '/assets/..%5c..%5cpackage.json',
    '/assets/../index.html',
    '/files/.%2e/summary.json',
    '/files//etc/passwd',
    '//etc/passwd',
    '/files/%2Fetc%2Fpasswd',
    '/files/W.npy%00.png',
    '/api/../files/summary.json',
    '/api/gene/99999.bin',
    '/api/gene/-1.bin',
    '/package.json',
    '/web/index.html',
    '/src/cli/main.ts',
    '/files/DONE/../../package.json',
    `/files/${encodeURIComponent(fx.dir + '/summary.json')}`,
  ];
  for (const p of outside) {
    const res = await get(port, p);
    assert.equal(res.status, 404, `${p} → ${res.status}`);
    assert.ok(!res.body.toString().includes('"name": "stnmf"'), `${p} leaked package.json`);
    assert.ok(!res.body.toString().includes('root:'), `${p} leaked /etc/passwd`);
  }
  // DNS rebinding: another Host name gets nothing.
  assert.equal((await get(port, '/api/meta.json', `evil.example:${port}`)).status, 404);

  // Listening on loopback only: the machine's other addresses refuse the connection.
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a?.address as string);
  for (const addr of others) {
    const refused = await new Promise<boolean>((ok) => {
      const s = connect({ host: addr, port }, () => {
        s.destroy();
        ok(false);
      });
      s.on('error', () => ok(true));
    });
    assert.ok(refused, `server answered on ${addr}:${port}`);
  }
});

test('stnmf view prints the URL and serves on 127.0.0.1 (CLI)', async (t) => {
  const { COMMANDS } = await import('../src/cli/commands/index.js');
  if (!COMMANDS.some((c) => c.name === 'view')) {
    t.skip("'view' is not registered in src/cli/commands/index.ts yet");
    return;
  }
  const fx = await xeniumResult(1);
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'view', fx.dir, '--port', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGINT'));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) ok(m[0]);
    });
    child.on('exit', (code) => fail(new Error(`view exited with ${code}`)));
  });
  const port = Number(new URL(url).port);
  assert.equal((await get(port, '/api/meta.json')).status, 200);
  assert.equal((await get(port, '/files/../package.json')).status, 404);
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

// ------------------------------------------------------------- hostile requests (issue 15)

/** A tiny result served from `dir`: 3 observations, 1 factor, with the given files. */
/** A 3-cell, 1-factor result made in memory, serving the given files of `dir`. */
function tinyResult(dir: string, files: Map<string, string>): ResultDataset {
  const ds = makeDataset(csrFromDense(dense(3, 1, Float32Array.of(1, 2, 3))), ['a', 'b', 'c'], ['g']);
  ds.obsm[KEYS.nmf.obsm] = { rows: 3, cols: 1, data: Float32Array.of(1, 2, 3) };
  ds.varm[KEYS.nmf.varm] = { rows: 1, cols: 1, data: Float32Array.of(1) };
  ds.obsm.spatial = { rows: 3, cols: 2, data: Float64Array.of(0, 0, 1, 1, 2, 2) };
  ds.meta.coordinateUnit = 'um';
  return asResult(ds, { folder: { name: 'tiny', root: dir, files, isFile: false, bytes: () => new Uint8Array(0) } });
}

/** Status and the number of body bytes, reading at most `limit` bytes before hanging up. */
function getHead(port: number, path: string, limit = Infinity): Promise<{ status: number; length: string | undefined; bytes: number }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      let bytes = 0;
      const done = () => ok({ status: res.statusCode ?? 0, length: res.headers['content-length'], bytes });
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes >= limit) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : fail(e)));
    req.end();
  });
}

test('server: symlinks out of the folder, dangling links and FIFOs get 404; a 2.5 GB file streams; 400 requests all answered', async (t) => {
  if (!existsSync(`${webRoot()}index.html`)) assert.fail(`viewer app not built at ${webRoot()}: run 'node scripts/build-web.mjs'`);
  const { mkdtempSync, writeFileSync, symlinkSync, rmSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-view-hostile-'));
  const outside = mkdtempSync(join(tmpdir(), 'stnmf-view-outside-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'ok.txt'), 'hello\n');
  writeFileSync(join(outside, 'secret.json'), '{"secret":1}\n');
  symlinkSync(join(outside, 'secret.json'), join(dir, 'passwd.json'));
  symlinkSync(join(dir, 'ok.txt'), join(dir, 'inside-link.txt'));
  symlinkSync(join(dir, 'missing'), join(dir, 'dangling.txt'));
  execFileSync('mkfifo', [join(dir, 'fifo.bin')]);
  // Sparse: no disk blocks, but 2.5 GB as far as stat and readFile are concerned (> 2 GiB limit).
  execFileSync('truncate', ['-s', '2500M', join(dir, 'big.bin')]);
  const names = ['ok.txt', 'passwd.json', 'inside-link.txt', 'dangling.txt', 'fifo.bin', 'big.bin'];
  const r = tinyResult(dir, new Map(names.map((n) => [n, join(dir, n)])));
  const srv = await startViewServer(r, 0);
  t.after(() => srv.close());
  const port = srv.port;

  assert.equal((await get(port, '/files/ok.txt')).body.toString(), 'hello\n');
  assert.equal((await get(port, '/files/passwd.json')).status, 404, 'symlink to a file outside the folder');
  assert.equal((await get(port, '/files/inside-link.txt')).status, 200, 'symlink inside the folder');
  assert.equal((await get(port, '/files/dangling.txt')).status, 404, 'dangling symlink');
  assert.equal((await get(port, '/files/fifo.bin')).status, 404, 'FIFO');

  const big = await getHead(port, '/files/big.bin', 4 << 20);
  assert.equal(big.status, 200);
  assert.equal(big.length, String(2500 * 1024 * 1024), 'the full size is announced, the body streamed');
  assert.ok(big.bytes >= 4 << 20);
  assert.equal((await get(port, '/api/meta.json')).status, 200, 'server alive after the big file');

  // 400 requests, 4 at a time, a mix of good and hostile paths: every one gets an answer.
  const paths = ['/api/meta.json', '/files/ok.txt', '/files/passwd.json', '/files/%2e%2e', '/api/W.bin', '/nope', '/files/dangling.txt', '/'];
  let answered = 0;
  let next = 0;
  const worker = async () => {
    while (next < 400) {
      const path = paths[next++ % paths.length];
      const res = await get(port, path);
      assert.ok([200, 404].includes(res.status), `${path}: ${res.status}`);
      answered++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  assert.equal(answered, 400);
});
