/**
 * The self-contained HTML report of one output folder: parameters (run.json), key figures
 * (summary.json), figures (PNG embedded as data URIs, SVG inline) and tables (CSV), in one
 * file with inline CSS and no scripts or external requests, so it opens offline and can be
 * mailed. The CLI gathers the inputs and writes the file; this module only builds the string.
 */
import { escapeXml as esc } from './svg.js';
import { directionArrow, metricInfo, METRICS } from './metric-glossary.js';
import { parseCsvText } from '../csv-text.js';

/** A figure to embed. Give `png` bytes or `svg` text. */
export interface ReportFigure {
  name: string;
  caption?: string;
  png?: Uint8Array;
  svg?: string;
}

/** A CSV table to show. */
export interface ReportTable {
  name: string;
  csv: string;
  /** Rows shown in the page; the whole table is attached as a download when small. Default 50. */
  maxRows?: number;
}

/** Everything a report shows. */
export interface ReportInput {
  /** Page heading, e.g. the folder name. */
  title: string;
  /** Contents of summary.json. */
  summary?: Record<string, unknown>;
  /** Contents of run.json. */
  run?: Record<string, unknown>;
  figures?: ReportFigure[];
  tables?: ReportTable[];
  /** The folder listing (name, size in bytes). */
  files?: { name: string; bytes: number }[];
  /** Notes (e.g. files that could not be read), shown as a list. */
  notes?: string[];
  /** The plot options the figures were drawn with (shown under Figures). */
  plotOptions?: Record<string, unknown>;
}

/** Extra one-line explanations of run keys that are not metrics (summary tiles). */
const RUN_KEYS: Record<string, string> = {
  seconds: 'wall-clock time of the run, s',
  rank: 'number of factors k',
  resolution: 'Leiden resolution',
  nCells: 'observations used',
  nSpots: 'spots used',
  mode: 'graph the clustering used (hybrid = contact + radius + feature kNN)',
  nmfIterations: 'NMF iterations run',
  nmfConverged: 'whether NMF reached its tolerance before max-iter',
  moransIUnsmoothed: "Moran's I of unsmoothed factor 1 (↑)",
  iterations: 'solver iterations run',
  objective: 'final objective value (↓)',
};

/**
 * What to pass to compute a metric the run left out (summary value null), per command; a
 * metric not listed here is reported as "not computed" without a hint.
 */
const NOT_COMPUTED_HINT: Record<string, Record<string, string>> = {
  hsnmf: { enrich: 'pass --gmt FILE of gene sets', ari: 'pass --labels COLUMN of reference labels', nmi: 'pass --labels COLUMN of reference labels' },
  siid: { ari: 'pass --truth obs:COLUMN or FILE', jsDivergence: 'pass --truth obs:COLUMN or FILE', jsDivergenceMedian: 'pass --truth obs:COLUMN or FILE' },
};

/** One line naming the summary's metrics that were not computed (null) and how to get them, or undefined when all were. */
export function notComputedLine(summary: Record<string, unknown>, command: string | undefined): string | undefined {
  const keys = Object.keys(summary).filter((k) => summary[k] === null || summary[k] === undefined);
  if (keys.length === 0) return undefined;
  const hints = NOT_COMPUTED_HINT[command ?? ''] ?? {};
  const byHint = new Map<string, string[]>();
  for (const k of keys) {
    const h = hints[k] ?? '';
    byHint.set(h, [...(byHint.get(h) ?? []), metricInfo(k)?.label ?? k]);
  }
  return `Not computed in this run: ${[...byHint].map(([h, names]) => `${names.join(', ')}${h ? ` (${h})` : ''}`).join('; ')}.`;
}

/** A summary tile: value, display name with arrow, definition and the paper's figure. */
function tile(k: string, v: unknown): string {
  const info = metricInfo(k === 'moransIUnsmoothed' ? 'moransIRaw' : k);
  const name = info ? `${info.label} ${directionArrow(info.direction)}`.trim() : k;
  const def = info?.definition ?? RUN_KEYS[k];
  const dir = info?.direction === 'up' ? '↑ better' : info?.direction === 'down' ? '↓ better' : '';
  return `<div class="card"><div class="v">${esc(fmtValue(v))}</div><div class="k">${esc(name)}${dir ? ` <span class="dir">${esc(dir)}</span>` : ''}</div>${def ? `<div class="d">${esc(def)}</div>` : ''}${info?.paper ? `<div class="p">paper: ${esc(info.paper)}</div>` : ''}<div class="key">${esc(k)}</div></div>`;
}

/** Provenance rows of `inputs.filtered` (FilterRecord[]) as a readable table. */
function filteredTable(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length === 0 || !v.every((r) => r && typeof r === 'object' && 'what' in r)) return undefined;
  const rows = (v as { axis?: string; what?: string; count?: number; why?: string }[])
    .map((r) => `<tr><td>${esc(String(r.axis ?? ''))}</td><td>${esc(String(r.what ?? ''))}</td><td class="num">${esc(fmtValue(r.count))}</td><td>${esc(String(r.why ?? ''))}</td></tr>`)
    .join('');
  return `<table class="data"><thead><tr><th>axis</th><th>removed</th><th>count</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Base64 of bytes, without Buffer (runs in browsers). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  // An empty list or record says "none", never an empty cell.
  if (Array.isArray(v) && v.length === 0) return 'none';
  if (typeof v === 'object' && Object.keys(v as object).length === 0) return 'none';
  if (Array.isArray(v) && v.every((x) => x === null || ['number', 'string', 'boolean'].includes(typeof x))) return v.map(fmtValue).join(', ');
  return JSON.stringify(v);
}

function keyValueTable(obj: Record<string, unknown>, cls: string): string {
  const rows = Object.entries(obj).map(([k, v]) => {
    const filtered = k === 'filtered' ? filteredTable(v) : undefined;
    if (filtered) return `<tr><th>${esc(k)}</th><td>${filtered}</td></tr>`;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      // A list of records: one table, columns = the union of their keys.
      const cols = [...new Set(v.flatMap((x) => Object.keys(x as object)))];
      const body = v.map((x) => `<tr>${cols.map((c) => `<td>${esc(fmtValue((x as Record<string, unknown>)[c]))}</td>`).join('')}</tr>`).join('');
      return `<tr><th>${esc(k)}</th><td><table class="data"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></td></tr>`;
    }
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      const inner = Object.entries(v as Record<string, unknown>)
        .map(([k2, v2]) => `<tr><th>${esc(k2)}</th><td>${esc(fmtValue(v2))}</td></tr>`)
        .join('');
      return `<tr><th>${esc(k)}</th><td><table class="inner">${inner}</table></td></tr>`;
    }
    return `<tr><th>${esc(k)}</th><td>${esc(fmtValue(v))}</td></tr>`;
  });
  return `<table class="${cls}">${rows.join('')}</table>`;
}

function csvTable(t: ReportTable): string {
  const rows = parseCsvText(t.csv.trimEnd());
  if (rows.length === 0) return `<p class="muted">${esc(t.name)} is empty.</p>`;
  const max = t.maxRows ?? 50;
  const [head, ...body] = rows;
  const numeric = (s: string): boolean => s !== '' && Number.isFinite(Number(s));
  const cell = (s: string): string => {
    if (numeric(s) && !/^\d+$/.test(s)) return `<td class="num">${esc(String(Number(Number(s).toPrecision(4))))}</td>`;
    return `<td${numeric(s) ? ' class="num"' : ''}>${esc(s)}</td>`;
  };
  const shown = body.slice(0, max);
  const more = body.length > max ? `<p class="muted">Showing ${max} of ${body.length} rows.</p>` : '';
  // Attach the whole CSV when it is small enough not to bloat the page.
  const link = t.csv.length <= 2_000_000 ? ` <a download="${esc(t.name)}" href="data:text/csv;base64,${toBase64(new TextEncoder().encode(t.csv))}">download</a>` : '';
  return `<h3>${esc(t.name)} <span class="muted">(${body.length} rows x ${head.length} columns)</span>${link}</h3>
<div class="scroll"><table class="data"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${shown
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table></div>${more}`;
}

function figure(f: ReportFigure): string {
  const body = f.png
    ? `<img alt="${esc(f.name)}" src="data:image/png;base64,${toBase64(f.png)}">`
    : f.svg
      ? f.svg.replace(/^<\?xml[^>]*>\s*/, '')
      : '';
  return `<figure>${body}<figcaption><b>${esc(f.name)}</b>${f.caption ? ' — ' + esc(f.caption) : ''}</figcaption></figure>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:1200px;margin:0 auto;padding:16px 24px;background:#fff}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}h3{font-size:14px;margin:16px 0 6px}
.muted{color:#777;font-weight:normal}table{border-collapse:collapse}th,td{padding:3px 8px;text-align:left;vertical-align:top}
table.kv th{color:#555;font-weight:600;white-space:nowrap}table.kv td{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-word}
table.inner th,table.inner td{padding:1px 6px}table.data{font-size:12px}table.data th{background:#f3f3f3;position:sticky;top:0}
table.data td,table.data th{border-bottom:1px solid #eee}td.num{text-align:right;font-family:ui-monospace,Menlo,Consolas,monospace}
.scroll{max-height:420px;overflow:auto;border:1px solid #e5e5e5}figure{margin:12px 0 22px}figure img,figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#444;margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #e2e2e2;border-radius:6px;padding:8px 12px;min-width:120px}
.card .v{font-size:18px;font-weight:600}.card .k{font-size:13px;color:#333;font-weight:600}.card .dir{color:#2a7;font-weight:normal}
.card{max-width:260px}.card .d{font-size:12px;color:#555;margin-top:2px}.card .p{font-size:11px;color:#836;margin-top:2px}.card .key{font-size:10px;color:#999;font-family:ui-monospace,Menlo,Consolas,monospace}
table.gloss td,table.gloss th{font-size:12px;border-bottom:1px solid #eee}`;

/** Builds the report page. */
export function buildReport(r: ReportInput): string {
  const parts: string[] = [];
  const command = typeof r.run?.command === 'string' ? r.run.command : undefined;
  parts.push(`<h1>${esc(r.title)}</h1>`);
  parts.push(
    `<p class="muted">${command ? `stnmf ${esc(command)}` : 'stnmf output'}${r.run?.version ? ` · version ${esc(String(r.run.version))}` : ''}${r.run?.finishedAt ? ` · finished ${esc(String(r.run.finishedAt))}` : ''}${typeof r.run?.seconds === 'number' ? ` · ${fmtValue(r.run.seconds)} s` : ''}</p>`,
  );
  if (r.summary && Object.keys(r.summary).length > 0) {
    const scalars = Object.entries(r.summary).filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean');
    // Metrics the run did not compute (null) get one line saying how to compute them, never an empty tile or row.
    const rest = Object.fromEntries(Object.entries(r.summary).filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')));
    const missing = notComputedLine(r.summary, command);
    parts.push('<h2>Summary</h2>');
    parts.push('<p class="muted">↑ better = higher is better, ↓ better = lower is better; "paper" = the value the method\'s paper reports (methods-spec.md Part IV), for orientation only: data sets differ.</p>');
    parts.push(`<div class="cards">${scalars.map(([k, v]) => tile(k, v)).join('')}</div>`);
    if (missing) parts.push(`<p class="muted not-computed">${esc(missing)}</p>`);
    if (Object.keys(rest).length > 0) parts.push(keyValueTable(rest, 'kv'));
  }
  if (r.figures && r.figures.length > 0) {
    parts.push('<h2>Figures</h2>');
    const opts = Object.entries(r.plotOptions ?? {}).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
    if (opts.length > 0) parts.push(`<p class="muted">Plot options: ${opts.map(([k, v]) => `${esc(k)} = ${esc(fmtValue(v))}`).join('; ')}</p>`);
    // One figure per name: a figure drawn twice (e.g. a command's own PNG and the standard map) is shown once.
    const seen = new Set<string>();
    for (const f of r.figures) {
      if (seen.has(f.name)) continue;
      seen.add(f.name);
      parts.push(figure(f));
    }
    const used = new Set<string>();
    for (const t of r.tables ?? []) if (t.name === 'metrics.csv' || t.name === 'sweep.csv') for (const k of parseCsvText(t.csv.split(/\r?\n/)[0] ?? '')[0] ?? []) if (metricInfo(k)) used.add(k);
    for (const k of Object.keys(r.summary ?? {})) if (metricInfo(k)) used.add(k);
    if (used.size > 0) {
      const rows = [...used].map((k) => METRICS[k]).filter((m, i, a) => a.findIndex((q) => q.label === m.label) === i);
      parts.push('<h3>Metric definitions</h3>', `<table class="gloss"><thead><tr><th>metric</th><th>family</th><th>better</th><th>definition</th><th>paper</th></tr></thead><tbody>${rows
        .map((m) => `<tr><th>${esc(m.label)}</th><td>${esc(m.family)}</td><td>${m.direction === 'up' ? '↑ higher' : m.direction === 'down' ? '↓ lower' : ''}</td><td>${esc(m.definition)}</td><td>${esc(m.paper ?? '')}</td></tr>`)
        .join('')}</tbody></table>`);
    }
  }
  if (r.tables && r.tables.length > 0) {
    parts.push('<h2>Tables</h2>');
    for (const t of r.tables) parts.push(csvTable(t));
  }
  if (r.run) {
    parts.push('<h2>Parameters and provenance</h2>');
    if (r.run.parameters && typeof r.run.parameters === 'object') {
      parts.push('<h3>Parameters</h3>', keyValueTable(r.run.parameters as Record<string, unknown>, 'kv'));
    }
    if (r.run.inputs && typeof r.run.inputs === 'object') parts.push('<h3>Inputs</h3>', keyValueTable(r.run.inputs as Record<string, unknown>, 'kv'));
    const other = Object.fromEntries(Object.entries(r.run).filter(([k]) => k !== 'parameters' && k !== 'inputs'));
    parts.push('<h3>Run</h3>', keyValueTable(other, 'kv'));
  }
  if (r.files && r.files.length > 0) {
    parts.push('<h2>Files</h2>', `<table class="kv">${r.files.map((f) => `<tr><th>${esc(f.name)}</th><td>${f.bytes.toLocaleString('en-US')} bytes</td></tr>`).join('')}</table>`);
  }
  if (r.notes && r.notes.length > 0) parts.push('<h2>Notes</h2>', `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="stnmf report"><title>${esc(r.title)} — stnmf report</title><style>${CSS}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
