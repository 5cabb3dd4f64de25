/**
 * `stnmf contrastive` end to end as a subprocess on the bcNMF demo tables (features x samples,
 * hence --features-in-rows), and its error exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../src/io/npy.js';
import { adjustedRandIndex } from '../src/metrics/index.js';
import { kmeans } from '../src/nmf/index.js';
import { DEMO_DIR } from './contrastive-helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const demo = (f: string) => fileURLToPath(new URL(f, DEMO_DIR));
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, 'contrastive', ...args], { encoding: 'utf8' });

test('stnmf contrastive on the demo tables writes the factors, h5ad and a summary; KMeans on H_target gives the published ARI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bcnmf-'));
  try {
    const out = join(dir, 'out');
    const r = run(['--target', demo('target_images.csv'), '--background', demo('background_images.csv'), '--features-in-rows', '--rank', '2', '--alpha', '2', '--max-iter', '300', '--seed', '1', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['basis.npy', 'H_target.npy', 'H_background.npy', 'summary.json', 'run.json', 'result.h5ad', 'enrichment.csv', 'history.csv']) assert.ok(existsSync(join(out, f)), f);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).objective, summary.objective);
    assert.ok(Math.abs(summary.objective / -1.0709e4 - 1) < 1e-3);
    const basis = readNpy(join(out, 'basis.npy')), h = readNpy(join(out, 'H_target.npy'));
    assert.deepEqual(basis.shape, [2, 784]);
    assert.deepEqual(h.shape, [200, 2]);
    const labels = Int32Array.from(readFileSync(demo('target_labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(',')[1])));
    const km = kmeans(h.data as Float32Array, 200, 2, { k: 2, seed: 0 });
    assert.ok(adjustedRandIndex(km.labels, labels) >= 0.84);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stnmf contrastive: different features fail with the difference listed (exit 3) unless --intersect; alpha < 0 and empty background fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bcnmf-'));
  try {
    writeFileSync(join(dir, 't.csv'), 'cell,A,B,C\nc1,1,2,3\nc2,3,1,0\nc3,0,2,5\n');
    writeFileSync(join(dir, 'b.csv'), 'cell,B,C,D\nd1,1,2,3\nd2,3,1,1\n');
    writeFileSync(join(dir, 'e.csv'), 'cell,A,B,C\n');
    const base = ['--target', join(dir, 't.csv'), '--rank', '1', '--max-iter', '5'];
    const bad = run([...base, '--background', join(dir, 'b.csv'), '--alpha', '1', '--out', join(dir, 'o1')]);
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /only in target: 1 \(A\); only in background: 1 \(D\)/);
    assert.ok(!existsSync(join(dir, 'o1', 'basis.npy')));
    const ok = run([...base, '--background', join(dir, 'b.csv'), '--alpha', '1', '--intersect', '--out', join(dir, 'o2')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readFileSync(join(dir, 'o2', 'var_names.txt'), 'utf8'), 'B\nC\n');
    const neg = run([...base, '--background', join(dir, 'b.csv'), '--alpha=-1', '--out', join(dir, 'o3')]);
    assert.equal(neg.status, 2);
    assert.match(neg.stderr, /alpha must be >= 0/);
    const empty = run([...base, '--background', join(dir, 'e.csv'), '--alpha', '1', '--out', join(dir, 'o4')]);
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr, /background|no observations|e\.csv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
