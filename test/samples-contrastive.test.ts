// `contrastive --samples` (issue 18, point 3): the breast slices pooled by condition (slices
// 3–4 target, 1–2 background) from one manifest; per-slice factor usage whose cell-weighted
// means are the pooled target/background means of enrichment.csv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BREAST, breastManifest } from './samples-helpers.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

test('contrastive --samples pools slices by condition and reports each slice’s factor enrichment', { skip: !existsSync(join(BREAST, 'slice1.csv')) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sc-'));
  const out = join(dir, 'bc');
  const r = spawnSync(process.execPath, [CLI, 'contrastive', '--samples', breastManifest(dir), '--target-where', 'condition == "late"', '--background-where', 'condition == "early"', '--hvg', '300', '--rank', '3', '--alpha', '0.5', '--max-iter', '50', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.nTarget, 264 + 262);
  assert.equal(s.nBackground, 254 + 251);
  assert.deepEqual(s.perSample.map((m: { sample: string; side: string }) => `${m.sample}:${m.side}`), ['slice3:target', 'slice4:target', 'slice1:background', 'slice2:background']);
  const pooled = readFileSync(join(out, 'enrichment.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  for (const [side, col] of [['target', 2], ['background', 3]] as const) {
    const rows = s.perSample.filter((m: { side: string }) => m.side === side);
    const n = rows.reduce((a: number, m: { nObs: number }) => a + m.nObs, 0);
    for (const row of pooled) {
      const k = Number(row[0].replace('Factor_', '')) - 1;
      const w = rows.reduce((a: number, m: { nObs: number; mean: number[] }) => a + m.nObs * m.mean[k], 0) / n;
      assert.ok(Math.abs(w - Number(row[col])) <= 1e-9 * Math.abs(w), `${side} ${row[0]}: ${w} vs ${row[col]}`);
    }
  }
  assert.equal(readFileSync(join(out, 'per_sample_enrichment.csv'), 'utf8').trim().split('\n').length, 5);
});
