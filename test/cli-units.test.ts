// Units are known or asked for (issue 13, point 6) on the radius-based steps beside hSNMF and
// multiomics: `metrics --radius` and SIID's `--mapping-distance` are in µm on every dataset, are
// refused with a one-line error naming the flag to pass when the coordinates' scale is unknown,
// and give the same answer on the same tissue whether its coordinates are in µm or in pixels of
// a stated size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapByCoordinates } from '../src/methods/siid/prepare.js';
import { pseudoVisium, simulateSiid } from '../src/simulate/siid.js';
import type { Dataset } from '../src/dataset.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

function stnmf(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

/** A copy of `d` whose coordinates are divided by `pxUm` and said to be pixels of `pxUm` µm (or of unknown size). */
function inPixels(d: Dataset, pxUm: number | undefined, divideBy: number): Dataset {
  const s = d.obsm.spatial!;
  const data = Float64Array.from(s.data, (v) => v / divideBy);
  return { ...d, obsm: { ...d.obsm, spatial: { rows: s.rows, cols: s.cols, data } }, meta: { ...d.meta, coordinateUnit: 'px', micronsPerUnit: pxUm } } as Dataset;
}

test('metrics --radius is in µm: refused on pixels of unknown size, and equal on µm and on 2 µm pixels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-units-'));
  assert.equal(stnmf(dir, 'simulate', 'siid', '--cells', '400', '--genes', '40', '--panel', '20', '--types', '3', '--grid', '4', '--extent', '800', '--out', 'sim').status, 0);
  assert.equal(stnmf(dir, 'nmf', 'sim/cells.h5ad', '--rank', '3', '--max-iter', '30', '--out', 'nmf').status, 0);
  assert.equal(stnmf(dir, 'cluster', 'nmf', '--neighbors', '10', '--out', 'cl').status, 0);
  // Pixels of unknown size: one line naming --microns-per-unit, exit 3, no folder.
  let r = stnmf(dir, 'metrics', 'cl', '--radius', '60', '--coordinate-unit', 'px', '--out', 'm-px');
  assert.equal(r.status, 3, r.stderr);
  assert.match(lastLine(r.stderr), /error: metrics --radius works in µm.*'px'.*pass --microns-per-unit/);
  assert.ok(!existsSync(join(dir, 'm-px')));
  // µm coordinates, radius 60 µm; the same coordinates declared as pixels of 2 µm, radius 120 µm,
  // see a tissue twice as large: the graph of radius 120 µm there is the graph of 60 µm here.
  r = stnmf(dir, 'metrics', 'cl', '--radius', '60', '--json', '--out', 'm-um');
  assert.equal(r.status, 0, r.stderr);
  const um = JSON.parse(r.stdout);
  r = stnmf(dir, 'metrics', 'cl', '--radius', '120', '--coordinate-unit', 'px', '--microns-per-unit', '2', '--json', '--out', 'm-2');
  assert.equal(r.status, 0, r.stderr);
  const px = JSON.parse(r.stdout);
  assert.deepEqual(px.moransI, um.moransI);
  assert.deepEqual(px.gearysC, um.gearysC);
  // And the 60 µm radius on those pixels is a different graph (the scale was applied, not ignored).
  r = stnmf(dir, 'metrics', 'cl', '--radius', '60', '--coordinate-unit', 'px', '--microns-per-unit', '2', '--json', '--out', 'm-2b');
  assert.equal(r.status, 0, r.stderr);
  assert.notDeepEqual(JSON.parse(r.stdout).moransI, um.moransI);
  const run = JSON.parse(readFileSync(join(dir, 'm-2', 'run.json'), 'utf8'));
  assert.equal(run.parameters.radiusUnit, 'um');
  assert.equal(run.parameters.micronsPerUnit, 2);
});

test('siid --mapping-distance is in µm: pixels of unknown size are refused naming the input flag; stated pixels map as µm do', () => {
  const sim = simulateSiid({ nCells: 300, nGenes: 40, nPanel: 20, types: 3, grid: 3, extent: 600, seed: 1 });
  const base = mapByCoordinates(sim.cells, sim.spots, 100);
  assert.ok(base.some((s) => s >= 0));
  // Cells in 0.5 µm pixels (coordinates x2), spots in µm: the same cell-to-spot map.
  assert.deepEqual(mapByCoordinates(inPixels(sim.cells, 0.5, 0.5), sim.spots, 100), base);
  // Spots in 4 µm pixels as well.
  assert.deepEqual(mapByCoordinates(inPixels(sim.cells, 0.5, 0.5), inPixels(sim.spots, 4, 4), 100), base);
  assert.throws(() => mapByCoordinates(inPixels(sim.cells, undefined, 1), sim.spots, 100), /coordinates of .*cells.* 'px' with no known µm per unit.*--cells-microns-per-unit/);

  const dir = mkdtempSync(join(tmpdir(), 'stnmf-units-'));
  assert.equal(stnmf(dir, 'simulate', 'siid', '--cells', '300', '--genes', '40', '--panel', '20', '--types', '3', '--grid', '3', '--extent', '600', '--out', 'sim').status, 0);
  const siid = ['siid', '--cells', 'sim/cells.h5ad', '--spots', 'sim/spots.h5ad', '--rank', '3', '--holdout-folds', '0', '--restarts', '1', '--max-iter', '20'];
  // (The simulated spots sit on a 100 µm hexagonal lattice, which states their scale; the
  // scattered cells have no such evidence.)
  let r = stnmf(dir, ...siid, '--cells-coordinate-unit', 'px', '--out', 'bad');
  assert.equal(r.status, 3, r.stderr);
  assert.match(lastLine(r.stderr), /error: siid --mapping-distance works in µm.*cells\.h5ad.*'px'.*pass --cells-microns-per-unit/);
  assert.ok(!existsSync(join(dir, 'bad')));
  // The CLI check comes before any output: stating the size (1 µm per pixel here) runs, and gives the µm run's result.
  r = stnmf(dir, ...siid, '--json', '--out', 'a');
  assert.equal(r.status, 0, r.stderr);
  r = stnmf(dir, ...siid, '--cells-coordinate-unit', 'px', '--cells-microns-per-unit', '1', '--json', '--out', 'b');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'b', 'proportions.csv'), 'utf8'), readFileSync(join(dir, 'a', 'proportions.csv'), 'utf8'));
});

test('pseudo-visium lays its 100 µm lattice in µm: stated pixels give the same spots, pixels of unknown size are refused', () => {
  const sim = simulateSiid({ nCells: 400, nGenes: 30, nPanel: 10, types: 3, grid: 3, extent: 700, seed: 2 });
  const um = pseudoVisium(sim.cells);
  const px = pseudoVisium(inPixels(sim.cells, 0.25, 0.25));
  assert.deepEqual(px.cellInSpot, um.cellInSpot);
  assert.deepEqual(Array.from(px.spots.obsm.spatial!.data), Array.from(um.spots.obsm.spatial!.data));
  assert.equal(px.spots.meta.coordinateUnit, 'um');
  assert.throws(() => pseudoVisium(inPixels(sim.cells, undefined, 1)), /'px' with no known µm per unit.*--microns-per-unit/);

  const dir = mkdtempSync(join(tmpdir(), 'stnmf-units-'));
  assert.equal(stnmf(dir, 'simulate', 'siid', '--cells', '200', '--genes', '30', '--panel', '10', '--types', '3', '--grid', '3', '--out', 'sim').status, 0);
  const r = stnmf(dir, 'simulate', 'pseudo-visium', '--from', 'sim/cells.h5ad', '--coordinate-unit', 'px', '--out', 'pv');
  assert.equal(r.status, 3, r.stderr);
  assert.match(lastLine(r.stderr), /error: simulate pseudo-visium .* works in µm.*'px'.*pass --microns-per-unit/);
  assert.ok(!existsSync(join(dir, 'pv')));
  const ok = stnmf(dir, 'simulate', 'pseudo-visium', '--from', 'sim/cells.h5ad', '--coordinate-unit', 'px', '--microns-per-unit', '1', '--out', 'pv');
  assert.equal(ok.status, 0, ok.stderr);
});
