/**
 * Small side tables the commands take beside their inputs, parsed from their text: known cell
 * types (`--truth`) by id or by row, and a cell → spot mapping (`--mapping`). Each parser names
 * the file and flag in its errors. The caller reads the file (the CLI from disk, the app from an
 * upload), so this file runs anywhere.
 *
 * Layer 3 (io): no Node APIs.
 */
import { parseCsvText } from '../csv-text.js';
import { StnmfError } from '../errors.js';

/**
 * `cell_id,cell_type` (a header, then the first two columns of each row) as id → label.
 * @param source  the file and flag, for messages (`--truth types.csv`)
 * @throws StnmfError('BAD_FILE') when there is no header and row
 */
export function parseIdLabels(text: string, source: string): Map<string, string> {
  const rows = parseCsvText(text);
  if (rows.length < 2 || rows[0].length < 2) throw new StnmfError('BAD_FILE', `${source}: expected a header 'cell_id,cell_type' and rows`);
  const m = new Map<string, string>();
  for (const r of rows.slice(1)) if (r.length >= 2) m.set(r[0], r[1]);
  return m;
}

/**
 * One label per observation, in row order: the last comma-separated field of every non-empty
 * line, with a header line dropped when there is one line too many.
 * @throws StnmfError('BAD_FILE') when the count is not `n`
 */
export function parseRowLabels(text: string, n: number, source: string): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  let labels = lines.map((l) => l.split(',').pop()!.trim());
  if (labels.length === n + 1) labels = labels.slice(1);
  if (labels.length !== n) throw new StnmfError('BAD_FILE', `${source}: ${labels.length} labels, expected one per cell (${n})`);
  return labels;
}

/**
 * The numbers of a one-column table (the last comma- or tab-separated field of each line; a
 * non-numeric first line is a header).
 * @param what  what an entry should be, for the message (default `a number`)
 * @throws StnmfError('BAD_FILE') for a non-numeric entry after the first
 */
export function parseNumberColumn(text: string, source: string, what = 'a number'): number[] {
  const vals: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.split(/[,\t]/).pop()!.trim();
    if (t === '') continue;
    const v = Number(t);
    if (!Number.isFinite(v)) {
      if (vals.length === 0) continue; // header
      throw new StnmfError('BAD_FILE', `${source}: '${t}' is not ${what}`);
    }
    vals.push(v);
  }
  return vals;
}

/**
 * A cell → spot mapping: one spot index per cell (0 … nSpots−1, or −1 for none).
 * @throws StnmfError('BAD_FILE') for the wrong count, ('BAD_INPUT') for an entry that is not a
 *   spot index (1.5 would otherwise be truncated to 1 without a word)
 */
export function spotMapping(values: ArrayLike<number>, n: number, nSpots: number, source: string): Int32Array {
  if (values.length !== n) throw new StnmfError('BAD_FILE', `${source}: ${values.length} entries, expected one spot index per cell (${n})`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -1 || v >= nSpots) {
      throw new StnmfError('BAD_INPUT', `${source}: entry ${i + 1} is ${v}; expected a spot index (a whole number from 0 to ${nSpots - 1}) or -1 for none`);
    }
  }
  return Int32Array.from(values);
}
