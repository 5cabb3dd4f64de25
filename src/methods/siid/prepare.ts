/**
 * From two Datasets to the numeric SIID problem (methods-spec M2.2): gene identity by name,
 * the modelled gene set G_V, the mapping Γ (nearest spot within a distance, or given), and the
 * validation of everything a user can get wrong (genes, units, empty mapping, rank).
 */
import { checkOptions, optionDefault } from '../../options.js';
import { SIID_OPTIONS } from './options.js';
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { requireMicrons } from '../../microns.js';
import { csrFromCoo, selectCols, type Csr } from '../../linalg/csr.js';
import { mapToNearest } from '../../spatial/index.js';
import type { SiidProblem } from './model.js';

/** The inputs of `siid`. */
export interface SiidInputs {
  /** Single-cell slide (Xenium-like): counts cells x panel genes, `obsm.spatial` when Γ is derived. */
  cells: Dataset;
  /** Spot slide (Visium-like): counts spots x genes (a superset of the panel), `obsm.spatial` when Γ is derived. */
  spots: Dataset;
  /**
   * The mapping Γ, when not derived from coordinates: either the spot index of every cell
   * (-1 = unmapped) or an n x m CSR pattern (a cell may then touch several spots).
   */
  mapping?: Int32Array | Csr;
}

/** Options that shape the problem (a subset of `SiidOptions`). */
export interface PrepareOptions {
  /** Factors h (default 20, the paper's breast-cancer value: SIID_OPTIONS); must not exceed the number of training panel genes. */
  rank?: number;
  /**
   * Modelled spot genes G_V: `panelOnly` (the cell panel plus `imputeGenes`; the paper's
   * practice, M2.2, default) or `all` (every spot gene).
   */
  visiumGenes?: 'panelOnly' | 'all';
  /** Spot genes outside the panel to add to G_V so that they can be imputed (panelOnly mode). */
  imputeGenes?: string[];
  /**
   * Cell genes missing from the spot slide: `error` (default; the message lists them) or
   * `intersect` (drop them from the panel and record it).
   */
  missingGenes?: 'error' | 'intersect';
  /**
   * Mapping radius in µm: nearest spot within it (M2.2, default 100). Both slides' coordinates
   * are converted to µm with their `meta.micronsPerUnit` (1 for `coordinateUnit: 'um'`); a slide
   * whose scale is unknown is refused.
   */
  mappingDistance?: number;
}

/** The prepared problem plus the bookkeeping that maps it back to the inputs. */
export interface PreparedSiid {
  problem: SiidProblem;
  /** Names of the modelled genes G_V (columns of AV). */
  genes: string[];
  /** Names of the panel genes (columns of AX). */
  panelGenes: string[];
  /** For each modelled spot (row of AV), its row in the input spot Dataset. */
  spotRows: Int32Array;
  /** For each cell, its modelled spot (row of AV) when Γ is one-spot-per-cell, else -1. */
  cellSpot: Int32Array;
  /** What preparation dropped. */
  notes: {
    droppedCellGenes: string[];
    unmappedCells: number;
    droppedSpots: number;
    mappingDistance?: number;
  };
}

/** Builds the problem from two Datasets (see `SiidInputs`). Throws StnmfError on bad input. */
export function prepareSiid(inputs: SiidInputs, opts: PrepareOptions): PreparedSiid {
  const { cells, spots } = inputs;
  const cellGenes = cells.var.index;
  const spotGenes = spots.var.index;
  const spotCol = new Map<string, number>();
  spotGenes.forEach((g, j) => {
    if (!spotCol.has(g)) spotCol.set(g, j);
  });
  const missing = cellGenes.filter((g) => !spotCol.has(g));
  const mode = opts.missingGenes ?? 'error';
  if (missing.length > 0 && mode === 'error') {
    const shown = missing.slice(0, 12).join(', ') + (missing.length > 12 ? `, … (${missing.length} in all)` : '');
    throw new StnmfError(
      'BAD_INPUT',
      `siid: ${missing.length} of the ${cellGenes.length} cell genes are not in the spot data (${spots.meta.source}): ${shown}; the cell panel must be a subset of the spot genes (use --intersect / missingGenes: 'intersect' to drop them)`,
    );
  }
  const keepCell: number[] = [];
  cellGenes.forEach((g, j) => {
    if (spotCol.has(g)) keepCell.push(j);
  });
  if (keepCell.length === 0) throw new StnmfError('BAD_INPUT', `siid: no cell gene is in the spot data (${cells.meta.source} vs ${spots.meta.source})`);
  const panelGenes = keepCell.map((j) => cellGenes[j]);
  // Types, ranges and choices as declared once in SIID_OPTIONS (the CLI's flags come from it).
  checkOptions(SIID_OPTIONS, opts, 'siid');
  const rank = opts.rank ?? optionDefault<number>(SIID_OPTIONS, 'rank');
  if (rank > panelGenes.length) {
    throw new StnmfError('BAD_OPTION', `siid: rank ${rank} is larger than the ${panelGenes.length} panel genes shared by both slides; use a rank of at most ${panelGenes.length}`);
  }

  // G_V: panel genes first (in cell order), then the requested / remaining spot genes.
  const genes = [...panelGenes];
  const inG = new Set(genes);
  const vMode = opts.visiumGenes ?? 'panelOnly';
  const extra = vMode === 'all' ? spotGenes : opts.imputeGenes ?? [];
  for (const g of extra) {
    if (!spotCol.has(g)) throw new StnmfError('BAD_OPTION', `siid: gene '${g}' to impute is not in the spot data (${spots.meta.source})`);
    if (!inG.has(g)) {
      genes.push(g);
      inG.add(g);
    }
  }
  const vCols = genes.map((g) => spotCol.get(g)!);
  const panelCols = Int32Array.from(panelGenes.map((_, j) => j));

  // Γ.
  const n = cells.X.rows;
  let cellToSpot: Int32Array | undefined;
  let gammaIn: Csr | undefined;
  let mappingDistance: number | undefined;
  if (inputs.mapping instanceof Int32Array) {
    if (inputs.mapping.length !== n) throw new StnmfError('BAD_INPUT', `siid: mapping has ${inputs.mapping.length} entries, expected one per cell (${n})`);
    cellToSpot = inputs.mapping;
  } else if (inputs.mapping) {
    gammaIn = inputs.mapping;
    if (gammaIn.rows !== n || gammaIn.cols !== spots.X.rows) {
      throw new StnmfError('BAD_INPUT', `siid: mapping is ${gammaIn.rows} x ${gammaIn.cols}, expected cells x spots = ${n} x ${spots.X.rows}`);
    }
  } else {
    mappingDistance = opts.mappingDistance ?? optionDefault<number>(SIID_OPTIONS, 'mappingDistance');
    cellToSpot = mapByCoordinates(cells, spots, mappingDistance);
  }
  if (cellToSpot) {
    for (let i = 0; i < n; i++) {
      const s = cellToSpot[i];
      if (s < -1 || s >= spots.X.rows || !Number.isInteger(s)) throw new StnmfError('BAD_INPUT', `siid: mapping of cell ${i} is ${s}, expected -1 or a spot index below ${spots.X.rows}`);
    }
  }
  // Keep spots with at least one mapped cell (a spot without cells has a zero mean).
  const used = new Uint8Array(spots.X.rows);
  if (cellToSpot) for (const s of cellToSpot) {
    if (s >= 0) used[s] = 1;
  }
  else for (let q = 0; q < gammaIn!.indptr[n]; q++) used[gammaIn!.indices[q]] = 1;
  const spotRowsArr: number[] = [];
  const newIndex = new Int32Array(spots.X.rows).fill(-1);
  for (let s = 0; s < spots.X.rows; s++) if (used[s]) {
    newIndex[s] = spotRowsArr.length;
    spotRowsArr.push(s);
  }
  const m = spotRowsArr.length;
  if (m === 0) throw new StnmfError('BAD_INPUT', `siid: no cell is mapped to any spot`);
  const rowsIdx: number[] = [];
  const colsIdx: number[] = [];
  const cellSpot = new Int32Array(n).fill(-1);
  let unmapped = 0;
  if (cellToSpot) {
    for (let i = 0; i < n; i++) {
      if (cellToSpot[i] >= 0) {
        rowsIdx.push(i);
        colsIdx.push(newIndex[cellToSpot[i]]);
        cellSpot[i] = newIndex[cellToSpot[i]];
      } else unmapped++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const a = gammaIn!.indptr[i], b = gammaIn!.indptr[i + 1];
      if (a === b) unmapped++;
      for (let q = a; q < b; q++) {
        rowsIdx.push(i);
        colsIdx.push(newIndex[gammaIn!.indices[q]]);
      }
      if (b - a === 1) cellSpot[i] = newIndex[gammaIn!.indices[a]];
    }
  }
  const gamma = csrFromCoo(n, m, rowsIdx, colsIdx, new Float32Array(rowsIdx.length).fill(1));

  const AX = checkCounts(selectCols(cells.X, keepCell), `cells (${cells.meta.source})`);
  const spotSub = selectRowsCols(spots.X, spotRowsArr, vCols);
  const AV = checkCounts(spotSub, `spots (${spots.meta.source})`);
  return {
    problem: { n, m, G: genes.length, AX, panelCols, AV, gamma },
    genes,
    panelGenes,
    spotRows: Int32Array.from(spotRowsArr),
    cellSpot,
    notes: { droppedCellGenes: missing, unmappedCells: unmapped, droppedSpots: spots.X.rows - m, mappingDistance },
  };
}

/**
 * Γ from coordinates: each cell to its nearest spot within `maxDistance` µm (M2.2 [P]). Both
 * Datasets need `obsm.spatial` with a known scale (`meta.micronsPerUnit`, or `coordinateUnit`
 * 'um'); they are compared in µm, so cells in pixels and spots in µm map correctly.
 */
export function mapByCoordinates(cells: Dataset, spots: Dataset, maxDistance: number): Int32Array {
  const cxy = cells.obsm.spatial;
  const sxy = spots.obsm.spatial;
  if (!cxy) throw new StnmfError('BAD_INPUT', `siid: the cell data (${cells.meta.source}) has no coordinates (obsm.spatial); give a mapping instead`);
  if (!sxy) throw new StnmfError('BAD_INPUT', `siid: the spot data (${spots.meta.source}) has no coordinates (obsm.spatial); give a mapping instead`);
  if (!(maxDistance >= 0)) throw new StnmfError('BAD_OPTION', `siid: mapping distance must be >= 0, got ${maxDistance}`);
  const a = xyOf(cxy, requireMicrons(cells, 'siid: the mapping distance', 'cells-'));
  const b = xyOf(sxy, requireMicrons(spots, 'siid: the mapping distance', 'spots-'));
  const map = mapToNearest(a, b, maxDistance);
  let mapped = 0;
  for (const t of map.target) if (t >= 0) mapped++;
  if (mapped === 0) {
    let dmin = Infinity;
    for (const d of map.distance) if (d < dmin) dmin = d;
    throw new StnmfError(
      'BAD_INPUT',
      `siid: no cell lies within ${maxDistance} µm of any spot (closest pair ${dmin.toPrecision(4)} µm apart; cells span ${extent(a)} µm, spots span ${extent(b)} µm); align both slides in one coordinate frame, or raise the mapping distance`,
    );
  }
  return map.target;
}

function xyOf(c: { rows: number; cols: number; data: Float32Array | Float64Array }, scale: number): Float64Array {
  const out = new Float64Array(c.rows * 2);
  for (let i = 0; i < c.rows; i++) {
    out[2 * i] = c.data[i * c.cols] * scale;
    out[2 * i + 1] = c.data[i * c.cols + 1] * scale;
  }
  return out;
}

function extent(xy: Float64Array): string {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    x0 = Math.min(x0, xy[i]);
    x1 = Math.max(x1, xy[i]);
    y0 = Math.min(y0, xy[i + 1]);
    y1 = Math.max(y1, xy[i + 1]);
  }
  const f = (v: number) => v.toPrecision(4);
  return `x ${f(x0)}–${f(x1)}, y ${f(y0)}–${f(y1)}`;
}

function selectRowsCols(X: Csr, rows: number[], cols: number[]): Csr {
  const colMap = new Int32Array(X.cols).fill(-1);
  cols.forEach((c, j) => (colMap[c] = j));
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  rows.forEach((r, i) => {
    for (let q = X.indptr[r]; q < X.indptr[r + 1]; q++) {
      const j = colMap[X.indices[q]];
      if (j >= 0 && X.data[q] !== 0) {
        ri.push(i);
        ci.push(j);
        v.push(X.data[q]);
      }
    }
  });
  return csrFromCoo(rows.length, cols.length, ri, ci, v);
}

function checkCounts(X: Csr, what: string): Csr {
  for (let q = 0; q < X.indptr[X.rows]; q++) {
    const v = X.data[q];
    if (!(v >= 0) || !Number.isFinite(v)) throw new StnmfError('BAD_INPUT', `siid: ${what} has a negative or non-finite count (${v}); SIID models raw counts`);
  }
  return X;
}

/** The problem restricted to a subset of training panel columns (holdout folds). */
export function restrictPanel(p: SiidProblem, keep: ArrayLike<number>): SiidProblem {
  const cols = Array.from(keep);
  return { ...p, AX: selectCols(p.AX, cols), panelCols: Int32Array.from(cols.map((j) => p.panelCols[j])) };
}
