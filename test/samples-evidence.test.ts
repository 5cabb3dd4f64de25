// Issue 18's must-show on the four ST breast slices (scripts/samples-evidence.mjs, tables in
// docs/results.md): the usage maps of the shared-H fit are spatially coherent in every slice
// (Moran's I clearly positive for every factor), iNMF finds almost nothing sample-specific, and
// the script's comparison with four separate fits and the integrative fit is complete. Run short
// (100 iterations) to keep the suite fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BREAST } from './samples-helpers.js';

const SCRIPT = new URL('../../scripts/samples-evidence.mjs', import.meta.url).pathname;

test('shared factors of the four breast slices: coherent usage maps per slice, compared with separate fits', { skip: !existsSync(join(BREAST, 'slice1.csv')) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-samples-evidence-'));
  const r = spawnSync(process.execPath, [SCRIPT, dir, '--max-iter', '100'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ev = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8'));
  assert.equal(ev.sharedGenes, 6397);
  assert.deepEqual(ev.slices.map((s: { slice: string }) => s.slice), ['slice1', 'slice2', 'slice3', 'slice4']);
  for (const s of ev.slices) {
    assert.equal(s.moranJoint.length, 6);
    // Spot pitch ~1 array unit: the neighbourhood radius is 1.6 x the median nearest-spot distance.
    assert.ok(s.radius > 1.2 && s.radius < 2, `${s.slice}: radius ${s.radius}`);
    const m = s.moranJoint.reduce((a: number, b: number) => a + b, 0) / 6;
    assert.ok(m > 0.4 && Math.min(...s.moranJoint) > 0.2, `${s.slice}: Moran's I of the shared fit's usages ${s.moranJoint.map((x: number) => x.toFixed(3))}`);
    for (const x of [...s.separateVsJoint, ...s.inmfOwnVsShared]) assert.ok(x >= -1 && x <= 1);
    // The README's and results.md's reading: serial sections of one tumour need (almost) no
    // sample-specific programs (0.02 % of each slice's fit at 1000 iterations).
    assert.ok(s.specificShare < 1e-3, `${s.slice}: iNMF's own share ${s.specificShare}`);
    assert.ok(Math.min(...s.inmfOwnVsShared) > 0.99, `${s.slice}: H + V_s against H ${s.inmfOwnVsShared}`);
  }
  assert.equal(ev.separatePairs.length, 6);
  assert.match(r.stdout, /\| slice4 \| 262 \|/);
});
