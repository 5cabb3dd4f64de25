/**
 * Builds result folders from the real Xenium mouse-brain data for the plot, report and viewer
 * tests: NMF (the project's own `nmf`, HALS/Frobenius, k = 8, seed 0) of log1p-normalised
 * counts, written as a command would write them (W.npy, H.npy, barcodes.tsv, genes.tsv,
 * spatial.csv, clusters.csv, summary.json, run.json). Cached under the OS temp folder, keyed
 * by a version string, because several test files use the same folder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { readTenxH5 } from '../src/io/tenx-h5.js';
import { readCoordinates } from '../src/io/csv.js';
import { writeNpy } from '../src/io/npy.js';
import { nmf } from '../src/nmf/index.js';
import type { Csr } from '../src/linalg/csr.js';

export const XENIUM_DIR = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain/', import.meta.url));
export const XENIUM_H5 = join(XENIUM_DIR, 'cell_feature_matrix.h5');
export const XENIUM_CELLS = join(XENIUM_DIR, 'cells.csv.gz');
const VERSION = 'v3';

/** What a built result folder holds, for assertions. */
export interface XeniumResult {
  dir: string;
  n: number;
  k: number;
  p: number;
  obsNames: string[];
  genes: string[];
  x: Float64Array;
  y: Float64Array;
  W: Float32Array;
  H: Float32Array;
  clusters: Int32Array;
}

function logNormalize(X: Csr): Csr {
  const totals = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) for (let e = X.indptr[i]; e < X.indptr[i + 1]; e++) totals[i] += X.data[e];
  const sorted = Float64Array.from(totals).sort();
  const target = sorted[Math.floor(sorted.length / 2)] || 1;
  const data = new Float32Array(X.data.length);
  for (let i = 0; i < X.rows; i++) {
    const f = totals[i] > 0 ? target / totals[i] : 0;
    for (let e = X.indptr[i]; e < X.indptr[i + 1]; e++) data[e] = Math.log1p(X.data[e] * f);
  }
  return { rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data };
}

/** Dominant factor of each row of W (a deterministic clustering for tests). */
function argmaxRows(W: Float32Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let f = 1; f < k; f++) if (W[i * k + f] > W[i * k + b]) b = f;
    out[i] = b;
  }
  return out;
}

/**
 * The Xenium NMF result folder; `tile` > 1 repeats the tissue side by side (shifted in x)
 * to reach 100k+ cells for the viewer's speed test.
 */
export async function xeniumResult(tile = 1): Promise<XeniumResult> {
  const dir = join(tmpdir(), `stnmf-test-xenium-nmf-${VERSION}-tile${tile}`);
  const base = tile === 1 ? undefined : await xeniumResult(1);
  if (!existsSync(join(dir, 'DONE'))) {
    const staging = dir + `.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    let r: Omit<XeniumResult, 'dir'>;
    if (!base) {
      const ds = await readTenxH5(XENIUM_H5);
      const coords = await readCoordinates(XENIUM_CELLS);
      const byId = new Map<string, number>();
      (coords.labels ?? []).forEach((l, i) => byId.set(l, i));
      const n = ds.X.rows;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      ds.obs.index.forEach((id, i) => {
        const j = byId.get(id);
        if (j === undefined) throw new Error(`cell ${id} has no centroid`);
        x[i] = coords.x[j];
        y[i] = coords.y[j];
      });
      const k = 8;
      const res = await nmf(logNormalize(ds.X), { rank: k, maxIter: 100, seed: 0 });
      r = { n, k, p: ds.X.cols, obsNames: ds.obs.index, genes: ds.var.index, x, y, W: res.W.data, H: res.H.data, clusters: argmaxRows(res.W.data, n, k) };
      writeFileSync(join(staging, 'summary.json'), JSON.stringify({ nObs: n, nFeatures: ds.X.cols, rank: k, loss: res.loss, iterations: res.iterations, converged: res.converged }, null, 2));
    } else {
      const n = base.n * tile;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      const W = new Float32Array(n * base.k);
      const obsNames: string[] = [];
      const clusters = new Int32Array(n);
      let xmax = -Infinity;
      for (const v of base.x) xmax = Math.max(xmax, v);
      for (let t = 0; t < tile; t++) {
        for (let i = 0; i < base.n; i++) {
          const j = t * base.n + i;
          x[j] = base.x[i] + t * (xmax + 100);
          y[j] = base.y[i];
          obsNames.push(`${base.obsNames[i]}-t${t}`);
          clusters[j] = base.clusters[i];
        }
        W.set(base.W, t * base.n * base.k);
      }
      r = { n, k: base.k, p: base.p, genes: base.genes, H: base.H, x, y, W, obsNames, clusters };
      writeFileSync(join(staging, 'summary.json'), JSON.stringify({ nObs: n, nFeatures: base.p, rank: base.k, tiledCopies: tile }, null, 2));
    }
    writeNpy(join(staging, 'W.npy'), { rows: r.n, cols: r.k, data: r.W });
    writeNpy(join(staging, 'H.npy'), { rows: r.k, cols: r.p, data: r.H });
    writeFileSync(join(staging, 'barcodes.tsv'), r.obsNames.join('\n') + '\n');
    writeFileSync(join(staging, 'genes.tsv'), r.genes.join('\n') + '\n');
    const sp = ['cell_id,x,y'];
    for (let i = 0; i < r.n; i++) sp.push(`${r.obsNames[i]},${r.x[i]},${r.y[i]}`);
    writeFileSync(join(staging, 'spatial.csv'), sp.join('\n') + '\n');
    const cl = ['cell_id,dominant_factor'];
    for (let i = 0; i < r.n; i++) cl.push(`${r.obsNames[i]},F${r.clusters[i] + 1}`);
    writeFileSync(join(staging, 'clusters.csv'), cl.join('\n') + '\n');
    writeFileSync(
      join(staging, 'run.json'),
      JSON.stringify({ tool: 'stnmf', command: 'nmf', parameters: { rank: r.k, loss: 'frobenius', solver: 'hals', maxIter: 100, normalize: 'log1p(median total)' }, seed: 0, inputs: { data: XENIUM_H5, coordinates: XENIUM_CELLS } }, null, 2),
    );
    writeFileSync(join(staging, 'DONE'), 'ok\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return { ...r, dir };
  }
  // Cached: read back what the assertions need.
  const { readNpy } = await import('../src/io/npy.js');
  const Wn = readNpy(join(dir, 'W.npy'));
  const Hn = readNpy(join(dir, 'H.npy'));
  const obsNames = readFileSync(join(dir, 'barcodes.tsv'), 'utf8').trimEnd().split('\n');
  const genes = readFileSync(join(dir, 'genes.tsv'), 'utf8').trimEnd().split('\n');
  const n = Wn.shape[0];
  const k = Wn.shape[1];
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  readFileSync(join(dir, 'spatial.csv'), 'utf8').trimEnd().split('\n').slice(1).forEach((line, i) => {
    const [, a, b] = line.split(',');
    x[i] = Number(a);
    y[i] = Number(b);
  });
  const clusters = new Int32Array(n);
  readFileSync(join(dir, 'clusters.csv'), 'utf8').trimEnd().split('\n').slice(1).forEach((line, i) => {
    clusters[i] = Number(line.split(',')[1].slice(1)) - 1;
  });
  return { dir, n, k, p: Hn.shape[1], obsNames, genes, x, y, W: Wn.data as Float32Array, H: Hn.data as Float32Array, clusters };
}

/**
 * Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots and our
 * encoder produce) with node's zlib: an independent check of the encoder and a way to read
 * screenshot pixels.
 */
export function decodePng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('not a PNG');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let ctype = 0;
  const idat: Uint8Array[] = [];
  while (off < bytes.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const body = bytes.subarray(off + 8, off + 8 + len);
    const crc = dv.getUint32(off + 8 + len);
    if (zlibCrc(bytes.subarray(off + 4, off + 8 + len)) !== crc) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = dv.getUint32(off + 8);
      height = dv.getUint32(off + 12);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      ctype = body[9];
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 0;
  if (!bpp) throw new Error(`colour type ${ctype} not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  if (bpp === 4) return { width, height, data: px };
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = px[3 * i];
    data[4 * i + 1] = px[3 * i + 1];
    data[4 * i + 2] = px[3 * i + 2];
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

/** Bitwise CRC-32 reference (independent of the table in src/plot/png.ts). */
function zlibCrc(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Debian's Chromium, which .ci/run installs. */
export const CHROMIUM = '/usr/bin/chromium';
/** Headless flags: no sandbox (root in CI), software WebGL (SwiftShader), no background traffic. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'];

/**
 * Launches headless Chromium through playwright-core, typed by the caller's slice of the
 * Browser API. Returns the browser, or `undefined` after skipping the test with the reason when
 * Chromium or playwright-core is missing; under CI (which installs both) that is a failure,
 * so a broken install cannot turn the browser tests into silent skips.
 */
export async function launchChromium<B>(t: { skip(message: string): void }): Promise<B | undefined> {
  let missing: string | undefined;
  let pw: { chromium: { launch(o: unknown): Promise<B> } } | undefined;
  if (!existsSync(CHROMIUM)) missing = `${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)`;
  else {
    try {
      const name = 'playwright-core';
      pw = await import(name);
    } catch {
      missing = 'playwright-core is not installed (npm install --save-dev playwright-core)';
    }
  }
  if (!pw) {
    const why = missing ?? 'Chromium is not available';
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return undefined;
  }
  return pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}
