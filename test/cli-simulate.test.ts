// stnmf simulate pseudo-visium on the real Xenium run: the spot slide of docs/results.md
// (55 µm spots on a 100 µm lattice: 1,528 spots holding 9,968 cells), counts conserved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5ad } from '../src/io/h5ad.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const XENIUM = new URL('../../../shared/data/xenium-mouse-brain', import.meta.url).pathname;

test('simulate pseudo-visium builds the Xenium spot slide; spot counts are the sums of their cells', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-pv-')), 'pv');
  const r = spawnSync(process.execPath, [CLI, 'simulate', 'pseudo-visium', '--from', XENIUM, '--out', out, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.spots, 1528);
  assert.equal(s.capturedCells, 9968);
  const cells = await readH5ad(join(out, 'cells.h5ad'));
  const spots = await readH5ad(join(out, 'spots.h5ad'));
  const spotOf = cells.obs.columns.get('spot');
  assert.ok(spotOf && spotOf.kind === 'number');
  let cellTotal = 0, spotTotal = 0;
  for (let i = 0; i < cells.X.rows; i++) if (spotOf.values[i] >= 0) for (let q = cells.X.indptr[i]; q < cells.X.indptr[i + 1]; q++) cellTotal += cells.X.data[q];
  for (const v of spots.X.data) spotTotal += v;
  assert.equal(spotTotal, cellTotal);
  assert.deepEqual(spots.var.index, cells.var.index);
});

test('simulate pseudo-visium without --from is a one-line usage error and writes nothing', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'stnmf-pv-')), 'pv');
  const r = spawnSync(process.execPath, [CLI, 'simulate', 'pseudo-visium', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim().split('\n').pop()!, /--from <single-cell slide> is required/);
  assert.ok(!existsSync(join(out, 'spots.h5ad')));
});
