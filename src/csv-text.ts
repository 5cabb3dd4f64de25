/**
 * CSV text to rows of fields (and one field back to CSV), for the small tables stnmf itself writes and reads back (result
 * CSVs, marker tables). One parser for the report, the plots, the result loader and the
 * multi-omics marker table; large count matrices go through the streaming reader in
 * `src/io/csv.ts` instead.
 */

/** One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds `"`, `,` or a line break. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Splits CSV text into rows of fields (RFC 4180 quoting; `,` separator, or tab when the first
 * line has tabs and no commas). Blank lines are skipped.
 */
export function parseCsvText(text: string): string[][] {
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const sep = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
  }
  return rows;
}
