/**
 * Test-only helpers for the bcNMF tests: the data sets of methods-spec M4.8 in observations x
 * features orientation, read with the io layer's delimited-text readers.
 */
import { fileURLToPath } from 'node:url';
import { readCsvDataset, readMatrixTable } from '../src/io/csv.js';
import { readSmallTable } from '../src/io/text.js';
import { csrToDense } from '../src/linalg/csr.js';
import type { Dense } from '../src/linalg/dense.js';

export const DEMO_DIR = new URL('../../../shared/data/bcnmf-demo/', import.meta.url);

const demoFile = (name: string) => fileURLToPath(new URL(name, DEMO_DIR));

/** An image table (pixels x samples, README) as samples x pixels, with the sample names. */
async function readImages(name: string): Promise<{ X: Dense; samples: string[] }> {
  const d = await readCsvDataset(demoFile(name), { orientation: 'var-rows' });
  return { X: csrToDense(d.X), samples: d.obs.index };
}

/** The bcNMF demo (M4.8 §2.2): target 200 x 784 images, background 150 x 784, digit labels. */
export async function loadDemo(): Promise<{ target: Dense; background: Dense; labels: Int32Array }> {
  const target = await readImages('target_images.csv');
  const background = await readImages('background_images.csv');
  // `sample,digit`: digit 0 is an implicit zero of the sparse table, so densify.
  const lab = await readMatrixTable(demoFile('target_labels.csv'));
  if (lab.rowNames?.join() !== target.samples.join()) throw new Error('target_labels.csv: samples differ from the target_images.csv columns');
  const labels = Int32Array.from(csrToDense(lab.X).data);
  return { target: target.X, background: background.X, labels };
}

/**
 * Mice protein (M4.8 §2.3, as the notebook builds it): target = Saline S/C mice, control then
 * Ts65Dn; background = Saline C/S controls; 77 proteins; missing values set to 0. The table mixes
 * text columns and empty cells, so it is read as text (`readSmallTable`), not as a matrix.
 */
export async function loadMice(): Promise<{ target: Dense; background: Dense; genotype: Int32Array; proteins: string[] }> {
  const { header, rows } = await readSmallTable(demoFile('Data_Cortex_Nuclear.csv'));
  const h = header!;
  const proteins = h.slice(1, 78);
  const iG = h.indexOf('Genotype'), iT = h.indexOf('Treatment'), iB = h.indexOf('Behavior');
  const ctl: number[][] = [], ts: number[][] = [], bg: number[][] = [];
  for (const f of rows) {
    const v = f.slice(1, 78).map((s) => (s === '' ? 0 : Number(s)));
    if (f[iT] !== 'Saline') continue;
    if (f[iB] === 'S/C') (f[iG] === 'Control' ? ctl : ts).push(v);
    else if (f[iB] === 'C/S' && f[iG] === 'Control') bg.push(v);
  }
  const toDense = (r: number[][]): Dense => ({ rows: r.length, cols: 77, data: Float32Array.from(r.flat()) });
  const genotype = Int32Array.from([...ctl.map(() => 0), ...ts.map(() => 1)]);
  return { target: toDense([...ctl, ...ts]), background: toDense(bg), genotype, proteins };
}
