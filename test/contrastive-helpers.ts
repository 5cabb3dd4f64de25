/**
 * Test-only helpers for the bcNMF tests: a minimal dependency-free reader for the bcnmf-demo
 * CSV tables (the io CSV reader was not available when these tests were written) and the data
 * sets of methods-spec M4.8 in observations x features orientation.
 */
import { readFileSync } from 'node:fs';
import type { Dense } from '../src/linalg/dense.js';

export const DEMO_DIR = new URL('../../../shared/data/bcnmf-demo/', import.meta.url);

/** A numeric CSV with a header row and a leading label column: returns header, row labels, values. */
export function readNumericCsv(url: URL): { header: string[]; rowNames: string[]; rows: number; cols: number; data: Float64Array } {
  const lines = readFileSync(url, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',').slice(1);
  const rows = lines.length - 1, cols = header.length;
  const data = new Float64Array(rows * cols);
  const rowNames: string[] = [];
  for (let i = 0; i < rows; i++) {
    const f = lines[i + 1].split(',');
    rowNames.push(f[0]);
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(f[j + 1]);
  }
  return { header, rowNames, rows, cols, data };
}

/** Transpose of a features x samples table into a samples x features Dense. */
export function samplesByFeatures(t: { rows: number; cols: number; data: Float64Array }): Dense {
  const out = new Float32Array(t.rows * t.cols);
  for (let i = 0; i < t.rows; i++) for (let j = 0; j < t.cols; j++) out[j * t.rows + i] = t.data[i * t.cols + j];
  return { rows: t.cols, cols: t.rows, data: out };
}

/** The bcNMF demo (M4.8 §2.2): target 200 x 784 images, background 150 x 784, digit labels. */
export function loadDemo(): { target: Dense; background: Dense; labels: Int32Array } {
  const target = samplesByFeatures(readNumericCsv(new URL('target_images.csv', DEMO_DIR)));
  const background = samplesByFeatures(readNumericCsv(new URL('background_images.csv', DEMO_DIR)));
  const lab = readFileSync(new URL('target_labels.csv', DEMO_DIR), 'utf8').trim().split(/\r?\n/).slice(1);
  const labels = Int32Array.from(lab.map((l) => Number(l.split(',')[1])));
  return { target, background, labels };
}

/**
 * Mice protein (M4.8 §2.3, as the notebook builds it): target = Saline S/C mice, control then
 * Ts65Dn; background = Saline C/S controls; 77 proteins; missing values set to 0.
 */
export function loadMice(): { target: Dense; background: Dense; genotype: Int32Array; proteins: string[] } {
  const lines = readFileSync(new URL('Data_Cortex_Nuclear.csv', DEMO_DIR), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const proteins = header.slice(1, 78);
  const iG = header.indexOf('Genotype'), iT = header.indexOf('Treatment'), iB = header.indexOf('Behavior');
  const ctl: number[][] = [], ts: number[][] = [], bg: number[][] = [];
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    const v = f.slice(1, 78).map((s) => (s === '' ? 0 : Number(s)));
    if (f[iT] !== 'Saline') continue;
    if (f[iB] === 'S/C') (f[iG] === 'Control' ? ctl : ts).push(v);
    else if (f[iB] === 'C/S' && f[iG] === 'Control') bg.push(v);
  }
  const toDense = (r: number[][]): Dense => ({ rows: r.length, cols: 77, data: Float32Array.from(r.flat()) });
  const genotype = Int32Array.from([...ctl.map(() => 0), ...ts.map(() => 1)]);
  return { target: toDense([...ctl, ...ts]), background: toDense(bg), genotype, proteins };
}
