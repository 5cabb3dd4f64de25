/**
 * The files of the SpatialMultiOmics synthetic benchmark (methods-spec M3.9) as CSV texts:
 * transcripts.csv and proteins.csv (one row per cell: cell_id, x, y, then every feature),
 * markers.csv (cell_type, feature, modality) and truth.csv (cell_id, cell_type) — what
 * `stnmf simulate multiomics` writes.
 *
 * Layer 4 (outputs): no Node APIs.
 */
import type { Csr } from '../linalg/csr.js';
import type { MultiOmicsSim } from '../simulate/multiomics.js';

/** A cells x features table as CSV, every entry written (zeros included), positions first. */
function tableCsv(ids: string[], x: Float64Array, y: Float64Array, features: string[], X: Csr): string {
  const lines = [['cell_id', 'x', 'y', ...features].join(',')];
  const row = new Array<number>(X.cols);
  for (let i = 0; i < X.rows; i++) {
    row.fill(0);
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) row[X.indices[p]] = X.data[p];
    lines.push(`${ids[i]},${x[i]},${y[i]},${row.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

/** The CSV texts of a simulated benchmark, by file name. */
export function multiomicsSimFiles(sim: MultiOmicsSim): Record<string, string> {
  const t = sim.transcripts;
  const p = sim.proteins;
  return {
    'transcripts.csv': tableCsv(t.ids, t.x, t.y, t.features, t.X),
    'proteins.csv': tableCsv(p.ids, p.x, p.y, p.features, p.X),
    'markers.csv': ['cell_type,feature,modality', ...sim.markers.map((m) => `${m.cellType},${m.feature},${m.modality}`)].join('\n') + '\n',
    'truth.csv': ['cell_id,cell_type', ...t.ids.map((id, i) => `${id},${sim.types[sim.truth[i]]}`)].join('\n') + '\n',
  };
}
