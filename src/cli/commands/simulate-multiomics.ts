/**
 * `stnmf simulate multiomics`: writes the SpatialMultiOmics synthetic benchmark (methods-spec
 * M3.9) as transcripts.csv and proteins.csv (one row per cell: cell_id, x, y, then features),
 * markers.csv (cell_type, feature, modality) and truth.csv (cell_id, cell_type), plus
 * summary.json/run.json. Registered as a generator of `stnmf simulate`.
 */
import { simulateMultiOmics } from '../../simulate/multiomics.js';
import { multiomicsSimFiles } from '../../outputs/simulate-multiomics.js';
import type { FlagSpec } from '../args.js';
import type { Generator } from '../command.js';

/** Flags of the multiomics generator (besides --seed, --out and --json, which every generator gets). */
export const simulateMultiomicsFlags: Record<string, FlagSpec> = {
  cells: { type: 'int', min: 1, default: 200, help: 'number of cells (M3.9: 200; types assigned round-robin)' },
  genes: { type: 'int', min: 1, default: 500, help: 'number of genes (M3.9: 500)' },
  proteins: { type: 'int', min: 1, default: 10, help: 'number of proteins (M3.9: 10)' },
  'spatial-sd': { type: 'number', exclusiveMin: 0, default: 60, help: 'SD of cell positions around their type centre, px (M3.9: 60)' },
};

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
