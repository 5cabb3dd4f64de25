/** The files `stnmf siid` (and its demo step) write: result.h5ad, proportions.csv, holdout_r2.csv. */
import { writeFile } from 'node:fs/promises';
import type { Dataset } from '../../dataset.js';
import { writeCsv } from '../../io/csv.js';
import { writeH5ad } from '../../io/h5ad.js';
import { siidToDataset, type SiidRun } from '../../methods/siid/index.js';
import { factorNames } from '../../keys.js';

/** Writes result.h5ad, proportions.csv and holdout_r2.csv. */
export async function writeOutputs(r: SiidRun, cells: Dataset, spots: Dataset, path: (name: string) => string): Promise<void> {
  const { prepared, fit, holdout } = r;
  const p = prepared.problem;
  const h = fit.h;
  const gX = p.panelCols.length;
  const ds = siidToDataset(r, cells);
  await writeH5ad(path('result.h5ad'), ds);
  // Spot proportions (model π_s), spot names of the input.
  writeCsv(path('proportions.csv'), {
    matrix: { rows: p.m, cols: h, data: r.proportions },
    rowNames: Array.from(prepared.spotRows, (s) => spots.obs.index[s]),
    colNames: factorNames(h),
    indexName: 'spot',
  });
  if (holdout) {
    const lines = ['gene,r2,fold,baseline_A,baseline_B,baseline_C,baseline_D'];
    const b = holdout.baselines!;
    const fmt = (x: number) => (Number.isFinite(x) ? String(x) : 'NaN');
    for (let j = 0; j < gX; j++) {
      lines.push([csvSafe(prepared.panelGenes[j]), fmt(holdout.siid.r2[j]), holdout.fold[j], fmt(b.A.r2[j]), fmt(b.B.r2[j]), fmt(b.C.r2[j]), fmt(b.D.r2[j])].join(','));
    }
    await writeFile(path('holdout_r2.csv'), lines.join('\n') + '\n');
  }
}

function csvSafe(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
