/**
 * The files `stnmf multiomics` (and its demo step) write: shared_labels.csv,
 * co_localization.csv, co_occurrence.csv, niche_composition.csv, factor_annotation.csv, the
 * factor .npy files, the name lists and result.h5ad.
 */
import { writeFile } from 'node:fs/promises';
import { writeH5ad } from '../../io/h5ad.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { writeNpy } from '../../io/npy.js';
import { multiomicsToDataset, type CoordinateFrame, type InputObs, type MultiOmicsResult } from '../../methods/multiomics/index.js';
import { factorName } from '../../keys.js';

const csvField = (s: string | number): string => {
  const t = typeof s === 'number' ? (Number.isNaN(s) ? 'NaN' : Number.isFinite(s) ? String(s) : s > 0 ? 'inf' : '-inf') : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};
const csvLine = (fields: (string | number)[]) => fields.map(csvField).join(',');

/** Writes every output file of a run into `dir` (through `path(name)`); result.h5ad keeps the `inputs`' obs columns. */
export async function writeMultiOmicsOutputs(r: MultiOmicsResult, path: (name: string) => string, h5ad: boolean, coords: CoordinateFrame = {}, inputs: InputObs = {}, signal?: AbortSignal): Promise<void> {
  const T = r.coded.categories.length;
  const cats = r.coded.categories;
  const lines = ['cell_id,x,y,cell_type'];
  r.ids.forEach((id, i) => lines.push(csvLine([id, r.x[i], r.y[i], r.labels[i]])));
  await writeFile(path('shared_labels.csv'), lines.join('\n') + '\n');

  const nA = new Float64Array(T);
  for (const c of r.coded.codes) nA[c]++;
  const c = r.colocalization;
  const e = r.enrichment;
  const co = [
    'cell_type_A,cell_type_B,n_A,n_B,edges,expected_edges,neighbor_ratio_literal,edge_enrichment_ratio,log2_edge_enrichment,standardized_neighbor_excess,nhood_count,nhood_perm_mean,nhood_perm_sd,nhood_z,nhood_p',
  ];
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      const o = a * T + b;
      co.push(
        csvLine([
          cats[a], cats[b], nA[a], nA[b], c.edges[o], c.expectedEdges[o], c.neighborRatioLiteral[o], c.edgeEnrichmentRatio[o],
          c.log2EdgeEnrichment[o], c.standardizedNeighborExcess[o],
          e ? e.count[o] : NaN, e ? e.permMean[o] : NaN, e ? e.permSd[o] : NaN, e ? e.zscore[o] : NaN, e ? e.pValue[o] : NaN,
        ]),
      );
    }
  }
  await writeFile(path('co_localization.csv'), co.join('\n') + '\n');

  if (r.coOccurrence) {
    const q = r.coOccurrence;
    const out = ['cell_type_A,cell_type_B,distance_low,distance_high,ratio,pairs'];
    for (let a = 0; a < T; a++) {
      for (let b = 0; b < T; b++) {
        for (let s = 0; s < q.nBins; s++) {
          const o = (a * T + b) * q.nBins + s;
          out.push(csvLine([cats[a], cats[b], q.thresholds[s], q.thresholds[s + 1], q.ratio[o], q.counts[o]]));
        }
      }
    }
    await writeFile(path('co_occurrence.csv'), out.join('\n') + '\n');
  }

  const niche = [csvLine(['cell_id', 'niche_type', 'n_neighbors', ...cats.map((t) => `frac_${t}`)])];
  r.ids.forEach((id, i) => {
    const fr: number[] = [];
    for (let t = 0; t < T; t++) fr.push(r.niches.fractions[i * T + t]);
    niche.push(csvLine([id, r.niches.niche[i] >= 0 ? cats[r.niches.niche[i]] : 'none', r.niches.nNeighbors[i], ...fr]));
  });
  await writeFile(path('niche_composition.csv'), niche.join('\n') + '\n');

  const fa = ['factor,cell_type,score,gene_score,protein_score,n_cells,top_genes,top_proteins'];
  const perFactor = new Int32Array(r.W.cols);
  for (const f of r.factor) if (f >= 0) perFactor[f]++;
  for (const f of r.annotation.factors) {
    fa.push(
      csvLine([
        factorName(f.factor), f.cellType, f.score, f.geneScore, f.proteinScore, perFactor[f.factor],
        f.topGenes.map((j) => r.transcriptFeatures[j]).join(';'), f.topProteins.map((j) => r.proteinFeatures[j]).join(';'),
      ]),
    );
  }
  await writeFile(path('factor_annotation.csv'), fa.join('\n') + '\n');

  writeNpy(path('W.npy'), r.W);
  writeNpy(path('H_transcript.npy'), r.Htranscript);
  writeNpy(path('H_protein.npy'), r.Hprotein);
  await writeFile(path('obs_names.txt'), r.ids.join('\n') + '\n');
  await writeFile(path('transcript_features.txt'), r.transcriptFeatures.join('\n') + (r.transcriptFeatures.length ? '\n' : ''));
  await writeFile(path('protein_features.txt'), r.proteinFeatures.join('\n') + (r.proteinFeatures.length ? '\n' : ''));

  if (h5ad) {
    const rd = multiomicsToDataset(r, coords, inputs);
    // Marker statistics of the labels over the transcript columns (proteins are intensities).
    if (r.transcriptFeatures.length) await writeMarkerOutputs(path('markers.csv'), rd, 'cell_type', { columns: [0, r.transcriptFeatures.length], layer: 'transcripts', signal });
    await writeH5ad(path('result.h5ad'), rd);
  }
}
