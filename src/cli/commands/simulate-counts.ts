/**
 * `stnmf simulate counts`: a count matrix of modern instrument size with known programs
 * (src/simulate/counts.ts), streamed to disk chunk by chunk (issue 16, Deliver 1).
 *
 * - `--layout 10x-h5` (default): `--out FILE.h5`, a 10x `cell_feature_matrix.h5` whose extra
 *   group `/truth` holds `usage` (cells x K), `dominant` (cells), `programs` (K x genes) and
 *   `grid` (cells x 2: grid row, column); 10x readers ignore it.
 * - `--layout visium-hd`: `--out DIR`, a Visium HD run folder with one 8 µm bin level,
 *   `DIR/binned_outputs/square_008um/filtered_feature_bc_matrix.h5` (the same matrix and truth)
 *   plus `spatial/tissue_positions.parquet` and `spatial/scalefactors_json.json`; bins sit on
 *   a square grid of 8 µm, 0.25 µm per full-resolution pixel.
 *
 * Parquet: writing `tissue_positions.parquet` needs `hyparquet-writer`, a development
 * dependency of stnmf, loaded only here and only for `--layout visium-hd`; when it is absent
 * (an installed package) the command says how to add it. The 10x layout needs nothing extra.
 * (Decision: the shipped CLI keeps no hard dependency for a benchmark-data generator.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StnmfError } from '../../errors.js';
import { withAtomicPath } from '../../io/atomic.js';
import { writeTenxH5, type TenxRowChunk } from '../../io/tenx-h5-write.js';
import { gridOfRows, simulateCounts, SIMULATED_BIN_UM, SIMULATED_MICRONS_PER_PIXEL, visiumHdBins, type CountsSimulation } from '../../simulate/counts.js';
import type { FlagSpec } from '../args.js';
import type { CommandContext } from '../command.js';
import type { Generator as SimGenerator } from '../command.js';

/** Flags of the counts generator (besides --seed, --out and --json). */
export const simulateCountsFlags: Record<string, FlagSpec> = {
  cells: { type: 'int', default: 10000, help: 'cells (rows; bins for visium-hd)' },
  genes: { type: 'int', default: 5000, help: 'genes' },
  'nnz-per-cell': { type: 'int', default: 200, help: 'non-zeros per cell, exactly' },
  programs: { type: 'int', default: 20, help: 'true programs K' },
  depth: { type: 'number', default: 1, help: 'expected extra count at a gene of average weight' },
  layout: { type: 'string', default: '10x-h5', choices: ['10x-h5', 'visium-hd'], help: "10x-h5 (--out FILE.h5) or visium-hd (--out DIR)" },
};

const BIN_UM = SIMULATED_BIN_UM;
const MICRONS_PER_PIXEL = SIMULATED_MICRONS_PER_PIXEL;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

async function writeMatrix(path: string, sim: CountsSimulation, barcodes: string[], ctx: CommandContext): Promise<number> {
  const K = sim.programs;
  function* chunks(): Generator<TenxRowChunk> {
    for (const c of sim.chunks()) {
      yield { rows: c.rows, indptr: c.indptr, indices: c.indices, data: c.data, extras: { 'truth/usage': c.usage, 'truth/dominant': c.dominant, 'truth/grid': gridOfRows(sim, c.start, c.rows) } };
    }
  }
  const r = await withAtomicPath(path, (tmp) =>
    writeTenxH5(tmp, chunks(), {
      barcodes,
      featureIds: Array.from({ length: sim.genes }, (_, j) => `SIM${pad(j, 6)}`),
      featureNames: Array.from({ length: sim.genes }, (_, j) => `Gene${j}`),
      genome: 'simulated',
      attrs: { filetype: 'matrix', software_version: 'stnmf simulate counts' },
      extras: [
        { path: 'truth/usage', cols: K, dtype: '<f' },
        { path: 'truth/dominant', cols: 1, dtype: '<i', vector: true },
        { path: 'truth/grid', cols: 2, dtype: '<i' },
      ],
      datasets: [{ path: 'truth/programs', data: sim.programMatrix, shape: [K, sim.genes] }],
      onChunk: (rows) => ctx.progress('simulate counts', rows, sim.cells, 'cells'),
    }),
  );
  return r.nnz;
}

async function loadParquetWriter(): Promise<(o: { filename: string; columnData: Array<{ name: string; data: unknown; type: string }> }) => void> {
  try {
    const m = (await import('hyparquet-writer' as string)) as { parquetWriteFile: (o: unknown) => void };
    return m.parquetWriteFile;
  } catch {
    throw new StnmfError('USAGE', "stnmf simulate counts --layout visium-hd: writing tissue_positions.parquet needs the package hyparquet-writer; run 'npm install hyparquet-writer' (or use --layout 10x-h5)");
  }
}

/** The generator entry of `stnmf simulate counts`; it writes its own outputs (no run folder). */
export const simulateCountsGenerator: SimGenerator = {
  name: 'counts',
  summary: 'large 10x h5 count matrix (or Visium HD folder) with known programs, written in chunks',
  flags: simulateCountsFlags,
  async run() {
    throw new Error('simulate counts writes its own output: call runDirect');
  },
  async runDirect(f, ctx) {
    const t0 = performance.now();
    const sim = simulateCounts({
      cells: f.cells as number,
      genes: f.genes as number,
      nnzPerCell: f['nnz-per-cell'] as number,
      programs: f.programs as number,
      depth: f.depth as number,
      seed: f.seed as number,
    });
    const out = f.out as string;
    const hd = f.layout === 'visium-hd';
    const n = sim.cells;
    let matrixPath = out;
    let positionsPath: string | undefined;
    if (hd) {
      const writeParquet = await loadParquetWriter();
      const bin = join(out, 'binned_outputs', 'square_008um');
      mkdirSync(join(bin, 'spatial'), { recursive: true });
      matrixPath = join(bin, 'filtered_feature_bc_matrix.h5');
      positionsPath = join(bin, 'spatial', 'tissue_positions.parquet');
      const { barcode, inTissue, arrayRow, arrayCol, pxRow, pxCol } = visiumHdBins(sim);
      const binPx = BIN_UM / MICRONS_PER_PIXEL;
      const nnz = await writeMatrix(matrixPath, sim, barcode, ctx);
      await withAtomicPath(positionsPath, (tmp) =>
        writeParquet({
          filename: tmp,
          columnData: [
            { name: 'barcode', data: barcode, type: 'STRING' },
            { name: 'in_tissue', data: inTissue, type: 'INT32' },
            { name: 'array_row', data: arrayRow, type: 'INT32' },
            { name: 'array_col', data: arrayCol, type: 'INT32' },
            { name: 'pxl_row_in_fullres', data: pxRow, type: 'DOUBLE' },
            { name: 'pxl_col_in_fullres', data: pxCol, type: 'DOUBLE' },
          ],
        }),
      );
      writeFileSync(
        join(bin, 'spatial', 'scalefactors_json.json'),
        JSON.stringify({ bin_size_um: BIN_UM, microns_per_pixel: MICRONS_PER_PIXEL, spot_diameter_fullres: binPx, tissue_hires_scalef: 1, tissue_lowres_scalef: 1, fiducial_diameter_fullres: binPx }, null, 2) + '\n',
      );
      return finish(nnz);
    }
    const barcodes = Array.from({ length: n }, (_, i) => `cell${pad(i, 7)}-1`);
    return finish(await writeMatrix(matrixPath, sim, barcodes, ctx));

    function finish(nnz: number): void {
      const seconds = (performance.now() - t0) / 1000;
      const summary = { layout: f.layout, matrix: matrixPath, positions: positionsPath, cells: n, genes: sim.genes, nnz, nnzPerCell: sim.nnzPerCell, programs: sim.programs, seed: f.seed, seconds };
      ctx.log(`stnmf simulate counts: ${n} x ${sim.genes}, ${nnz} non-zeros, ${sim.programs} programs in ${seconds.toFixed(1)} s -> ${hd ? out : matrixPath}`);
      if (f.json) ctx.print(JSON.stringify(summary));
    }
  },
};
