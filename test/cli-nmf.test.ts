// The `stnmf nmf` and `stnmf demo` commands as a user runs them: files written, summary keys,
// one-line errors with non-zero exit codes, and no half-written output after a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy } from '../src/io/npy.js';
import { readH5ad } from '../src/io/h5ad.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const H5 = new URL('../../../shared/data/xenium-mouse-brain/cell_feature_matrix.h5', import.meta.url).pathname;

function stnmf(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('stnmf nmf on the Xenium h5 writes W, H, labels, result.h5ad, summary.json and run.json', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-cli-')), 'run');
  const r = stnmf('nmf', H5, '--rank', '8', '--loss', 'poisson', '--max-iter', '20', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  for (const key of ['loss', 'iterations', 'converged']) assert.ok(key in summary, `summary lacks ${key}`);
  assert.ok(!('seconds' in summary), 'wall time belongs in run.json, not summary.json');
  assert.equal(summary.iterations, 20);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), summary);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(run.parameters.rank, 8);
  assert.equal(run.parameters.loss, 'poisson');
  assert.equal(run.seed, 0);
  assert.equal(typeof run.seconds, 'number');
  assert.equal(run.timings.historySeconds.length, readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n').length - 1);
  const W = parseNpy(readFileSync(join(out, 'W.npy')));
  const H = parseNpy(readFileSync(join(out, 'H.npy')));
  assert.deepEqual(W.shape, [36602, 8]);
  assert.deepEqual(H.shape, [8, 248]);
  assert.equal(readFileSync(join(out, 'obs_names.txt'), 'utf8').split('\n')[0], '1');
  assert.equal(readdirSync(out).filter((n) => n.startsWith('.')).length, 0, 'staging folder left behind');
  const res = await readH5ad(join(out, 'result.h5ad'));
  assert.deepEqual([res.obsm.X_nmf.rows, res.obsm.X_nmf.cols], [36602, 8]);
  assert.deepEqual(Array.from(res.obsm.X_nmf.data.subarray(0, 16)), Array.from((W.data as Float32Array).subarray(0, 16)));
  assert.deepEqual([res.varm.nmf.rows, res.varm.nmf.cols], [248, 8]);
  assert.equal(res.X.indptr[res.X.rows], 2611055);
});

test('stnmf nmf errors are one line, exit non-zero, and leave no output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cli-'));
  const out = join(dir, 'run');
  const cases: Array<[string[], number, RegExp]> = [
    [['nmf', H5, '--rank', '0', '--out', out], 2, /rank: must be a whole number from 1/],
    [['nmf', H5, '--rank', '9999', '--out', out], 2, /rank/],
    [['nmf', join(dir, 'missing.h5'), '--rank', '3', '--out', out], 3, /missing\.h5: no such file/],
    [['nmf', H5, '--rank', '3', '--loss', 'gaussian', '--out', out], 2, /--loss must be one of frobenius, poisson/],
    [['nmf', H5, '--out', out], 2, /--rank is required/],
    [['nmf', H5, '--rank', '3', '--bogus', '1', '--out', out], 2, /unknown option '--bogus'/],
  ];
  const notH5 = join(dir, 'not.h5');
  writeFileSync(notH5, 'this is not an HDF5 file\n');
  cases.push([['nmf', notH5, '--rank', '3', '--out', out], 3, /not\.h5/]);
  for (const [args, code, pattern] of cases) {
    const r = stnmf(...args);
    assert.equal(r.status, code, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    // Progress notes may come first; the error itself is exactly one line, and the last.
    const lines = r.stderr.trim().split('\n');
    const errors = lines.filter((l) => l.includes('error:'));
    assert.equal(errors.length, 1, `${args.join(' ')}: expected one error line, got ${r.stderr}`);
    assert.equal(errors[0], lines[lines.length - 1]);
    assert.match(errors[0], pattern);
    assert.ok(!existsSync(join(out, 'W.npy')) && !existsSync(join(out, 'summary.json')), 'output written despite the error');
    if (existsSync(out)) assert.deepEqual(readdirSync(out), [], 'staging left behind');
  }
});

test('stnmf demo runs on built-in data and writes ./stnmf-demo-like output', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-demo-')), 'demo');
  const r = stnmf('demo', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(summary.nmf.programRecovery > 0.99, `planted programs recovered with cosine ${summary.nmf.programRecovery}`);
  assert.ok(existsSync(join(out, 'nmf', 'W.npy')));
});
