// Shared by the multi-sample tests: a manifest of the four ST breast-cancer slices.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The data folder of the four slices. */
export const BREAST = new URL('../../../shared/data/st-breast-cancer-layers', import.meta.url).pathname;
const D = BREAST;

/** A manifest of the four slices (µm per unit given: slice 3's lattice is not inferable). */
export function breastManifest(dir: string, opts: { mpu?: boolean } = {}): string {
  const rows = [1, 2, 3, 4].map((i) => `slice${i},${D}/slice${i}.csv,${D}/slice${i}_coor.csv,${opts.mpu === false ? '' : '200'},${i <= 2 ? 'early' : 'late'}`);
  const p = join(dir, 'samples.csv');
  writeFileSync(p, ['sample_id,path,coords,microns_per_unit,condition', ...rows].join('\n') + '\n');
  return p;
}

