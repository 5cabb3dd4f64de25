/** Writes the files of a `stnmf siid` run (and its demo step), made by src/outputs/siid.ts. */
import type { Dataset } from '../../dataset.js';
import type { SiidRun } from '../../methods/siid/index.js';
import { siidRunFiles } from '../../outputs/siid.js';
import { diskSink } from './sink.js';

/** Writes result.h5ad, proportions.csv, spot_coordinates.csv and holdout_r2.csv of a run. */
export async function writeOutputs(r: SiidRun, cells: Dataset, spots: Dataset, path: (name: string) => string, signal?: AbortSignal): Promise<void> {
  await siidRunFiles(r, cells, spots, diskSink(path), signal);
}
