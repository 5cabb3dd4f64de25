/**
 * `stnmf siid`: joint imputation and deconvolution of a single-cell slide and a spot slide
 * (methods-spec M2). Writes result.h5ad (cells x modelled genes; layers `imputed` and, with a
 * holdout, `holdout`), proportions.csv (spot x factor), holdout_r2.csv (gene, R², fold and the
 * baselines), summary.json and run.json (files made by src/outputs/siid.ts; the demo step in
 * src/cli/demo-steps.ts).
 */
import { parseNumberColumn, parseRowLabels, spotMapping } from '../../io/label-tables.js';
import { readFileSync } from 'node:fs';
import { obsStrings } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { npyToFloat64, readNpy } from '../../io/npy.js';
import { requireMicrons } from '../../io/units.js';
import { resolveSiidOptions, runSiid, siidOptionsFromFlags, SIID_OPTIONS } from '../../methods/siid/index.js';
import { optionFlags } from '../option-flags.js';
import type { Command } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { inputFlags, loadInput } from '../input.js';
import { RunOutput, runFolderFlags } from '../output.js';
import { writeOutputs } from '../outputs/siid.js';

export const siidCommand: Command = {
  name: 'siid',
  summary: 'SIID: impute unmeasured genes of a single-cell slide and deconvolve a spot slide jointly',
  usage: 'stnmf siid --cells <path> --spots <path> [--rank 20] [--holdout-folds 10] [--solver mu|adam] [--entropy-lambda 0] --out DIR',
  examples: [
    "stnmf siid --cells sim/cells.h5ad --spots sim/spots.h5ad --rank 4 --truth obs:type --holdout-folds 4 --out siid-sim --json",
    "stnmf siid --cells pv/cells.h5ad --spots pv/spots.h5ad --rank 10 --holdout-folds 0 --out siid-pv",
  ],
  flags: {
    cells: { type: 'string', input: 'dataset', required: true, help: 'single-cell slide (Xenium-like), any format stnmf reads' },
    spots: { type: 'string', input: 'dataset', required: true, help: 'spot slide (Visium-like), any format stnmf reads; its genes must include the cell panel' },
    ...optionFlags(SIID_OPTIONS),
    'holdout-folds': { type: 'int', min: 0, default: 10, help: 'k-fold gene holdout over the panel (0 = skip; paper: 10)' },
    'fold-seed': { type: 'int', min: 0, default: 0, help: 'seed of the gene folds' },
    threads: { type: 'int', min: 1, help: 'threads of the fused passes (default: all cores)' },
    mapping: { type: 'string', input: 'file', help: 'given mapping instead: .npy or text file with the spot index of every cell (-1 = none)' },
    intersect: { type: 'boolean', help: 'drop cell genes missing from the spot slide instead of failing' },
    'visium-genes': { type: 'string', choices: ['panel', 'all'], default: 'panel', help: 'spot genes modelled: the cell panel (+ --impute) or all' },
    impute: { type: 'string', help: 'comma-separated spot genes to impute (added to the model and to result.h5ad)' },
    'no-platform-scaling': { type: 'boolean', help: 'turn off the per-gene platform factor φ' },
    truth: { type: 'string', input: 'file', notPathPrefix: 'obs:', help: "true cell types for ARI / JS: 'obs:<column>' of the cells, or a text/CSV file with one label per cell" },
    ...runFolderFlags(),
    json: { type: 'boolean', help: 'also print summary.json to stdout' },
    ...inputFlags('cells-'),
    ...inputFlags('spots-'),
  },
  async run(args, ctx) {
    const f = args.flags;
    if (args.positionals.length) throw new StnmfError('USAGE', `stnmf siid: unexpected argument '${args.positionals[0]}' (inputs go with --cells and --spots)`);
    const cellsIn = await loadInput('siid', f.cells as string, f, ctx, { prefix: 'cells-', flag: '--cells', nonNegative: true });
    const spotsIn = await loadInput('siid', f.spots as string, f, ctx, { prefix: 'spots-', flag: '--spots', nonNegative: true });
    const cells = cellsIn.dataset;
    const spots = spotsIn.dataset;
    const mapPath = f.mapping as string | undefined;
    const mapping = mapPath
      ? spotMapping(mapPath.endsWith('.npy') ? npyToFloat64(readNpy(mapPath), mapPath).data : parseNumberColumn(readFileSync(mapPath, 'utf8'), `${mapPath} (--mapping)`, 'a spot index'), cells.X.rows, spots.X.rows, `${mapPath} (--mapping)`)
      : undefined;
    if (!mapping) {
      // --mapping-distance is in µm: both slides' scales must be known (issue 13, point 6).
      requireMicrons(cells, 'siid --mapping-distance', 'cells-');
      requireMicrons(spots, 'siid --mapping-distance', 'spots-');
    }
    const options = siidOptionsFromFlags(f);
    const spec = f.truth as string | undefined;
    // Known types: an obs column of the cells (obs:NAME) or a file of one label per cell.
    const truth = spec === undefined ? undefined : spec.startsWith('obs:') ? obsStrings(cells, spec.slice(4), `--truth ${spec} (the cells)`) : parseRowLabels(readFileSync(spec, 'utf8'), cells.X.rows, `${spec} (--truth)`);
    const out = await RunOutput.open(f.out as string, { force: Boolean(f.force) });
    await withRun(out, async () => {
      const r = await runSiid(cells, spots, mapping, options, Number(f['holdout-folds']), Number(f['fold-seed']), ctx, truth);
      await writeOutputs(r, cells, spots, (name) => out.path(name), ctx.signal);
      await finishRun(
        out,
        {
          command: 'siid',
          parameters: { ...resolveSiidOptions(options), holdoutFolds: f['holdout-folds'], foldSeed: f['fold-seed'] },
          inputs: {
            cells: cellsIn.record,
            spots: spotsIn.record,
            mapping: f.mapping,
            notes: r.prepared.notes,
          },
          seed: options.seed,
          summary: r.summary,
          seconds: r.summary.seconds as number,
          warnings: r.fit.warnings,
        },
        ctx,
        Boolean(f.json),
      );
    });
  },
};


