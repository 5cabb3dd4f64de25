/**
 * The messages between the app page (main.ts) and its Web Worker (worker.ts). Typed arrays
 * travel as transferables; files travel as `File`/`Blob` objects (structured-cloned handles,
 * no bytes are copied until the worker's readers ask for a range).
 */

/** One dropped or picked file: its path inside the dropped tree, and the file itself. */
export interface DroppedFile {
  path: string;
  blob: Blob;
}

/** Flag values as the CLI parses them (`max-iter` → 200), so the form and the CLI share names. */
export type Flags = Record<string, string | number | boolean | undefined>;

export type Method = 'nmf' | 'hsnmf' | 'contrastive' | 'siid';

/** Page → worker. */
export type ToWorker =
  | { type: 'inspect'; files: DroppedFile[]; input: string; flags: Flags }
  /** One feature's values in every observation of the inspected Dataset (the worker keeps it). */
  | { type: 'gene'; name: string }
  | {
      type: 'run';
      files: DroppedFile[];
      input: string;
      method: Method;
      flags: Flags;
      /** The CLI line that reproduces the run (for run.json and the refusal message). */
      command: string;
      /** What the command's input path stands for, when it is not the dropped name itself. */
      commandNote?: string;
      /** Memory limit to check against (default the 4 GiB of wasm; the test lowers it). */
      limitBytes?: number;
      /** bcNMF: rows of the inspected Dataset in the lasso (the target; the rest is the background). */
      lasso?: Int32Array;
      /** SIID: the spot slide (the main input is the cells). */
      spots?: { files: DroppedFile[]; input: string };
    };

/** What the worker measured about its memory (bytes). */
export interface MemoryReport {
  /** Typed arrays of the Dataset (X, obsm, layers) held by the worker. */
  dataset: number;
  /** Size of the kernels' WebAssembly memory (0 when not known: unshared memory). */
  wasm: number;
}

/** A file of the result, ready to download. */
export interface OutputFile {
  name: string;
  bytes: Uint8Array;
  type: string;
}

/** A figure of the run, as `stnmf plot <out>` draws it (src/outputs/figures.ts). */
export interface RunFigure {
  /** File stem: `<name>.png` / `<name>.svg` in `stnmf plot`'s figures folder. */
  name: string;
  caption: string;
  /** PNG at `stnmf plot`'s default --scale 2. */
  png: Uint8Array;
  svg: string;
}

/** Worker → page. */
export type FromWorker =
  | {
      type: 'info';
      /** `describeDataset` of the selected Dataset (what `stnmf info` prints). */
      info: Record<string, unknown>;
      /** The selection steps (what each QC step removed). */
      selection: Record<string, unknown>[];
      n: number;
      p: number;
      nnz: number;
      /** Spatial positions relative to `offset` (x, y pairs), or null without coordinates. */
      coords: Float32Array | null;
      offset: [number, number];
      unit: string;
      obsColumns: string[];
      /** Feature names (var index), for colouring the map by a gene. */
      varNames: string[];
      memory: MemoryReport;
      seconds: number;
    }
  | { type: 'gene'; name: string; values: Float32Array }
  | { type: 'progress'; stage: string; done: number; total: number; fraction: number; detail?: string; elapsed: number; memory?: MemoryReport }
  | {
      type: 'result';
      method: Method;
      k: number;
      /** Usages W (n x k, row-major): what the map colours by. */
      W: Float32Array;
      /** Top features of each factor (name, weight). */
      top: { name: string; weight: number }[][];
      /** Cluster labels (hSNMF domains; bcNMF's target/background), -1 none. */
      labels: Int32Array | null;
      nClusters: number;
      /** What the labels are (legend title) and each label's name; default hSNMF domains 0…. */
      labelTitle?: string;
      labelNames?: string[];
      summary: Record<string, unknown>;
      files: OutputFile[];
      /** `stnmf plot`'s figures of the run's files. */
      figures: RunFigure[];
      threads: number;
      backend: string;
      seconds: number;
      memory: MemoryReport;
    }
  | { type: 'error'; message: string; code?: string };
