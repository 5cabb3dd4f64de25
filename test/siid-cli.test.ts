/**
 * `stnmf simulate siid` and `stnmf siid` end to end as subprocesses, and the bad inputs of the
 * SIID brief: cell genes missing from the spots (error listing them, or --intersect), no cell
 * within the mapping distance, coordinates in different units, rank larger than the panel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../src/cli/commands/index.js';
import { makeDataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { readH5ad } from '../src/io/h5ad.js';
import { prepareSiid } from '../src/methods/siid/index.js';
import { simulateSiid } from '../src/simulate/index.js';

const registered = COMMANDS.some((c) => c.name === 'siid') && COMMANDS.some((c) => c.name === 'simulate');
const ENTRY = fileURLToPath(new URL(registered ? '../src/cli/main.js' : './siid-cli-runner.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8' });

test('stnmf simulate siid + stnmf siid: outputs, holdout and truth scores', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-siid-'));
  try {
    const sim = join(dir, 'sim');
    const g = run(['simulate', 'siid', '--cells', '1200', '--genes', '300', '--panel', '80', '--types', '5', '--grid', '6', '--extent', '1000', '--seed', '3', '--out', sim]);
    assert.equal(g.status, 0, g.stderr);
    for (const f of ['cells.h5ad', 'spots.h5ad', 'cells_full.h5ad', 'cell_types.csv', 'spot_proportions.csv', 'summary.json']) assert.ok(existsSync(join(sim, f)), f);
    const out = join(dir, 'fit');
    const r = run(['siid', '--cells', join(sim, 'cells.h5ad'), '--spots', join(sim, 'spots.h5ad'), '--rank', '5', '--holdout-folds', '4', '--entropy-lambda', '0', '--visium-genes', 'all', '--impute', 'gene1,gene2', '--truth', join(sim, 'cell_types.csv'), '--max-iter', '60', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const k of ['holdoutR2', 'objective', 'ari', 'jsDivergence']) assert.equal(typeof summary[k], 'number', k);
    assert.equal(typeof JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).seconds, 'number', 'run.json seconds');
    assert.ok(summary.ari > 0.95, `ARI ${summary.ari}`);
    assert.ok(summary.jsDivergence < 0.05, `JS ${summary.jsDivergence}`);
    assert.ok(summary.holdoutR2 > Math.max(...Object.values(summary.baselineR2 as Record<string, number>)), JSON.stringify(summary));
    const r2 = readFileSync(join(out, 'holdout_r2.csv'), 'utf8').trim().split('\n');
    assert.equal(r2[0], 'gene,r2,fold,baseline_A,baseline_B,baseline_C,baseline_D');
    assert.equal(r2.length, 81);
    const props = readFileSync(join(out, 'proportions.csv'), 'utf8').trim().split('\n');
    assert.equal(props[0], 'spot,Factor_1,Factor_2,Factor_3,Factor_4,Factor_5');
    const row = props[1].split(',').slice(1).map(Number);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    const ds = await readH5ad(join(out, 'result.h5ad'));
    assert.equal(ds.X.rows, 1200);
    const panelNames = ds.var.index.slice(0, 80);
    assert.deepEqual(ds.var.index.slice(80), ['gene1', 'gene2'].filter((x) => !panelNames.includes(x)));
    const imp = ds.layers.imputed;
    assert.equal(imp.rows, 1200);
    assert.equal(imp.cols, ds.var.index.length);
    assert.ok('holdout' in ds.layers);
    assert.equal(ds.obsm.X_siid.cols, 5);
    // The cells' obs columns are kept beside SIID's (results chain, issue 13 point 8).
    const cells = await readH5ad(join(sim, 'cells.h5ad'));
    for (const [name, col] of cells.obs.columns) assert.deepEqual(ds.obs.columns.get(name), col, `obs column ${name}`);
    assert.ok(ds.obs.columns.has('siid_spot'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stnmf siid: bad inputs fail with one-line errors and exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-siid-'));
  try {
    const sim = join(dir, 'sim');
    assert.equal(run(['simulate', 'siid', '--cells', '300', '--genes', '60', '--panel', '20', '--types', '3', '--grid', '3', '--extent', '500', '--out', sim]).status, 0);
    const base = ['siid', '--cells', join(sim, 'cells.h5ad'), '--spots', join(sim, 'spots.h5ad'), '--holdout-folds', '0', '--max-iter', '5', '--restarts', '1'];
    const big = run([...base, '--rank', '21', '--out', join(dir, 'o1')]);
    assert.equal(big.status, 2);
    assert.match(big.stderr, /rank 21 is larger than the 20 panel genes/);
    assert.ok(!existsSync(join(dir, 'o1', 'summary.json')));
    const far = run([...base, '--rank', '3', '--mapping-distance', '0.001', '--out', join(dir, 'o2')]);
    assert.equal(far.status, 3);
    assert.match(far.stderr, /no cell lies within 0\.001 µm of any spot/);
    const threads = run([...base, '--rank', '3', '--threads', '0', '--out', join(dir, 'o4')]);
    assert.equal(threads.status, 2);
    assert.match(threads.stderr, /--threads must be >= 1, got 0/);
    assert.ok(!existsSync(join(dir, 'o4')));
    const ok = run([...base, '--rank', '3', '--threads', '1', '--out', join(dir, 'o3')]);
    assert.equal(ok.status, 0, ok.stderr);
    const summary = JSON.parse(readFileSync(join(dir, 'o3', 'summary.json'), 'utf8'));
    assert.equal(summary.threads, 1);
    assert.match(String(summary.backend), /^(wasm|ts)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prepareSiid: missing genes listed (or intersected), spots in pixels of unknown size rejected', () => {
  const sim = simulateSiid({ nCells: 200, nGenes: 40, nPanel: 10, types: 3, grid: 3, extent: 400, seed: 1 });
  const cells = sim.cells;
  const extraGenes = makeDataset(cells.X, [...cells.obs.index], cells.var.index.map((g, j) => (j < 2 ? `Foo${j}` : g)), { coordinateUnit: 'um', source: 'cells.h5ad' });
  extraGenes.obsm.spatial = cells.obsm.spatial;
  assert.throws(
    () => prepareSiid({ cells: extraGenes, spots: sim.spots }, { rank: 3 }),
    (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /2 of the 10 cell genes are not in the spot data .*: Foo0, Foo1/.test(e.message),
  );
  const inter = prepareSiid({ cells: extraGenes, spots: sim.spots }, { rank: 3, missingGenes: 'intersect' });
  assert.equal(inter.panelGenes.length, 8);
  assert.deepEqual(inter.notes.droppedCellGenes, ['Foo0', 'Foo1']);
  // Pixels of unknown size: the µm mapping distance cannot be applied (issue 13, point 6).
  const px = { ...sim.spots, meta: { ...sim.spots.meta, coordinateUnit: 'px' as const, micronsPerUnit: undefined } };
  assert.throws(
    () => prepareSiid({ cells, spots: px }, { rank: 3 }),
    (e: unknown) => e instanceof StnmfError && /mapping distance works in µm, but the coordinates of .* are in 'px' with no known µm per unit; pass --spots-microns-per-unit/.test(e.message),
  );
  assert.throws(() => prepareSiid({ cells, spots: sim.spots }, { rank: 11 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION');
});

test('a cell matrix with genes in rows is refused as transposed, naming the input\'s --…-orientation (issue 13: "510 of the 510 cell genes are not in the spot data: P60HippoRep…")', () => {
  const ref = fileURLToPath(new URL('../../../shared/data/visium-hippocampus-scrna-ref', import.meta.url));
  if (!existsSync(ref)) return;
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-siid-'));
  try {
    // The single-cell reference read the wrong way round (forced by the user) and stored as h5ad:
    // 307 "cells" that are genes, 510 "genes" that are cell barcodes.
    const t = join(dir, 'ref-transposed.h5ad');
    const c = run(['convert', join(ref, 'Reference/Visium_Ref/counts.csv'), '--orientation', 'obs-rows', '--out', t]);
    assert.equal(c.status, 0, c.stderr);
    const spots = join(ref, 'SpatialRNA/VisiumVignette');
    writeFileSync(join(dir, 'markers.csv'), 'cell_type,feature\nastro,Gfap\n');
    const cases: [string[], RegExp][] = [
      [['siid', '--cells', t, '--spots', spots, '--rank', '5'], /error: --cells .*ref-transposed\.h5ad: the matrix looks transposed \(its 'genes' look like barcodes \(e\.g\. "P60HippoRep.*--cells-orientation obs-rows/],
      [['siid', '--cells', spots, '--spots', t, '--rank', '5'], /error: --spots .*: the matrix looks transposed .*--spots-orientation/],
      [['multiomics', '--tx', t, '--markers', join(dir, 'markers.csv')], /error: --tx .*: the matrix looks transposed .*--tx-orientation/],
      [['nmf', t, '--rank', '2'], /error: .*ref-transposed\.h5ad: the matrix looks transposed .*adata\.T/],
    ];
    cases.forEach(([args, re], i) => {
      const out = join(dir, `o${i}`);
      const r = run([...args, '--out', out]);
      assert.equal(r.status, 3, `${args.join(' ')}: ${r.stderr}`);
      const errs = r.stderr.split('\n').filter((l) => / error: /.test(l));
      assert.equal(errs.length, 1, r.stderr);
      assert.match(errs[0], re);
      assert.ok(!existsSync(out));
    });
    // info reports instead of refusing: exit 0, one warning line naming the file and the flag,
    // the same warning in --json.
    const inf = run(['info', t, '--json']);
    assert.equal(inf.status, 0, inf.stderr);
    const warns = inf.stderr.split('\n').filter((l) => l.startsWith('stnmf info: warning: '));
    assert.equal(warns.length, 1, inf.stderr);
    assert.match(warns[0], /ref-transposed\.h5ad: the matrix looks transposed \(its 'genes' look like barcodes.*--orientation obs-rows/);
    assert.deepEqual(JSON.parse(inf.stdout).warnings.map((w: { code: string }) => w.code), ['looks-transposed']);
    const plain = run(['info', join(ref, 'Reference/Visium_Ref/counts.csv')]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /warning/);
    // The user's word on the orientation is not second-guessed.
    const forced = run(['nmf', t, '--rank', '2', '--max-iter', '2', '--orientation', 'obs-rows', '--out', join(dir, 'forced')]);
    assert.equal(forced.status, 0, forced.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
