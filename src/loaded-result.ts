/**
 * The in-memory model of a finished result (a factorisation with its observations, features,
 * coordinates, clusters and optional expression) that the viewer, the plots, the report and the
 * Vitessce export draw from. `readResult` (src/io/result.ts) builds it from a result folder or an
 * .h5ad file; this file holds only the types, so io and plot can share them without importing
 * each other.
 *
 * Layer 0: imports only errors, runs in browsers.
 */
import { StnmfError } from './errors.js';
import type { SampleGroups } from './samples.js';

/** A categorical annotation of the observations (clusters, cell types). */
export interface CategoryColumn {
  name: string;
  categories: string[];
  /** Index into `categories` per observation; -1 = missing. */
  codes: Int32Array;
}

/** Expression of the features, stored by feature (CSC) for fast per-gene colouring. */
export interface ExpressionByFeature {
  names: string[];
  /** Length p + 1. */
  indptr: Int32Array;
  /** Observation index of each stored value. */
  indices: Int32Array;
  data: Float32Array;
}

/** Imputed values per observation and gene (SIID's `layers.imputed`), dense and row-major. */
export interface ImputedLayer {
  names: string[];
  /** n x names.length, row-major. */
  data: Float32Array;
  /** 1 where the gene was also measured (var `in_panel`), 0 where only imputed; undefined when the result does not say. */
  measured?: Uint8Array;
}

/**
 * Positions of a deconvolution's spots (SIID's spot_coordinates.csv), whose rows differ from
 * the result's observations (the cells).
 */
export interface SpotLayout {
  /** Spot ids, as in proportions.csv. */
  ids: string[];
  x: Float64Array;
  y: Float64Array;
  /** Coordinate unit stated by the file's header: `um`, `px` or `unknown`. */
  unit: string;
  /** Where the positions came from. */
  source: string;
}

/**
 * The files of a result folder (or of one `.h5ad` file) and their reader: on Node the disk, in
 * the browser app the run's files in memory, so the figures of a run are drawn from the same
 * files either way.
 */
export interface ResultFolder {
  /** Display name (folder or file name). */
  name: string;
  /** The folder whose files may be served. */
  root: string;
  /** Servable files: name → path in the folder's file system (regular files directly in `root`; only the file itself for an .h5ad target). */
  files: Map<string, string>;
  /** True when the result was one `.h5ad` file rather than a folder. */
  isFile: boolean;
  /** The whole content of the file called `name` (a key of `files`); a BAD_FILE error when it cannot be read. */
  bytes(name: string): Uint8Array;
}

/** Everything the viewer, report, plot and export commands need from a result. */
export interface LoadedResult extends ResultFolder {
  n: number;
  k: number;
  obsNames: string[];
  /** Names of H's columns (features). */
  featureNames: string[];
  factorNames: string[];
  /** Coordinates in `unit`; undefined when the result has none (plot/report then draw only the non-spatial figures). */
  x?: Float64Array;
  y?: Float64Array;
  unit: string;
  /** Micrometres per coordinate unit when the data or the run says (pixel coordinates with a known pixel size); undefined = not known. */
  micronsPerUnit?: number;
  /** n x k factor usage (W), row-major. */
  W: Float32Array;
  /** k x p loadings (H), row-major; undefined when neither H.npy nor varm is present. */
  H?: Float32Array;
  clusters: CategoryColumn[];
  /** Measured values (X), only the measured genes (SIID's imputed-only genes are left out). */
  expression?: ExpressionByFeature;
  /** Model-imputed values (`layers.imputed`), when the result has them. */
  imputed?: ImputedLayer;
  /** The spots of a deconvolution (SIID), when the result lists their positions. */
  spots?: SpotLayout;
  /** The sample of each observation, when the result holds several (an h5ad written from `--samples`/`--sample-key`): spatial figures keep them apart. */
  samples?: SampleGroups;
  summary?: Record<string, unknown>;
  run?: Record<string, unknown>;
  /** Where each part came from, for messages and the viewer's info panel. */
  sources: Record<string, string>;
}


/**
 * The coordinates of a loaded result, or a one-line error naming what is missing and what to
 * do (`what` names the command that needs them).
 */
export function requireCoordinates(r: LoadedResult, what: string): { x: Float64Array; y: Float64Array } {
  if (r.x && r.y) return { x: r.x, y: r.y };
  throw new StnmfError(
    'BAD_INPUT',
    `${r.root}: no coordinates (no obsm/spatial in result.h5ad, no spatial.csv, no usable input in run.json), and ${what} draws observations at their positions; pass --coords FILE (CSV id,x,y or a dataset), or use 'stnmf plot'/'stnmf report' for the non-spatial figures`,
  );
}

