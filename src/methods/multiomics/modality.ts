/**
 * Datasets as the modality tables the multi-omics pipeline takes, and the pipeline on Datasets
 * (layer 2, no Node imports).
 */
import type { Dataset } from '../../dataset.js';
import { selectCols, type Csr } from '../../linalg/csr.js';
import type { ModalityTable } from './align.js';
import type { MarkerTable } from './markers.js';
import { runSpatialMultiOmics, type MultiOmicsOptions, type MultiOmicsResult } from './pipeline.js';

/**
 * The method's view of a Dataset. Coordinates come from `obsm.spatial`, else from feature columns
 * named x/y (a `cell_id,x,y,features…` table read as a plain matrix), which are then removed from
 * the features. Coordinates are converted to µm when their scale is known: `umPerUnit` when
 * given, else the reader's (or the user's) `meta.micronsPerUnit`, else 1 for µm coordinates;
 * `inMicrons` says whether they were, and `unit` what they are in otherwise.
 */
export function toModality(ds: Dataset, name: string, umPerUnit?: number): { table: ModalityTable; note?: string; inMicrons: boolean; unit: string } {
  let X: Csr = ds.X;
  let features = ds.var.index.slice();
  let x: Float64Array | undefined;
  let y: Float64Array | undefined;
  let note: string | undefined;
  const sp = ds.obsm.spatial;
  if (sp && sp.cols >= 2) {
    x = Float64Array.from({ length: sp.rows }, (_, i) => sp.data[i * sp.cols]);
    y = Float64Array.from({ length: sp.rows }, (_, i) => sp.data[i * sp.cols + 1]);
  } else {
    const lower = features.map((f) => f.toLowerCase());
    const ix = lower.findIndex((f) => f === 'x' || f === 'x_centroid' || f === 'centroidx');
    const iy = lower.findIndex((f) => f === 'y' || f === 'y_centroid' || f === 'centroidy');
    if (ix >= 0 && iy >= 0) {
      const dense = (j: number) => {
        const out = new Float64Array(X.rows);
        for (let i = 0; i < X.rows; i++) {
          for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) if (X.indices[p] === j) out[i] = X.data[p];
        }
        return out;
      };
      x = dense(ix);
      y = dense(iy);
      const keep = features.map((_, j) => j).filter((j) => j !== ix && j !== iy);
      X = selectCols(X, keep);
      features = keep.map((j) => features[j]);
      note = `${name}: columns '${ds.var.index[ix]}', '${ds.var.index[iy]}' used as coordinates`;
    }
  }
  const unit = ds.meta.coordinateUnit ?? 'unknown';
  const scale = umPerUnit ?? ds.meta.micronsPerUnit ?? (unit === 'um' ? 1 : undefined);
  if (x && y && scale !== undefined && scale !== 1) {
    for (let i = 0; i < x.length; i++) (x[i] *= scale), (y[i] *= scale);
    note = `${note ? note + '; ' : ''}${name}: coordinates scaled to µm (${scale} µm per ${unit})`;
  }
  return { table: { ids: ds.obs.index, features, X, x, y, name }, note, inMicrons: scale !== undefined, unit };
}

/** Options of {@link multiOmics}: the pipeline's, plus the µm per coordinate unit of each slide. */
export interface MultiOmicsDatasetOptions extends MultiOmicsOptions {
  /** µm per transcript coordinate unit (default: the reader's `meta.micronsPerUnit`, else 1 for µm coordinates, else unscaled). */
  txMicronsPerUnit?: number;
  /** µm per protein coordinate unit (default: the reader's `meta.micronsPerUnit`, else 1 for µm coordinates, else unscaled). */
  protMicronsPerUnit?: number;
}

/**
 * Joint multi-omics NMF on Datasets (either may be null for a one-modality run): converts each
 * with {@link toModality} and runs {@link runSpatialMultiOmics}. `notes` says which columns were
 * taken as coordinates and how they were scaled.
 */
export async function multiOmics(tx: Dataset | null, prot: Dataset | null, markers: MarkerTable, options: MultiOmicsDatasetOptions = {}): Promise<MultiOmicsResult & { notes: string[] }> {
  const t = tx ? toModality(tx, tx.meta.source, options.txMicronsPerUnit) : null;
  const p = prot ? toModality(prot, prot.meta.source, options.protMicronsPerUnit) : null;
  const r = await runSpatialMultiOmics(t?.table ?? null, p?.table ?? null, markers, options);
  return { ...r, notes: [t?.note, p?.note].filter((n): n is string => Boolean(n)) };
}
