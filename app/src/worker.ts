/**
 * The app's Web Worker: reads the dropped files with the library's readers (over `blobVfs`,
 * which reads `File` ranges with `FileReaderSync`, a worker-only API), applies the input
 * contract's selection, and runs NMF or hSNMF through the library's own entry points with the
 * options the CLI would pass for the same flags (src/cli/commands/nmf.ts, hsnmf.ts), so the
 * results are the CLI's for the same options and thread count. One worker per run: Cancel is
 * `worker.terminate()`, which also ends the kernels' pool workers it started.
 */
import { csvField } from '../../src/csv-text.js';
import { factorNames as factorNamesOf } from '../../src/keys.js';
import type { Dataset } from '../../src/dataset.js';
import { StnmfError } from '../../src/errors.js';
import { describeDataset, detectPlatform, readDataset } from '../../src/io/index.js';
import { encodeH5ad } from '../../src/io/h5ad.js';
import { encodeNpy } from '../../src/io/npy.js';
import { blobVfs, memoryVfs } from '../../src/io/vfs.js';
import { readResult } from '../../src/io/result.js';
import { standardFigures } from '../../src/outputs/figures.js';
import { sceneToPng, sceneToSvg } from '../../src/plot/index.js';
import type { SelectionOptions } from '../../src/io/input-options.js';
import { applySelection, qcSummary, splitByWhere } from '../../src/io/select/index.js';
import { createKernels } from '../../src/linalg/backend.js';
import type { Kernels } from '../../src/linalg/kernels.js';
import { evaluateHsnmf, hsnmf, hsnmfSummary, metricsCsv, HSNMF_EVALUATE_OPTIONS, HSNMF_OPTIONS, type EvaluateOptions, type HsnmfOptions } from '../../src/methods/snmf/index.js';
import { hsnmfRunFiles, type RunFileSink } from '../../src/outputs/hsnmf.js';
import { contrastiveFeatures, contrastiveRunFiles, contrastiveSummary } from '../../src/outputs/contrastive.js';
import { contrastiveNmf, CONTRASTIVE_OPTIONS, type ContrastiveNmfOptions } from '../../src/methods/contrastive/index.js';
import { resolveSiidOptions, runSiid, siidOptionsFromFlags, type SiidOptions } from '../../src/methods/siid/index.js';
import { siidRunFiles } from '../../src/outputs/siid.js';
import { requireMicrons } from '../../src/microns.js';
import { attachNmf, nmf, nmfHistoryCsv, nmfSummary, NMF_OPTIONS, type NmfOptions } from '../../src/nmf/index.js';
import { optionsFromFlags } from '../../src/options.js';
import { topFeatures } from '../../src/plot/top-features.js';
import { VERSION } from '../../src/version.js';
import { neededBytes, WASM_LIMIT } from './limits.js';
import type { DroppedFile, Flags, FromWorker, Method, MemoryReport, OutputFile, RunFigure, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

/** The selection options of the form's input flags (the CLI's `selectionFromFlags` rules). */
function selectionOf(f: Flags, normalize: boolean): SelectionOptions {
  const o: SelectionOptions = {};
  const num = (name: string): number | undefined => (f[name] === undefined || f[name] === '' ? undefined : Number(f[name]));
  const nonNeg = (name: string, v: number | undefined): number | undefined => {
    if (v !== undefined && !(v >= 0)) throw new StnmfError('USAGE', `--${name} must be ≥ 0, got ${v}`);
    return v;
  };
  if (typeof f.where === 'string' && f.where.trim() !== '') o.where = f.where;
  const mc = nonNeg('min-counts', num('min-counts'));
  if (mc !== undefined) o.minCounts = mc;
  const mf = nonNeg('min-features', num('min-features'));
  if (mf !== undefined) o.minFeatures = mf;
  const mcl = nonNeg('min-cells', num('min-cells'));
  if (mcl !== undefined) o.minCells = mcl;
  const pct = num('max-pct-control');
  if (pct !== undefined) {
    if (!(pct >= 0 && pct <= 100)) throw new StnmfError('USAGE', `--max-pct-control is a percentage and must be within 0-100, got ${pct}`);
    o.maxPctControl = pct;
  }
  const hvg = num('hvg');
  if (hvg !== undefined) {
    if (!(Number.isInteger(hvg) && hvg >= 1)) throw new StnmfError('USAGE', `--hvg must be a whole number ≥ 1, got ${hvg}`);
    o.hvg = hvg;
  }
  // nmf's --normalize is the input contract's; hsnmf's is its own (handled by the method).
  if (normalize && typeof f.normalize === 'string') o.normalize = f.normalize as SelectionOptions['normalize'];
  return o;
}

/** Bytes of the typed arrays a Dataset holds (X, obsm, layers). */
function datasetBytes(d: Dataset): number {
  let b = d.X.data.byteLength + d.X.indices.byteLength + d.X.indptr.byteLength;
  for (const m of Object.values(d.obsm)) b += (m as { data: { byteLength: number } }).data.byteLength;
  for (const m of Object.values(d.layers ?? {})) b += (m as { data: { byteLength: number } }).data.byteLength;
  return b;
}

/** The kernels' wasm memory size: the buffer behind an array they allocate (shared memory only). */
function wasmBytes(k: Kernels | undefined): number {
  if (!k) return 0;
  const a = k.allocF32(1);
  const size = typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer ? a.buffer.byteLength : 0;
  k.free(a);
  return size;
}

async function load(files: DroppedFile[], input: string, flags: Flags, normalize: boolean): Promise<{ ds: Dataset; steps: Record<string, unknown>[]; record: Record<string, unknown> }> {
  const vfs = blobVfs(files);
  const raw = await readDataset(input, { files: vfs, platform: flags.platform as never });
  const { dataset, steps } = await applySelection(raw, selectionOf(flags, normalize), { source: input });
  const record: Record<string, unknown> = {
    path: input,
    platform: raw.meta.platform,
    nObsRead: raw.X.rows,
    nVarsRead: raw.X.cols,
    nObs: dataset.X.rows,
    nVars: dataset.X.cols,
    coordinateUnit: dataset.obsm.spatial ? (dataset.meta.coordinateUnit ?? 'unknown') : null,
    micronsPerUnit: dataset.meta.micronsPerUnit ?? null,
    filtered: raw.meta.filtered,
    selection: steps,
  };
  return { ds: dataset, steps: steps as unknown as Record<string, unknown>[], record };
}

/** The buffers a result message can hand over without copying: plain ArrayBuffers, once each (shared wasm memory cannot be transferred). */
function transferables(arrays: ArrayBufferView[]): Transferable[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  return [...out];
}

function text(name: string, s: string, type = 'text/plain'): OutputFile {
  return { name, bytes: new TextEncoder().encode(s), type };
}

/** The MIME type of a downloaded run file, from its name. */
function typeOf(name: string): string {
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.svg')) return 'image/svg+xml';
  if (name.endsWith('.png')) return 'image/png';
  if (name.endsWith('.h5ad')) return 'application/x-hdf5';
  return 'application/octet-stream';
}

/** A run-file sink (src/outputs) that keeps every file's bytes in `files` for the downloads. */
function collect(files: OutputFile[]): RunFileSink {
  const encoder = new TextEncoder();
  return {
    text: async (name, s) => void files.push({ name, bytes: encoder.encode(s), type: typeOf(name) }),
    bytes: async (name, bytes) => void files.push({ name, bytes, type: typeOf(name) }),
    npy: async (name, m) => void files.push({ name, bytes: encodeNpy({ shape: [m.rows, m.cols], data: m.data }), type: typeOf(name) }),
    h5ad: async (name, d) => void files.push({ name, bytes: await encodeH5ad(d), type: typeOf(name) }),
  };
}

/** A dense matrix as CSV with row and column names (W.csv: cells x factors, H.csv: factors x genes). */
function matrixCsv(rows: string[], cols: string[], data: Float32Array, corner: string): string {
  const out = [[corner, ...cols].map(csvField).join(',')];
  const c = cols.length;
  for (let i = 0; i < rows.length; i++) {
    let line = csvField(rows[i]);
    for (let j = 0; j < c; j++) line += ',' + data[i * c + j];
    out.push(line);
  }
  return out.join('\n') + '\n';
}

function runJson(note: string | undefined, method: string, parameters: unknown, seed: number, inputs: unknown, seconds: number, cli: string): OutputFile {
  const body = {
    tool: 'stnmf',
    version: VERSION,
    command: method,
    parameters,
    seed,
    inputs,
    seconds,
    finishedAt: new Date().toISOString(),
    browser: (self as unknown as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? null,
    // The CLI line that reproduces this run on the same files.
    cli,
    ...(note ? { cliNote: note } : {}),
  };
  return text('run.json', JSON.stringify(body, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n', 'application/json');
}

function jsonFile(name: string, v: unknown): OutputFile {
  return text(name, JSON.stringify(v, (k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n', 'application/json');
}

/**
 * `stnmf plot <method>-out`'s figures, drawn from the run's own files (read back in memory with
 * the CLI's readResult), so the app shows and offers what the CLI would draw for the same run;
 * the folder name is the CLI line's --out, which figure titles carry.
 */
async function runFigures(method: Method, files: OutputFile[]): Promise<RunFigure[]> {
  const dir = `${method}-out`;
  const r = await readResult(dir, { files: memoryVfs(new Map(files.map((f) => [`${dir}/${f.name}`, f.bytes]))) });
  return (await standardFigures(r, {})).map((f) => ({ name: f.name, caption: f.caption, png: sceneToPng(f.scene, { pixelRatio: 2 }), svg: sceneToSvg(f.scene) }));
}

async function run(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const f = msg.flags;
  const t0 = performance.now();
  let lastPost = 0;
  let kernels: Kernels | undefined;
  const progress = (stage: string, done: number, total: number, fraction: number, detail?: string): void => {
    const now = performance.now();
    // At most ~20 messages a second: the page redraws the bar, nothing more.
    if (now - lastPost < 50 && done < total) return;
    lastPost = now;
    post({ type: 'progress', stage, done, total, fraction, detail, elapsed: (now - t0) / 1000 });
  };
  progress('reading', 0, 1, 0);
  const { ds, record } = await load(msg.files, msg.input, f, msg.method === 'nmf');
  const threads = f.threads === undefined || f.threads === '' ? undefined : Number(f.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new StnmfError('USAGE', `--threads must be ≥ 1, got ${threads}`);
  const rank = Number(f.rank);
  const need = neededBytes(msg.method, ds.X.rows, ds.X.cols, ds.X.indptr[ds.X.rows], rank);
  const limit = msg.limitBytes ?? WASM_LIMIT;
  if (need > limit) {
    throw new StnmfError('BAD_INPUT', `this run needs about ${(need / 1024 ** 2).toFixed(0)} MiB, beyond the browser's ${(limit / 1024 ** 2).toFixed(0)} MiB of WebAssembly memory; run it with the CLI instead: ${msg.command}`);
  }
  kernels = await createKernels({ threads });
  const memory = (): MemoryReport => ({ dataset: datasetBytes(ds), wasm: wasmBytes(kernels) });
  post({ type: 'progress', stage: 'starting', done: 0, total: 1, fraction: 0, elapsed: (performance.now() - t0) / 1000, memory: memory() });
  const files: OutputFile[] = [];
  const obsNames = ds.obs.index;
  const varNames = ds.var.index;
  const seed = Number(f.seed);
  try {
    if (msg.method === 'nmf') {
      const tRun = performance.now();
      // The CLI's mapping of the same flags (NMF_OPTIONS, declared once), so defaults agree.
      const result = await nmf(ds.X, {
        ...optionsFromFlags<Pick<NmfOptions, keyof typeof NMF_OPTIONS>>(NMF_OPTIONS, f),
        kernels,
        onProgress: (e) => progress(`nmf restart ${e.restart + 1}/${e.restarts}`, e.iteration, e.maxIter, (e.restart + e.iteration / e.maxIter) / e.restarts, e.loss !== undefined ? `loss ${e.loss.toPrecision(7)}` : undefined),
      });
      const seconds = (performance.now() - tRun) / 1000;
      progress('writing', 0, 1, 1);
      const k = result.W.cols;
      const factorNames = factorNamesOf(k);
      files.push({ name: 'W.npy', bytes: encodeNpy({ shape: [result.W.rows, k], data: result.W.data }), type: 'application/octet-stream' });
      files.push({ name: 'H.npy', bytes: encodeNpy({ shape: [k, result.H.cols], data: result.H.data }), type: 'application/octet-stream' });
      files.push(text('W.csv', matrixCsv(obsNames, factorNames, result.W.data, 'obs'), 'text/csv'));
      files.push(text('H.csv', matrixCsv(factorNames, varNames, result.H.data, 'factor'), 'text/csv'));
      files.push(text('history.csv', nmfHistoryCsv(result), 'text/csv'));
      files.push(text('obs_names.txt', obsNames.join('\n') + '\n'));
      files.push(text('var_names.txt', varNames.join('\n') + '\n'));
      const top = topFeatures({ k, factorNames, featureNames: varNames, H: result.H.data }, 8);
      const W = result.W.data.slice();
      attachNmf(ds, result);
      files.push({ name: 'result.h5ad', bytes: await encodeH5ad(ds), type: 'application/x-hdf5' });
      const p = result.parameters;
      // The CLI's summary.json: the same figures, the same warning list (wall times go to run.json).
      const summary = {
        ...nmfSummary(result, ds.X),
        normalize: f.normalize,
        backend: p.backend,
        threads: p.threads,
        warnings: result.warnings.map((w) => ({ code: w.code, message: w.message })),
      };
      files.push(jsonFile('summary.json', summary));
      files.push(runJson(msg.commandNote, 'nmf', p, p.seed, { input: record }, seconds, msg.command));
      progress('figures', 0, 1, 1);
      const figures = await runFigures('nmf', files);
      post({ type: 'result', method: 'nmf', k, W, top, labels: null, nClusters: 0, summary, files, figures, threads: p.threads, backend: p.backend, seconds, memory: memory() }, transferables([W, ...files.map((x) => x.bytes), ...figures.map((x) => x.png)]));
      return;
    }
    if (msg.method === 'siid') {
      // SIID of the loaded cells and a second input, the spots, as `stnmf siid --cells … --spots …`.
      if (!msg.spots) throw new StnmfError('USAGE', 'SIID needs the spot slide as a second input');
      progress('reading spots', 0, 1, 0);
      const spots = (await load(msg.spots.files, msg.spots.input, {}, false)).ds;
      // --mapping-distance is in µm: both slides' scales must be known.
      requireMicrons(ds, 'siid --mapping-distance', 'cells-');
      requireMicrons(spots, 'siid --mapping-distance', 'spots-');
      // The CLI's mapping of the same flags (SIID_OPTIONS, declared once), so defaults agree.
      const options: SiidOptions = { ...siidOptionsFromFlags(f), kernels };
      const folds = Number(f['holdout-folds']);
      const r = await runSiid(ds, spots, undefined, options, folds, Number(f['fold-seed']), {
        log: () => undefined,
        progress: (label, done, total, detail) => progress(label, done, total, total > 0 ? done / total : 0, detail),
      });
      progress('writing', 0, 1, 1);
      await siidRunFiles(r, ds, spots, collect(files));
      const h = r.fit.h;
      const W = Float32Array.from(r.fit.params.P);
      // The factors' profiles over the modelled genes (Qᵀ is genes x factors).
      const G = r.prepared.genes.length;
      const H = new Float32Array(h * G);
      for (let g = 0; g < G; g++) for (let c = 0; c < h; c++) H[c * G + g] = r.fit.params.Qt[g * h + c];
      const top = topFeatures({ k: h, factorNames: factorNamesOf(h), featureNames: r.prepared.genes, H }, 8);
      // The CLI's summary.json: the run's numbers (its wall time goes to run.json) and warnings.
      const { seconds, ...numbers } = r.summary as Record<string, unknown> & { seconds: number };
      const summary = { ...numbers, warnings: (r.fit.warnings ?? []).map((x) => ({ code: x.code, message: x.message })) };
      files.push(jsonFile('summary.json', summary));
      files.push(runJson(msg.commandNote, 'siid', { ...resolveSiidOptions({ ...options, kernels: undefined }), holdoutFolds: folds, foldSeed: Number(f['fold-seed']) }, seed, { cells: record, spots: msg.spots.input }, seconds, msg.command));
      progress('figures', 0, 1, 1);
      const figures = await runFigures('siid', files);
      post({ type: 'result', method: 'siid', k: h, W, top, labels: null, nClusters: 0, summary, files, figures, threads: kernels.threads, backend: kernels.name, seconds, memory: memory() }, transferables([W, ...files.map((x) => x.bytes), ...figures.map((x) => x.png)]));
      return;
    }
    if (msg.method === 'contrastive') {
      // bcNMF of one input split by two obs expressions, as `stnmf contrastive --input`.
      const tw = f['target-where'], bw = f['background-where'];
      if (typeof tw !== 'string' || typeof bw !== 'string' || !tw || !bw) throw new StnmfError('USAGE', 'bcNMF needs --target-where and --background-where (obs expressions, e.g. region == "tumour"), or a lasso');
      let input = ds;
      if (msg.lasso) {
        // The lasso as an obs column (lasso.csv, for the CLI's --obs-meta), split on like any other.
        const codes = new Int32Array(ds.X.rows);
        for (const i of msg.lasso) {
          if (!(i >= 0 && i < ds.X.rows)) throw new StnmfError('BAD_INPUT', `lasso: observation ${i} is outside the data (${ds.X.rows})`);
          codes[i] = 1;
        }
        input = { ...ds, obs: { index: ds.obs.index, columns: new Map(ds.obs.columns).set('lasso', { kind: 'category', codes, categories: ['other', 'selected'] }) } };
        files.push(text('lasso.csv', 'cell_id,lasso\n' + obsNames.map((id, i) => `${csvField(id)},${codes[i] ? 'selected' : 'other'}`).join('\n') + '\n', 'text/csv'));
      }
      const split = splitByWhere(input, tw, bw);
      const t = split.target, b = split.background;
      const tRun = performance.now();
      // The CLI's mapping of the same flags (CONTRASTIVE_OPTIONS, declared once).
      const r = await contrastiveNmf(t, b, {
        ...optionsFromFlags<ContrastiveNmfOptions>(CONTRASTIVE_OPTIONS, f),
        kernels,
        onProgress: (e) => progress('bcNMF sweeps', e.iteration, e.maxIter, e.iteration / Math.max(1, e.maxIter), `J ${e.objective.toPrecision(7)}`),
      });
      const seconds = (performance.now() - tRun) / 1000;
      progress('writing', 0, 1, 1);
      await contrastiveRunFiles(t, b, r, collect(files));
      const k = r.basis.rows;
      // The map: each target/background cell's usage, 0 for cells in neither group.
      const row = new Map(obsNames.map((id, i) => [id, i]));
      const W = new Float32Array(ds.X.rows * k);
      const labels = new Int32Array(ds.X.rows).fill(-1);
      for (const [side, h, code] of [[t, r.hTarget, 0], [b, r.hBackground, 1]] as const) {
        side.obs.index.forEach((id, q) => {
          const i = row.get(id)!;
          labels[i] = code;
          for (let c = 0; c < k; c++) W[i * k + c] = h.data[q * k + c];
        });
      }
      const features = contrastiveFeatures(t, r);
      const top = topFeatures({ k, factorNames: factorNamesOf(k), featureNames: features, H: r.basis.data }, 8);
      const summary = { ...contrastiveSummary(t, b, r, { top: 10, backend: kernels.name }), warnings: r.warnings.map((x) => ({ code: x.code, message: x.message })) };
      files.push(jsonFile('summary.json', summary));
      files.push(runJson(msg.commandNote, 'contrastive', r.parameters, seed, { input: record, split: split.steps, nTarget: t.X.rows, nBackground: b.X.rows }, seconds, msg.command));
      progress('figures', 0, 1, 1);
      const figures = await runFigures('contrastive', files);
      post({ type: 'result', method: 'contrastive', k, W, top, labels, nClusters: 2, labelTitle: 'bcNMF group', labelNames: [`target (${tw})`, `background (${bw})`], summary, files, figures, threads: kernels.threads, backend: kernels.name, seconds, memory: memory() }, transferables([W, labels, ...files.map((x) => x.bytes), ...figures.map((x) => x.png)]));
      return;
    }
    // The CLI's mapping of the same flags (HSNMF_OPTIONS, declared once), so defaults agree.
    const options: HsnmfOptions = {
      ...optionsFromFlags<HsnmfOptions>(HSNMF_OPTIONS, f),
      kernels,
      onProgress: (e) => progress(`hsnmf ${e.stage}`, e.done, e.total, e.stage === 'nmf' ? 0.8 * (e.done / Math.max(1, e.total)) : 0.85, e.detail),
    };
    const tRun = performance.now();
    const r = await hsnmf(ds, options);
    const seconds = (performance.now() - tRun) / 1000;
    progress('hsnmf metrics', 0, 1, 0.9);
    const evalOptions = { ...optionsFromFlags<EvaluateOptions>(HSNMF_EVALUATE_OPTIONS, f), seed };
    const ev = evaluateHsnmf(r, { ...evalOptions, geneNames: varNames });
    progress('writing', 0, 1, 1);
    const k = r.snmf.W0.cols;
    files.push(text('metrics.csv', metricsCsv([ev.metrics]), 'text/csv'));
    // The CLI's run files, from the same builder (src/outputs/hsnmf.ts), kept as downloads.
    await hsnmfRunFiles(ds, r, ev, collect(files));
    const factorNames = factorNamesOf(k);
    const top = topFeatures({ k, factorNames, featureNames: varNames, H: r.snmf.H.data }, 8);
    const W = r.snmf.Ws.data.slice();
    const labels = r.labels.slice();
    // The CLI's summary.json (its warning list too); wall times go to run.json.
    const summary = { ...hsnmfSummary(ev.metrics, r), warnings: r.snmf.warnings.map((w) => ({ code: w.code, message: w.message })) };
    files.push(jsonFile('summary.json', summary));
    const params = { ...r.parameters, evaluate: { subsample: evalOptions.subsample, seed, minClusterSize: evalOptions.minClusterSize } };
    files.push(runJson(msg.commandNote, 'hsnmf', params, seed, { input: record }, seconds, msg.command));
    progress('figures', 0, 1, 1);
    const figures = await runFigures('hsnmf', files);
    post({ type: 'result', method: 'hsnmf', k, W, top, labels, nClusters: r.nClusters, summary, files, figures, threads: kernels.threads, backend: kernels.name, seconds, memory: memory() }, transferables([W, labels, ...files.map((x) => x.bytes), ...figures.map((x) => x.png)]));
  } finally {
    kernels.dispose();
  }
}

/** The Dataset the last inspect read: the page colours the map by its genes. */
let inspected: Dataset | undefined;

/** One feature's values in every observation (a column of the CSR matrix). */
function geneValues(msg: Extract<ToWorker, { type: 'gene' }>): void {
  if (!inspected) throw new StnmfError('BAD_INPUT', 'no dataset is loaded');
  const j = inspected.var.index.indexOf(msg.name);
  if (j < 0) throw new StnmfError('BAD_INPUT', `no feature named '${msg.name}' in the data`);
  const X = inspected.X;
  const values = new Float32Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    // Rows are sorted by column (readers canonicalise X): a binary search per row.
    let lo = X.indptr[i], hi = X.indptr[i + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (X.indices[mid] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo < X.indptr[i + 1] && X.indices[lo] === j) values[i] = X.data[lo];
  }
  post({ type: 'gene', name: msg.name, values }, [values.buffer]);
}

async function inspect(msg: Extract<ToWorker, { type: 'inspect' }>): Promise<void> {
  const t0 = performance.now();
  const { ds, steps } = await load(msg.files, msg.input, msg.flags, false);
  inspected = ds;
  // What `stnmf info` prints: the detection and its reason, describeDataset, the QC summary.
  const detected = (await detectPlatform(msg.input, { files: blobVfs(msg.files) })).reason;
  const info = { ...describeDataset(ds), detected, qc: qcSummary(ds) } as unknown as Record<string, unknown>;
  const s = ds.obsm.spatial;
  let coords: Float32Array | null = null;
  let offset: [number, number] = [0, 0];
  if (s && s.cols >= 2) {
    let x0 = Infinity, y0 = Infinity;
    for (let i = 0; i < s.rows; i++) {
      x0 = Math.min(x0, s.data[i * s.cols]);
      y0 = Math.min(y0, s.data[i * s.cols + 1]);
    }
    // Float32 keeps ~7 digits: relative to the corner keeps sub-µm precision (as `stnmf view`).
    coords = new Float32Array(2 * s.rows);
    for (let i = 0; i < s.rows; i++) {
      coords[2 * i] = s.data[i * s.cols] - x0;
      coords[2 * i + 1] = s.data[i * s.cols + 1] - y0;
    }
    offset = [x0, y0];
  }
  post(
    {
      type: 'info',
      info,
      selection: steps,
      n: ds.X.rows,
      p: ds.X.cols,
      nnz: ds.X.indptr[ds.X.rows],
      coords,
      offset,
      unit: ds.meta.coordinateUnit ?? 'unknown',
      obsColumns: [...ds.obs.columns.keys()],
      varNames: ds.var.index,
      memory: { dataset: datasetBytes(ds), wasm: 0 },
      seconds: (performance.now() - t0) / 1000,
    },
    coords ? [coords.buffer] : [],
  );
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  const job = m.type === 'run' ? run(m) : m.type === 'gene' ? Promise.resolve().then(() => geneValues(m)) : inspect(m);
  job.catch((err: unknown) => {
    const code = err instanceof StnmfError ? err.code : undefined;
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), code });
  });
};
