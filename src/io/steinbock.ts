/**
 * IMC via steinbock (formats.md §1.10): `intensities/<img>.csv` (column `Object` = mask label,
 * then one column per channel) and `regionprops/<img>.csv` (`Object`, `area`, `centroid-0`,
 * `centroid-1`, axis lengths, `eccentricity`), one pair per image, joined on (image, Object).
 *
 * Observations are named `<img>_<Object>` and carry obs `image` and `Object`. scikit-image's
 * `centroid-0` is the row (y) and `centroid-1` the column (x), so `obsm.spatial` =
 * [centroid-1, centroid-0] in pixels (formats.md §5, axis order). Nuclear channels (DNA1/DNA2
 * from the iridium intercalator, HOECHST, DAPI...) stay out of X as in the other proteomics
 * readers; their intensities stay in obs.
 */
import { nodeVfs } from './node-vfs.js';
import { basename, join } from './paths.js';
import { isFolder, type FileSource, type Vfs } from './vfs.js';
import type { Column, Dataset } from '../dataset.js';
import { frame } from '../dataset.js';
import { columnFromStrings } from './csv.js';
import { NUCLEAR_STAIN } from './proteomics.js';
import { num, readSmallTable } from './text.js';
import { badFile, badInput, categorical, CsrBuilder, q } from './util.js';

/** Options of {@link readSteinbock}. */
export interface SteinbockOptions extends FileSource {
  /** Keep nuclear channels in X (default false). */
  keepNuclearStains?: boolean;
}

const CSV = /\.csv(\.gz)?$/i;

/** The steinbock image tables of a folder: image name -> {intensities, regionprops}, or undefined. */
export function findSteinbockFiles(dir: string, vfs: Vfs = nodeVfs): { image: string; intensities: string; regionprops: string }[] | undefined {
  const iDir = join(dir, 'intensities');
  const rDir = join(dir, 'regionprops');
  if (!isFolder(vfs, iDir) || !isFolder(vfs, rDir)) return undefined;
  const stem = (n: string) => n.replace(CSV, '');
  const regions = new Map(vfs.readdir(rDir).filter((n) => CSV.test(n)).map((n) => [stem(n), join(rDir, n)]));
  const out = vfs.readdir(iDir)
    .filter((n) => CSV.test(n))
    .sort()
    .map((n) => ({ image: stem(n), intensities: join(iDir, n), regionprops: regions.get(stem(n)) ?? '' }));
  return out.length > 0 ? out : undefined;
}

/** Reads a steinbock output folder (the one holding `intensities/` and `regionprops/`). */
export async function readSteinbock(dir: string, opts: SteinbockOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findSteinbockFiles(dir, vfs);
  if (!files) throw badFile(dir, 'not a steinbock folder: expected intensities/<img>.csv and regionprops/<img>.csv');
  let channels: string[] | undefined;
  const b = new CsrBuilder();
  const names: string[] = [];
  const image: string[] = [];
  const object: number[] = [];
  const xy: number[] = [];
  const extra = new Map<string, string[]>();
  let nuclear: number[] = [];
  let markers: number[] = [];
  for (const f of files) {
    if (!f.regionprops) throw badFile(join(dir, 'regionprops', `${f.image}.csv`), `missing: image ${q(f.image)} has intensities but no regionprops table`);
    const it = await readSmallTable(f.intensities, { header: true, files: vfs });
    const rp = await readSmallTable(f.regionprops, { header: true, files: vfs });
    const ih = it.header!;
    const rh = rp.header!;
    if (ih[0] !== 'Object') throw badFile(f.intensities, `missing column 'Object' (first column is ${q(ih[0])})`);
    const ro = rh.indexOf('Object');
    const c0 = rh.indexOf('centroid-0');
    const c1 = rh.indexOf('centroid-1');
    if (ro < 0 || c0 < 0 || c1 < 0) throw badFile(f.regionprops, `missing column${[ro, c0, c1].filter((j) => j < 0).length > 1 ? 's' : ''} ${[ro < 0 ? "'Object'" : '', c0 < 0 ? "'centroid-0'" : '', c1 < 0 ? "'centroid-1'" : ''].filter(Boolean).join(', ')}`);
    const ch = ih.slice(1);
    if (!channels) {
      channels = ch;
      nuclear = ch.map((c, k) => (NUCLEAR_STAIN.test(c) ? k : -1)).filter((k) => k >= 0);
      markers = ch.map((_, k) => k).filter((k) => opts.keepNuclearStains || !nuclear.includes(k));
      if (markers.length === 0) throw badFile(f.intensities, 'no marker channels');
    } else if (ch.join('\t') !== channels.join('\t')) {
      throw badFile(f.intensities, `channels differ from ${basename(files[0].intensities)} (all images must share the panel)`);
    }
    const props = new Map<string, string[]>();
    for (const r of rp.rows) props.set(r[ro], r);
    for (let i = 0; i < it.rows.length; i++) {
      const r = it.rows[i];
      const obj = r[0];
      const p = props.get(obj);
      if (!p) throw badInput(f.regionprops, `object ${q(obj)} of ${f.intensities} has no row here`);
      for (let k = 0; k < markers.length; k++) {
        const s = r[1 + markers[k]];
        const v = num(s);
        if (!(v >= 0) || !Number.isFinite(v)) throw badInput(f.intensities, `row ${i + 2}, column ${q(ch[markers[k]])}: expected a non-negative intensity, found ${q(s)}`);
        if (v !== 0) b.push(k, v);
      }
      b.endRow();
      names.push(`${f.image}_${obj}`);
      image.push(f.image);
      object.push(Number(obj));
      xy.push(num(p[c1]), num(p[c0]));
      for (const k of nuclear) if (!opts.keepNuclearStains) push(extra, ch[k], r[1 + k]);
      rh.forEach((h, j) => {
        if (j !== ro && j !== c0 && j !== c1) push(extra, h, p[j] ?? '');
      });
    }
  }
  const n = names.length;
  if (n === 0) throw badFile(dir, 'no objects in any intensities table');
  const obsCols: Record<string, Column> = { image: categorical(image), Object: { kind: 'number', values: Int32Array.from(object) } };
  for (const [k, v] of extra) if (v.length === n) obsCols[k] = columnFromStrings(v);
  const d: Dataset = {
    X: b.build(markers.length),
    obs: frame(names, obsCols),
    var: frame(markers.map((k) => channels![k])),
    obsm: { spatial: { rows: n, cols: 2, data: Float64Array.from(xy) } },
    varm: {},
    obsp: {},
    layers: {},
    uns: { reader: { format: 'steinbock', images: files.map((f) => f.image), spatial: '[centroid-1, centroid-0] (x = column)' } },
    meta: { platform: 'imc', source: dir, coordinateUnit: 'px', filtered: [] },
  };
  if (nuclear.length > 0 && !opts.keepNuclearStains) {
    d.meta.filtered.push({ axis: 'features', what: nuclear.map((k) => channels![k]).join(', '), count: nuclear.length, why: 'nuclear stain (segmentation channel, not a marker); intensity kept in obs' });
  }
  return d;
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  let a = m.get(k);
  if (!a) m.set(k, (a = []));
  a.push(v);
}
