/**
 * Coordinate units, known or asked for (issue 13, point 6). Readers report `meta.coordinateUnit`
 * and, when they know it, `meta.micronsPerUnit`; `--coordinate-unit` / `--microns-per-unit`
 * override; a Visium-like lattice gives the scale on evidence (formats.md §1.3: Visium spots are
 * 100 µm centre-to-centre on a hexagonal lattice; the original ST arrays, Ståhl et al. 2016 as
 * the st-* data READMEs state, 200 µm centre-to-centre on a square lattice in spot units).
 *
 * Every radius-based step calls {@link requireMicrons}: it returns µm per coordinate unit or
 * stops with a one-line error naming `--microns-per-unit`. No step runs µm defaults on pixels.
 */
import type { CoordinateUnit, Dataset } from '../dataset.js';
import { StnmfError } from '../errors.js';
import { knnQuery } from '../spatial/kdtree.js';
import { requireMicrons } from '../microns.js';

export { requireMicrons };

/** Visium spot pitch, centre to centre (formats.md §1.3). */
export const VISIUM_PITCH_UM = 100;
/** Original Spatial Transcriptomics array pitch (Ståhl et al. 2016; st-* data READMEs). */
export const ST_PITCH_UM = 200;

/** Where `meta.micronsPerUnit` came from, recorded in `uns.coordinate_units.source`. */
export type UnitSource = 'reader' | 'flag' | 'unit-um' | 'visium-array' | 'hex-lattice' | 'st-lattice' | 'cell-areas' | 'unknown';

/** What is known about the coordinate unit of a dataset, as `stnmf info` reports it. */
export interface UnitReport {
  coordinateUnit: CoordinateUnit | null;
  micronsPerUnit: number | null;
  source: UnitSource;
  /** One line: how the scale was found, or which flag sets it. */
  note: string;
}

/** The `uns.coordinate_units` record, or undefined. */
export function unitRecord(d: Dataset): { source: UnitSource; note: string } | undefined {
  const u = d.uns.coordinate_units as { source?: unknown; note?: unknown } | undefined;
  return u && typeof u.source === 'string' ? { source: u.source as UnitSource, note: String(u.note ?? '') } : undefined;
}

function record(d: Dataset, source: UnitSource, note: string): void {
  d.uns.coordinate_units = { source, note };
}

/**
 * Fits x and y as linear functions of (array_row, array_col) and returns µm per coordinate unit
 * when the fit is exact up to 2 % and the steps form the Visium hexagon ((r, c±2) and (r±1, c±1)
 * equally far apart): pitch = |2 · ∂xy/∂col|, µm per unit = 100 / pitch.
 */
export function scaleFromVisiumArray(xy: ArrayLike<number>, arrayRow: ArrayLike<number>, arrayCol: ArrayLike<number>): number | undefined {
  const n = arrayRow.length;
  if (n < 10) return undefined;
  // Normal equations of [1, r, c] for x and y (3 x 3).
  const A = new Float64Array(9);
  const bx = new Float64Array(3);
  const by = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const v = [1, arrayRow[i], arrayCol[i]];
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) A[a * 3 + b] += v[a] * v[b];
      bx[a] += v[a] * xy[2 * i];
      by[a] += v[a] * xy[2 * i + 1];
    }
  }
  const cx = solve3(A, bx);
  const cy = solve3(A, by);
  if (!cx || !cy) return undefined;
  const colStep = Math.hypot(2 * cx[2], 2 * cy[2]);
  const diagStep = Math.hypot(cx[1] + cx[2], cy[1] + cy[2]);
  if (!(colStep > 0) || Math.abs(diagStep - colStep) > 0.05 * colStep) return undefined;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const ex = xy[2 * i] - (cx[0] + cx[1] * arrayRow[i] + cx[2] * arrayCol[i]);
    const ey = xy[2 * i + 1] - (cy[0] + cy[1] * arrayRow[i] + cy[2] * arrayCol[i]);
    worst = Math.max(worst, Math.hypot(ex, ey));
  }
  if (worst > 0.02 * colStep * 10) return undefined; // off by more than a fifth of a pitch: not a lattice
  return VISIUM_PITCH_UM / colStep;
}

function solve3(A: Float64Array, b: Float64Array): Float64Array | undefined {
  const m = Array.from({ length: 3 }, (_, i) => [A[i * 3], A[i * 3 + 1], A[i * 3 + 2], b[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) return undefined;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  return Float64Array.from([0, 1, 2], (i) => m[i][3] / m[i][i]);
}

/** A regular lattice found in the positions: its kind and centre-to-centre spacing. */
export interface Lattice {
  kind: 'hexagonal' | 'square';
  /** Median nearest-neighbour distance, in coordinate units. */
  spacing: number;
}

/**
 * Detects a regular spot lattice: at least 80 % of points have their nearest neighbour within
 * ±10 % of the median spacing, and the typical point has 6 (hexagonal) or 4 (square) neighbours
 * within 1.2 spacings. Scattered cells give undefined.
 */
export function detectLattice(xy: Float64Array, n: number): Lattice | undefined {
  if (n < 20) return undefined;
  const k = Math.min(6, n - 1);
  let q: { indices: Int32Array; distances: Float64Array };
  try {
    q = knnQuery(xy, 2, k);
  } catch {
    return undefined;
  }
  const d1 = new Float64Array(n);
  for (let i = 0; i < n; i++) d1[i] = q.distances[i * k];
  const sorted = Float64Array.from(d1).sort();
  const m = sorted[n >> 1];
  if (!(m > 0)) return undefined;
  let regular = 0;
  for (let i = 0; i < n; i++) if (Math.abs(d1[i] - m) <= 0.1 * m) regular++;
  if (regular < 0.8 * n) return undefined;
  const counts = new Int32Array(k + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < k; j++) if (q.distances[i * k + j] <= 1.2 * m) c++;
    counts[c]++;
  }
  let mode = 0;
  for (let c = 1; c <= k; c++) if (counts[c] > counts[mode]) mode = c;
  if (mode === 6) return { kind: 'hexagonal', spacing: m };
  if (mode === 4) return { kind: 'square', spacing: m };
  return undefined;
}

/**
 * Fills in `meta.micronsPerUnit` when the reader did not know it and the data say it: Visium
 * `array_row`/`array_col` beside pixel positions; a hexagonal lattice (Visium, 100 µm pitch);
 * a square lattice of unit spacing with at most 1,007 spots (the original ST array, 200 µm);
 * loom/osmFISH-style per-cell areas in both µm² and pixels with one constant ratio. Records the
 * source in `uns.coordinate_units`. Does nothing without coordinates or when µm per unit is known.
 */
export function inferUnits(d: Dataset): void {
  const s = d.obsm.spatial;
  if (!s || s.rows === 0) return;
  if (d.meta.micronsPerUnit !== undefined) {
    if (!unitRecord(d)) record(d, 'reader', `the ${d.meta.platform} reader states ${fmt(d.meta.micronsPerUnit)} µm per ${d.meta.coordinateUnit ?? 'unit'}`);
    return;
  }
  if (d.meta.coordinateUnit === 'um') {
    d.meta.micronsPerUnit = 1;
    record(d, 'unit-um', 'coordinates are in µm');
    return;
  }
  const n = s.rows;
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) (xy[2 * i] = s.data[i * s.cols]), (xy[2 * i + 1] = s.data[i * s.cols + 1]);
  const ar = d.obs.columns.get('array_row');
  const ac = d.obs.columns.get('array_col');
  if (ar?.kind === 'number' && ac?.kind === 'number') {
    const v = scaleFromVisiumArray(xy, ar.values, ac.values);
    if (v !== undefined) {
      d.meta.micronsPerUnit = v;
      record(d, 'visium-array', `array_row/array_col form the Visium lattice: 100 µm centre-to-centre = ${fmt(VISIUM_PITCH_UM / v)} ${d.meta.coordinateUnit ?? 'units'}, so ${fmt(v)} µm per unit`);
      return;
    }
  }
  const um2 = d.obs.columns.get('size_um2');
  const pix = d.obs.columns.get('size_pix');
  if (um2?.kind === 'number' && pix?.kind === 'number') {
    const r = constantRatio(um2.values, pix.values);
    if (r !== undefined) {
      d.meta.micronsPerUnit = Math.sqrt(r);
      record(d, 'cell-areas', `every cell's size_um2 / size_pix is ${r.toPrecision(6)} µm² per pixel, so ${fmt(Math.sqrt(r))} µm per pixel`);
      return;
    }
  }
  const lat = detectLattice(xy, n);
  if (lat?.kind === 'hexagonal') {
    d.meta.micronsPerUnit = VISIUM_PITCH_UM / lat.spacing;
    record(d, 'hex-lattice', `positions form a hexagonal lattice with ${fmt(lat.spacing)} units between neighbours, taken as Visium's 100 µm pitch: ${fmt(d.meta.micronsPerUnit)} µm per unit (--microns-per-unit overrides)`);
    return;
  }
  if (lat?.kind === 'square' && Math.abs(lat.spacing - 1) < 0.1 && n <= 1007) {
    // Spot units: one unit is one array step by definition; the measured spacing is only the
    // evidence (nearest neighbours of jittered spot-detection positions come out slightly short).
    d.meta.micronsPerUnit = ST_PITCH_UM;
    record(d, 'st-lattice', `positions form a square lattice in spot units (nearest-neighbour spacing ${fmt(lat.spacing)}, ${n} spots), taken as the ST array's 200 µm pitch: 200 µm per unit (--microns-per-unit overrides)`);
    return;
  }
  record(d, 'unknown', `µm per ${d.meta.coordinateUnit && d.meta.coordinateUnit !== 'unknown' ? d.meta.coordinateUnit : 'coordinate unit'} is unknown; set it with --microns-per-unit (or --coordinate-unit um)`);
}

function constantRatio(a: ArrayLike<number>, b: ArrayLike<number>): number | undefined {
  const r: number[] = [];
  for (let i = 0; i < a.length; i++) if (b[i] > 0 && a[i] > 0 && Number.isFinite(a[i])) r.push(a[i] / b[i]);
  if (r.length < 0.5 * a.length || r.length === 0) return undefined;
  r.sort((x, y) => x - y);
  const med = r[r.length >> 1];
  return r[0] >= med * (1 - 1e-6) && r[r.length - 1] <= med * (1 + 1e-6) ? med : undefined;
}

/**
 * Applies `--coordinate-unit` / `--microns-per-unit` to a dataset a reader returned, then
 * {@link inferUnits}. `coordinateUnit: 'um'` means 1 µm per unit unless a scale is also given.
 */
export function applyUnitOptions(d: Dataset, opts: { coordinateUnit?: CoordinateUnit; micronsPerUnit?: number }): void {
  if (opts.micronsPerUnit !== undefined && !(opts.micronsPerUnit > 0 && Number.isFinite(opts.micronsPerUnit))) {
    throw new StnmfError('BAD_OPTION', `--microns-per-unit must be a finite number > 0, got ${opts.micronsPerUnit}`);
  }
  if (!d.obsm.spatial) return;
  if (opts.coordinateUnit !== undefined && opts.coordinateUnit !== d.meta.coordinateUnit) {
    d.meta.coordinateUnit = opts.coordinateUnit;
    if (opts.micronsPerUnit === undefined) {
      // The reader's scale was for its own unit; a new unit starts unknown (1 for µm).
      delete d.meta.micronsPerUnit;
      delete d.uns.coordinate_units;
      if (opts.coordinateUnit === 'um') {
        d.meta.micronsPerUnit = 1;
        record(d, 'flag', '--coordinate-unit um: 1 µm per unit');
      }
    }
  }
  if (opts.micronsPerUnit !== undefined) {
    d.meta.micronsPerUnit = opts.micronsPerUnit;
    record(d, 'flag', `--microns-per-unit ${opts.micronsPerUnit}`);
  }
  inferUnits(d);
}

/** The unit report of `stnmf info`. */
export function describeUnits(d: Dataset): UnitReport {
  if (!d.obsm.spatial) return { coordinateUnit: null, micronsPerUnit: null, source: 'unknown', note: 'no coordinates (text matrices take them with --coords)' };
  const rec = unitRecord(d);
  const upm = d.meta.micronsPerUnit;
  const known = upm !== undefined && upm > 0 && Number.isFinite(upm);
  return {
    coordinateUnit: d.meta.coordinateUnit ?? 'unknown',
    micronsPerUnit: known ? upm : null,
    source: known ? rec?.source ?? 'reader' : 'unknown',
    note: known
      ? rec?.note ?? `${fmt(upm)} µm per unit`
      : `µm per ${d.meta.coordinateUnit && d.meta.coordinateUnit !== 'unknown' ? d.meta.coordinateUnit : 'coordinate unit'} is unknown; set it with --microns-per-unit (or --coordinate-unit um)`,
  };
}

/**
 * The unit to print on an output that shows a length: `µm` when the step converted coordinates
 * with {@link requireMicrons} (the default when µm per unit is known), else the coordinates' own
 * unit (`px`, `px_fullres`, `dnb`, or `units` when unknown).
 */
export function lengthUnitLabel(d: Dataset, converted = d.meta.micronsPerUnit !== undefined || d.meta.coordinateUnit === 'um'): string {
  if (converted) return 'µm';
  const u = d.meta.coordinateUnit;
  return u && u !== 'unknown' ? u : 'units';
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
