/**
 * The input contract, declared once: how a path becomes a Dataset (reader options) and which
 * observations and features of it a method sees (selection and QC). Every command that reads
 * data takes the same options, as CLI flags derived from these fields (`--coords`,
 * `--where`, …; with a prefix per input for two-input commands: `--cells-where`).
 *
 * Readers implement {@link ReaderOptions}; `applySelection` implements {@link SelectionOptions}
 * in the fixed order documented on that interface.
 */

/** Which axis of a delimited matrix holds observations. */
export type Orientation = 'obs-rows' | 'var-rows';

import type { Vfs } from './vfs.js';

/** How a path is read. Every field is optional; readers decide on evidence or refuse. */
export interface ReaderOptions {
  /**
   * Where the paths (the input, `coords`, annotation tables) are read from. Default: the disk
   * (`nodeVfs`, Node only). In a browser worker: `blobVfs` over the dropped `File`s; in
   * memory: `memoryVfs`. Not a CLI flag.
   */
  files?: Vfs;
  /** Skip detection and use this reader (`--platform`). */
  platform?: string;
  /** Positions table joined by observation id (`--coords FILE`). */
  coords?: string;
  /** Unit of the coordinates (`--coordinate-unit um|px`); overrides what a reader reports. */
  coordinateUnit?: 'um' | 'px';
  /** Micrometres per coordinate unit (`--microns-per-unit X`); makes px coordinates measurable. */
  micronsPerUnit?: number;
  /** Orientation of a delimited matrix (`--orientation`); otherwise decided on evidence or refused. */
  orientation?: Orientation;
  /** Keep nuclear stains / control features in X (`--all-features`). */
  allFeatures?: boolean;
}

/** Normalisation of X before a method (`--normalize`); `none` keeps raw counts. */
export type Normalization = 'none' | 'total' | 'log1p' | 'total-log1p';

/**
 * Which observations and features a method sees. Applied in this order, each step reported
 * (what it removed) in summary.json / run.json:
 * 1. `obsMeta` joined by observation id (columns added to obs);
 *    (then, only when the caller asks, scanpy's QC columns `total_counts`, `n_genes_by_counts`,
 *    `pct_counts_control` are written to obs, so `where` can use them);
 * 2. `where` on obs columns (`total_counts`, `n_genes_by_counts`, `pct_counts_control` are
 *    computed from X for the expression when obs has no column of that name);
 * 3. `genes` / `excludeGenes`;
 * 4. cell QC: `minCounts`, `minFeatures`, `maxPctControl`;
 * 5. gene QC: `minCells`;
 * 6. `hvg` (Seurat v3 flavour on the counts left after 1–5);
 * 7. `normalize` (commands that factorise normalised values only).
 */
export interface SelectionOptions {
  /** Tables joined by observation id, their columns added to obs (`--obs-meta FILE`, repeatable). */
  obsMeta?: string[];
  /** Boolean expression over obs columns (`--where 'sample == "CP" and total_counts > 10'`). */
  where?: string;
  /** Features to keep, by name (`--genes A,B` or a file with one name a line). */
  genes?: string[];
  /** Features to drop, by name (`--exclude-genes`). */
  excludeGenes?: string[];
  /** Drop observations with fewer total counts (scanpy `filter_cells(min_counts)`). */
  minCounts?: number;
  /** Drop observations with fewer non-zero features (scanpy `filter_cells(min_genes)`). */
  minFeatures?: number;
  /** Drop observations whose control-feature share exceeds this percentage (0–100). */
  maxPctControl?: number;
  /** Drop features non-zero in fewer observations (scanpy `filter_genes(min_cells)`). */
  minCells?: number;
  /** Keep the N most variable features (scanpy `highly_variable_genes(flavor='seurat_v3')`). */
  hvg?: number;
  /** obs column whose values are the batches of the HVG ranking (scanpy `batch_key`). */
  hvgBatchKey?: string;
  /** Normalisation (default none). */
  normalize?: Normalization;
  /** Target sum of `total` normalisation (default: the median total count, scanpy's default). */
  targetSum?: number;
  /**
   * With several samples (`meta.sampleKey`): scale each observation to the median total of its
   * own sample rather than of all samples (each slide normalised on its own, then joined).
   */
  normalizePerSample?: boolean;
}

/** Everything an input flag set carries. */
export interface InputOptions extends ReaderOptions, SelectionOptions {}

/** One step of the selection as reported in summary.json. */
export interface SelectionStep {
  /**
   * The flag's name without dashes or input prefix: `obs-meta`, `qc-columns`, `where`, `genes`,
   * `exclude-genes`, `min-counts`, `min-features`, `max-pct-control`, `min-cells`, `hvg`,
   * `normalize` (splitByWhere: `target-where`, `background-where`).
   */
  step: string;
  /** The value given. */
  value: unknown;
  /** Observations removed by this step. */
  removedObs: number;
  /** Features removed by this step. */
  removedVars: number;
  /** Shape after the step. */
  nObs: number;
  nVars: number;
  /** What else the step did, in words (ignored table rows, the target sum used, …). */
  note?: string;
}
