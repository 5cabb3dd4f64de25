/**
 * `stnmf plot` and `stnmf report` on an `stnmf hsnmf --sweep` folder (sweep.csv only, no
 * factorisation): the sweep figure draws every run's criteria at their values, one line per
 * resolution, and the Pareto figure marks exactly the runs sweep.csv flags as Pareto-optimal.
 * Input: a simulated slide with planted domains (800 cells, 60 genes), written as .h5ad.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFigures } from '../src/outputs/figures.js';
import { resultFolder } from '../src/io/result.js';
import { reportHtml } from '../src/cli/commands/report.js';
import { writeH5ad } from '../src/io/h5ad.js';
import { parseCsvText } from '../src/plot/index.js';
import { simulateSpatialCounts } from '../src/simulate/index.js';
import { decodePng } from './viewer-helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const cli = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

test('hSNMF sweep folder: sweep and Pareto figures from sweep.csv, in plot and report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-plot-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sim = simulateSpatialCounts({ cells: 800, genes: 60, programs: 4, seed: 0 });
  await writeH5ad(join(dir, 'sim.h5ad'), sim.dataset);
  const out = join(dir, 'sweep');
  const run = cli(['hsnmf', join(dir, 'sim.h5ad'), '--sweep', '--ranks', '3,4,5', '--resolutions', '0.4,0.8', '--max-iter', '50', '--out', out]);
  assert.equal(run.status, 0, run.stderr);

  const [head, ...rows] = parseCsvText(readFileSync(join(out, 'sweep.csv'), 'utf8').trimEnd());
  const col = (name: string): string[] => rows.map((r) => r[head.indexOf(name)]);
  const rank = col('Rank').map(Number);
  const res = col('Resolution').map(Number);
  const mc = col('MoranChaos').map(Number);
  const sd = col('Sil_DBI').map(Number);
  const flagged = new Set(rows.flatMap((_, i) => (col('Pareto_MoranChaos_vs_SilDBI')[i] === 'True' ? [`k${rank[i]} r${res[i]}`] : [])));
  assert.equal(rows.length, 6);
  assert.ok(flagged.size >= 1);

  const figs = tableFigures(resultFolder(out));
  assert.deepEqual(figs.map((f) => f.name), ['sweep', 'pareto']);

  // Pareto: the labels drawn in ink (front) are exactly the flagged runs; the rest are grey.
  const pareto = figs[1].scene;
  const labels = pareto.prims.flatMap((p) => (p.t === 'text' && /^k\d+ r/.test(p.text) ? [p] : []));
  assert.equal(labels.length, rows.length);
  const front = new Set(labels.flatMap((p) => (p.t === 'text' && p.fill === '#222222' ? [p.text] : [])));
  assert.deepEqual([...front].sort(), [...flagged].sort());
  // Every label inside the figure (no clipping at the right edge).
  for (const p of labels) assert.ok(p.t === 'text' && p.x <= pareto.width && p.x >= 0, `${p.t === 'text' ? p.text : ''} at x=${p.t === 'text' ? p.x : ''}`);

  // Sweep: per criterion one line per resolution through its ranks, heights ordered as the values.
  const sweep = figs[0].scene;
  const paths = sweep.prims.filter((p) => p.t === 'path');
  const series = [mc, sd, col('n_clusters').map(Number)]; // CMC_x_Enrich is empty without gene sets
  assert.equal(paths.length, series.length * 2);
  paths.forEach((p, q) => {
    assert.ok(p.t === 'path');
    const values = series[Math.floor(q / 2)];
    const r = [0.4, 0.8][q % 2];
    const idx = rows.map((_, i) => i).filter((i) => res[i] === r).sort((a, b) => rank[a] - rank[b]);
    assert.equal(p.points.length, 2 * idx.length);
    for (let a = 0; a < idx.length; a++) {
      for (let b = 0; b < idx.length; b++) {
        // Larger values are drawn higher (smaller pixel y).
        if (values[idx[a]] > values[idx[b]]) assert.ok(p.points[2 * a + 1] < p.points[2 * b + 1], `series ${Math.floor(q / 2)}, resolution ${r}: ranks ${rank[idx[a]]} vs ${rank[idx[b]]}`);
      }
    }
  });
  const legendTexts = sweep.prims.flatMap((p) => (p.t === 'text' ? [p.text] : []));
  for (const s of ['resolution', '0.4', '0.8']) assert.ok(legendTexts.includes(s), s);

  // CLI: both figures in both formats; report embeds them.
  const plot = cli(['plot', out, '--format', 'both']);
  assert.equal(plot.status, 0, plot.stderr);
  for (const f of ['sweep.png', 'sweep.svg', 'pareto.png', 'pareto.svg']) assert.ok(existsSync(join(out, 'figures', f)), f);
  const rep = await reportHtml(out);
  for (const name of ['sweep', 'pareto']) assert.ok(rep.html.includes(`<b>${name}</b>`), name);
  const pngs = [...rep.html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => decodePng(new Uint8Array(Buffer.from(m[1], 'base64'))));
  assert.equal(pngs.length, 2);
  assert.ok(pngs.every((p) => p.width > 300));

  // --gene on a folder without factors is a one-line usage error.
  const bad = cli(['plot', out, '--gene', 'g1']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trim(), /^stnmf plot: error: --gene\/--imputed: .* has no factorisation/);
});
