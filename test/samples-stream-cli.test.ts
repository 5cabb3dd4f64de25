// `stnmf nmf --samples … --stream` (issue 18, point 5): the joint fit with one slice in memory at
// a time gives the in-memory joint fit (same random start, HALS) to 1e-5 relative, writes every
// slice's W, and refuses what it cannot do with one line naming the flag and no output left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../src/io/npy.js';
import { readSamples } from '../src/io/samples.js';
import { BREAST, breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const hasData = existsSync(join(BREAST, 'slice1.csv'));
const stnmf = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) ((d += (a[i] - b[i]) ** 2), (n += b[i] ** 2));
  return Math.sqrt(d / n);
}

test('nmf --stream equals the in-memory joint fit from the same start and writes each slice', { skip: !hasData }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-stream-cli-'));
  const m = breastManifest(dir);
  const args = ['--samples', m, '--rank', '4', '--init', 'random', '--max-iter', '30', '--tol', '0', '--seed', '3'];
  const s = stnmf('nmf', ...args, '--stream', '--out', join(dir, 'stream'));
  assert.equal(s.status, 0, s.stderr);
  // The streamed fit runs one sweep per half-step: the in-memory fit with --hals-alpha 0.
  const mem = stnmf('nmf', ...args, '--solver', 'hals', '--hals-alpha', '0', '--out', join(dir, 'mem'));
  assert.equal(mem.status, 0, mem.stderr);
  for (const f of ['H.npy', 'W.npy']) {
    const d = relDiff(readNpy(join(dir, 'stream', f)).data as Float32Array, readNpy(join(dir, 'mem', f)).data as Float32Array);
    assert.ok(d < 1e-5, `${f}: relative difference ${d}`);
  }
  for (const f of ['obs_names.txt', 'var_names.txt', 'obs_names_slice3.txt']) assert.equal(readFileSync(join(dir, 'stream', f), 'utf8'), readFileSync(join(dir, 'mem', f), 'utf8'), f);
  assert.ok(relDiff(readNpy(join(dir, 'stream', 'W_slice2.npy')).data as Float32Array, readNpy(join(dir, 'mem', 'W_slice2.npy')).data as Float32Array) < 1e-5);
  const summary = JSON.parse(readFileSync(join(dir, 'stream', 'summary.json'), 'utf8'));
  assert.equal(summary.iterations, 30);
  assert.equal(summary.stream, true);
  assert.ok(!existsSync(join(dir, 'stream', 'result.h5ad')));
  // One slice at a time: the most held at once is far below the four slices' non-zeros.
  const joined = (await readSamples(m)).dataset.X;
  const total = joined.indptr[joined.rows];
  assert.ok(summary.peakNnz > 0 && summary.peakNnz < total / 2 + 1, `peak ${summary.peakNnz} of ${total}`);
});

test('nmf --stream refuses what it cannot stream, naming the flag, leaving nothing', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-stream-refuse-'));
  const m = breastManifest(dir);
  const cases: [string[], RegExp][] = [
    [['--loss', 'poisson'], /--loss poisson is not available/],
    [['--hvg', '100'], /--hvg is not available \(selection needs every sample at once/],
    [['--normalize', 'total'], /--normalize is not available/],
    [['--init', 'nndsvd'], /--init nndsvd is not available/],
    [['--normalize-per-sample'], /--normalize-per-sample is not available/],
    [[join(BREAST, 'slice1.csv')], /--stream reads the samples of --samples; drop the input/],
  ];
  for (const [extra, re] of cases) {
    const r = stnmf('nmf', '--samples', m, '--rank', '3', '--stream', ...extra, '--out', join(dir, 'x'));
    assert.equal(r.status, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(join(dir, 'x')));
  }
  const one = stnmf('nmf', join(BREAST, 'slice1.csv'), '--rank', '3', '--stream', '--out', join(dir, 'x'));
  assert.equal(one.status, 2);
  assert.match(one.stderr, /--stream fits the samples of a --samples manifest/);
});
