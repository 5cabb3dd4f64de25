// Test helper (not a test file): loads the real data sets exactly as
// scripts/fixtures/metrics_data.py does, so TS and the Python oracles see the same numbers.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DATA = new URL('../../../shared/data/', import.meta.url);
const FIX = new URL('../../test/fixtures/', import.meta.url);

/** A JSON fixture under test/fixtures (null entries stand for NaN). */
export function fixture<T = any>(rel: string): T {
  return JSON.parse(readFileSync(new URL(rel, FIX), 'utf8'));
}

/** Xenium cells: xy (µm) and 4 features (transcript_counts, total_counts, cell_area, nucleus_area). */
export function loadXenium(): { n: number; xy: Float64Array; features: Float64Array } {
  const txt = gunzipSync(readFileSync(new URL('xenium-mouse-brain/cells.csv.gz', DATA))).toString('utf8');
  const lines = txt.trim().split('\n');
  const header = lines[0].split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string): number => header.indexOf(name);
  const cx = col('x_centroid'), cy = col('y_centroid');
  const fc = ['transcript_counts', 'total_counts', 'cell_area', 'nucleus_area'].map(col);
  const n = lines.length - 1;
  const xy = new Float64Array(2 * n);
  const features = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(',');
    xy[2 * i] = parseFloat(f[cx]);
    xy[2 * i + 1] = parseFloat(f[cy]);
    for (let c = 0; c < 4; c++) features[4 * i + c] = parseFloat(f[fc[c]]);
  }
  return { n, xy, features };
}

/** The seed-0 leidenalg membership on the Xenium 15-NN graph (fixture). */
export function xeniumLeidenLabels(): Int32Array {
  const txt = gunzipSync(readFileSync(new URL('metrics/xenium_leiden_labels.txt.gz', FIX))).toString('utf8');
  return Int32Array.from(txt.trim().split('\n'), Number);
}

/** All 5,328 osmFISH prepared cells' coordinates (pixels, with the table's repeated points). */
export function loadOsmfishAllXY(): Float64Array {
  const lines = readFileSync(new URL('osmfish-mouse-cortex/cell_locations/osmFISH_prep_cell_coordinates.txt', DATA), 'utf8').trim().split('\n').slice(1);
  const xy = new Float64Array(2 * lines.length);
  lines.forEach((l, i) => {
    const t = l.split('\t');
    xy[2 * i] = parseFloat(t[1]);
    xy[2 * i + 1] = parseFloat(t[2]);
  });
  return xy;
}

/** osmFISH cells as in metrics_data.py: not "Excluded", first occurrence of each coordinate. */
export function loadOsmfish(): { n: number; xy: Float64Array; counts: Float64Array; nGenes: number; cluster: string[]; region: string[] } {
  const base = new URL('osmfish-mouse-cortex/', DATA);
  const lines = readFileSync(new URL('cell_locations/osmFISH_prep_cell_coordinates.txt', base), 'utf8').trim().split('\n').slice(1);
  const meta = new Map<string, [string, string]>();
  for (const l of readFileSync(new URL('raw_data/osmFISH_prep_cell_metadata.txt', base), 'utf8').trim().split('\n').slice(1)) {
    const t = l.split('\t');
    meta.set(t[0], [t[1], t[3]]);
  }
  const elines = readFileSync(new URL('count_matrix/osmFISH_prep_expression.txt', base), 'utf8').trim().split('\n');
  const genes = elines.slice(1).map((l) => l.split('\t').slice(1).map(Number));
  const nGenes = genes.length;
  const keep: number[] = [];
  const seen = new Set<string>();
  const ids: string[] = [];
  lines.forEach((l, i) => {
    const t = l.split('\t');
    ids.push(t[0]);
    if (meta.get(t[0])![0] === 'Excluded') return;
    const key = t[1] + ',' + t[2];
    if (seen.has(key)) return;
    seen.add(key);
    keep.push(i);
  });
  const n = keep.length;
  const xy = new Float64Array(2 * n);
  const counts = new Float64Array(n * nGenes);
  const cluster: string[] = [];
  const region: string[] = [];
  keep.forEach((i, r) => {
    const t = lines[i].split('\t');
    xy[2 * r] = parseFloat(t[1]);
    xy[2 * r + 1] = parseFloat(t[2]);
    for (let g = 0; g < nGenes; g++) counts[r * nGenes + g] = genes[g][i];
    const m = meta.get(ids[i])!;
    cluster.push(m[0]);
    region.push(m[1]);
  });
  return { n, xy, counts, nGenes, cluster, region };
}

/** Relative difference |a − b| / max(|b|, tiny); both NaN (or null) counts as equal. */
export function relDiff(a: number, b: number | null): number {
  if (b === null || Number.isNaN(b)) return Number.isNaN(a) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}
