/**
 * `stnmf consensus` end to end on a small simulated set: replicate spectra are bit-identical
 * with 1 and 2 threads; two workers (`--worker-index/--total-workers`) + `--combine` give the
 * same consensus as one run; outputs (k_selection.csv/png, consensus_k{k}/ with spectra,
 * usages, markers and result.h5ad, the density and clustergram figures) are written; --combine
 * refuses while replicates are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataset } from '../src/dataset.js';
import { writeH5ad } from '../src/io/h5ad.js';
import { simulateCnmf } from '../src/simulate/cnmf.js';
import { readNpy } from '../src/io/npy.js';
import { BREAST, breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const stnmf = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('stnmf consensus: thread-count independent, worker split + combine equals one run, all outputs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cnmf-'));
  try {
    const sim = simulateCnmf({ cells: 200, genes: 60, identities: 3, activities: 0, seed: 4 });
    const input = join(dir, 'sim.h5ad');
    await writeH5ad(input, makeDataset(sim.X, Array.from({ length: 200 }, (_, i) => `c${i}`), Array.from({ length: 60 }, (_, j) => `g${j}`)));
    const common = ['--ranks', '2:3', '--replicates', '4', '--solver', 'hals', '--max-iter', '100', '--seed', '7'];
    const a = stnmf('consensus', input, ...common, '--threads', '1', '--out', join(dir, 'a'));
    assert.equal(a.status, 0, a.stderr);
    const b = stnmf('consensus', input, ...common, '--threads', '2', '--out', join(dir, 'b'));
    assert.equal(b.status, 0, b.stderr);
    const reps = readdirSync(join(dir, 'a', 'replicates')).sort();
    assert.equal(reps.length, 8);
    for (const f of reps) assert.ok(readFileSync(join(dir, 'a', 'replicates', f)).equals(readFileSync(join(dir, 'b', 'replicates', f))), `${f} differs between 1 and 2 threads`);
    // Worker split: combine first refuses, then merges.
    const w0 = stnmf('consensus', input, ...common, '--worker-index', '0', '--total-workers', '2', '--threads', '1', '--out', join(dir, 'c'));
    assert.equal(w0.status, 0, w0.stderr);
    const early = stnmf('consensus', input, ...common, '--combine', '--out', join(dir, 'c'));
    assert.notEqual(early.status, 0);
    assert.match(early.stderr, /4 of 8 replicates are not in/);
    const w1 = stnmf('consensus', input, ...common, '--worker-index', '1', '--total-workers', '2', '--threads', '1', '--out', join(dir, 'c'));
    assert.equal(w1.status, 0, w1.stderr);
    const c = stnmf('consensus', input, ...common, '--combine', '--out', join(dir, 'c'));
    assert.equal(c.status, 0, c.stderr);
    for (const k of [2, 3]) {
      const sub = `consensus_k${k}`;
      for (const f of ['spectra.npy', 'usages.npy', 'spectra.csv', 'markers.csv', 'result.h5ad', 'density_histogram.png', 'clustergram.png']) assert.ok(existsSync(join(dir, 'a', sub, f)), `${sub}/${f}`);
      assert.ok(readFileSync(join(dir, 'a', sub, 'spectra.npy')).equals(readFileSync(join(dir, 'c', sub, 'spectra.npy'))), `${sub} spectra differ between one run and worker split`);
      assert.ok(readFileSync(join(dir, 'a', sub, 'spectra.npy')).equals(readFileSync(join(dir, 'b', sub, 'spectra.npy'))));
    }
    const ks = readFileSync(join(dir, 'a', 'k_selection.csv'), 'utf8').trim().split('\n');
    assert.equal(ks[0].split(',').slice(0, 3).join(','), 'k,stability,prediction_error');
    assert.equal(ks.length, 3);
    assert.deepEqual(readFileSync(join(dir, 'a', 'k_selection.png')).subarray(1, 4).toString(), 'PNG');
    assert.equal(readFileSync(join(dir, 'a', 'k_selection.csv'), 'utf8'), readFileSync(join(dir, 'c', 'k_selection.csv'), 'utf8'));
    // A resumed run recomputes nothing.
    const again = stnmf('consensus', input, ...common, '--threads', '1', '--out', join(dir, 'a'));
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /8 of 8 replicates already saved/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('consensus --samples: one set of spectra for the four breast slices, each slice\'s usages as its rows of usages.npy', { skip: !existsSync(join(BREAST, 'slice1.csv')) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cnmf-samples-'));
  const r = stnmf('consensus', '--samples', breastManifest(dir), '--ranks', '3', '--replicates', '3', '--max-iter', '30', '--out', join(dir, 'out'));
  assert.equal(r.status, 0, r.stderr);
  const k3 = join(dir, 'out', 'consensus_k3');
  const all = readNpy(join(k3, 'usages.npy'));
  const names = readFileSync(join(dir, 'out', 'consensus_k3', 'obs_names_slice1.txt'), 'utf8').trim().split('\n');
  assert.equal(names.length, 254);
  assert.ok(names.every((n) => n.endsWith('-slice1')));
  let at = 0;
  for (const s of ['slice1', 'slice2', 'slice3', 'slice4']) {
    const u = readNpy(join(k3, `usages_${s}.npy`));
    // The manifest's samples are stacked in order, so slice s is a block of rows of usages.npy.
    assert.deepEqual(Array.from(u.data as Float32Array), Array.from((all.data as Float32Array).subarray(at * 3, (at + u.shape[0]) * 3)), s);
    at += u.shape[0];
  }
  assert.equal(at, all.shape[0]);
});
