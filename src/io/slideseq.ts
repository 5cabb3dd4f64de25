/**
 * Slide-seq (v2) / Curio pucks (formats.md §1.9): bead locations `barcodes,xcoord,ycoord` (puck
 * image pixels) plus counts as `<puck>.digital_expression.txt.gz` (tab-separated, genes x beads,
 * first column GENE) or `MappedDGEForR.csv` (comma-separated, same orientation). Beads in the
 * count matrix must all have a location. The pixel size differs between pucks, so it is an
 * option (no default is invented): with `micronsPerPixel` the scale is recorded.
 */
import { nodeVfs } from './node-vfs.js';
import { join } from './paths.js';
import { isFolder, type FileSource, type Vfs } from './vfs.js';
import type { Dataset } from '../dataset.js';
import { readCsvDataset } from './csv.js';
import { badFile } from './util.js';

/** Options of {@link readSlideSeq}. */
export interface SlideSeqOptions extends FileSource {
  /** µm per puck pixel (often quoted ≈ 0.65; unverified, so not assumed). */
  micronsPerPixel?: number;
}

/** The bead-location and count files of a Slide-seq folder, or undefined. */
export function findSlideSeqFiles(dir: string, vfs: Vfs = nodeVfs): { beads: string; counts: string } | undefined {
  if (!isFolder(vfs, dir)) return undefined;
  const names = vfs.readdir(dir).sort();
  const beads = names.find((n) => /bead_?locations.*\.(csv|txt)(\.gz)?$/i.test(n));
  const counts = names.find((n) => /digital_expression\.txt(\.gz)?$/i.test(n) || /^MappedDGEForR\.csv(\.gz)?$/i.test(n));
  return beads && counts ? { beads: join(dir, beads), counts: join(dir, counts) } : undefined;
}

/** Reads a Slide-seq puck folder as beads x genes with bead positions in pixels. */
export async function readSlideSeq(dir: string, opts: SlideSeqOptions = {}): Promise<Dataset> {
  const vfs = opts.files ?? nodeVfs;
  const files = findSlideSeqFiles(dir, vfs);
  if (!files) throw badFile(dir, 'not a Slide-seq folder: expected *BeadLocations*.csv and *.digital_expression.txt.gz (or MappedDGEForR.csv)');
  const d = await readCsvDataset(files.counts, {
    coords: files.beads,
    orientation: 'var-rows',
    counts: true,
    coordinateUnit: 'px',
    micronsPerUnit: opts.micronsPerPixel,
    platform: 'slide-seq', files: vfs });
  d.meta.source = dir;
  return d;
}
