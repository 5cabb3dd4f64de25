/**
 * The samples of a manifest read one at a time (issue 18, point 5), for the streamed joint NMF
 * (`stnmf nmf --samples … --stream`, src/nmf/streaming.ts): a first pass reads each sample for
 * its names only, then every `load()` re-reads one sample and maps its columns to the features
 * all samples share, in the first sample's order, exactly as the in-memory join
 * (`concatSamples`) orders them. At most one sample's matrix is held at a time.
 */
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { NMF_OPTIONS, randomStart, streamingJointNmf, type StreamBlock, type StreamingNmfResult } from '../nmf/index.js';
import { optionDefault } from '../options.js';
import { StnmfError } from '../errors.js';
import type { Dataset } from '../dataset.js';
import { readDataset, type ReadOptions } from './index.js';
import { entryReadOptions, readSampleManifest, remapColumns, sharedFeatures, type SampleEntry } from './samples.js';

/** A manifest's samples, ready to be streamed. */
export interface StreamedSamples {
  /** Sample ids, in manifest order. */
  ids: string[];
  /** Observation names `<name>-<sample_id>` of every sample, in order (anndata's index_unique='-'). */
  obsNames: string[];
  /** Rows of each sample. */
  rows: number[];
  /** The features every sample has, in the first sample's order. */
  features: string[];
  /** Features of each sample left out by the inner join. */
  featuresDropped: number[];
  /** Reads sample `s` again and returns its matrix over `features` (rows x features). */
  load(s: number): Promise<Csr>;
}

/**
 * Opens a manifest for streaming. Reads every sample once (names and shape; its matrix is
 * dropped before the next is read).
 * @param read  the reader of one sample (default `readDataset`; the CLI passes its input contract's)
 * @throws StnmfError('BAD_INPUT') when the samples share no feature or a sample id repeats
 */
export async function streamSamples(manifest: string, opts: ReadOptions = {}, read: (path: string, options: ReadOptions) => Promise<Dataset> = readDataset): Promise<StreamedSamples> {
  const entries = await readSampleManifest(manifest);
  const optionsOf = (e: SampleEntry): ReadOptions => entryReadOptions(e, opts);
  const ids = entries.map((e) => e.sampleId);
  const dup = ids.find((s, i) => ids.indexOf(s) !== i);
  if (dup !== undefined) throw new StnmfError('BAD_INPUT', `${manifest}: sample_id '${dup}' appears twice`);
  const varNames: string[][] = [];
  const obsNames: string[] = [];
  const rows: number[] = [];
  for (const e of entries) {
    const d = await read(e.path, optionsOf(e));
    varNames.push(d.var.index);
    rows.push(d.X.rows);
    for (const name of d.obs.index) obsNames.push(`${name}-${e.sampleId}`);
  }
  // The inner join of concatSamples.
  const features = sharedFeatures(varNames);
  if (features.length === 0) throw new StnmfError('BAD_INPUT', `${manifest}: the samples share no feature name; joint analysis needs a common panel`);
  const col = new Map(features.map((g, j) => [g, j]));
  const maps = varNames.map((v) => Int32Array.from(v, (g) => col.get(g) ?? -1));
  return {
    ids,
    obsNames,
    rows,
    features,
    featuresDropped: varNames.map((v) => v.length - features.length),
    async load(s: number): Promise<Csr> {
      const e = entries[s];
      const d = await read(e.path, optionsOf(e));
      if (d.X.rows !== rows[s] || d.var.index.length !== varNames[s].length) throw new StnmfError('BAD_FILE', `${e.path} (sample ${e.sampleId}): changed while it was being read (${d.X.rows} x ${d.var.index.length}, was ${rows[s]} x ${varNames[s].length})`);
      return remapColumns(d.X, maps[s], features.length);
    },
  };
}

/** Options of {@link fitStreamedSamples}. */
export interface StreamedFitOptions {
  rank: number;
  /** Iterations (default NMF_OPTIONS': 200, scikit-learn's). */
  maxIter?: number;
  /** HALS's projected-gradient stop (default 1e-4; 0 runs every iteration). */
  tol?: number;
  /** Seed of the random start (default 0). */
  seed?: number;
  kernels: Kernels;
  signal?: AbortSignal;
  onProgress?: (e: { iteration: number; maxIter: number }) => void;
}

/** The streamed fit: the shared H, each sample's W, and how much was held at once. */
export interface StreamedFit extends StreamingNmfResult {
  /** All samples' W stacked in manifest order (n x k). */
  Wall: Dense;
}

/**
 * The joint Frobenius NMF of a manifest's samples with one sample's matrix in memory at a time:
 * scikit-learn's random start from X's sum (a pass over the samples), then HALS block updates
 * (`streamingJointNmf`), each iteration re-reading every sample. Gives the fit of
 * `nmf(joinedX, { solver: 'hals', init: 'random' })` up to the rounding of the summed
 * sufficient statistics (test/samples-stream-cli.test.ts).
 */
export async function fitStreamedSamples(st: StreamedSamples, o: StreamedFitOptions): Promise<StreamedFit> {
  const p = st.features.length;
  const n = st.rows.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(o.rank) || o.rank < 1 || o.rank > Math.min(n, p)) throw new StnmfError('BAD_OPTION', `rank: must be a whole number from 1 to min(observations, features) = ${Math.min(n, p)}; got ${o.rank}`);
  // X's sum in the order the in-memory fit adds it (rows of the stacked samples).
  let sum = 0;
  for (let s = 0; s < st.ids.length; s++) {
    const X = await st.load(s);
    for (let q = 0; q < X.data.length; q++) sum += X.data[q];
  }
  if (!(sum > 0)) throw new StnmfError('BAD_INPUT', 'the samples hold no counts over their shared features');
  const start = randomStart(n, p, o.rank, sum, o.seed ?? 0);
  let at = 0;
  const W0 = st.rows.map((r) => {
    const w = { rows: r, cols: o.rank, data: start.W.data.slice(at * o.rank, (at + r) * o.rank) };
    at += r;
    return w;
  });
  const blocks: StreamBlock[] = st.rows.map((r, s) => ({ rows: r, load: () => st.load(s) }));
  const fit = await streamingJointNmf(blocks, { H0: start.H, W0, maxIter: o.maxIter ?? optionDefault<number>(NMF_OPTIONS, 'maxIter'), tol: o.tol ?? optionDefault<number>(NMF_OPTIONS, 'tol'), kernels: o.kernels, signal: o.signal, onProgress: o.onProgress });
  const Wall = new Float32Array(n * o.rank);
  at = 0;
  for (const w of fit.W) {
    Wall.set(w.data, at);
    at += w.data.length;
  }
  return { ...fit, Wall: { rows: n, cols: o.rank, data: Wall } };
}
