/**
 * A small spatial transcriptomics slide with known truth, for `stnmf demo` and tests: cells
 * scattered over a square tissue split into spatial domains, each domain a mixture of gene
 * programs, counts drawn as Poisson(library size × usage · program). Everything is seeded.
 */
import type { Dataset } from '../dataset.js';
import { frame, makeDataset } from '../dataset.js';
import { csrFromCoo } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { Rng } from '../linalg/rng.js';

/** Options of `simulateSpatialCounts`. */
export interface SpatialCountsOptions {
  /** Cells. Default 3000. */
  cells?: number;
  /** Genes. Default 200. */
  genes?: number;
  /** Gene programs (true rank). Default 6. */
  programs?: number;
  /** Side of the square tissue in µm. Default 2000. */
  extent?: number;
  /** Mean counts per cell. Default 300. */
  meanCounts?: number;
  /** Dirichlet concentration of programs over genes (smaller = more specific). Default 0.1. */
  programConcentration?: number;
  seed?: number;
}

/** The simulated slide and its truth. */
export interface SimulatedSlide {
  dataset: Dataset;
  /** True usages (cells x programs), rows sum to 1. */
  usage: Dense;
  /** True programs (programs x genes), rows sum to 1. */
  programs: Dense;
  /** Dominant program of each cell (the domain label). */
  domain: Int32Array;
}

/**
 * Simulates a slide: the tissue is cut into vertical bands (one per program, as cortical
 * layers are), each cell's usage is Dirichlet-concentrated on its band's program with some
 * mixing from the neighbouring bands.
 */
export function simulateSpatialCounts(options: SpatialCountsOptions = {}): SimulatedSlide {
  const n = options.cells ?? 3000;
  const p = options.genes ?? 200;
  const k = options.programs ?? 6;
  const extent = options.extent ?? 2000;
  const meanCounts = options.meanCounts ?? 300;
  const conc = options.programConcentration ?? 0.1;
  const rng = new Rng(options.seed ?? 0);
  const programs = new Float32Array(k * p);
  const alpha = new Float64Array(p).fill(conc);
  for (let t = 0; t < k; t++) {
    const d = rng.dirichlet(alpha);
    for (let j = 0; j < p; j++) programs[t * p + j] = d[j];
  }
  const xy = new Float64Array(2 * n);
  const usage = new Float32Array(n * k);
  const domain = new Int32Array(n);
  const rows: number[] = [], cols: number[] = [], vals: number[] = [];
  const rate = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform() * extent, y = rng.uniform() * extent;
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
    // Bands wave a little in y so domains are not axis-aligned rectangles.
    const band = Math.min(k - 1, Math.max(0, Math.floor(((x + 0.08 * extent * Math.sin((6 * y) / extent)) / extent) * k)));
    domain[i] = band;
    const a = new Float64Array(k).fill(0.05);
    a[band] = 4;
    if (band > 0) a[band - 1] += 0.5;
    if (band < k - 1) a[band + 1] += 0.5;
    const u = rng.dirichlet(a);
    for (let t = 0; t < k; t++) usage[i * k + t] = u[t];
    const library = meanCounts * Math.exp(0.3 * rng.normal());
    rate.fill(0);
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) rate[j] += u[t] * programs[t * p + j];
    for (let j = 0; j < p; j++) {
      const c = rng.poisson(library * rate[j]);
      if (c > 0) {
        rows.push(i);
        cols.push(j);
        vals.push(c);
      }
    }
  }
  const X = csrFromCoo(n, p, rows, cols, vals);
  const obsNames = Array.from({ length: n }, (_, i) => `cell${i + 1}`);
  const varNames = Array.from({ length: p }, (_, j) => `Gene${j + 1}`);
  const dataset = makeDataset(X, obsNames, varNames, { platform: 'simulated', source: 'stnmf simulate (spatial counts)', coordinateUnit: 'um' });
  dataset.obsm.spatial = { rows: n, cols: 2, data: xy };
  dataset.obs = frame(obsNames, { domain: { kind: 'category', codes: domain, categories: Array.from({ length: k }, (_, t) => `domain${t}`) } });
  return { dataset, usage: { rows: n, cols: k, data: usage }, programs: { rows: k, cols: p, data: programs }, domain };
}
