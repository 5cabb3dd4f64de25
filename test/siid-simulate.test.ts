/**
 * The SIID simulators: the checkerboard design against the peer's statistics for the same
 * configuration (siid_sim.py meta.json in test/fixtures/siid/checkerboard/reference.json), the
 * checkerboard constraint, and the pseudo-Visium builder on the real Xenium mouse-brain cells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readXenium } from '../src/io/xenium.js';
import { Rng } from '../src/linalg/rng.js';
import { checkerboardTypes, hexLattice, pseudoVisium, simulateSiid } from '../src/simulate/index.js';

const REF = JSON.parse(readFileSync(new URL('../../test/fixtures/siid/checkerboard/reference.json', import.meta.url), 'utf8')) as { meta: Record<string, number> };
const XENIUM = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain', import.meta.url));

test('checkerboard layout: 4-neighbouring squares always differ', () => {
  for (const [l, h] of [[10, 8], [20, 3], [7, 4]]) {
    const T = checkerboardTypes(l, h, new Rng(l * h));
    for (let a = 0; a < l; a++) for (let b = 0; b < l; b++) {
      if (a > 0) assert.notEqual(T[a * l + b], T[(a - 1) * l + b]);
      if (b > 0) assert.notEqual(T[a * l + b], T[a * l + b - 1]);
    }
  }
});

test('simulateSiid matches the peer generator statistics for the checkerboard configuration', () => {
  const sim = simulateSiid({ seed: 0 });
  const m = REF.meta;
  const s = sim.stats;
  assert.equal(s.cells, m.n_cells);
  // Uniform cells on a 2000 µm square with a 100 µm hexagonal lattice: every cell mapped, the same lattice.
  assert.equal(hexLattice(2000, 2000, 100).length / 2, m.n_spots_lattice);
  assert.ok(Math.abs(s.spots - m.n_spots) <= 5, `spots ${s.spots} vs peer ${m.n_spots}`);
  assert.ok(Math.abs(s.cellsPerSpot - m.cells_per_spot_mean) < 0.1, `cells/spot ${s.cellsPerSpot}`);
  assert.ok(Math.abs(s.pureSpotFraction - m.spots_pure_fraction) < 0.06, `pure spots ${s.pureSpotFraction} vs ${m.spots_pure_fraction}`);
  // Library sizes LogNormal(log 500, 0.3) over 1000 genes; the panel holds 300 of them.
  const peerCountsPerCell = m.xenium_total / m.n_cells;
  assert.ok(Math.abs(s.countsPerCellPanel / peerCountsPerCell - 1) < 0.1, `panel counts per cell ${s.countsPerCellPanel} vs ${peerCountsPerCell}`);
  const peerNnz = m.xenium_nnz / (m.n_cells * m.n_panel);
  assert.ok(Math.abs(s.panelNonzeroFraction - peerNnz) < 0.03, `panel non-zero fraction ${s.panelNonzeroFraction} vs ${peerNnz}`);
  // Spot counts are the sums of their cells' full counts.
  let cellTotal = 0, spotTotal = 0;
  for (const v of sim.fullCounts.data) cellTotal += v;
  for (const v of sim.spots.X.data) spotTotal += v;
  assert.equal(spotTotal, cellTotal);
  for (let sIdx = 0; sIdx < s.spots; sIdx++) {
    let t = 0;
    for (let k = 0; k < 8; k++) t += sim.spotProportions[sIdx * 8 + k];
    assert.ok(Math.abs(t - 1) < 1e-12);
  }
});

test('pseudoVisium on the real Xenium cells: 55 µm disks on a 100 µm hexagonal lattice', async () => {
  const cells = await readXenium(XENIUM);
  const pv = pseudoVisium(cells);
  const sxy = pv.spots.obsm.spatial!.data;
  const cxy = cells.obsm.spatial!;
  // Every captured cell lies inside its spot's disk; spot counts are the sums of their cells.
  let total = 0;
  for (let i = 0; i < cells.X.rows; i++) {
    const s = pv.cellInSpot[i];
    if (s < 0) continue;
    const d = Math.hypot(cxy.data[i * cxy.cols] - sxy[2 * s], cxy.data[i * cxy.cols + 1] - sxy[2 * s + 1]);
    assert.ok(d <= 27.5 + 1e-9, `cell ${i} at ${d} µm from its spot centre`);
    for (let q = cells.X.indptr[i]; q < cells.X.indptr[i + 1]; q++) total += cells.X.data[q];
  }
  let spotTotal = 0;
  for (const v of pv.spots.X.data) spotTotal += v;
  assert.equal(spotTotal, total);
  // Captured fraction ≈ disk area / hexagon cell area = π·27.5² / (100²·√3/2) ≈ 0.274.
  const frac = pv.capturedCells / cells.X.rows;
  assert.ok(frac > 0.22 && frac < 0.33, `captured fraction ${frac}`);
  // Nearest spot centres are 100 µm apart.
  const d01 = Math.hypot(sxy[2] - sxy[0], sxy[3] - sxy[1]);
  assert.ok(Math.abs(d01 - 100) < 1e-9 || d01 > 100, `adjacent spots ${d01} µm apart`);
  assert.deepEqual(pv.spots.var.index, cells.var.index);
});
