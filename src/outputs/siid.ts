/**
 * The files of one SIID run (`stnmf siid`, its demo step and the browser app): result.h5ad,
 * proportions.csv, spot_coordinates.csv and holdout_r2.csv, sent to a {@link RunFileSink}.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import type { Dataset } from '../dataset.js';
import { csvText } from '../io/csv.js';
import { siidToDataset, type SiidRun } from '../methods/siid/index.js';
import { csvField } from '../csv-text.js';
import { factorNames } from '../keys.js';
import { checkpoint } from '../errors.js';
import type { RunFileSink } from './hsnmf.js';

/**
 * Sends result.h5ad, proportions.csv, spot_coordinates.csv (when the spots have coordinates)
 * and holdout_r2.csv (with a holdout) of a SIID run to `sink`.
 * @param signal stops the run between the imputed layer and the h5ad (StnmfError 'ABORTED')
 */
export async function siidRunFiles(r: SiidRun, cells: Dataset, spots: Dataset, sink: RunFileSink, signal?: AbortSignal): Promise<void> {
  const { prepared, fit, holdout } = r;
  const p = prepared.problem;
  const h = fit.h;
  const gX = p.panelCols.length;
  const ds = siidToDataset(r, cells);
  // Building the imputed layer and writing it are each most of a second on Xenium: a signal
  // between them stops the run here rather than after the file is written.
  await checkpoint(signal, 'siid');
  await sink.h5ad('result.h5ad', ds);
  // Spot proportions (model π_s), spot names of the input.
  await sink.text(
    'proportions.csv',
    csvText({
      matrix: { rows: p.m, cols: h, data: r.proportions },
      rowNames: Array.from(prepared.spotRows, (s) => spots.obs.index[s]),
      colNames: factorNames(h),
      indexName: 'spot',
    }),
  );
  // The spots' positions, so plots can map proportions.csv (result.h5ad holds the cells).
  const sc = spotCoordinatesCsv(spots, prepared.spotRows);
  if (sc) await sink.text('spot_coordinates.csv', sc);
  if (holdout) {
    const lines = ['gene,r2,fold,baseline_A,baseline_B,baseline_C,baseline_D'];
    const b = holdout.baselines!;
    const fmt = (x: number) => (Number.isFinite(x) ? String(x) : 'NaN');
    for (let j = 0; j < gX; j++) {
      lines.push([csvField(prepared.panelGenes[j]), fmt(holdout.siid.r2[j]), holdout.fold[j], fmt(b.A.r2[j]), fmt(b.B.r2[j]), fmt(b.C.r2[j]), fmt(b.D.r2[j])].join(','));
    }
    await sink.text('holdout_r2.csv', lines.join('\n') + '\n');
  }
}

/**
 * `spot,x_um,y_um` of the spots in `rows` (the spots proportions.csv lists, in its order): µm
 * when the spots are in µm or in pixels with a known µm per pixel (converted), else
 * `x_px,y_px` for unscaled pixels and `x,y` for an unknown or unstated unit, so the header states the
 * unit that is true. Undefined when the spots have no `obsm.spatial`.
 */
export function spotCoordinatesCsv(spots: Dataset, rows: ArrayLike<number>): string | undefined {
  const s = spots.obsm.spatial;
  if (!s || s.cols < 2) return undefined;
  const unit = spots.meta.coordinateUnit;
  const mpu = spots.meta.micronsPerUnit;
  const um = unit === 'um';
  const f = um ? 1 : mpu !== undefined && mpu > 0 && Number.isFinite(mpu) ? mpu : undefined;
  const suffix = f !== undefined ? '_um' : unit === 'px' || unit === 'px_fullres' ? '_px' : '';
  const lines = [`spot,x${suffix},y${suffix}`];
  for (let q = 0; q < rows.length; q++) {
    const i = rows[q];
    lines.push(`${csvField(spots.obs.index[i])},${s.data[i * s.cols] * (f ?? 1)},${s.data[i * s.cols + 1] * (f ?? 1)}`);
  }
  return lines.join('\n') + '\n';
}

