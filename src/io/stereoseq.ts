/**
 * Stereo-seq GEM text (formats.md §1.8): `#key=value` annotation lines, then a tab-separated
 * header with `geneID` (and, in newer files, `geneName`), `x`, `y` (DNB coordinates, offsets
 * already subtracted), `MIDCount` (older: `MIDCounts` / `UMICount`), optional `ExonCount` and,
 * in cellbin GEMs, `CellID`. One row per (gene, DNB) with count > 0.
 *
 * Binned (default bin 50 = 50 x 50 DNBs): bin (bx, by) = (floor(x / N), floor(y / N)); the
 * observation is named `<bx>_<by>` and sits at the bin centre ((bx + ½)N, (by + ½)N) in DNB
 * units. With `CellID` and no bin size given, DNBs are summed per cell (ids > 0) and the centre
 * is the count-weighted mean DNB position. The DNB pitch is recorded as 0.5 µm, the nominal
 * value in STOmics documents (partly unverified; formats.md), so unit stays `dnb`.
 */
import type { Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { Interner, TripletAccumulator } from './aggregate.js';
import { forEachLine, num, splitFields } from './text.js';
import type { FileSource } from './vfs.js';
import { badFile, badInput, makeUnique, q } from './util.js';

/** Options of {@link readStereoSeq}. */
export interface StereoSeqOptions extends FileSource {
  /** Bin side in DNBs (default 50, i.e. about 25 µm). Given, it also overrides CellID aggregation. */
  binSize?: number;
}

/** Nominal DNB pitch in µm (STOmics; formats.md §1.8 marks it partly unverified). */
export const DNB_PITCH_UM = 0.5;

const COUNT_COLUMNS = ['MIDCount', 'MIDCounts', 'UMICount'];

/** True when a (first non-comment) header row is a GEM header. */
export function isGemHeader(h: string[]): boolean {
  return h.includes('geneID') && h.includes('x') && h.includes('y') && COUNT_COLUMNS.some((c) => h.includes(c));
}

/** Reads a GEM / GEM.gz file as bins (or cells) x genes. */
export async function readStereoSeq(path: string, opts: StereoSeqOptions = {}): Promise<Dataset> {
  const binSize = opts.binSize ?? 50;
  if (!(Number.isInteger(binSize) && binSize >= 1)) throw badInput(path, `bin size: expected a whole number >= 1, found ${binSize}`);
  const annotations: Record<string, string> = {};
  let header: string[] | undefined;
  let ix = { gene: -1, name: -1, x: -1, y: -1, count: -1, cell: -1 };
  let byCell = false;
  const obs = new Interner();
  const genes = new Interner();
  const geneName = new Map<number, string>();
  const acc = new TripletAccumulator();
  const bins: number[] = [];
  let total = 0;
  let dropped = 0;
  await forEachLine(path, (line, lineNo) => {
    if (line.startsWith('#')) {
      const m = /^#\s*([^=]+)=(.*)$/.exec(line);
      if (m) annotations[m[1].trim()] = m[2].trim();
      return;
    }
    if (line === '') return;
    const f = splitFields(line, '\t');
    if (!header) {
      header = f;
      if (!isGemHeader(f)) throw badFile(path, `missing columns: a GEM header needs geneID, x, y and MIDCount (or MIDCounts/UMICount); found ${f.join(', ')}`);
      const countCol = COUNT_COLUMNS.map((c) => f.indexOf(c)).find((j) => j >= 0)!;
      ix = { gene: f.indexOf('geneID'), name: f.indexOf('geneName'), x: f.indexOf('x'), y: f.indexOf('y'), count: countCol, cell: f.indexOf('CellID') };
      byCell = ix.cell >= 0 && opts.binSize === undefined;
      return;
    }
    const x = num(f[ix.x]);
    const y = num(f[ix.y]);
    const v = num(f[ix.count]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw badInput(path, `line ${lineNo}: x/y: expected numbers, found ${q(f[ix.x])}, ${q(f[ix.y])}`);
    if (!(v >= 0) || v !== Math.round(v)) throw badInput(path, `line ${lineNo}, column ${q(header[ix.count])}: expected a non-negative integer count, found ${q(f[ix.count])}`);
    total += v;
    let key: string;
    if (byCell) {
      const c = f[ix.cell];
      if (c === '0' || c === '') {
        dropped += v;
        return;
      }
      key = c;
    } else {
      const bx = Math.floor(x / binSize);
      const by = Math.floor(y / binSize);
      key = `${bx}_${by}`;
    }
    const before = obs.size;
    const i = obs.id(key);
    if (!byCell && obs.size > before) bins.push(Math.floor(x / binSize), Math.floor(y / binSize));
    const g = genes.id(f[ix.gene]);
    if (ix.name >= 0 && !geneName.has(g)) geneName.set(g, f[ix.name]);
    acc.add(i, g, v, byCell ? x : undefined, byCell ? y : undefined);
  }, opts.files);
  if (!header) throw badFile(path, 'no header row (only # annotation lines)');
  if (obs.size === 0) throw badFile(path, byCell ? 'no DNB is assigned to a cell (every CellID is 0)' : 'no data rows');
  const n = obs.size;
  let xy: Float64Array;
  if (byCell) xy = acc.centroids(n);
  else {
    xy = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = (bins[2 * i] + 0.5) * binSize;
      xy[2 * i + 1] = (bins[2 * i + 1] + 0.5) * binSize;
    }
  }
  const ids = genes.names;
  const names = ix.name >= 0 ? ids.map((_, g) => geneName.get(g) ?? ids[g]) : ids;
  const uniq = makeUnique(names);
  const d: Dataset = {
    X: acc.toCsr(path, n, genes.size),
    obs: frame(obs.names),
    var: frame(uniq.names, ix.name >= 0 ? { gene_ids: { kind: 'string', values: ids } } : {}),
    obsm: { spatial: { rows: n, cols: 2, data: xy } },
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'gem', aggregation: byCell ? 'CellID' : `bin${binSize}`, binSize: byCell ? null : binSize, totalCount: total, annotations } },
    meta: { platform: 'stereo-seq', source: path, coordinateUnit: 'dnb', micronsPerUnit: DNB_PITCH_UM, filtered: [] },
  };
  if (!byCell) d.obs.columns.set('bin_x', { kind: 'number', values: Int32Array.from({ length: n }, (_, i) => bins[2 * i]) });
  if (!byCell) d.obs.columns.set('bin_y', { kind: 'number', values: Int32Array.from({ length: n }, (_, i) => bins[2 * i + 1]) });
  if (dropped > 0) d.meta.filtered.push({ axis: 'observations', what: 'CellID = 0', count: dropped, why: 'counts of DNBs outside any segmented cell (not in X)' });
  return d;
}
