/**
 * The HTML report: built from a real Xenium NMF result folder, it carries the summary, the
 * parameters, every CSV as a table, figures as embedded PNGs that decode, and no external
 * reference or script (so it opens offline). CSV parsing follows RFC 4180.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, parseCsvText } from '../src/plot/index.js';
import { reportHtml } from '../src/cli/commands/report.js';
import { decodePng, xeniumResult } from './viewer-helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

test('parseCsvText: quotes, doubled quotes, CRLF, empty fields', () => {
  assert.deepEqual(parseCsvText('a,b,c\r\n"x, y","say ""hi""",\n1,,3'), [
    ['a', 'b', 'c'],
    ['x, y', 'say "hi"', ''],
    ['1', '', '3'],
  ]);
});

test('report of a real NMF result folder is self-contained and complete', async () => {
  const fx = await xeniumResult(1);
  const r = await reportHtml(fx.dir);
  const html = r.html;
  assert.deepEqual(r.notes, []);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  // Offline: no scripts, no external loads.
  assert.ok(!/<script/i.test(html));
  assert.ok(!/\b(src|href)="(https?:)?\/\//i.test(html));
  // Summary and parameters.
  const summary = JSON.parse(readFileSync(join(fx.dir, 'summary.json'), 'utf8'));
  assert.ok(html.includes(`<div class="v">${summary.nObs}</div><div class="k">nObs</div>`));
  assert.ok(html.includes('<th>solver</th><td>hals</td>'));
  // Tables: clusters.csv and spatial.csv with their row counts.
  assert.ok(html.includes(`clusters.csv <span class="muted">(${fx.n} rows x 2 columns)`));
  assert.ok(html.includes(`spatial.csv <span class="muted">(${fx.n} rows x 3 columns)`));
  // Figures: factors, top features, clusters, each a decodable PNG.
  const pngs = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
  assert.equal(pngs.length, 3);
  for (const p of pngs) assert.ok(decodePng(new Uint8Array(p)).width > 100);
  for (const name of ['factors', 'top-features', 'clusters-dominant_factor']) assert.ok(html.includes(`<b>${name}</b>`), name);
});

test('buildReport escapes text and inlines SVG figures', () => {
  const html = buildReport({ title: 'a <b>&', summary: { note: '<script>x</script>' }, figures: [{ name: 'f', svg: '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>' }] });
  assert.ok(html.includes('a &lt;b&gt;&amp;'));
  assert.ok(!html.includes('<script>x'));
  assert.ok(html.includes('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'));
});

test('stnmf report writes report.html into the folder (CLI)', async (t) => {
  const { COMMANDS } = await import('../src/cli/commands/index.js');
  if (!COMMANDS.some((c) => c.name === 'report')) {
    t.skip("'report' is not registered in src/cli/commands/index.ts yet");
    return;
  }
  const fx = await xeniumResult(1);
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['W.npy', 'H.npy', 'barcodes.tsv', 'genes.tsv', 'spatial.csv', 'clusters.csv', 'summary.json', 'run.json']) {
    spawnSync('cp', [join(fx.dir, f), dir]);
  }
  const res = spawnSync(process.execPath, ['dist/src/cli/main.js', 'report', dir, '--json'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(out.figures, 3);
  assert.ok(existsSync(join(dir, 'report.html')));
  assert.equal(readFileSync(join(dir, 'summary.json'), 'utf8'), readFileSync(join(fx.dir, 'summary.json'), 'utf8'));
  const bad = spawnSync(process.execPath, ['dist/src/cli/main.js', 'report', join(dir, 'missing')], { cwd: REPO, encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /no such folder/);
});
