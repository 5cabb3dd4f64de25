/**
 * `stnmf convert <path> --out file.h5ad`: any readable input to AnnData, so scanpy, squidpy and
 * Vitessce users carry on from there. The file is written atomically (temporary name, then
 * rename) and an existing file is only replaced with `--force`.
 */
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { StnmfError } from '../../errors.js';
import { describeDataset, detectPlatform, readDataset, writeH5ad } from '../../io/index.js';
import type { Command } from '../command.js';
import { inputPath, READ_FLAGS, readOptions } from './info.js';
import { applySelection } from '../../io/select/index.js';
import { sampleFlags, selectionFlags, selectionFromFlags } from '../input-flags.js';
import { checkNotTransposed } from '../input.js';
import { readSamples, useSampleKey } from '../../io/samples.js';

/** `stnmf convert`: any readable input to an `.h5ad` (atomic; `--force` to replace). */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert any readable input to AnnData .h5ad',
  usage: 'stnmf convert <path> | --samples manifest.csv --out file.h5ad [--force] [--gzip N]',
  examples: [
    'stnmf convert xenium/ --out xenium.h5ad',
    "stnmf convert xenium/ --where 'total_counts >= 50' --min-cells 10 --out xenium-qc.h5ad",
    'stnmf convert olfactory-bulb/counts.csv.gz --coords olfactory-bulb/positions.csv --out mob.h5ad',
    "stnmf convert --samples breast-samples.csv --where 'condition == \"late\"' --out breast-late.h5ad",
  ],
  flags: {
    ...READ_FLAGS,
    ...selectionFlags(),
    ...sampleFlags(),
    out: { type: 'string', short: 'o', required: true, help: 'output .h5ad file' },
    force: { type: 'boolean', help: 'replace an existing output file' },
    gzip: { type: 'int', min: 1, max: 9, help: 'gzip level 1-9 for large arrays (default none: faster to write and read)' },
    json: { type: 'boolean', help: 'print a JSON summary of what was written' },
  },
  async run(args, ctx) {
    const f = args.flags;
    const out = f.out as string;
    if (!/\.h5ad$/i.test(out)) throw new StnmfError('USAGE', `stnmf convert: --out must name a .h5ad file, got '${out}'`);
    const gzip = f.gzip as number | undefined;
    if (gzip !== undefined && (gzip < 1 || gzip > 9)) throw new StnmfError('USAGE', `stnmf convert: --gzip must be 1-9, got ${gzip}`);
    const manifest = f.samples as string | undefined;
    if (manifest !== undefined && args.positionals.length > 0) throw new StnmfError('USAGE', `stnmf convert: give either an input (${args.positionals[0]}) or --samples ${manifest}, not both`);
    if (manifest !== undefined && f['sample-key'] !== undefined) throw new StnmfError('USAGE', 'stnmf convert: --sample-key is for one input holding several samples; a --samples manifest names its samples itself');
    const input = manifest ?? (await inputPath('convert', args));
    if (!existsSync(dirname(resolve(out)))) throw new StnmfError('WRITE_FAILED', `${out}: folder ${dirname(resolve(out))} does not exist`);
    if (existsSync(out) && !f.force) throw new StnmfError('WRITE_FAILED', `${out}: file exists (use --force to overwrite)`);
    const opts = readOptions(f);
    const t0 = performance.now();
    const detected = manifest !== undefined ? 'sample manifest' : opts.platform ? `given (--platform ${opts.platform})` : (await detectPlatform(input)).reason;
    // Several samples joined as anndata concat does (src/io/samples.ts); --sample-key marks them in one file.
    let raw = manifest !== undefined ? (await readSamples(manifest, opts)).dataset : await readDataset(input, opts);
    if (f['sample-key'] !== undefined) raw = useSampleKey(raw, f['sample-key'] as string);
    // Selection and QC as on every command: convert is the subset tool (scanpy's adata[mask].write).
    checkNotTransposed(raw, input, '', opts.orientation !== undefined);
    const { dataset: ds, steps } = await applySelection(raw, await selectionFromFlags(f), { source: input });
    ctx.log(`stnmf convert: read ${input} as ${ds.meta.platform} (${detected}): ${ds.X.rows} observations x ${ds.X.cols} features`);
    for (const r of ds.meta.filtered) ctx.log(`  kept out of X: ${r.count} ${r.axis} (${r.what}): ${r.why}`);
    for (const st of steps) ctx.log(`  --${st.step}: removed ${st.removedObs} observations, ${st.removedVars} features → ${st.nObs} x ${st.nVars}${st.note ? ` (${st.note})` : ''}`);
    await writeH5ad(out, ds, { overwrite: Boolean(f.force), gzip });
    const seconds = (performance.now() - t0) / 1000;
    ctx.log(`stnmf convert: wrote ${out}`);
    if (f.json) ctx.print(JSON.stringify({ out, ...describeDataset(ds), selection: steps, seconds }));
  },
};
