/**
 * Folders that hold one recognisable matrix table with side tables (issue 13, point 7):
 * Giotto-style folders (`expression_matrix`, `spatial_locs`, `cell_metadata`; formats.md §1.10),
 * R/paper exports (`counts.csv.gz` + `positions.csv` + `annotation.csv`), and MCMICRO projects
 * (`quantification/*.csv` + `markers.csv`). When the folder holds several candidate matrices,
 * or a matrix beside a complete file (loom, h5ad), the error names the files to pass and the
 * flags to add.
 */
import { nodeVfs } from './node-vfs.js';
import { join, relativeTo as relative } from './paths.js';
import { isFolder, type Vfs } from './vfs.js';
import { badFile } from './util.js';

/** The tables found in a folder. */
export interface TableFolder {
  kind: 'tables' | 'mcmicro';
  matrix: string;
  coords?: string;
  /** Metadata/annotation tables joined by observation id. */
  annotations: string[];
}

const DELIMITED = /\.(csv|tsv|txt)(\.gz)?$/i;
const POSITIONS = /(coord|coor|locs|location|positions|_pos\b|_pos\.|^spatial)/i;
const POSITIONS_DIR = /(coord|locs|location|positions)/i;
const METADATA = /(metadata|annotation|cell_types|labels|obs)/i;
// Side files that are neither a matrix nor positions (totals, priors, marker panels, docs).
const IGNORED = /(^readme|numi|prior|markers|fov_positions|panel)/i;
const WHOLE = /\.(loom|h5ad|h5|rda|rds)$/i;

function listFiles(vfs: Vfs, dir: string, depth: number, out: string[] = []): string[] {
  for (const name of vfs.readdir(dir)) {
    const p = join(dir, name);
    if (isFolder(vfs, p)) {
      if (depth > 0) listFiles(vfs, p, depth - 1, out);
    } else out.push(p);
  }
  return out;
}

/**
 * Finds the tables of a folder (on `vfs`, default the disk), or undefined when it has no
 * delimited table at all. Throws a
 * one-line BAD_FILE that names the command to type when the choice is ambiguous.
 */
export function findTableFolder(dir: string, vfs: Vfs = nodeVfs): TableFolder | undefined {
  const q = join(dir, 'quantification');
  if (isFolder(vfs, q)) {
    const tables = vfs.readdir(q).filter((n) => /\.csv$/i.test(n)).sort();
    if (tables.length === 1) return { kind: 'mcmicro', matrix: join(q, tables[0]), annotations: [] };
    if (tables.length > 1) {
      throw badFile(dir, `MCMICRO project with ${tables.length} quantification tables (${tables.join(', ')}): pass one, e.g. stnmf info ${join(q, tables[0])}`);
    }
  }
  const files = listFiles(vfs, dir, 2);
  const tables = files.filter((f) => DELIMITED.test(f) && !IGNORED.test(f.split('/').pop()!));
  if (tables.length === 0) return undefined;
  const base = (f: string) => relative(dir, f);
  const dirOf = (f: string) => f.slice(0, f.lastIndexOf('/'));
  const pos = tables.filter((f) => (POSITIONS.test(f.split('/').pop()!) || POSITIONS_DIR.test(dirOf(f).split('/').pop()!)) && !METADATA.test(f.split('/').pop()!));
  const meta = tables.filter((f) => !pos.includes(f) && METADATA.test(f.split('/').pop()!));
  const matrices = tables.filter((f) => !pos.includes(f) && !meta.includes(f));
  const whole = files.filter((f) => WHOLE.test(f) && !/\.(rda|rds)$/i.test(f));
  const stem = (f: string) => f.split('/').pop()!.replace(/\.(csv|tsv|txt)(\.gz)?$/i, '').replace(/[_\-.]?(counts?|expression|matrix|exprmat(_file)?)$/i, '');
  // The positions table of a matrix: same folder, preferring the one that shares its stem.
  const posOf = (m: string) => {
    const near = pos.filter((p) => dirOf(p) === dirOf(m));
    return near.find((p) => stem(m) !== '' && p.split('/').pop()!.startsWith(stem(m))) ?? (near.length === 1 ? near[0] : undefined) ?? (matrices.length === 1 && pos.length === 1 ? pos[0] : undefined);
  };
  const example = (m: string) => `stnmf info ${m}${posOf(m) ? ` --coords ${posOf(m)}` : ''}`;
  matrices.sort((a, b) => Number(posOf(b) !== undefined) - Number(posOf(a) !== undefined));
  if (matrices.length === 1 && whole.length === 0 && pos.length <= 1) {
    return { kind: 'tables', matrix: matrices[0], coords: pos[0], annotations: meta };
  }
  if (matrices.length === 0) throw badFile(dir, `folder holds position/metadata tables (${tables.map(base).join(', ')}) but no count matrix; pass the matrix file with --coords`);
  if (whole.length > 0) {
    throw badFile(dir, `folder holds ${whole.map(base).join(', ')} and text tables (${matrices.map(base).join(', ')}): pass one, e.g. stnmf info ${whole[0]}, or ${example(matrices[0])}`);
  }
  throw badFile(dir, `folder holds ${matrices.length} matrix tables (${matrices.map(base).join(', ')}): pass one with its positions, e.g. ${example(matrices[0])}`);
}
