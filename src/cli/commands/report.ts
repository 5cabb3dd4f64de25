/**
 * `stnmf report <DIR>`: one self-contained HTML file (report.html) in the result folder with
 * the run's parameters, key figures, figures (the standard ones of `stnmf plot` drawn from
 * W/H/coordinates and the folder's tables — including an hSNMF sweep's sweep and Pareto plots —
 * plus any PNG/SVG already in the folder) and tables (every CSV), openable offline.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { RunOutput } from '../output.js';
import { withRun } from '../command.js';
import { StnmfError } from '../../errors.js';
import { buildReport, sceneToPng, type ReportFigure, type ReportTable } from '../../plot/index.js';
import type { Dataset } from '../../dataset.js';
import { resultDataFlags, resultDataReader } from '../input.js';
import { readResult } from '../../io/result.js';
import { PLOT_OPTION_FLAGS, plotOptionsFromFlags } from './plot.js';
import { FACTOR_FILES, spatialSkipNote, standardFigures, tableFigures, type NamedFigure, type PlotOptions } from '../../outputs/figures.js';
import { resultFolder } from '../../io/result.js';
import { factorName } from '../../keys.js';

/** Builds the report page of `dir` (no writing); notes say what could not be drawn. */
export async function reportHtml(dir: string, opts: { coords?: string; data?: string; readData?: (path: string) => Promise<Dataset>; figures?: boolean; plot?: PlotOptions; signal?: AbortSignal } = {}): Promise<{ html: string; figures: number; tables: number; notes: string[] }> {
  const root = resolve(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new StnmfError('BAD_FILE', `${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new StnmfError('BAD_FILE', `${dir}: expected an output folder`);
  const names = readdirSync(root).filter((n) => !n.startsWith('.') && statSync(join(root, n)).isFile()).sort();
  const readJson = (n: string): Record<string, unknown> | undefined => {
    if (!names.includes(n)) return undefined;
    try {
      return JSON.parse(readFileSync(join(root, n), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new StnmfError('BAD_FILE', `${join(root, n)}: not valid JSON (${(e as Error).message})`);
    }
  };
  const notes: string[] = [];
  const figures: ReportFigure[] = [];
  const embed = (figs: NamedFigure[]): void => {
    for (const f of figs) figures.push({ name: f.name, caption: f.caption, png: sceneToPng(f.scene, { pixelRatio: 1.5 }) });
  };
  if (opts.figures !== false && FACTOR_FILES.some((f) => names.includes(f))) {
    try {
      const r = await readResult(root, opts);
      const skipped = spatialSkipNote(r);
      if (skipped) notes.push(skipped);
      embed(await standardFigures(r, opts.plot ?? {}, [], opts.signal));
    } catch (e) {
      if (!(e instanceof StnmfError)) throw e;
      notes.push(`Figures from the factorisation were not drawn: ${e.message}`);
      embed(tableFigures(resultFolder(root), opts.plot ?? {}));
    }
  } else if (opts.figures !== false) {
    // Tables only (e.g. an hSNMF sweep): sweep and Pareto plots, metric bars.
    embed(tableFigures(resultFolder(root), opts.plot ?? {}));
  }
  // Images the command wrote itself, unless a drawn figure already shows them (hsnmf's
  // clusters.png is the clusters-hsnmf map): each figure appears once.
  const drawn = figures.map((f) => f.name);
  for (const n of names) {
    const ext = extname(n).toLowerCase();
    if (ext !== '.png' && ext !== '.svg') continue;
    const stem = n.slice(0, -ext.length);
    if (drawn.some((d) => d === stem || d.startsWith(`${stem}-`))) {
      notes.push(`${n} is not repeated: the report draws it as ${drawn.find((d) => d === stem || d.startsWith(`${stem}-`))}`);
      continue;
    }
    if (ext === '.png') figures.push({ name: n, png: readFileSync(join(root, n)) });
    else figures.push({ name: n, svg: readFileSync(join(root, n), 'utf8') });
  }
  const tables: ReportTable[] = names.filter((n) => extname(n).toLowerCase() === '.csv').map((n) => ({ name: n, csv: readFileSync(join(root, n), 'utf8') }));
  const html = buildReport({
    title: basename(root),
    summary: readJson('summary.json'),
    run: readJson('run.json'),
    figures,
    tables,
    files: names.map((n) => ({ name: n, bytes: statSync(join(root, n)).size })),
    notes,
    plotOptions: opts.plot ? { ...opts.plot, factor: opts.plot.factor === undefined ? undefined : factorName(opts.plot.factor) } : undefined,
  });
  return { html, figures: figures.length, tables: tables.length, notes };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write a self-contained HTML report (report.html) into an output folder',
  usage: 'stnmf report <DIR> [--no-figures] [--gene NAME,...] [plot options as in stnmf plot]',
  examples: [
    "stnmf report hsnmf-out",
    "stnmf report cnmf-out/consensus_k5 --coords cells.csv.gz",
    "stnmf report nmf-out --gene Gfap,Slc17a7 --vmax p99.5",
  ],
  flags: {
    'no-figures': { type: 'boolean', help: 'skip drawing figures from W/H (faster for huge results)' },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad), used for gene-level figures' },
    ...resultDataFlags(),
    ...PLOT_OPTION_FLAGS,
    json: { type: 'boolean', help: 'print a JSON summary on stdout' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new StnmfError('USAGE', `give one output folder (got ${args.positionals.length})`);
    const r = await reportHtml(dir, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined, readData: resultDataReader('report', args.flags, ctx), figures: !args.flags['no-figures'], plot: plotOptionsFromFlags(args.flags), signal: ctx.signal });
    for (const n of r.notes) ctx.log(`stnmf report: note: ${n}`);
    // Staged inside the folder and renamed into place: other results there stay untouched.
    const out = await RunOutput.open(dir, { merge: true, flag: 'the result folder' });
    await withRun(out, async () => {
      await out.writeText('report.html', r.html);
      await out.commit();
    });
    const path = join(resolve(dir), 'report.html');
    if (args.flags.json) ctx.print(JSON.stringify({ report: path, figures: r.figures, tables: r.tables, bytes: Buffer.byteLength(r.html) }));
    ctx.log(`stnmf report: ${path} (${r.figures} figures, ${r.tables} tables)`);
  },
};
