/**
 * Kernel benchmark: GFLOP/s of the wasm backend at the compute-notes shape (n = 20000 cells,
 * g = 2000 genes, k = 20, CSR at 10% density; compute-notes.md §1), for 1 and 2 threads, next
 * to the figures measured there (§2.1) and the ratio. Median of several repeats.
 *
 * Run alone: `node dist/bench/kernels.js [--quick] [--repeats N] [--threads 1,2] [--variants auto,simd128]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Csr } from '../src/linalg/csr.js';
import type { Dense } from '../src/linalg/dense.js';
import type { Kernels } from '../src/linalg/kernels.js';
import { Rng } from '../src/linalg/rng.js';
import { createWasmKernels } from '../src/linalg/wasm/index.js';

/** Options of {@link runKernelBench}. */
export interface KernelBenchOptions {
  /** Cells (rows). Default 20000 (compute-notes §1). */
  n?: number;
  /** Genes (columns). Default 2000. */
  g?: number;
  /** Rank. Default 20. */
  k?: number;
  /** CSR density. Default 0.1. */
  density?: number;
  /** Timed samples per kernel; the median is reported. Default 7. */
  repeats?: number;
  /** Thread counts to measure. Default [1, 2]. */
  threads?: number[];
  /** Builds to measure: `auto` (relaxed SIMD when available) and/or `simd128`. Default ['auto']. */
  variants?: ('auto' | 'simd128')[];
  /** Print through this function. Default console.log. */
  log?: (line: string) => void;
}

/** One measured cell. */
export interface KernelBenchRow {
  kernel: string;
  backend: string;
  threads: number;
  /** Median over all samples, wall clock. */
  gflops: number;
  /** Median over quiet samples (foreign load < 0.25 cores), when there were at least 3. */
  quietGflops?: number;
  /** Flops per CPU-second of this process divided by the thread count: a load-robust estimate. */
  cpuGflops: number;
  /** Median foreign load during the samples, in cores. */
  foreignLoad: number;
  /** compute-notes.md §2.1 figure for this backend and thread count. */
  reference?: number;
}

// compute-notes.md §2.1, float32: as-simd128, as-simd128-relaxedFMA, w2-as-simd128, w2-as-simd128-relaxedFMA.
const KERNELS = ['xht', 'wtx', 'spmm', 'spmmT', 'sddmm', 'gram'] as const;
const REFERENCE: Record<string, number[]> = {
  'wasm-simd128/1': [35.4, 23.5, 22.8, 18.8, 16.6, 21.1],
  'wasm-relaxed-simd/1': [43.0, 28.5, 25.7, 18.5, 18.9, 23.2],
  'wasm-simd128/2': [60.6, 34.5, 37.2, 28.5, 26.1, 19.1],
  'wasm-relaxed-simd/2': [78.1, 46.6, 49.6, 36.5, 35.6, 30.5],
};

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Busy jiffies of the whole machine (Linux /proc/stat), or undefined elsewhere. */
function machineBusyMs(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8');
    const v = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all − idle − iowait, in 10 ms jiffies.
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - v[3] - v[4]) * 10;
  } catch {
    return undefined;
  }
}

interface Sample {
  /** Seconds per call, wall clock. */
  wall: number;
  /** CPU seconds of this process per call (all threads). */
  cpu: number;
  /** Cores kept busy by other processes during the sample (NaN when unknown). */
  foreign: number;
}

/**
 * Samples of one kernel; each sample repeats the call for at least 100 ms so the foreign load
 * (machine busy time minus this process's CPU time, compute-notes.md §1) can be estimated.
 */
function sample(f: () => void, repeats: number): Sample[] {
  f(); // warm-up: JIT tiers, page faults of fresh outputs
  const out: Sample[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const b0 = machineBusyMs();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t1 = t0;
    do {
      f();
      calls++;
      t1 = performance.now();
    } while (t1 - t0 < 100);
    const c = process.cpuUsage(c0);
    const b1 = machineBusyMs();
    const wallMs = t1 - t0, cpuMs = (c.user + c.system) / 1000;
    const foreign = b0 === undefined || b1 === undefined ? NaN : Math.max(0, (b1 - b0 - cpuMs) / wallMs);
    out.push({ wall: wallMs / 1000 / calls, cpu: cpuMs / 1000 / calls, foreign });
  }
  return out;
}

function fill(kern: Kernels, rows: number, cols: number, rng: Rng): Dense {
  const data = kern.allocF32(rows * cols);
  for (let q = 0; q < data.length; q++) data[q] = rng.uniform();
  return { rows, cols, data };
}

function randomCsr(kern: Kernels, rows: number, cols: number, density: number, rng: Rng): Csr {
  const idx: number[] = [];
  const indptr = kern.allocI32(rows + 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (rng.uniform() < density) idx.push(j);
    indptr[i + 1] = idx.length;
  }
  const indices = kern.allocI32(idx.length);
  indices.set(idx);
  const data = kern.allocF32(idx.length);
  for (let q = 0; q < data.length; q++) data[q] = 1 + Math.floor(rng.uniform() * 5);
  return { rows, cols, indptr, indices, data };
}

/** Measures the kernels and prints a table; returns the rows. */
export async function runKernelBench(opts: KernelBenchOptions = {}): Promise<KernelBenchRow[]> {
  const n = opts.n ?? 20000, g = opts.g ?? 2000, k = opts.k ?? 20, density = opts.density ?? 0.1;
  const repeats = opts.repeats ?? 7;
  const log = opts.log ?? ((s: string) => console.log(s));
  const rows: KernelBenchRow[] = [];
  log(`kernel benchmark: n=${n} g=${g} k=${k} density=${density}; GFLOP/s, median of ${repeats} samples of >= 100 ms; quiet = median of samples with foreign load < 0.25 cores`);
  for (const variant of opts.variants ?? ['auto']) {
    for (const threads of opts.threads ?? [1, 2]) {
      const kern = await createWasmKernels({ threads, variant });
      if (!kern) throw new Error('WebAssembly SIMD is not available');
      try {
        const rng = new Rng(42);
        const X = fill(kern, n, g, rng);
        const C = randomCsr(kern, n, g, density, rng);
        const nnz = C.indptr[n];
        const W = fill(kern, n, k, rng), H = fill(kern, k, g, rng), Ht = fill(kern, g, k, rng);
        const outNk = { rows: n, cols: k, data: kern.allocF32(n * k) };
        const outKg = { rows: k, cols: g, data: kern.allocF32(k * g) };
        const outGk = { rows: g, cols: k, data: kern.allocF32(g * k) };
        const outKk = { rows: k, cols: k, data: kern.allocF32(k * k) };
        const outNnz = kern.allocF32(nnz);
        const cases: [string, number, () => void][] = [
          ['xht', 2 * n * g * k, () => kern.denseXBt(X, H, outNk)],
          ['wtx', 2 * n * g * k, () => kern.denseAtX(W, X, outKg)],
          ['spmm', 2 * nnz * k, () => kern.spmm(C, Ht, outNk)],
          ['spmmT', 2 * nnz * k, () => kern.spmmT(C, W, outGk)],
          ['sddmm', 2 * nnz * k, () => kern.sddmm(C, W, Ht, outNnz)],
          ['gram', 2 * n * k * k, () => kern.gram(W, outKk)],
          ['ratioSpmm', 4 * nnz * k, () => kern.ratioSpmm(C, W, Ht, 1e-10, outNk)],
          ['nzLossTerms', 2 * nnz * k, () => void kern.nzLossTerms(C, W, Ht, 1e-10)],
          ['halsSweep', 2 * n * k * k, () => void kern.halsSweep(W, outNk, outKk)],
        ];
        const ref = REFERENCE[`${kern.name}/${kern.threads}`];
        log(`\n${kern.name}, ${kern.threads} thread(s), nnz=${nnz}`);
        log(`  ${'kernel'.padEnd(12)} ${'median'.padStart(7)} ${'quiet'.padStart(7)} ${'cpu'.padStart(7)} ${'load'.padStart(5)}   notes figure, ratio (median; quiet)`);
        for (const [name, flops, f] of cases) {
          const smp = sample(f, repeats);
          const gf = flops / median(smp.map((x) => x.wall)) / 1e9;
          const quiet = smp.filter((x) => x.foreign < 0.25);
          const qgf = quiet.length >= 3 ? flops / median(quiet.map((x) => x.wall)) / 1e9 : undefined;
          const cgf = (flops * kern.threads) / median(smp.map((x) => x.cpu)) / 1e9;
          const load = median(smp.map((x) => x.foreign));
          const ki = (KERNELS as readonly string[]).indexOf(name);
          const r = ki >= 0 && ref ? ref[ki] : undefined;
          rows.push({ kernel: name, backend: kern.name, threads: kern.threads, gflops: gf, quietGflops: qgf, cpuGflops: cgf, foreignLoad: load, reference: r });
          const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1)).padStart(7);
          const ratio = r ? `   ${r.toFixed(1)}, ${(gf / r).toFixed(2)}${qgf ? `; ${(qgf / r).toFixed(2)}` : ''}` : '';
          log(`  ${name.padEnd(12)} ${fmt(gf)} ${fmt(qgf)} ${fmt(cgf)} ${load.toFixed(2).padStart(5)}${ratio}`);
        }
        if (rows.some((x) => x.backend === kern.name && x.threads === kern.threads && x.foreignLoad >= 0.25)) {
          log('  note: other processes kept the CPUs busy (load column, cores); wall-clock medians are pessimistic.');
          log('  "cpu" = flops per CPU-second of this process x threads, which assumes the threads ran in parallel.');
        }
      } finally {
        kern.dispose();
      }
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const quick = process.argv.includes('--quick');
  await runKernelBench({
    repeats: Number(arg('--repeats') ?? (quick ? 3 : 7)),
    threads: arg('--threads')?.split(',').map(Number),
    variants: arg('--variants')?.split(',') as ('auto' | 'simd128')[] | undefined,
    n: quick ? 5000 : undefined,
  });
}
