/**
 * I/O benchmark (issue 3): 10x HDF5 read throughput next to h5py in the same run, and the peak
 * memory of streaming a ~1 GB CSV.
 *
 * - Xenium `cell_feature_matrix.h5` (gzip-4 + shuffle as shipped): MB/s of file size and of
 *   decoded payload; then an uncompressed copy of the same matrix, MB/s of file size (issue 3
 *   target: >= 200 MB/s). h5py reads the same arrays from the same files in the same run.
 * - A generated CSV of ~1 GB (cells x genes, 2 % non-zero) parsed by `readCsvDataset` in a
 *   child process, whose `process.resourceUsage().maxRSS` is the peak RSS reported.
 *
 * Run alone: `node dist/bench/io.js [--csv-mb 1000] [--repeats 3] [--md docs/benchmarks-io.md]`.
 * Temporary files go to a fresh folder under the OS temp dir and are deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readCsvDataset } from '../src/io/csv.js';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { h5Ready } from '../src/io/h5.js';
import { Rng } from '../src/linalg/rng.js';

const XENIUM_H5 = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain/cell_feature_matrix.h5', import.meta.url));
const PY = '/usr/bin/python3';

/** Options of {@link runIoBench}. */
export interface IoBenchOptions {
  /** Size of the generated CSV in MB (default 1000). */
  csvMb?: number;
  /** Timed reads per file; the best is reported (default 3, after one warm-up). */
  repeats?: number;
  /** Also write the results as Markdown to this file. */
  md?: string;
  log?: (line: string) => void;
}

/** The measured figures. */
export interface IoBenchResult {
  /** `ms`/`cpuMs`: best wall and CPU time; `*MBps` from wall time, `cpu*MBps` from CPU time. */
  gzip: { fileMB: number; payloadMB: number; ms: number; cpuMs: number; fileMBps: number; payloadMBps: number; cpuPayloadMBps: number; h5py?: { wall: number; cpu: number } };
  raw: { fileMB: number; ms: number; cpuMs: number; fileMBps: number; cpuFileMBps: number; h5py?: { wall: number; cpu: number }; target: number; meetsTarget: boolean; meetsTargetCpu: boolean };
  csv: { fileMB: number; rows: number; cols: number; nnz: number; seconds: number; MBps: number; peakRssMB: number };
  load: number;
  cores: number;
}

/**
 * Best of `repeats` timed calls after one warm-up: wall-clock ms and CPU ms of this process.
 * CPU time is the load-robust figure on a shared machine (wall time includes waiting for a core).
 */
async function best(repeats: number, f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  await f();
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

/** Copies every dataset of a 10x file without compression (h5wasm), returning the payload bytes. */
async function writeUncompressedCopy(src: string, dst: string): Promise<number> {
  await h5Ready();
  const h5wasm = (await import('h5wasm/node')).default;
  const a = new h5wasm.File(src, 'r');
  const b = new h5wasm.File(dst, 'w');
  let payload = 0;
  const copy = (from: InstanceType<typeof h5wasm.Group>, to: InstanceType<typeof h5wasm.Group>) => {
    for (const k of from.keys()) {
      const e = from.get(k);
      if (e instanceof h5wasm.Group) copy(e, to.create_group(k));
      else if (e instanceof h5wasm.Dataset) {
        const shape = e.shape ?? [];
        payload += shape.reduce((s, v) => s * v, 1) * (e.metadata as { size: number }).size;
        to.create_dataset({ name: k, data: e.value as never, shape: e.shape, dtype: e.dtype });
      }
    }
  };
  try {
    copy(a, b);
  } finally {
    b.close();
    a.close();
  }
  return payload;
}

/** h5py's best wall and CPU time (ms) to read every array under /matrix of a 10x file. */
function h5pyMs(path: string, repeats: number): { wall: number; cpu: number } | undefined {
  const script = `
import sys, time, h5py
def load(p):
    with h5py.File(p, 'r') as f:
        out = []
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset): out.append(obj[()])
        f['matrix'].visititems(visit)
        return out
load(sys.argv[1])
wall, cpu = float('inf'), float('inf')
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time()
    load(sys.argv[1])
    wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
print(wall * 1000, cpu * 1000)
`;
  const r = spawnSync(PY, ['-c', script, path, String(repeats)], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [wall, cpu] = r.stdout.trim().split(/\s+/).map(Number);
  return { wall, cpu };
}

/**
 * Writes a cells x genes CSV of about `mb` MB: header `,g1..gG`, row label, integer counts with
 * 2 % non-zero. 512 random row bodies are cycled (labels stay unique) so that generating the
 * file is I/O-bound; the parser still has to parse every field.
 */
function writeCsv(path: string, mb: number, genes = 2000): { rows: number; cols: number } {
  const rng = new Rng(7);
  const bodies: string[] = [];
  for (let b = 0; b < 512; b++) {
    const f = new Array<string>(genes);
    for (let j = 0; j < genes; j++) f[j] = rng.uniform() < 0.02 ? String(1 + Math.floor(rng.uniform() * 20)) : '0';
    bodies.push(f.join(','));
  }
  const fd = openSync(path, 'w');
  let bytes = 0;
  let rows = 0;
  try {
    const header = ',' + Array.from({ length: genes }, (_, j) => `g${j + 1}`).join(',') + '\n';
    bytes += writeSync(fd, header);
    const target = mb * 1e6;
    let chunk: string[] = [];
    let chunkLen = 0;
    while (bytes + chunkLen < target) {
      const line = `cell${rows + 1},${bodies[rows % 512]}\n`;
      chunk.push(line);
      chunkLen += line.length;
      rows++;
      if (chunkLen > 1 << 23) {
        bytes += writeSync(fd, chunk.join(''));
        chunk = [];
        chunkLen = 0;
      }
    }
    if (chunk.length > 0) bytes += writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
  return { rows, cols: genes };
}

/** Child-process side of the CSV measurement: parse, then report time, shape and peak RSS. */
async function csvChild(path: string): Promise<void> {
  const t0 = performance.now();
  const d = await readCsvDataset(path, { orientation: 'obs-rows' });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssKB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ seconds, rows: d.X.rows, cols: d.X.cols, nnz: d.X.indptr[d.X.rows], maxRssKB }) + '\n');
}

const f1 = (v: number) => v.toFixed(1);
const f0 = (v: number) => v.toFixed(0);

/** Runs the I/O benchmark, prints a Markdown report and returns the figures. */
export async function runIoBench(opts: IoBenchOptions = {}): Promise<IoBenchResult> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const repeats = opts.repeats ?? 3;
  const csvMb = opts.csvMb ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bench-io-'));
  try {
    // 10x HDF5, gzip original.
    const gzFile = statSync(XENIUM_H5).size;
    const raw = join(dir, 'cell_feature_matrix.uncompressed.h5');
    const payload = await writeUncompressedCopy(XENIUM_H5, raw);
    const rawFile = statSync(raw).size;
    const tGz = await best(repeats, () => readTenxH5(XENIUM_H5));
    const tRaw = await best(repeats, () => readTenxH5(raw));
    const pyGz = h5pyMs(XENIUM_H5, repeats);
    const pyRaw = h5pyMs(raw, repeats);

    // CSV streaming in a child process (its own peak RSS).
    const csv = join(dir, 'big.csv');
    const shape = writeCsv(csv, csvMb);
    const csvFile = statSync(csv).size;
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--csv-child', csv], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`CSV child failed: ${child.stderr}`);
    const c = JSON.parse(child.stdout) as { seconds: number; rows: number; cols: number; nnz: number; maxRssKB: number };
    if (c.rows !== shape.rows || c.cols !== shape.cols) throw new Error(`CSV parsed as ${c.rows} x ${c.cols}, written ${shape.rows} x ${shape.cols}`);

    const res: IoBenchResult = {
      gzip: { fileMB: gzFile / 1e6, payloadMB: payload / 1e6, ms: tGz.wall, cpuMs: tGz.cpu, fileMBps: gzFile / 1e3 / tGz.wall, payloadMBps: payload / 1e3 / tGz.wall, cpuPayloadMBps: payload / 1e3 / tGz.cpu, h5py: pyGz },
      raw: {
        fileMB: rawFile / 1e6, ms: tRaw.wall, cpuMs: tRaw.cpu, fileMBps: rawFile / 1e3 / tRaw.wall, cpuFileMBps: rawFile / 1e3 / tRaw.cpu, h5py: pyRaw,
        target: 200, meetsTarget: rawFile / 1e3 / tRaw.wall >= 200, meetsTargetCpu: rawFile / 1e3 / tRaw.cpu >= 200,
      },
      csv: { fileMB: csvFile / 1e6, rows: c.rows, cols: c.cols, nnz: c.nnz, seconds: c.seconds, MBps: csvFile / 1e6 / c.seconds, peakRssMB: c.maxRssKB / 1024 },
      load: loadavg()[0],
      cores: cpus().length,
    };
    const ratio = (t: { wall: number; cpu: number }, py?: { wall: number; cpu: number }) =>
      py ? `${f0(py.wall)} ms wall / ${f0(py.cpu)} ms CPU (stnmf / h5py: ${(t.wall / py.wall).toFixed(1)}x wall, ${(t.cpu / py.cpu).toFixed(1)}x CPU)` : 'h5py not available';
    const lines = [
      '## I/O',
      '',
      `Command: \`npm run build && node dist/bench/io.js\` (best of ${repeats} reads after a warm-up; h5py timed in the same run via \`${PY}\`).`,
      `Machine: ${res.cores} cores, load average ${res.load.toFixed(1)} during the run (shared machine; throughput scales down with foreign load).`,
      '',
      '| input | file | stnmf read (wall / CPU) | MB/s of file (wall / CPU) | MB/s of payload (wall / CPU) | h5py, same arrays |',
      '| --- | --- | --- | --- | --- | --- |',
      `| Xenium cell_feature_matrix.h5 (gzip-4 + shuffle, as shipped) | ${f1(res.gzip.fileMB)} MB (${f1(res.gzip.payloadMB)} MB payload) | ${f0(tGz.wall)} / ${f0(tGz.cpu)} ms | ${f0(res.gzip.fileMBps)} / ${f0(gzFile / 1e3 / tGz.cpu)} | ${f0(res.gzip.payloadMBps)} / ${f0(res.gzip.cpuPayloadMBps)} | ${ratio(tGz, pyGz)} |`,
      `| same matrix, uncompressed copy | ${f1(res.raw.fileMB)} MB | ${f0(tRaw.wall)} / ${f0(tRaw.cpu)} ms | **${f0(res.raw.fileMBps)} / ${f0(res.raw.cpuFileMBps)}** | same | ${ratio(tRaw, pyRaw)} |`,
      '',
      `Issue 3 target, ≥ 200 MB/s of file size on the uncompressed copy: ${res.raw.meetsTarget ? 'met' : 'not met'} on wall time, ${res.raw.meetsTargetCpu ? 'met' : 'not met'} on CPU time (the read is single-threaded, so on an idle machine wall time comes down to CPU time).`,
      'stnmf\'s read includes building the Dataset (count validation, CSR canonical check, feature-type split with per-cell control totals, obs/var frames); h5py only loads the arrays.',
      `The shipped file is gzip-compressed (11x): its file-size rate is bounded by inflate speed (h5py, in C, needs ${pyGz ? f0(pyGz.cpu) + ' ms CPU' : 'tens of ms'} for it too, i.e. ${pyGz ? f0(gzFile / 1e3 / pyGz.cpu) : '~30'} MB/s of file), so the ≥ 200 MB/s criterion is measured on the uncompressed copy.`,
      '',
      '| streamed CSV | rows x cols | non-zeros | parse time | MB/s | peak RSS |',
      '| --- | --- | --- | --- | --- | --- |',
      `| generated cells x genes, 2 % non-zero | ${res.csv.rows.toLocaleString('en-US')} x ${res.csv.cols} (${f0(res.csv.fileMB)} MB) | ${res.csv.nnz.toLocaleString('en-US')} | ${f1(res.csv.seconds)} s | ${f0(res.csv.MBps)} | **${f0(res.csv.peakRssMB)} MB** |`,
      '',
      `Peak RSS is \`process.resourceUsage().maxRSS\` of a child process that only parses the file (\`readCsvDataset\`): the file is read in 1 MB chunks and never held as one string, so memory follows the parsed non-zeros (${f0((res.csv.nnz * 8) / 1e6)} MB of CSR values + indices) plus the Node runtime, not the ${f0(res.csv.fileMB)} MB of text.`,
    ];
    for (const l of lines) log(l);
    if (opts.md) writeFileSync(opts.md, '# I/O benchmarks\n\n' + lines.slice(1).join('\n') + '\n');
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === '--csv-child') await csvChild(argv[1]);
  else {
    await runIoBench({
      csvMb: get('--csv-mb') ? Number(get('--csv-mb')) : undefined,
      repeats: get('--repeats') ? Number(get('--repeats')) : undefined,
      md: get('--md'),
    });
  }
}
