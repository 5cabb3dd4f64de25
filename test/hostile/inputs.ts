/**
 * Hostile inputs, generated at test time into a scratch folder (nothing large is committed):
 * tiny valid inputs to aim absurd options at, and damaged files of every format the readers take
 * (CSV, gzip, npy, HDF5, h5ad with corrupt CSR / huge or non-finite values / duplicate names /
 * inconsistent obsm, MEX, parquet), plus FIFOs and folders where files are expected.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '../../src/dataset.js';
import { writeH5ad } from '../../src/io/h5ad.js';
import { createH5 } from '../../src/io/h5.js';
import { encodeNpy } from '../../src/io/npy.js';

/** The CLI entry (compiled). */
export const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** A small deterministic count matrix as CSV text (`rows` x `cols`, first column = ids). */
export function countsCsv(rows: number, cols: number, seed = 1, cell?: (i: number, j: number) => string): string {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % 10);
  const lines = ['cell,' + Array.from({ length: cols }, (_, j) => `g${j}`).join(',')];
  for (let i = 0; i < rows; i++) {
    lines.push(`c${i},` + Array.from({ length: cols }, (_, j) => cell?.(i, j) ?? String(next())).join(','));
  }
  return lines.join('\n') + '\n';
}

/** A tiny valid Dataset (`n` x `p`, counts, spatial coordinates). */
export function tinyDataset(n = 8, p = 5): Dataset {
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      if ((i + j) % 2 === 0) {
        indices.push(j);
        data.push(1 + ((i * 7 + j) % 5));
      }
    }
    indptr[i + 1] = indices.length;
  }
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = i * 10;
    xy[2 * i + 1] = (i % 3) * 10;
  }
  return {
    X: { rows: n, cols: p, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) },
    obs: { index: Array.from({ length: n }, (_, i) => `c${i}`), columns: new Map() },
    var: { index: Array.from({ length: p }, (_, j) => `g${j}`), columns: new Map() },
    obsm: { spatial: { rows: n, cols: 2, data: xy } },
    varm: {},
    obsp: {},
    layers: {},
    uns: {},
    meta: { platform: 'h5ad', source: 'hostile', filtered: [], coordinateUnit: 'um' },
  };
}

/** Malformed h5ad files: name → how the dataset is damaged before writing (writeH5ad does not check CSR contents). */
const H5AD_DAMAGE: Record<string, (d: Dataset) => void> = {
  'index-out-of-range': (d) => void (d.X.indices[1] = 99),
  'negative-index': (d) => void (d.X.indices[0] = -3),
  'indptr-decreasing': (d) => {
    d.X.indptr[2] = d.X.indptr[1] - 1;
  },
  'indptr-not-zero': (d) => {
    d.X.indptr[0] = 1;
  },
  'data-short': (d) => {
    d.X = { ...d.X, data: d.X.data.slice(0, d.X.data.length - 3) };
  },
  'indptr-past-nnz': (d) => {
    d.X.indptr[d.X.rows] = d.X.indices.length + 40;
  },
  'value-3e38': (d) => void (d.X.data[2] = 3e38),
  'value-1e20': (d) => void (d.X.data[2] = 1e20),
  'value-inf': (d) => void (d.X.data[3] = Infinity),
  'value-nan': (d) => void (d.X.data[3] = NaN),
  'dup-obs': (d) => void (d.obs.index[3] = d.obs.index[1]),
  'dup-var': (d) => void (d.var.index[2] = d.var.index[0]),
  'spatial-nan': (d) => void ((d.obsm.spatial.data as Float64Array)[4] = NaN),
};

/** Writes every input into `dir`; returns the paths by role. */
export async function makeInputs(dir: string): Promise<Record<string, string>> {
  const P: Record<string, string> = {};
  const put = (name: string, content: string | Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  // Valid tiny inputs.
  P.csv = put('tiny.csv', countsCsv(40, 12));
  P.csv2 = put('tiny2.csv', countsCsv(30, 12, 7));
  P.h5ad = join(dir, 'tiny.h5ad');
  await writeH5ad(P.h5ad, tinyDataset());
  // Sample manifests (issue 18): each names what is wrong in it.
  P['samples-no-path'] = put('samples-no-path.csv', 'sample_id,condition\na,x\n');
  P['samples-dup-id'] = put('samples-dup-id.csv', `sample_id,path\na,${P.csv}\na,${P.csv2}\n`);
  P['samples-bad-mpu'] = put('samples-bad-mpu.csv', `sample_id,path,microns_per_unit\na,${P.csv},0\n`);
  P['samples-missing-file'] = put('samples-missing-file.csv', `sample_id,path\na,${P.csv}\nb,does-not-exist.csv\n`);
  P['samples-empty'] = put('samples-empty.csv', 'sample_id,path\n');
  P['samples-two'] = put('samples-two.csv', `sample_id,path\na,${P.csv}\nb,${P.csv2}\n`);
  P['samples-ragged'] = put('samples-ragged.csv', `sample_id,path\na,${P.csv},extra\n`);
  // Damaged CSV / text.
  P['csv-ragged'] = put('ragged.csv', countsCsv(6, 4) + 'c9,1,2\n');
  P['csv-nan'] = put('nan.csv', countsCsv(6, 4, 1, (i, j) => (i === 2 && j === 1 ? 'NaN' : String((i + j) % 4))));
  P['csv-inf'] = put('inf.csv', countsCsv(6, 4, 1, (i, j) => (i === 2 && j === 1 ? 'Infinity' : String((i + j) % 4))));
  P['csv-1e999'] = put('overflow.csv', countsCsv(6, 4, 1, (i, j) => (i === 2 && j === 1 ? '1e999' : String((i + j) % 4))));
  P['csv-negative'] = put('negative.csv', countsCsv(6, 4, 1, (i, j) => (i === 2 && j === 1 ? '-4' : String((i + j) % 4))));
  P['csv-hex'] = put('hex.csv', countsCsv(6, 4, 1, (i, j) => (i === 2 && j === 1 ? '0x1F' : String((i + j) % 4))));
  P['csv-dup-rows'] = put('duprows.csv', countsCsv(6, 4).replace('\nc3,', '\nc1,'));
  P['csv-dup-cols'] = put('dupcols.csv', countsCsv(6, 4).replace('g2', 'g0'));
  P['csv-empty'] = put('empty.csv', '');
  P['csv-header-only'] = put('header.csv', 'cell,g0,g1\n');
  P['csv-binary'] = put('binary.csv', Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 255));
  // gzip.
  const gz = gzipSync(Buffer.from(countsCsv(200, 20)));
  P['gz-truncated'] = put('truncated.csv.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  P['gz-garbage'] = put('garbage.csv.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(300, 0x55)]));
  // npy (for --w0/--h0 with tiny.csv: W0 40 x 2, H0 2 x 12).
  const npy = (rows: number, cols: number, fill: (q: number) => number) =>
    encodeNpy({ shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, (_, q) => fill(q)) });
  P['w0-ok'] = put('W0.npy', npy(40, 2, () => 1));
  P['h0-ok'] = put('H0.npy', npy(2, 12, () => 1));
  P['w0-shape'] = put('W0-shape.npy', npy(39, 2, () => 1));
  P['w0-nan'] = put('W0-nan.npy', npy(40, 2, (q) => (q === 5 ? NaN : 1)));
  P['w0-negative'] = put('W0-neg.npy', npy(40, 2, (q) => (q === 5 ? -1 : 1)));
  const okNpy = readFileSync(P['w0-ok']);
  P['w0-truncated'] = put('W0-trunc.npy', okNpy.subarray(0, okNpy.length - 17));
  P['w0-magic'] = put('W0-magic.npy', Buffer.concat([Buffer.from('NOTNPY'), okNpy.subarray(6)]));
  P['w0-header'] = put('W0-header.npy', Buffer.concat([okNpy.subarray(0, 10), Buffer.from("{'descr': '<f4', 'fortran_order': False, 'shape': (40, 2"), Buffer.alloc(70, 0x20)]));
  P['w0-empty'] = put('W0-empty.npy', '');
  // HDF5 / h5ad.
  const h5 = readFileSync(P.h5ad);
  P['h5-truncated'] = put('truncated.h5ad', h5.subarray(0, Math.floor(h5.length / 3)));
  P['h5-random'] = put('random.h5', Uint8Array.from({ length: 2048 }, (_, i) => (i * 97 + 13) & 255));
  P['h5-signature-garbage'] = put('siggarbage.h5ad', Buffer.concat([h5.subarray(0, 8), Buffer.alloc(1024, 0xaa)]));
  P['h5-empty'] = put('empty.h5ad', '');
  for (const [name, damage] of Object.entries(H5AD_DAMAGE)) {
    const d = tinyDataset();
    damage(d);
    P[`h5ad-${name}`] = join(dir, `bad-${name}.h5ad`);
    await writeH5ad(P[`h5ad-${name}`], d);
  }
  // obsm with too few rows, and a layer of the wrong shape: written by hand (writeH5ad checks shapes).
  P['h5ad-obsm-rows'] = await rawH5ad(join(dir, 'bad-obsm-rows.h5ad'), { obsmRows: 5 });
  P['h5ad-no-x'] = await rawH5ad(join(dir, 'bad-no-x.h5ad'), { noX: true });
  // MEX folders.
  P['mex-index'] = mexFolder(join(dir, 'mex-index'), '%%MatrixMarket matrix coordinate integer general\n3 2 2\n1 1 5\n9 2 1\n');
  P['mex-header'] = mexFolder(join(dir, 'mex-header'), 'not a matrix market file\n1 1 1\n');
  P['mex-count'] = mexFolder(join(dir, 'mex-count'), '%%MatrixMarket matrix coordinate integer general\n3 2 5\n1 1 5\n');
  // Xenium-like folder with a damaged matrix and parquet.
  const xen = join(dir, 'xenium-bad');
  mkdirSync(xen, { recursive: true });
  writeFileSync(join(xen, 'cell_feature_matrix.h5'), Buffer.alloc(4096, 0x11));
  writeFileSync(join(xen, 'cells.parquet'), Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 0x33), Buffer.from('PAR1')]));
  P['xenium-bad'] = xen;
  P['parquet-garbage'] = put('cells.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 0x44), Buffer.from('PAR1')]));
  // Non-regular files and folders.
  P.fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [P.fifo]);
  P.folder = join(dir, 'a-folder');
  mkdirSync(P.folder);
  P.missing = join(dir, 'does-not-exist.csv');
  P.markers = put('markers.csv', 'cell_type,feature\nT,g0\nB,g1\n');
  P.gmt = put('sets.gmt', 'SET1\tna\tg0\tg1\n');
  P['mapping-fraction'] = put('mapping-frac.txt', Array.from({ length: 60 }, (_, i) => (i === 3 ? '1.5' : '0')).join('\n') + '\n');
  P['mapping-range'] = put('mapping-range.txt', Array.from({ length: 60 }, (_, i) => (i === 3 ? '99999' : '0')).join('\n') + '\n');
  P.fileAsOut = put('a-file', 'x');
  void copyFileSync;
  return P;
}

function mexFolder(dir: string, mtx: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'matrix.mtx.gz'), gzipSync(Buffer.from(mtx)));
  writeFileSync(join(dir, 'barcodes.tsv.gz'), gzipSync(Buffer.from('AAA-1\nCCC-1\n')));
  writeFileSync(join(dir, 'features.tsv.gz'), gzipSync(Buffer.from('G1\tGene1\tGene Expression\nG2\tGene2\tGene Expression\nG3\tGene3\tGene Expression\n')));
  return dir;
}

/** An h5ad written with raw HDF5 calls, for damage writeH5ad refuses to write. */
async function rawH5ad(path: string, o: { obsmRows?: number; noX?: boolean }): Promise<string> {
  const n = 8;
  const p = 5;
  const f = await createH5(path);
  const attrs = (obj: { create_attribute: (k: string, v: unknown) => void }, a: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(a)) obj.create_attribute(k, v);
  };
  attrs(f as never, { 'encoding-type': 'anndata', 'encoding-version': '0.1.0' });
  for (const [name, ids] of [['obs', Array.from({ length: n }, (_, i) => `c${i}`)], ['var', Array.from({ length: p }, (_, j) => `g${j}`)]] as const) {
    const g = f.create_group(name);
    attrs(g as never, { 'encoding-type': 'dataframe', 'encoding-version': '0.2.0', _index: '_index', 'column-order': new Float64Array(0) });
    const ds = g.create_dataset({ name: '_index', data: ids as unknown as string[], shape: [ids.length] } as never);
    attrs(ds as never, { 'encoding-type': 'string-array', 'encoding-version': '0.2.0' });
  }
  if (!o.noX) {
    const x = f.create_dataset({ name: 'X', data: new Float32Array(n * p).fill(1), shape: [n, p] } as never);
    attrs(x as never, { 'encoding-type': 'array', 'encoding-version': '0.2.0' });
  }
  const obsm = f.create_group('obsm');
  attrs(obsm as never, { 'encoding-type': 'dict', 'encoding-version': '0.1.0' });
  if (o.obsmRows !== undefined) {
    const s = obsm.create_dataset({ name: 'spatial', data: new Float64Array(o.obsmRows * 2).fill(1), shape: [o.obsmRows, 2] } as never);
    attrs(s as never, { 'encoding-type': 'array', 'encoding-version': '0.2.0' });
  }
  f.close();
  return path;
}

/** Runs the CLI synchronously (setup steps only). */
export function cliSync(cwd: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`setup: stnmf ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}
