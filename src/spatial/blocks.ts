/**
 * Spatial graphs of several samples (issue 18): one graph per sample joined block-diagonally,
 * so no edge ever joins observations of different sections, even when their coordinates
 * overlap (serial sections share one coordinate frame). Any builder (radius, kNN, Delaunay,
 * contact/context) is run on each sample's own points; the result has the shape of a single
 * graph over all observations.
 *
 * Layer 1 (spatial): no Node APIs.
 */
import { runSteps, type Steps } from '../errors.js';
import type { NeighborGraph } from './graphs.js';

/** Groups of observations: `codes[i]` in [0, nGroups). */
export interface Groups {
  codes: ArrayLike<number>;
  nGroups: number;
}

/** Observation indices of each group, in increasing order. */
export function groupRows(g: Groups): Int32Array[] {
  const counts = new Int32Array(g.nGroups);
  for (let i = 0; i < g.codes.length; i++) counts[g.codes[i]]++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(g.nGroups);
  for (let i = 0; i < g.codes.length; i++) out[g.codes[i]][fill[g.codes[i]]++] = i;
  return out;
}

/** The rows `rows` (increasing) of flat `dim`-wide points. */
export function takePoints(xy: ArrayLike<number>, rows: ArrayLike<number>, dim = 2): Float64Array {
  const out = new Float64Array(rows.length * dim);
  for (let a = 0; a < rows.length; a++) for (let d = 0; d < dim; d++) out[a * dim + d] = xy[rows[a] * dim + d];
  return out;
}

/**
 * Joins per-group graphs (`parts[s]` over the group's rows `rows[s]`, local indices) into one
 * graph over all `n` observations. Rows stay sorted: a group's rows are increasing, so local
 * order is global order.
 */
export function joinBlocks(n: number, rows: Int32Array[], parts: NeighborGraph[]): NeighborGraph {
  const indptr = new Int32Array(n + 1);
  const where = new Int32Array(n);
  const local = new Int32Array(n);
  rows.forEach((r, s) => r.forEach((i, a) => ((where[i] = s), (local[i] = a))));
  for (let i = 0; i < n; i++) {
    const g = parts[where[i]];
    indptr[i + 1] = indptr[i] + (g.indptr[local[i] + 1] - g.indptr[local[i]]);
  }
  const m = indptr[n];
  const indices = new Int32Array(m);
  const weights = new Float64Array(m);
  const distances = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const s = where[i];
    const g = parts[s];
    const r = rows[s];
    let o = indptr[i];
    for (let q = g.indptr[local[i]]; q < g.indptr[local[i] + 1]; q++, o++) {
      indices[o] = r[g.indices[q]];
      weights[o] = g.weights[q];
      distances[o] = g.distances[q];
    }
  }
  return { n, indptr, indices, weights, distances };
}

/**
 * One graph per group built by `build` on that group's points, joined block-diagonally.
 * `build` receives the group's points (flat, `dim` wide) and its index, and may return several
 * graphs (e.g. contact and context from one tree pass); each is joined separately.
 */
export function perGroupGraphs(xy: ArrayLike<number>, groups: Groups, build: (points: Float64Array, group: number) => NeighborGraph[], dim = 2): NeighborGraph[] {
  return runSteps(
    perGroupGraphsSteps(
      xy,
      groups,
      function* (points, group) {
        return build(points, group);
      },
      dim,
    ),
  );
}

/** {@link perGroupGraphs} with a builder written as cancellable steps (errors.ts `Steps`). */
export function* perGroupGraphsSteps(xy: ArrayLike<number>, groups: Groups, build: (points: Float64Array, group: number) => Steps<NeighborGraph[]>, dim = 2): Steps<NeighborGraph[]> {
  const n = groups.codes.length;
  const rows = groupRows(groups);
  const built: NeighborGraph[][] = [];
  for (let s = 0; s < rows.length; s++) {
    built.push(yield* build(takePoints(xy, rows[s], dim), s));
    yield;
  }
  const count = built.length ? built[0].length : 0;
  const out: NeighborGraph[] = [];
  for (let k = 0; k < count; k++) out.push(joinBlocks(n, rows, built.map((b) => b[k])));
  return out;
}

/** The subgraph of `g` on `rows` (increasing), in local indices; edges leaving `rows` are dropped. */
export function subgraph(g: NeighborGraph, rows: Int32Array): NeighborGraph {
  const at = new Map<number, number>();
  rows.forEach((i, a) => at.set(i, a));
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const w: number[] = [];
  const dist: number[] = [];
  rows.forEach((i, a) => {
    for (let q = g.indptr[i]; q < g.indptr[i + 1]; q++) {
      const b = at.get(g.indices[q]);
      if (b === undefined) continue;
      idx.push(b);
      w.push(g.weights[q]);
      dist.push(g.distances[q]);
    }
    indptr[a + 1] = idx.length;
  });
  return { n: rows.length, indptr, indices: Int32Array.from(idx), weights: Float64Array.from(w), distances: Float64Array.from(dist) };
}

/** Number of stored edges of `g` joining different groups (0 for a block-diagonal graph). */
export function crossGroupEdges(g: { n: number; indptr: Int32Array; indices: Int32Array }, codes: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < g.n; i++) for (let q = g.indptr[i]; q < g.indptr[i + 1]; q++) if (codes[g.indices[q]] !== codes[i]) c++;
  return c;
}

/** Where one sample is drawn: its tile (drawn coordinates) and its true lower-left corner. */
export interface SampleTile {
  sample: string;
  /** Lower-left corner and size of the tile, in drawn coordinates. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The sample's own lower-left corner in its coordinates: true x = drawn x − tile x + x0. */
  x0: number;
  y0: number;
}

/**
 * Lays the samples out side by side in rows (about √S per row), each moved so that its own
 * lower-left corner sits at its tile's corner with a gap of a tenth of the widest section:
 * lengths within a sample and the scale bar stay true; positions across samples mean nothing.
 * Writes the moved positions into `coords` (x, y pairs) and returns each sample's tile; null,
 * leaving `coords` alone, when fewer than two samples have observations. For display only (the
 * viewer, the Vitessce export): graphs use the true coordinates, per sample.
 */
export function tileSamples(x: ArrayLike<number>, y: ArrayLike<number>, codes: Int32Array, ids: string[], coords: Float32Array): SampleTile[] | null {
  const S = ids.length;
  const lo = Array.from({ length: S }, () => [Infinity, Infinity]);
  const hi = Array.from({ length: S }, () => [-Infinity, -Infinity]);
  for (let i = 0; i < codes.length; i++) {
    const g = codes[i];
    lo[g][0] = Math.min(lo[g][0], x[i]), lo[g][1] = Math.min(lo[g][1], y[i]);
    hi[g][0] = Math.max(hi[g][0], x[i]), hi[g][1] = Math.max(hi[g][1], y[i]);
  }
  const present = ids.map((_, g) => g).filter((g) => Number.isFinite(lo[g][0]));
  if (present.length < 2) return null;
  const w = Math.max(...present.map((g) => hi[g][0] - lo[g][0]));
  const h = Math.max(...present.map((g) => hi[g][1] - lo[g][1]));
  const gap = 0.1 * Math.max(w, h, 1e-9);
  const perRow = Math.ceil(Math.sqrt(present.length));
  const corner = new Map<number, [number, number]>();
  present.forEach((g, t) => corner.set(g, [(t % perRow) * (w + gap), Math.floor(t / perRow) * (h + gap)]));
  for (let i = 0; i < codes.length; i++) {
    const [cx, cy] = corner.get(codes[i]) as [number, number];
    coords[2 * i] = x[i] - lo[codes[i]][0] + cx;
    coords[2 * i + 1] = y[i] - lo[codes[i]][1] + cy;
  }
  return present.map((g) => ({ sample: ids[g], x: corner.get(g)![0], y: corner.get(g)![1], width: hi[g][0] - lo[g][0], height: hi[g][1] - lo[g][1], x0: lo[g][0], y0: lo[g][1] }));
}
