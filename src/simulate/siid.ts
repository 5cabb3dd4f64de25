/**
 * Simulators with known truth for SIID (methods-spec M2.9):
 *
 * - `simulateSiid`: the checkerboard design. An l x l grid over [0, extent]², one cell type per
 *   square, 4-neighbouring squares always different; cells uniform (or given coordinates);
 *   library sizes N_i ~ LogNormal(log meanCount, countSdlog); type profiles Dirichlet(α·1) over
 *   G genes (or given); full counts C_ig ~ Poisson(N_i·μ_{t(i),g}); the panel G_X is a random
 *   subset; spots on a hexagonal lattice (spacing 100), each cell mapped to its nearest spot
 *   within mapRadius, spot counts = sums of their cells' full counts, empty spots dropped.
 *   Same design and defaults as the peer `siid_sim.py generate` (not bit-identical: the toolkit
 *   has its own RNG).
 * - `pseudoVisium`: turns a real single-cell slide into a Visium-like slide: 55 µm spots on a
 *   100 µm hexagonal lattice, each spot's counts the sum over the cells whose centroid lies
 *   inside its disk; spots without cells are dropped.
 *
 * Layer 2: runs in browsers.
 */
import { makeDataset, type Dataset } from '../dataset.js';
import { StnmfError } from '../errors.js';
import { csrFromCoo, type Csr } from '../linalg/csr.js';
import { Rng } from '../linalg/rng.js';
import { mapToNearest } from '../spatial/index.js';

/** Options of `simulateSiid`; defaults are the peer harness's (siid_sim.py generate). */
export interface SiidSimOptions {
  /** Cells (default 4000). Ignored when `coords` is given. */
  nCells?: number;
  /** Genes G_V (default 1000). */
  nGenes?: number;
  /** Panel genes G_X (default 300). */
  nPanel?: number;
  /** Cell types h (default 8; at least 3 so the checkerboard constraint can be met). */
  types?: number;
  /** Checkerboard squares per side l (default 10; the paper uses 10 and 20). */
  grid?: number;
  /** Side of the square tissue in µm (default 2000). */
  extent?: number;
  /** Dirichlet concentration of the type profiles (default 0.3). */
  dirichletAlpha?: number;
  /** Median library size (default 500). */
  meanCount?: number;
  /** Log-normal sd of library sizes (default 0.3). */
  countSdlog?: number;
  /** Coverage ρ multiplying every library size (M2.9; default 1). */
  coverage?: number;
  /** Spot centre spacing in µm (default 100). */
  spotSpacing?: number;
  /** Cell → nearest spot within this distance in µm (default 100). */
  mapRadius?: number;
  /** Cell coordinates (flat x,y); default uniform over the square. */
  coords?: Float64Array;
  /** Type profiles (types x nGenes, row-major, rows are normalised); default Dirichlet draws. */
  profiles?: Float64Array;
  seed?: number;
}

/** A simulated pair with its truth. */
export interface SiidSimulation {
  /** Cells x panel genes, `obsm.spatial` in µm; obs column `type`. */
  cells: Dataset;
  /** Spots x all genes, `obsm.spatial` in µm. */
  spots: Dataset;
  /** Spot row of each cell (-1 = unmapped): the Γ used to build the spots. */
  cellSpot: Int32Array;
  /** True type of each cell. */
  types: Int32Array;
  /** True spot proportions (type mix of the mapped cells), spots x types row-major. */
  spotProportions: Float64Array;
  /** Panel genes (indices into the nGenes genes, ascending). */
  panel: Int32Array;
  /** Full counts, cells x nGenes (the truth for imputation of genes outside the panel). */
  fullCounts: Csr;
  /** Type profiles, types x nGenes (rows sum to 1). */
  profiles: Float64Array;
  /** Library sizes N_i (after coverage). */
  librarySizes: Float64Array;
  /** Square types, grid x grid row-major (row = y). */
  squareTypes: Int32Array;
  /** Summary statistics comparable with the peer's meta.json. */
  stats: { cells: number; spots: number; cellsPerSpot: number; pureSpotFraction: number; panelNonzeroFraction: number; countsPerCellPanel: number };
}

/**
 * Checkerboard type layout (M2.9 step 1): squares filled in raster order, each drawing
 * uniformly among the types that differ from its left and upper neighbours.
 */
export function checkerboardTypes(l: number, h: number, rng: Rng): Int32Array {
  if (h < 3) throw new StnmfError('BAD_OPTION', `simulateSiid: types must be >= 3 for a checkerboard with different neighbours, got ${h}`);
  const T = new Int32Array(l * l);
  const choices: number[] = [];
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) {
      choices.length = 0;
      for (let t = 0; t < h; t++) if (!(a > 0 && T[(a - 1) * l + b] === t) && !(b > 0 && T[a * l + b - 1] === t)) choices.push(t);
      T[a * l + b] = choices[rng.int(choices.length)];
    }
  }
  return T;
}

/**
 * Centres of a hexagonal lattice covering [0, width] x [0, height]: rows `spacing·√3/2`
 * apart, odd rows shifted by spacing/2 (Visium's layout). Flat x,y.
 */
export function hexLattice(width: number, height: number, spacing: number, x0 = 0, y0 = 0): Float64Array {
  const out: number[] = [];
  const dy = (spacing * Math.sqrt(3)) / 2;
  for (let r = 0, y = 0; y <= height + 1e-9; r++, y = r * dy) {
    for (let x = r % 2 ? spacing / 2 : 0; x <= width + 1e-9; x += spacing) out.push(x0 + x, y0 + y);
  }
  return Float64Array.from(out);
}

/** The checkerboard simulation of M2.9 (see the file comment). */
export function simulateSiid(opts: SiidSimOptions = {}): SiidSimulation {
  const rng = new Rng(opts.seed ?? 0);
  const G = opts.nGenes ?? 1000;
  const GX = opts.nPanel ?? 300;
  const h = opts.types ?? 8;
  const l = opts.grid ?? 10;
  let E = opts.extent ?? 2000;
  const alpha = opts.dirichletAlpha ?? 0.3;
  const rho = opts.coverage ?? 1;
  if (!(GX >= 1 && GX <= G)) throw new StnmfError('BAD_OPTION', `simulateSiid: nPanel must be in 1..nGenes (${G}), got ${GX}`);
  let xy: Float64Array;
  if (opts.coords) {
    xy = opts.coords;
    for (const v of xy) E = Math.max(E, v);
  } else {
    const n0 = opts.nCells ?? 4000;
    xy = new Float64Array(2 * n0);
    for (let t = 0; t < xy.length; t++) xy[t] = rng.uniform() * E;
  }
  const n = xy.length / 2;
  const sq = checkerboardTypes(l, h, rng);
  const types = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ix = Math.min(l - 1, Math.max(0, Math.floor((xy[2 * i] / E) * l)));
    const iy = Math.min(l - 1, Math.max(0, Math.floor((xy[2 * i + 1] / E) * l)));
    types[i] = sq[iy * l + ix];
  }
  let prof: Float64Array;
  if (opts.profiles) {
    prof = new Float64Array(h * G);
    for (let t = 0; t < h; t++) {
      let s = 0;
      for (let g = 0; g < G; g++) s += opts.profiles[t * G + g];
      for (let g = 0; g < G; g++) prof[t * G + g] = opts.profiles[t * G + g] / s;
    }
  } else {
    prof = new Float64Array(h * G);
    const a = new Float64Array(G).fill(alpha);
    const row = new Float64Array(G);
    for (let t = 0; t < h; t++) prof.set(rng.dirichlet(a, row), t * G);
  }
  const mu = Math.log(opts.meanCount ?? 500);
  const sd = opts.countSdlog ?? 0.3;
  const N = new Float64Array(n);
  for (let i = 0; i < n; i++) N[i] = rho * Math.exp(mu + sd * rng.normal());
  // Full counts, row by row (sparse).
  const ri: number[] = [];
  const ci: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = types[i] * G;
    for (let g = 0; g < G; g++) {
      const c = rng.poisson(N[i] * prof[base + g]);
      if (c > 0) {
        ri.push(i);
        ci.push(g);
        vals.push(c);
      }
    }
  }
  const full = csrFromCoo(n, G, ri, ci, vals);
  const panel = rng.permutation(G).slice(0, GX).sort();
  // Spots and Γ.
  const lattice = hexLattice(E, E, opts.spotSpacing ?? 100);
  const map = mapToNearest(xy, lattice, opts.mapRadius ?? 100);
  const spotIndex = new Int32Array(lattice.length / 2).fill(-1);
  const usedSpots: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = map.target[i];
    if (s >= 0 && spotIndex[s] < 0) spotIndex[s] = 0;
  }
  for (let s = 0; s < spotIndex.length; s++) if (spotIndex[s] === 0) {
    spotIndex[s] = usedSpots.length;
    usedSpots.push(s);
  }
  const cellSpot = new Int32Array(n);
  for (let i = 0; i < n; i++) cellSpot[i] = map.target[i] >= 0 ? spotIndex[map.target[i]] : -1;
  const m = usedSpots.length;
  const spotsX = sumCellsIntoSpots(full, cellSpot, m);
  const props = new Float64Array(m * h);
  const cnt = new Float64Array(m);
  for (let i = 0; i < n; i++) if (cellSpot[i] >= 0) {
    props[cellSpot[i] * h + types[i]]++;
    cnt[cellSpot[i]]++;
  }
  let pure = 0;
  for (let s = 0; s < m; s++) {
    let mx = 0;
    for (let t = 0; t < h; t++) mx = Math.max(mx, (props[s * h + t] /= cnt[s]));
    if (mx > 0.999) pure++;
  }
  // Panel counts.
  const panelCells = selectPanel(full, panel);
  const geneNames = Array.from({ length: G }, (_, g) => `gene${g}`);
  const cells = makeDataset(panelCells, Array.from({ length: n }, (_, i) => `cell${i}`), Array.from(panel, (g) => geneNames[g]), { platform: 'simulated', source: 'simulateSiid (cells)', coordinateUnit: 'um' });
  cells.obsm.spatial = { rows: n, cols: 2, data: Float64Array.from(xy) };
  cells.obs.columns.set('type', { kind: 'number', values: Int32Array.from(types) });
  const sxy = new Float64Array(2 * m);
  usedSpots.forEach((s, r) => {
    sxy[2 * r] = lattice[2 * s];
    sxy[2 * r + 1] = lattice[2 * s + 1];
  });
  const spots = makeDataset(spotsX, Array.from({ length: m }, (_, s) => `spot${s}`), geneNames, { platform: 'simulated', source: 'simulateSiid (spots)', coordinateUnit: 'um' });
  spots.obsm.spatial = { rows: m, cols: 2, data: sxy };
  let panelNnz = 0;
  let panelTotal = 0;
  for (let q = 0; q < panelCells.indptr[n]; q++) {
    panelNnz++;
    panelTotal += panelCells.data[q];
  }
  return {
    cells,
    spots,
    cellSpot,
    types,
    spotProportions: props,
    panel: Int32Array.from(panel),
    fullCounts: full,
    profiles: prof,
    librarySizes: N,
    squareTypes: sq,
    stats: {
      cells: n,
      spots: m,
      cellsPerSpot: cellSpot.filter((s) => s >= 0).length / Math.max(m, 1),
      pureSpotFraction: pure / Math.max(m, 1),
      panelNonzeroFraction: panelNnz / (n * GX),
      countsPerCellPanel: panelTotal / n,
    },
  };
}

function selectPanel(full: Csr, panel: Int32Array): Csr {
  const pos = new Int32Array(full.cols).fill(-1);
  panel.forEach((g, j) => (pos[g] = j));
  const ri: number[] = [], ci: number[] = [], v: number[] = [];
  for (let i = 0; i < full.rows; i++) {
    for (let q = full.indptr[i]; q < full.indptr[i + 1]; q++) {
      const j = pos[full.indices[q]];
      if (j >= 0) {
        ri.push(i);
        ci.push(j);
        v.push(full.data[q]);
      }
    }
  }
  return csrFromCoo(full.rows, panel.length, ri, ci, v);
}

/** Spot counts = sums of their cells' counts (spots x genes), for a cell → spot assignment. */
export function sumCellsIntoSpots(X: Csr, cellSpot: Int32Array, m: number): Csr {
  const ri: number[] = [], ci: number[] = [], v: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    const s = cellSpot[i];
    if (s < 0) continue;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      ri.push(s);
      ci.push(X.indices[q]);
      v.push(X.data[q]);
    }
  }
  return csrFromCoo(m, X.cols, ri, ci, v);
}

/** Options of `pseudoVisium`. */
export interface PseudoVisiumOptions {
  /** Spot diameter in µm (default 55, Visium). */
  spotDiameter?: number;
  /** Centre-to-centre spacing in µm (default 100, Visium). */
  spacing?: number;
}

/** A pseudo-Visium slide built from real cells. */
export interface PseudoVisium {
  /** Spots x the cells' genes, `obsm.spatial` in µm; spots without any cell are dropped. */
  spots: Dataset;
  /** Spot row whose disk contains each cell's centroid, or -1 (cells between disks). */
  cellInSpot: Int32Array;
  /** Cells captured by at least one spot. */
  capturedCells: number;
}

/**
 * Turns a single-cell slide into a Visium-like spot slide (see the file comment): a spot's
 * counts are the sum over the cells whose centroid lies inside its 55 µm disk, on a 100 µm
 * hexagonal lattice over the cells' bounding box. The cells' `obsm.spatial` must have a known
 * scale (`meta.coordinateUnit` 'um', or `meta.micronsPerUnit`); the spots' coordinates are in µm.
 * @throws StnmfError('BAD_INPUT') when the cells have no coordinates or their scale is unknown.
 */
export function pseudoVisium(cells: Dataset, opts: PseudoVisiumOptions = {}): PseudoVisium {
  const c = cells.obsm.spatial;
  if (!c) throw new StnmfError('BAD_INPUT', `pseudoVisium: ${cells.meta.source} has no coordinates (obsm.spatial)`);
  // The lattice is laid out in µm: coordinates of another unit are converted by their known size,
  // and refused when it is unknown (issue 13, point 6: no µm default on pixels).
  const unit = cells.meta.coordinateUnit;
  const upm = cells.meta.micronsPerUnit ?? (unit === 'um' ? 1 : undefined);
  if (upm === undefined || !(upm > 0) || !Number.isFinite(upm)) {
    throw new StnmfError('BAD_INPUT', `pseudoVisium: the coordinates of ${cells.meta.source} are in ${unit && unit !== 'unknown' ? `'${unit}'` : 'an unknown unit'} with no known µm per unit; set micronsPerUnit (CLI --microns-per-unit) or coordinateUnit 'um'`);
  }
  const radius = (opts.spotDiameter ?? 55) / 2;
  const spacing = opts.spacing ?? 100;
  const n = c.rows;
  const xy = new Float64Array(2 * n);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    xy[2 * i] = c.data[i * c.cols] * upm;
    xy[2 * i + 1] = c.data[i * c.cols + 1] * upm;
    x0 = Math.min(x0, xy[2 * i]);
    x1 = Math.max(x1, xy[2 * i]);
    y0 = Math.min(y0, xy[2 * i + 1]);
    y1 = Math.max(y1, xy[2 * i + 1]);
  }
  const lattice = hexLattice(x1 - x0, y1 - y0, spacing, x0, y0);
  const map = mapToNearest(xy, lattice, radius);
  const idx = new Int32Array(lattice.length / 2).fill(-1);
  const used: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = map.target[i];
    if (s >= 0 && idx[s] < 0) {
      idx[s] = -2;
    }
  }
  for (let s = 0; s < idx.length; s++) if (idx[s] === -2) {
    idx[s] = used.length;
    used.push(s);
  }
  const cellInSpot = new Int32Array(n);
  let captured = 0;
  for (let i = 0; i < n; i++) {
    cellInSpot[i] = map.target[i] >= 0 ? idx[map.target[i]] : -1;
    if (cellInSpot[i] >= 0) captured++;
  }
  const X = sumCellsIntoSpots(cells.X, cellInSpot, used.length);
  const spots = makeDataset(X, used.map((s) => `spot${s}`), [...cells.var.index], { platform: 'pseudo-visium', source: `pseudoVisium(${cells.meta.source})`, coordinateUnit: 'um' });
  const sxy = new Float64Array(2 * used.length);
  used.forEach((s, r) => {
    sxy[2 * r] = lattice[2 * s];
    sxy[2 * r + 1] = lattice[2 * s + 1];
  });
  spots.obsm.spatial = { rows: used.length, cols: 2, data: sxy };
  return { spots, cellInSpot, capturedCells: captured };
}
