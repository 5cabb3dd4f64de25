/**
 * Fixed-radius neighbour search on 2-D points with a uniform bucket grid (cell side ≥ radius),
 * used by alignment, niche composition and the co-localization scores. Returns plain CSR index
 * lists without weights: every consumer here counts neighbours rather than weighting them.
 *
 * Why not `spatial/radiusGraph`: at the time of writing its k-d tree `within` query pruned the
 * wrong subtree (it found 8 of 790 pairs on the M3.9 benchmark), and this method's
 * neighbourhood-enrichment z-scores are checked against an oracle, so it keeps its own
 * brute-force-tested search (test/multiomics-core.test.ts).
 */
import { StnmfError } from '../../errors.js';

/** Neighbour lists in CSR layout: neighbours of point i are `indices[indptr[i] .. indptr[i+1])`, sorted. */
export interface NeighborLists {
  /** Number of points. */
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
}

/**
 * All pairs at Euclidean distance `d ≤ radius` (scipy `cKDTree.query_pairs` and sklearn
 * `radius_neighbors_graph` inclusion; coincident points are neighbours). Symmetric, no self
 * loops, rows sorted. O(n + pairs) expected for roughly uniform densities.
 * @param x x coordinates (length n), any unit
 * @param y y coordinates, same unit
 * @param radius in the coordinate unit, finite and > 0 (M3.7 default 50)
 */
export function radiusNeighbors(x: ArrayLike<number>, y: ArrayLike<number>, radius: number): NeighborLists {
  const n = x.length;
  if (!(radius > 0) || !Number.isFinite(radius)) {
    throw new StnmfError('BAD_OPTION', `radius: expected a finite number > 0, got ${radius}`);
  }
  const grid = new GridIndex(x, y, radius);
  const r2 = radius * radius;
  const counts = new Int32Array(n + 1);
  let buf = new Int32Array(Math.max(16, 8 * n));
  let len = 0;
  const row: number[] = [];
  for (let i = 0; i < n; i++) {
    row.length = 0;
    const xi = x[i], yi = y[i];
    grid.forEachNear(xi, yi, (j) => {
      if (j === i) return;
      const dx = x[j] - xi;
      const dy = y[j] - yi;
      if (dx * dx + dy * dy <= r2) row.push(j);
    });
    row.sort((a, b) => a - b);
    if (len + row.length > buf.length) {
      const nb = new Int32Array(Math.max(2 * buf.length, len + row.length));
      nb.set(buf.subarray(0, len));
      buf = nb;
    }
    for (const j of row) buf[len++] = j;
    counts[i + 1] = len;
  }
  return { n, indptr: counts, indices: buf.slice(0, len) };
}

/**
 * Nearest reference point of each query point within `maxDistance` (inclusive; -1 = none;
 * ties → lower reference index). `maxDistance = Infinity` maps every query point.
 */
export function nearestWithin(
  refX: ArrayLike<number>,
  refY: ArrayLike<number>,
  qX: ArrayLike<number>,
  qY: ArrayLike<number>,
  maxDistance: number,
): { target: Int32Array; distance: Float64Array } {
  const m = qX.length;
  const target = new Int32Array(m).fill(-1);
  const distance = new Float64Array(m).fill(Infinity);
  if (refX.length === 0) return { target, distance };
  if (!Number.isFinite(maxDistance)) {
    // Unbounded: brute force is fine for the padding use (rare, warned).
    for (let i = 0; i < m; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < refX.length; j++) {
        const d = (refX[j] - qX[i]) ** 2 + (refY[j] - qY[i]) ** 2;
        if (d < bd) (bd = d), (best = j);
      }
      target[i] = best;
      distance[i] = Math.sqrt(bd);
    }
    return { target, distance };
  }
  const grid = new GridIndex(refX, refY, maxDistance > 0 ? maxDistance : 1);
  for (let i = 0; i < m; i++) {
    let best = -1;
    let bestD = maxDistance * maxDistance;
    grid.forEachNear(qX[i], qY[i], (j) => {
      const d = (refX[j] - qX[i]) ** 2 + (refY[j] - qY[i]) ** 2;
      if (d < bestD || (d === bestD && (best < 0 || j < best))) {
        bestD = d;
        best = j;
      }
    });
    target[i] = best;
    if (best >= 0) distance[i] = Math.sqrt(bestD);
  }
  return { target, distance };
}

/** A bucket grid over 2-D points; `forEachNear` visits every point of the 3x3 cells around a location. */
class GridIndex {
  private readonly x0: number;
  private readonly y0: number;
  private readonly cell: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(x: ArrayLike<number>, y: ArrayLike<number>, cell: number) {
    const n = x.length;
    let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
    for (let i = 0; i < n; i++) {
      const xi = x[i], yi = y[i];
      if (!Number.isFinite(xi) || !Number.isFinite(yi)) {
        throw new StnmfError('BAD_INPUT', `coordinates: point ${i} is not finite (x=${xi}, y=${yi})`);
      }
      if (xi < xmin) xmin = xi;
      if (xi > xmax) xmax = xi;
      if (yi < ymin) ymin = yi;
      if (yi > ymax) ymax = yi;
    }
    if (n === 0) xmin = xmax = ymin = ymax = 0;
    // A tiny radius on a wide slide must not allocate billions of buckets: coarser cells only
    // cost extra distance checks, never wrong answers (cells stay ≥ the radius).
    let c = cell;
    const maxCells = Math.max(1024, 4 * n);
    while (((xmax - xmin) / c + 1) * ((ymax - ymin) / c + 1) > maxCells) c *= 2;
    this.cell = c;
    this.x0 = xmin;
    this.y0 = ymin;
    this.nx = Math.floor((xmax - xmin) / c) + 1;
    this.ny = Math.floor((ymax - ymin) / c) + 1;
    const nb = this.nx * this.ny;
    const start = new Int32Array(nb + 1);
    const key = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor((x[i] - xmin) / c) * this.ny + Math.floor((y[i] - ymin) / c);
      key[i] = k;
      start[k + 1]++;
    }
    for (let b = 0; b < nb; b++) start[b + 1] += start[b];
    const next = start.slice(0, nb);
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) items[next[key[i]]++] = i;
    this.start = start;
    this.items = items;
  }

  forEachNear(px: number, py: number, visit: (j: number) => void): void {
    const cx = Math.floor((px - this.x0) / this.cell);
    const cy = Math.floor((py - this.y0) / this.cell);
    const gx1 = Math.min(this.nx - 1, cx + 1);
    const gy1 = Math.min(this.ny - 1, cy + 1);
    for (let gx = Math.max(0, cx - 1); gx <= gx1; gx++) {
      for (let gy = Math.max(0, cy - 1); gy <= gy1; gy++) {
        const b = gx * this.ny + gy;
        for (let t = this.start[b]; t < this.start[b + 1]; t++) visit(this.items[t]);
      }
    }
  }
}
