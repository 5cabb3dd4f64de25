/**
 * hSNMF benchmark (issue 5): the whole hSNMF pipeline (log-normalisation, NMF rank 10 with the
 * M1.4 defaults, contact/context graphs, smoothing, feature kNN + UMAP connectivities, mixed
 * adjacency, Leiden) on all 36,602 Xenium mouse-brain cells, against scikit-learn NMF (cd,
 * NNDSVDa, 500 iterations, tol 1e-4, 1 BLAS thread per the peer default) on the same
 * log-normalised matrix plus leidenalg (RB, γ 0.4, 2 iterations) on the same mixed graph,
 * in one run. Peer times are measured inside the peer processes around the compute only
 * (tools/peers/README.md); ours is wall time of the pipeline call (reading excluded), and
 * beside it the wall time of the `stnmf hsnmf` command a user runs (start, read, pipeline,
 * writing the folder and its figures).
 *
 * Run alone: `node dist/bench/hsnmf.js [--threads N]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readXenium } from '../src/io/xenium.js';
import { createKernels } from '../src/linalg/index.js';
import { hsnmf, logNormalize } from '../src/methods/snmf/index.js';
import { commandWallSeconds } from './command-wall.js';

const XENIUM = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain', import.meta.url));
const PEERS = fileURLToPath(new URL('../../../shared/tools/peers', import.meta.url));

/** Result of {@link runHsnmfBench}. */
export interface HsnmfBenchResult {
  cells: number;
  oursSeconds: number;
  oursStages: { snmf: number; features: number; leiden: number };
  /** CPU seconds of our pipeline, all threads (process.cpuUsage; the peers are single-threaded). */
  oursCpuSeconds: number;
  /** Wall seconds of `stnmf hsnmf <xenium> --rank 10 --resolution 0.4` (read + pipeline + writing). */
  commandSeconds: number;
  /** 1-minute load average before our run and after the peers (the machine may be shared). */
  loadAverage: { before: number; after: number };
  sklearnNmfSeconds: number;
  sklearnIterations: number;
  leidenalgSeconds: number;
  peerSeconds: number;
  /** ours / (scikit-learn NMF + leidenalg); the issue asks for ≤ 0.5. */
  ratio: number;
  oursClusters: number;
  leidenalgClusters: number;
}

function runPeer(script: string, args: string[]): void {
  const r = spawnSync('/usr/bin/python3', [join(PEERS, script), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);

}

/** Runs the benchmark and prints one line per figure plus the ratio. */
export async function runHsnmfBench(options: { threads?: number; log?: (s: string) => void } = {}): Promise<HsnmfBenchResult> {
  const log = options.log ?? console.log;
  const ds = await readXenium(XENIUM);
  const kernels = await createKernels({ threads: options.threads });
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bench-hsnmf-'));
  try {
    const loadBefore = loadavg()[0];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await hsnmf(ds, { rank: 10, resolution: 0.4, kernels });
    const ours = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const oursCpu = (cpu.user + cpu.system) / 1e6;
    log(`hsnmf (stnmf, ${kernels.name}, ${kernels.threads} threads): ${ours.toFixed(2)} s for ${ds.X.rows} cells (NMF+graphs+smoothing ${r.seconds.snmf.toFixed(2)} s, features ${r.seconds.features.toFixed(2)} s, Leiden ${r.seconds.leiden.toFixed(2)} s; ${r.snmf.nmf?.iterations} NMF iterations, ${r.nClusters} clusters; ${oursCpu.toFixed(2)} CPU s over all threads)`);
    const commandSeconds = commandWallSeconds(['hsnmf', XENIUM, '--rank', '10', '--resolution', '0.4', '--threads', String(kernels.threads)]);
    log(`stnmf hsnmf command (start, read, pipeline, folder and figures written): ${commandSeconds.toFixed(2)} s wall`);

    // Same log-normalised matrix for scikit-learn (MatrixMarket, 1-based).
    const X = logNormalize(ds.X).X;
    const mtx = [`%%MatrixMarket matrix coordinate real general`, `${X.rows} ${X.cols} ${X.indptr[X.rows]}`];
    for (let i = 0; i < X.rows; i++) for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) mtx.push(`${i + 1} ${X.indices[p] + 1} ${X.data[p]}`);
    writeFileSync(join(dir, 'X.mtx'), mtx.join('\n') + '\n');
    // Same graph for leidenalg: one edge per stored non-zero of A_mix (scanpy's conversion).
    const A = r.adjacency;
    const edges: string[] = [];
    for (let i = 0; i < A.n; i++) for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) edges.push(`${i}\t${A.indices[p]}\t${A.weights[p]}`);
    writeFileSync(join(dir, 'edges.tsv'), edges.join('\n') + '\n');

    runPeer('sklearn_nmf.py', ['--input', join(dir, 'X.mtx'), '--rank', '10', '--variant', 'cd-fro', '--init', 'nndsvda', '--seed', '0', '--max-iter', '500', '--tol', '1e-4', '--json', join(dir, 'nmf.json')]);
    const nmfJson = JSON.parse(readFileSync(join(dir, 'nmf.json'), 'utf8')).results[0];
    runPeer('leiden.py', ['--edges', join(dir, 'edges.tsv'), '--n-nodes', String(A.n), '--combine', 'none', '--method', 'rb', '--resolution', '0.4', '--n-iterations', '2', '--seed', '0', '--json', join(dir, 'leiden.json')]);
    const leidenJson = JSON.parse(readFileSync(join(dir, 'leiden.json'), 'utf8')).results[0];
    const peer = nmfJson.time_s + leidenJson.time_s;
    log(`scikit-learn NMF (cd, nndsvda, 1 thread): ${nmfJson.time_s.toFixed(2)} s, ${nmfJson.iterations} iterations`);
    log(`leidenalg (RB γ=0.4, 2 iterations) on the same A_mix: ${leidenJson.time_s.toFixed(2)} s, ${leidenJson.n_clusters} clusters`);
    const ratio = ours / peer;
    const loadAfter = loadavg()[0];
    log(`ratio stnmf hsnmf / (scikit-learn NMF + leidenalg) = ${ratio.toFixed(3)} (target <= 0.5); 1-min load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    return {
      cells: ds.X.rows,
      oursSeconds: ours,
      oursStages: r.seconds,
      oursCpuSeconds: oursCpu,
      commandSeconds,
      loadAverage: { before: loadBefore, after: loadAfter },
      sklearnNmfSeconds: nmfJson.time_s,
      sklearnIterations: nmfJson.iterations,
      leidenalgSeconds: leidenJson.time_s,
      peerSeconds: peer,
      ratio,
      oursClusters: r.nClusters,
      leidenalgClusters: leidenJson.n_clusters,
    };
  } finally {
    kernels.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--threads');
  runHsnmfBench({ threads: i > 0 ? Number(process.argv[i + 1]) : undefined }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
