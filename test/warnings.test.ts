// The one warning channel: results carry `warnings`, the CLI writes them to summary.json and
// as one `warning:` line each on stderr (scikit-learn's ConvergenceWarning and friends).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nmf } from '../src/nmf/index.js';
import { emptyFactorWarnings, zeroLineWarnings } from '../src/warnings.js';
import { Rng } from '../src/linalg/rng.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

function lowRank(n: number, p: number, seed: number): { rows: number; cols: number; data: Float32Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[i * p + j] = 1 + 5 * rng.uniform() * ((i + j) % 3);
  return { rows: n, cols: p, data };
}

test('warnings: nmf warns when the iteration cap stops it, not when it converges or tol = 0', async () => {
  const X = lowRank(40, 12, 1);
  const capped = await nmf(X, { rank: 3, maxIter: 2, tol: 1e-4, seed: 0 });
  assert.deepEqual(capped.warnings.map((w) => w.code), ['not-converged']);
  assert.match(capped.warnings[0].message, /maximum number of iterations \(2\)/);
  const exact = await nmf(X, { rank: 3, maxIter: 2, tol: 0, seed: 0 });
  assert.deepEqual(exact.warnings, []);
  const done = await nmf(X, { rank: 3, maxIter: 2000, tol: 1e-3, seed: 0 });
  assert.equal(done.converged, true);
  assert.deepEqual(done.warnings.filter((w) => w.code === 'not-converged'), []);
});

test('warnings: all-zero rows and columns, and empty factors, are counted exactly', () => {
  const X = { rows: 4, cols: 3, indptr: Int32Array.from([0, 1, 1, 2, 2]), indices: Int32Array.from([0, 2]), data: Float32Array.from([1, 3]) };
  const w = zeroLineWarnings(X);
  assert.deepEqual(w.map((x) => x.code), ['zero-observations', 'zero-features']);
  assert.match(w[0].message, /^2 of 4 observations/);
  assert.match(w[1].message, /^1 of 3 features/);
  assert.deepEqual(zeroLineWarnings({ rows: 1, cols: 2, data: [1, 2] }), []);
  // Factor 2 has a non-zero W column but a zero H row: it reconstructs nothing.
  const W = { rows: 2, cols: 3, data: [1, 1, 0, 2, 1, 0] };
  const H = { rows: 3, cols: 2, data: [1, 2, 0, 0, 0, 0] };
  const e = emptyFactorWarnings(W, H);
  assert.equal(e.length, 1);
  assert.match(e[0].message, /2 of 3 factors .*\(Factor_2, Factor_3\)/);
  assert.deepEqual(emptyFactorWarnings({ rows: 1, cols: 1, data: [1] }, { rows: 1, cols: 1, data: [1] }), []);
});

test('warnings: the CLI writes them to summary.json and one stderr line each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-warn-'));
  try {
    // A cell with no counts (c3) and a gene never detected (g4).
    const rows = ['cell_id,g1,g2,g3,g4', 'c1,5,0,2,0', 'c2,1,4,0,0', 'c3,0,0,0,0', 'c4,3,3,1,0', 'c5,0,2,6,0', 'c6,2,1,1,0'];
    writeFileSync(join(dir, 'm.csv'), rows.join('\n') + '\n');
    const r = spawnSync(process.execPath, [CLI, 'nmf', join(dir, 'm.csv'), '--orientation', 'obs-rows', '--rank', '2', '--max-iter', '3', '--out', join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.deepEqual(summary.warnings.map((w: { code: string }) => w.code), ['zero-observations', 'zero-features', 'not-converged']);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('stnmf nmf: warning: '));
    assert.deepEqual(lines.map((l) => l.slice('stnmf nmf: warning: '.length)), summary.warnings.map((w: { message: string }) => w.message));
    assert.match(summary.warnings[0].message, /^1 of 6 observations/);
    assert.match(summary.warnings[1].message, /^1 of 4 features/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
