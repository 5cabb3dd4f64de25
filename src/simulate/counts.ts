/**
 * Count matrices of modern instrument size with known programs (issue 16): a Xenium 5K slide
 * (1 M cells x 5,000 genes x 200 non-zeros) or a Visium HD slide (700 k bins x 18,000 genes x
 * 1,000 non-zeros), produced in row chunks so that no array ever holds the whole matrix.
 *
 * Model (every draw seeded, so a seed and the sizes regenerate the file exactly):
 * - cell i sits at grid position (row, col) of a near-square grid (`grid` below); its dominant
 *   program is the vertical band its (wiggled) column falls in, as cortical layers are;
 * - usage u_i ~ Dirichlet(0.1, …, 4 at the dominant program, …, 0.1) (K entries, sum 1);
 * - program t over genes: q_t = 0.8 · Dirichlet(0.3 · 1_G) + 0.2 / G (rows sum 1; the uniform
 *   part keeps every gene drawable so a cell can always find D distinct genes);
 * - the cell's gene distribution is π_i = Σ_t u_it q_t; exactly D distinct genes are drawn
 *   from it without replacement (program by u_i, then gene by the program's alias table,
 *   repeats rejected); each drawn gene gets the count 1 + Poisson(depth · ℓ_i · G · π_ij) with
 *   library factor ℓ_i = exp(0.3 z), z standard normal.
 * So X has exactly cells·D non-zeros, and the truth (usage, programs, dominant program) is
 * returned beside it. Layer 2: no node:* imports (runs in browsers).
 */
import { StnmfError } from '../errors.js';
import { Rng } from '../linalg/rng.js';

/** Options of {@link simulateCounts}. */
export interface CountsSimOptions {
  /** Cells (rows). Required, ≥ 1. */
  cells: number;
  /** Genes (columns). Required, ≥ 1. */
  genes: number;
  /** Non-zeros per cell, exactly (1 ≤ D ≤ genes). Required. */
  nnzPerCell: number;
  /** Programs K (the true rank). Default 20. */
  programs?: number;
  /** Seed. Default 0. */
  seed?: number;
  /** Expected extra count at a gene of average weight (see the model). Default 1. */
  depth?: number;
  /** Target non-zeros per chunk (the chunk size in cells follows). Default 4,194,304 (2²²). */
  chunkNnz?: number;
}

/** One block of consecutive rows, CSR with chunk-local offsets. */
export interface CountsChunk {
  /** First row (cell) of the chunk. */
  start: number;
  rows: number;
  /** Length rows + 1, starting at 0 (add the chunk's global offset `start · D`). */
  indptr: Int32Array;
  /** Gene index of each non-zero, sorted within each row. */
  indices: Int32Array;
  /** Integer counts ≥ 1. */
  data: Int32Array;
  /** True usage, rows x K row-major (rows sum to 1). */
  usage: Float32Array;
  /** Dominant program of each row. */
  dominant: Int32Array;
}

/** A prepared simulation: the sizes, the programs and a chunk iterator. */
export interface CountsSimulation {
  cells: number;
  genes: number;
  nnzPerCell: number;
  programs: number;
  /** Total non-zeros = cells · nnzPerCell. */
  nnz: number;
  /** Rows per chunk (the last chunk may be shorter). */
  chunkRows: number;
  /** The grid the cells sit on: `gridCols` columns, row-major (cell i at row ⌊i / gridCols⌋). */
  gridCols: number;
  /** True programs, K x G row-major float32, rows sum to 1. */
  programMatrix: Float32Array;
  /** The chunks in row order; each call starts over and yields the same chunks again. */
  chunks(): Generator<CountsChunk>;
}

const USAGE_CONC = 0.1;
const USAGE_DOMINANT = 4;
const PROGRAM_CONC = 0.3;
const PROGRAM_UNIFORM = 0.2;
const LIBRARY_SDLOG = 0.3;

function checkInt(name: string, v: number, lo: number, hi = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new StnmfError('BAD_OPTION', `simulateCounts: ${name} must be a whole number from ${lo} to ${hi}; got ${v}`);
  }
}

/** Vose's alias table of a discrete distribution (weights need not sum to 1). */
function aliasTable(w: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = w.length;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += w[j];
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n), large = new Int32Array(n);
  let ns = 0, nl = 0;
  for (let j = 0; j < n; j++) {
    scaled[j] = (w[j] * n) / sum;
    if (scaled[j] < 1) small[ns++] = j;
    else large[nl++] = j;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns], l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) prob[large[--nl]] = 1;
  while (ns > 0) prob[small[--ns]] = 1; // rounding leftovers
  return { prob, alias };
}

interface Model {
  n: number;
  G: number;
  D: number;
  K: number;
  depth: number;
  gridCols: number;
  gridRows: number;
  prob: Float64Array;
  alias: Int32Array;
  progT: Float64Array;
}

/** 2⁻³²: a 32-bit uniform is plenty for choosing among ≤ 2³¹ genes. */
const U32 = 2.3283064365386963e-10;

/** Draws the rows of one chunk (a plain function, so the hot loop is optimised as such). */
function fillRows(m: Model, r: Rng, c: CountsChunk, work: { a: Float64Array; u: Float64Array; cum: Float64Array; stamp: Int32Array }): void {
  const { G, D, K, prob, alias, progT } = m;
  const { a, u, cum, stamp } = work;
  const { indptr, indices, data, usage, dominant } = c;
  for (let li = 0; li < c.rows; li++) {
    const i = c.start + li;
    const gy = Math.floor(i / m.gridCols), gx = i % m.gridCols;
    // Bands along x, wiggling with y, one per program.
    const xf = (gx + 0.5) / m.gridCols + 0.06 * Math.sin((6 * (gy + 0.5)) / m.gridRows);
    const dom = Math.min(K - 1, Math.max(0, Math.floor(xf * K)));
    dominant[li] = dom;
    a.fill(USAGE_CONC);
    a[dom] = USAGE_DOMINANT;
    r.dirichlet(a, u);
    let s = 0;
    for (let t = 0; t < K; t++) {
      usage[li * K + t] = u[t];
      s += u[t];
      cum[t] = s;
    }
    const lib = m.depth * Math.exp(LIBRARY_SDLOG * r.normal()) * G;
    const stampValue = i + 1; // unique per cell: no clearing between cells
    const q0 = li * D;
    let got = 0;
    const maxDraws = 64 * D + 64;
    for (let draws = 0; got < D && draws < maxDraws; draws++) {
      const x = r.nextUint32() * U32 * s;
      let t = 0;
      while (t < K - 1 && cum[t] <= x) t++;
      const y = r.nextUint32() * U32 * G;
      let j = Math.floor(y);
      const o = t * G + j;
      if (y - j >= prob[o]) j = alias[o];
      if (stamp[j] === stampValue) continue;
      stamp[j] = stampValue;
      indices[q0 + got++] = j;
    }
    // Rejection ran out (D close to G): take the remaining genes in order from a random start.
    for (let j = r.int(G), scanned = 0; got < D && scanned < G; j = j + 1 === G ? 0 : j + 1, scanned++) {
      if (stamp[j] === stampValue) continue;
      stamp[j] = stampValue;
      indices[q0 + got++] = j;
    }
    const row = indices.subarray(q0, q0 + D);
    row.sort();
    for (let q = 0; q < D; q++) {
      const j = row[q];
      let pij = 0;
      for (let t = 0, o = j * K; t < K; t++) pij += u[t] * progT[o + t];
      data[q0 + q] = 1 + r.poisson(lib * pij);
    }
    indptr[li + 1] = q0 + D;
  }
}

/**
 * Prepares a count simulation (see the module comment for the model). Cheap: the programs
 * and their alias tables are built here; the counts are drawn as `chunks()` is iterated.
 * @throws StnmfError BAD_OPTION for sizes out of range or nnzPerCell > genes.
 */
export function simulateCounts(options: CountsSimOptions): CountsSimulation {
  const n = options.cells, G = options.genes, D = options.nnzPerCell;
  const K = options.programs ?? 20;
  checkInt('cells', n, 1, 2 ** 31 - 2);
  checkInt('genes', G, 1, 2 ** 31 - 1);
  checkInt('programs', K, 1, 10000);
  checkInt('nnzPerCell', D, 1, G);
  const depth = options.depth ?? 1;
  if (!(depth > 0) || !Number.isFinite(depth)) throw new StnmfError('BAD_OPTION', `simulateCounts: depth must be a positive number; got ${depth}`);
  const seed = options.seed ?? 0;
  const chunkNnz = options.chunkNnz ?? 1 << 22;
  checkInt('chunkNnz', chunkNnz, 1);
  const chunkRows = Math.max(1, Math.min(n, Math.floor(chunkNnz / D)));
  const gridCols = Math.ceil(Math.sqrt(n));

  const rng = new Rng(seed);
  const programMatrix = new Float32Array(K * G);
  // Alias tables of all programs, flat (program t at offset t·G), for O(1) gene draws.
  const prob = new Float64Array(K * G);
  const alias = new Int32Array(K * G);
  const alpha = new Float64Array(G).fill(PROGRAM_CONC);
  const w = new Float64Array(G);
  for (let t = 0; t < K; t++) {
    const d = rng.dirichlet(alpha);
    let s = 0;
    for (let j = 0; j < G; j++) {
      w[j] = (1 - PROGRAM_UNIFORM) * d[j] + PROGRAM_UNIFORM / G;
      s += w[j];
    }
    for (let j = 0; j < G; j++) programMatrix[t * G + j] = w[j] / s;
    const tab = aliasTable(w);
    prob.set(tab.prob, t * G);
    alias.set(tab.alias, t * G);
  }
  // Programs gene-major (G x K) for the per-non-zero mixture π_ij = Σ_t u_it q_tj.
  const progT = new Float64Array(G * K);
  for (let t = 0; t < K; t++) for (let j = 0; j < G; j++) progT[j * K + t] = programMatrix[t * G + j];
  const nnz = n * D;
  const model: Model = { n, G, D, K, depth, gridCols, gridRows: Math.ceil(n / gridCols), prob, alias, progT };

  function* chunks(): Generator<CountsChunk> {
    // Each chunk has its own stream (forked from the seed by chunk index), so a chunk's
    // contents do not depend on how the caller consumes the others.
    const base = new Rng(seed);
    const work = { a: new Float64Array(K), u: new Float64Array(K), cum: new Float64Array(K), stamp: new Int32Array(G) };
    for (let start = 0, c = 0; start < n; start += chunkRows, c++) {
      const rows = Math.min(chunkRows, n - start);
      const chunk: CountsChunk = {
        start,
        rows,
        indptr: new Int32Array(rows + 1),
        indices: new Int32Array(rows * D),
        data: new Int32Array(rows * D),
        usage: new Float32Array(rows * K),
        dominant: new Int32Array(rows),
      };
      fillRows(model, base.fork(c + 1), chunk, work);
      yield chunk;
    }
  }

  return { cells: n, genes: G, nnzPerCell: D, programs: K, nnz, chunkRows, gridCols, programMatrix, chunks };
}

/** Visium HD's 8 µm bin size and a full-resolution pixel of 0.25 µm, as the simulated layout uses. */
export const SIMULATED_BIN_UM = 8;
export const SIMULATED_MICRONS_PER_PIXEL = 0.25;

/** `s_008um_RRRRR_CCCCC-1`: Space Ranger's name of the 8 µm bin at grid row r, column c. */
function binBarcode(r: number, c: number): string {
  return `s_008um_${String(r).padStart(5, '0')}_${String(c).padStart(5, '0')}-1`;
}

/** Grid row and column of the cells `start` … `start + rows − 1` (pairs; the truth/grid dataset). */
export function gridOfRows(sim: Pick<CountsSimulation, 'gridCols'>, start: number, rows: number): Int32Array {
  const grid = new Int32Array(2 * rows);
  for (let li = 0; li < rows; li++) {
    const i = start + li;
    grid[2 * li] = Math.floor(i / sim.gridCols);
    grid[2 * li + 1] = i % sim.gridCols;
  }
  return grid;
}

/**
 * The simulated cells as Visium HD 8 µm bins on their grid: Space Ranger's barcodes and the
 * columns of `tissue_positions.parquet` (every bin in tissue; pixel positions at bin centres,
 * 0.25 µm per full-resolution pixel).
 */
export function visiumHdBins(sim: Pick<CountsSimulation, 'cells' | 'gridCols'>): { barcode: string[]; inTissue: Int32Array; arrayRow: Int32Array; arrayCol: Int32Array; pxRow: Float64Array; pxCol: Float64Array } {
  const n = sim.cells;
  const barcode = new Array<string>(n);
  const arrayRow = new Int32Array(n), arrayCol = new Int32Array(n);
  const pxRow = new Float64Array(n), pxCol = new Float64Array(n);
  const binPx = SIMULATED_BIN_UM / SIMULATED_MICRONS_PER_PIXEL;
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / sim.gridCols), c = i % sim.gridCols;
    barcode[i] = binBarcode(r, c);
    arrayRow[i] = r;
    arrayCol[i] = c;
    pxRow[i] = (r + 0.5) * binPx;
    pxCol[i] = (c + 0.5) * binPx;
  }
  return { barcode, inTissue: new Int32Array(n).fill(1), arrayRow, arrayCol, pxRow, pxCol };
}
