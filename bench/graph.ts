// Benchmark (issue 4): Leiden vs leidenalg and the metrics vs their oracles, same graphs and
// data, one run. Node-only (spawns /usr/bin/python3 for the peers). Run alone:
//   npx tsc -p tsconfig.json && node dist/bench/graph.js
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { leiden } from '../src/graph/index.js';
import { knnGraph, rowStandardize, type NeighborGraph } from '../src/spatial/index.js';
import { adjustedRandIndex, daviesBouldin, holdoutR2, jensenShannon, moransI, normalizedMutualInfo, silhouette } from '../src/metrics/index.js';
import { loadOsmfish, loadXenium, xeniumLeidenLabels } from '../test/spatial-data.js';

const PY = '/usr/bin/python3';
const PEERS = fileURLToPath(new URL('../../../shared/tools/peers/', import.meta.url));
const SCRIPTS = fileURLToPath(new URL('../../scripts/fixtures/', import.meta.url));

function writeEdges(g: NeighborGraph, path: string): void {
  const out: string[] = ['src\tdst\tweight'];
  for (let i = 0; i < g.n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) if (g.indices[p] > i) out.push(`${i}\t${g.indices[p]}\t1`);
  writeFileSync(path, out.join('\n') + '\n');
}

function timeIt<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const fmt = (x: number, d = 3): string => x.toFixed(d);

/** Leiden (RB γ = 1, 2 iterations) vs leidenalg on the spatial 15-NN graphs, 5 seeds each; then metrics vs oracles. */
export async function runGraphBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-graph-bench-'));
  try {
    console.log('## Leiden (RB-configuration, γ = 1, n_iterations = 2) vs leidenalg 0.9.1, spatial 15-NN union graphs');
    console.log('| data | nodes | edges | seed | Q ours | Q leidenalg | ΔQ | k ours | k leidenalg | ms ours | ms leidenalg | time ratio |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    const summary: string[] = [];
    for (const [name, xy] of [['Xenium', loadXenium().xy], ['osmFISH', loadOsmfish().xy]] as const) {
      const g = knnGraph(xy, 15);
      const edges = join(dir, `${name}.tsv`);
      writeEdges(g, edges);
      const dq: number[] = [];
      const ratio: number[] = [];
      for (let seed = 0; seed < 5; seed++) {
        const ours = timeIt(() => leiden(g, { seed, resolution: 1, nIterations: 2 }));
        const json = join(dir, `${name}-${seed}.json`);
        const r = spawnSync(PY, [join(PEERS, 'leiden.py'), '--edges', edges, '--n-nodes', String(g.n), '--method', 'rb', '--seed', String(seed), '--n-iterations', '2', '--json', json], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`leiden.py failed: ${r.stderr}`);
        const peer = JSON.parse(readFileSync(json, 'utf8')).results[0];
        const peerMs = peer.time_s * 1000;
        dq.push(ours.value.modularity - peer.modularity);
        ratio.push(ours.ms / peerMs);
        console.log(`| ${name} | ${g.n} | ${g.indices.length / 2} | ${seed} | ${fmt(ours.value.modularity, 5)} | ${fmt(peer.modularity, 5)} | ${fmt(ours.value.modularity - peer.modularity, 5)} | ${ours.value.nClusters} | ${peer.n_clusters} | ${fmt(ours.ms, 1)} | ${fmt(peerMs, 1)} | ${fmt(ours.ms / peerMs, 2)} |`);
      }
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const med = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];
      summary.push(`${name}: mean ΔQ ${fmt(mean(dq), 5)} (min ${fmt(Math.min(...dq), 5)}), median time ratio ours/leidenalg ${fmt(med(ratio), 2)} (max ${fmt(Math.max(...ratio), 2)})`);
    }
    for (const s of summary) console.log(`- ${s}`);

    console.log('\n## Metrics vs oracles (peers/metrics.py, scikit-learn 1.2.1), same inputs');
    const oracleJson = join(dir, 'oracle.json');
    const r = spawnSync(PY, [join(SCRIPTS, 'metrics_bench.py'), oracleJson], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`metrics_bench.py failed: ${r.stderr}`);
    const oracle = JSON.parse(readFileSync(oracleJson, 'utf8'));
    const x = loadXenium();
    const lab = xeniumLeidenLabels();
    const grid = Int32Array.from({ length: x.n }, (_, i) => Math.floor(x.xy[2 * i] / 500) * 100 + Math.floor(x.xy[2 * i + 1] / 500));
    const o = loadOsmfish();
    const logc = Float64Array.from(o.counts, Math.log1p);
    const h = Math.floor(o.n / 2);
    const rolled = new Float64Array(o.counts.length);
    rolled.set(o.counts.subarray(0, (o.n - 1) * o.nGenes), o.nGenes);
    rolled.set(o.counts.subarray((o.n - 1) * o.nGenes), 0);
    let w: NeighborGraph | undefined;
    const ours: Record<string, { value: number; ms: number }> = {
      xenium_knn6_weights: timeIt(() => {
        w = rowStandardize(knnGraph(x.xy, 6, { symmetrize: 'none' })).graph;
        return w.weights.reduce((s, v) => s + v, 0);
      }),
      xenium_moran_4features: timeIt(() => moransI({ rows: x.n, cols: 4, data: x.features }, w!).results[0].I),
      xenium_silhouette_exact: timeIt(() => silhouette(x.xy, 2, lab)),
      xenium_davies_bouldin: timeIt(() => daviesBouldin(x.xy, 2, lab)),
      xenium_ari: timeIt(() => adjustedRandIndex(grid, lab)),
      xenium_nmi: timeIt(() => normalizedMutualInfo(grid, lab)),
      osmfish_silhouette_exact: timeIt(() => silhouette(logc, o.nGenes, o.cluster)),
      osmfish_js_mean: timeIt(
        () => jensenShannon({ rows: h, cols: o.nGenes, data: o.counts.subarray(0, h * o.nGenes) }, { rows: h, cols: o.nGenes, data: o.counts.subarray(h * o.nGenes, 2 * h * o.nGenes) }).mean,
      ),
      osmfish_r2_mean: timeIt(() => holdoutR2({ rows: o.n, cols: o.nGenes, data: o.counts }, { rows: o.n, cols: o.nGenes, data: rolled }).mean),
    };
    console.log('| metric | ours | oracle | rel. diff | ms ours | ms oracle | time ratio |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [k, v] of Object.entries(ours)) {
      const p = oracle[k];
      const rel = Math.abs(v.value - p.value) / Math.max(Math.abs(p.value), 1e-300);
      console.log(`| ${k} | ${v.value.toPrecision(12)} | ${Number(p.value).toPrecision(12)} | ${rel.toExponential(1)} | ${fmt(v.ms, 1)} | ${fmt(p.time_s * 1000, 1)} | ${fmt(v.ms / (p.time_s * 1000), 2)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runGraphBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
