/**
 * `stnmf simulate multiomics`: writes the SpatialMultiOmics synthetic benchmark (methods-spec
 * M3.9) as transcripts.csv and proteins.csv (one row per cell: cell_id, x, y, then features),
 * markers.csv (cell_type, feature, modality) and truth.csv (cell_id, cell_type), plus
 * summary.json/run.json. Registered as a generator of `stnmf simulate`.
 */
import type { Csr } from '../../linalg/csr.js';
import { simulateMultiOmics, type MultiOmicsSim } from '../../simulate/multiomics.js';
import type { FlagSpec } from '../args.js';
import type { Generator } from '../command.js';

/** Flags of the multiomics generator (besides --seed, --out and --json, which every generator gets). */
export const simulateMultiomicsFlags: Record<string, FlagSpec> = {
  cells: { type: 'int', min: 1, default: 200, help: 'number of cells (M3.9: 200; types assigned round-robin)' },
  genes: { type: 'int', min: 1, default: 500, help: 'number of genes (M3.9: 500)' },
  proteins: { type: 'int', min: 1, default: 10, help: 'number of proteins (M3.9: 10)' },
  'spatial-sd': { type: 'number', exclusiveMin: 0, default: 60, help: 'SD of cell positions around their type centre, px (M3.9: 60)' },
};

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

/** Registry entry of `stnmf simulate multiomics --seed S [--cells N] --out DIR`. */
export const simulateMultiomicsGenerator: Generator = {
  name: 'multiomics',
  summary: 'SpatialMultiOmics benchmark (methods-spec M3.9): 4 cell types, transcripts + proteins, markers, truth',
  flags: simulateMultiomicsFlags,
  async run(f, out) {
    const sim = simulateMultiOmics({
      seed: f.seed as number,
      nCells: f.cells as number,
      nGenes: f.genes as number,
      nProteins: f.proteins as number,
      spatialSd: f['spatial-sd'] as number,
    });
    for (const [name, text] of Object.entries(multiomicsSimFiles(sim))) await out.writeText(name, text);
    return { nCells: sim.truth.length, nGenes: sim.transcripts.features.length, nProteins: sim.proteins.features.length, types: sim.types, files: ['transcripts.csv', 'proteins.csv', 'markers.csv', 'truth.csv'], spec: 'methods-spec M3.9' };
  },
};
