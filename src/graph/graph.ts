/**
 * Sparse undirected weighted graphs in symmetric CSR form, and the quality functions of
 * methods-spec G2.1 (RB-configuration, modularity) for any partition.
 *
 * Convention (igraph / leidenalg): an undirected edge {i, j}, i ≠ j, of weight w is stored in
 * row i and row j; a self-loop of weight w is stored once, in row i. Total weight
 * m = Σ_edges w (each loop once); strength k_i = Σ_{j≠i} w_ij + 2 w_ii.
 *
 * Layer 1 (graph): imports linalg only; no Node APIs.
 */
import { StnmfError } from '../errors.js';

/** A symmetric sparse graph: row i lists i's neighbours (sorted), loops as a diagonal entry. */
export interface Graph {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array;
}

/** Anything CSR-shaped: a `Graph`, a spatial `NeighborGraph`, or a linalg `Csr` (rows/data). */
export type GraphLike =
  | { n: number; indptr: Int32Array; indices: Int32Array; weights: ArrayLike<number> }
  | { rows: number; cols: number; indptr: Int32Array; indices: Int32Array; data: ArrayLike<number> };

/** How a possibly asymmetric adjacency becomes an undirected graph. */
export type Symmetrize = 'sum' | 'max' | 'min' | 'assume-symmetric';

/**
 * Builds an undirected graph from an edge list: one edge per (src, dst, w), parallel edges
 * summed (the same quality as leidenalg's multigraph), loops kept once.
 * @param weights default 1 for every edge; must be finite and >= 0.
 * @throws StnmfError on indices outside [0, n) or bad weights.
 */
export function graphFromEdges(n: number, src: ArrayLike<number>, dst: ArrayLike<number>, weights?: ArrayLike<number>): Graph {
  const m = src.length;
  if (dst.length !== m || (weights && weights.length !== m)) {
    throw new StnmfError('BAD_INPUT', `graphFromEdges: src (${m}), dst (${dst.length}) and weights (${weights?.length ?? m}) must have equal lengths`);
  }
  const rows = new Int32Array(2 * m);
  const cols = new Int32Array(2 * m);
  const vals = new Float64Array(2 * m);
  let t = 0;
  for (let e = 0; e < m; e++) {
    const a = src[e];
    const b = dst[e];
    const w = weights ? weights[e] : 1;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n) {
      throw new StnmfError('BAD_INPUT', `graphFromEdges: edge ${e} (${a}, ${b}) has a node index outside [0, ${n})`);
    }
    if (!(w >= 0) || !Number.isFinite(w)) throw new StnmfError('BAD_INPUT', `graphFromEdges: edge ${e} weight must be finite and >= 0, got ${w}`);
    rows[t] = a;
    cols[t] = b;
    vals[t++] = w;
    if (a !== b) {
      rows[t] = b;
      cols[t] = a;
      vals[t++] = w;
    }
  }
  return assemble(n, rows.subarray(0, t), cols.subarray(0, t), vals.subarray(0, t), 'sum');
}

/**
 * An undirected graph from a CSR adjacency (n x n). `sum` (default, G2.2 / hSNMF M1.3 step 7):
 * W = A + Aᵀ, one edge per stored non-zero, as scanpy passes adjacency to leidenalg (doubles
 * a symmetric A, which leaves partitions unchanged); `max` / `min`: elementwise of A and Aᵀ;
 * `assume-symmetric`: A is already symmetric, w_ij = A_ij (checked). The diagonal is a loop
 * weight (`sum` doubles it too, as the multigraph would hold two loops).
 * @throws StnmfError for a non-square matrix, bad weights, or an asymmetric A with `assume-symmetric`.
 */
export function graphFromAdjacency(a: GraphLike, symmetrize: Symmetrize = 'sum'): Graph {
  const n = 'n' in a ? a.n : a.rows;
  if (!('n' in a) && a.rows !== a.cols) throw new StnmfError('BAD_INPUT', `graphFromAdjacency: adjacency must be square, got ${a.rows} x ${a.cols}`);
  const vals = 'n' in a ? a.weights : a.data;
  const nnz = a.indptr[n];
  for (let p = 0; p < nnz; p++) {
    const w = vals[p];
    if (!(w >= 0) || !Number.isFinite(w)) throw new StnmfError('BAD_INPUT', `graphFromAdjacency: stored weight ${p} must be finite and >= 0, got ${w}`);
    const j = a.indices[p];
    if (j < 0 || j >= n) throw new StnmfError('BAD_INPUT', `graphFromAdjacency: column index ${j} outside [0, ${n})`);
  }
  const rows = new Int32Array(2 * nnz);
  const cols = new Int32Array(2 * nnz);
  const v = new Float64Array(2 * nnz);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const j = a.indices[p];
      rows[t] = i;
      cols[t] = j;
      v[t++] = vals[p];
      if (symmetrize !== 'assume-symmetric') {
        rows[t] = j;
        cols[t] = i;
        v[t++] = vals[p];
      }
    }
  }
  if (symmetrize === 'assume-symmetric') {
    const g = assemble(n, rows.subarray(0, t), cols.subarray(0, t), v.subarray(0, t), 'sum');
    checkSymmetric(g);
    return g;
  }
  if (symmetrize === 'sum') return assemble(n, rows.subarray(0, t), cols.subarray(0, t), v.subarray(0, t), 'sum');
  // max/min: the pair (i,j) appears from A_ij and from A_ji; a missing side counts as 0.
  const g = assemble(n, rows.subarray(0, t), cols.subarray(0, t), v.subarray(0, t), symmetrize, true);
  return g;
}

function checkSymmetric(g: Graph): void {
  for (let i = 0; i < g.n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      if (j === i) continue;
      const w = edgeWeight(g, j, i);
      if (w !== g.weights[p]) {
        throw new StnmfError('BAD_INPUT', `graphFromAdjacency: adjacency is not symmetric: A[${i},${j}] = ${g.weights[p]} but A[${j},${i}] = ${w}`);
      }
    }
  }
}

/** Weight stored at (i, j), 0 when absent (binary search in the sorted row). */
export function edgeWeight(g: Graph, i: number, j: number): number {
  let lo = g.indptr[i];
  let hi = g.indptr[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = g.indices[mid];
    if (c === j) return g.weights[mid];
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/**
 * Sorts triplets into CSR, combining duplicates by `combine`. With `countPairs`, each (i, j)
 * entry came from A_ij and A_ji (one each when both exist); a single occurrence means the
 * other side is 0, which matters for `min` (→ 0, dropped) and not for `max`.
 * Two stable counting sorts (by column, then by row) replace a comparator sort per row,
 * O(n + m) instead of O(m log d): duplicates of (i, j) still meet in input order, so every
 * combined value is bitwise what the (stable) per-row sort gave.
 */
function assemble(n: number, rows: Int32Array, cols: Int32Array, vals: Float64Array, combine: 'sum' | 'max' | 'min', countPairs = false): Graph {
  const m = rows.length;
  const cptr = new Int32Array(n + 1);
  for (let t = 0; t < m; t++) cptr[cols[t] + 1]++;
  for (let i = 0; i < n; i++) cptr[i + 1] += cptr[i];
  const byCol = new Int32Array(m);
  for (let t = 0; t < m; t++) byCol[cptr[cols[t]]++] = t;
  const ptr = new Int32Array(n + 1);
  for (let t = 0; t < m; t++) ptr[rows[t] + 1]++;
  for (let i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  const next = ptr.slice(0, n);
  const c = new Int32Array(m);
  const v = new Float64Array(m);
  for (let q = 0; q < m; q++) {
    const t = byCol[q];
    const s = next[rows[t]]++;
    c[s] = cols[t];
    v[s] = vals[t];
  }
  const indptr = new Int32Array(n + 1);
  const oi = new Int32Array(m);
  const ov = new Float64Array(m);
  let len = 0;
  for (let i = 0; i < n; i++) {
    const end = ptr[i + 1];
    let s = ptr[i];
    while (s < end) {
      const col = c[s];
      let acc = v[s];
      let cnt = 1;
      let e = s + 1;
      while (e < end && c[e] === col) {
        const x = v[e];
        acc = combine === 'sum' ? acc + x : combine === 'max' ? Math.max(acc, x) : Math.min(acc, x);
        cnt++;
        e++;
      }
      // Diagonal entries under max/min were added twice from the same A_ii.
      if (countPairs && combine === 'min' && cnt < 2 && col !== i) acc = 0;
      if (acc !== 0) {
        oi[len] = col;
        ov[len++] = acc;
      }
      s = e;
    }
    indptr[i + 1] = len;
  }
  return { n, indptr, indices: oi.slice(0, len), weights: ov.slice(0, len) };
}

/** Accepts a Graph-shaped object as is (weights copied to float64 when needed). */
export function asGraph(g: GraphLike): Graph {
  if ('n' in g) {
    const w = g.weights instanceof Float64Array ? g.weights : Float64Array.from(g.weights);
    return { n: g.n, indptr: g.indptr, indices: g.indices, weights: w };
  }
  return graphFromAdjacency(g, 'assume-symmetric');
}

/** Strengths k_i (loops counted twice) and the total weight m. */
export function strengths(g: Graph): { k: Float64Array; m: number } {
  const k = new Float64Array(g.n);
  let twoM = 0;
  for (let i = 0; i < g.n; i++) {
    let s = 0;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) s += g.indices[p] === i ? 2 * g.weights[p] : g.weights[p];
    k[i] = s;
    twoM += s;
  }
  return { k, m: twoM / 2 };
}

function checkMembership(g: Graph, membership: ArrayLike<number>, what: string): number {
  if (membership.length !== g.n) {
    throw new StnmfError('BAD_INPUT', `${what}: membership has ${membership.length} entries, expected one per node (${g.n})`);
  }
  let max = -1;
  for (let i = 0; i < g.n; i++) {
    const c = membership[i];
    if (!Number.isInteger(c) || c < 0) throw new StnmfError('BAD_INPUT', `${what}: membership[${i}] must be an integer >= 0, got ${c}`);
    if (c > max) max = c;
  }
  return max + 1;
}

/**
 * The RB-configuration quality (G2.1) of a partition, un-normalised as leidenalg's
 * `RBConfigurationVertexPartition.quality()`: Σ_c [2 e_c − γ K_c²/(2m)].
 * @param resolution γ (default 1).
 */
export function qualityRB(graph: GraphLike, membership: ArrayLike<number>, resolution = 1): number {
  const g = asGraph(graph);
  const nc = checkMembership(g, membership, 'qualityRB');
  const { k, m } = strengths(g);
  if (m === 0) return 0;
  const { twoE, sumK2 } = partitionSums(g, k, membership, nc);
  return twoE - (resolution * sumK2) / (2 * m);
}

/**
 * The two sums every RB quality is made of: Σ_c 2e_c (twice the internal weight) and Σ_c K_c²
 * (K_c = total strength of community c). One pass; Leiden calls it once for both its quality
 * and the modularity it reports.
 * @param k node strengths (`strengths(g).k`); `nc` the number of communities.
 */
export function partitionSums(g: Graph, k: Float64Array, membership: ArrayLike<number>, nc: number): { twoE: number; sumK2: number } {
  const K = new Float64Array(nc);
  let twoE = 0;
  for (let i = 0; i < g.n; i++) {
    const ci = membership[i];
    K[ci] += k[i];
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      // Off-diagonal entries appear twice (i,j),(j,i) and give 2·w; a loop gives A_ii = 2 w_ii.
      if (j === i) twoE += 2 * g.weights[p];
      else if (membership[j] === ci) twoE += g.weights[p];
    }
  }
  let sumK2 = 0;
  for (let c = 0; c < nc; c++) sumK2 += K[c] * K[c];
  return { twoE, sumK2 };
}

/**
 * Newman modularity (G2.1) at resolution γ (default 1): Q_RB(γ)/(2m), equal to igraph's
 * `Graph.modularity(membership, weights, resolution)`. NaN for a graph without edges.
 */
export function modularity(graph: GraphLike, membership: ArrayLike<number>, resolution = 1): number {
  const g = asGraph(graph);
  const { m } = strengths(g);
  if (m === 0) return NaN;
  return qualityRB(g, membership, resolution) / (2 * m);
}

/** True when every community induces a connected subgraph (BFS per community). */
export function communitiesConnected(graph: GraphLike, membership: ArrayLike<number>): boolean {
  const g = asGraph(graph);
  const nc = checkMembership(g, membership, 'communitiesConnected');
  const seenComm = new Uint8Array(nc);
  const visited = new Uint8Array(g.n);
  const queue = new Int32Array(g.n);
  for (let s = 0; s < g.n; s++) {
    if (visited[s]) continue;
    const c = membership[s];
    if (seenComm[c]) return false; // a second component of an already-seen community
    seenComm[c] = 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    visited[s] = 1;
    while (head < tail) {
      const v = queue[head++];
      for (let p = g.indptr[v]; p < g.indptr[v + 1]; p++) {
        const u = g.indices[p];
        if (!visited[u] && membership[u] === c && g.weights[p] > 0) {
          visited[u] = 1;
          queue[tail++] = u;
        }
      }
    }
  }
  return true;
}
