/**
 * The selection: which cells the lasso picked, the status line that counts them, and the export
 * of their ids as a CSV download.
 */
import { recolor } from './coloring.js';
import { $, type Viewer } from './viewer.js';

/** The selection's actions. */
export interface Selection {
  /** Selects exactly `ids` (row numbers), fades the rest, updates the status line. */
  set(ids: Int32Array): void;
  /** The selected cells' ids (obs names). */
  ids(): string[];
  /** Writes the status line (cells, factors, selected). */
  status(): void;
}

/** Wires the Clear and Export buttons of `v`. */
export function createSelection(v: Viewer): Selection {
  const status = (): void => {
    $('status').textContent = `${v.n.toLocaleString('en-US')} cells · ${v.k} factors${v.selection.length ? ` · ${v.selection.length.toLocaleString('en-US')} selected` : ''}`;
    $<HTMLButtonElement>('export').disabled = v.selection.length === 0;
  };
  const set = (ids: Int32Array): void => {
    v.selected.fill(0);
    for (const i of ids) v.selected[i] = 1;
    v.selection = ids;
    status();
    recolor(v);
  };
  const ids = (): string[] => Array.from(v.selection, (i) => v.meta.obsNames[i]);
  $('clear').addEventListener('click', () => set(new Int32Array(0)));
  $('export').addEventListener('click', () => {
    const csv = 'obs_name\n' + ids().join('\n') + '\n';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `${v.meta.name}-selection.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  return { set, ids, status };
}
