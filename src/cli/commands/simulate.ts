/**
 * `stnmf simulate <generator>`: writes a simulated data set with its truth. Generators register
 * in `GENERATORS` below (one entry each: name, summary, flags, run); `siid` is the checkerboard
 * pair of methods-spec M2.9. Adding a generator (e.g. `multiomics`) = one more entry.
 */
import { writeFile } from 'node:fs/promises';
import { StnmfError } from '../../errors.js';
import { writeCsv } from '../../io/csv.js';
import { writeH5ad } from '../../io/h5ad.js';
import { makeDataset } from '../../dataset.js';
import { pseudoVisium, simulateSiid } from '../../simulate/index.js';
import { requireMicrons } from '../../io/units.js';
import { loadInput } from '../input.js';
import { readerFlags } from '../reader-flags.js';
import type { FlagSpec, FlagValue } from '../args.js';
import type { Command, Generator } from '../command.js';
import { finishRun, withRun } from '../command.js';
import { RunOutput } from '../output.js';
import { simulateMultiomicsGenerator } from './simulate-multiomics.js';
import { simulateCountsGenerator } from './simulate-counts.js';
import { simulateCnmfGenerator } from './simulate-cnmf.js';

export type { Generator } from '../command.js';

const COMMON: Record<string, FlagSpec> = {
  seed: { type: 'int', min: 0, default: 0, help: 'random seed' },
  out: { type: 'string', short: 'o', required: true, help: 'output folder (new or empty, unless --force)' },
  force: { type: 'boolean', help: 'replace a non-empty --out: its old contents are removed once the new data are complete' },
  json: { type: 'boolean', help: 'also print summary.json to stdout' },
};

const siidGenerator: Generator = {
  name: 'siid',
  summary: 'checkerboard Xenium/Visium pair with known cell types and spot proportions (methods-spec M2.9)',
  flags: {
    cells: { type: 'int', min: 1, default: 4000, help: 'cells' },
    genes: { type: 'int', min: 1, default: 1000, help: 'genes on the spot slide (G_V)' },
    panel: { type: 'int', min: 1, default: 300, help: 'panel genes measured on the cells (G_X)' },
    types: { type: 'int', min: 1, default: 8, help: 'cell types h' },
    grid: { type: 'int', min: 1, default: 10, help: 'checkerboard squares per side l' },
    extent: { type: 'number', exclusiveMin: 0, default: 2000, help: 'tissue side in µm' },
    coverage: { type: 'number', exclusiveMin: 0, default: 1, help: 'coverage ρ scaling every library size' },
    'mean-count': { type: 'number', exclusiveMin: 0, default: 500, help: 'median library size over all genes' },
    'count-sdlog': { type: 'number', min: 0, default: 0.3, help: 'log-normal sd of library sizes' },
    'dirichlet-alpha': { type: 'number', exclusiveMin: 0, default: 0.3, help: 'Dirichlet concentration of the type profiles' },
  },
  async run(f, out) {
    const sim = simulateSiid({
      nCells: f.cells as number,
      nGenes: f.genes as number,
      nPanel: f.panel as number,
      types: f.types as number,
      grid: f.grid as number,
      extent: f.extent as number,
      coverage: f.coverage as number,
      meanCount: f['mean-count'] as number,
      countSdlog: f['count-sdlog'] as number,
      dirichletAlpha: f['dirichlet-alpha'] as number,
      seed: f.seed as number,
    });
    const h = f.types as number;
    sim.cells.obs.columns.set('type', { kind: 'category', codes: Int32Array.from(sim.types), categories: Array.from({ length: h }, (_, t) => `type${t}`) });
    sim.cells.obs.columns.set('spot', { kind: 'number', values: Int32Array.from(sim.cellSpot) });
    await writeH5ad(out.path('cells.h5ad'), sim.cells);
    await writeH5ad(out.path('spots.h5ad'), sim.spots);
    const full = makeDataset(sim.fullCounts, [...sim.cells.obs.index], [...sim.spots.var.index], { platform: 'simulated', source: 'simulateSiid (full counts)', coordinateUnit: 'um' });
    full.obsm.spatial = sim.cells.obsm.spatial;
    await writeH5ad(out.path('cells_full.h5ad'), full);
    writeCsv(out.path('spot_proportions.csv'), {
      matrix: { rows: sim.stats.spots, cols: h, data: sim.spotProportions },
      rowNames: [...sim.spots.obs.index],
      colNames: Array.from({ length: h }, (_, t) => `type${t}`),
      indexName: 'spot',
    });
    await writeFile(out.path('cell_types.csv'), 'cell,type\n' + sim.cells.obs.index.map((c, i) => `${c},type${sim.types[i]}`).join('\n') + '\n');
    return { ...sim.stats, types: h, genes: f.genes, panel: f.panel, grid: f.grid };
  },
};

/**
 * A Visium-like spot slide built from a real single-cell slide (55 µm spots on a 100 µm
 * hexagonal lattice, M2.9), so SIID can be tried on realistic pairs whose truth is known.
 */
const pseudoVisiumGenerator: Generator = {
  name: 'pseudo-visium',
  summary: 'turn a real single-cell slide (µm coordinates) into a Visium-like spot slide: cells.h5ad + spots.h5ad',
  flags: {
    from: { type: 'string', input: 'dataset', help: 'the single-cell slide, any format stnmf reads (required)' },
    'spot-diameter': { type: 'number', exclusiveMin: 0, default: 55, help: 'spot diameter in µm (Visium: 55)' },
    spacing: { type: 'number', exclusiveMin: 0, default: 100, help: 'centre-to-centre spot distance in µm (Visium: 100)' },
    // How --from is read, as on every command (the spot lattice is in µm: pixels need their size).
    ...readerFlags(),
  },
  async run(f, out, ctx) {
    const from = f.from as string | undefined;
    if (!from) throw new StnmfError('USAGE', 'stnmf simulate pseudo-visium: --from <single-cell slide> is required');
    const cells = (await loadInput('simulate pseudo-visium', from, f, ctx, { flag: '--from' })).dataset;
    requireMicrons(cells, 'simulate pseudo-visium (spots of --spot-diameter µm every --spacing µm)');
    const pv = pseudoVisium(cells, { spotDiameter: f['spot-diameter'] as number, spacing: f.spacing as number });
    cells.obs.columns.set('spot', { kind: 'number', values: pv.cellInSpot });
    await writeH5ad(out.path('cells.h5ad'), cells);
    await writeH5ad(out.path('spots.h5ad'), pv.spots);
    return { cells: cells.X.rows, spots: pv.spots.X.rows, capturedCells: pv.capturedCells, genes: cells.X.cols, spotDiameter: f['spot-diameter'], spacing: f.spacing, source: from };
  },
};

/** The registered generators. */
export const GENERATORS: Generator[] = [siidGenerator, simulateMultiomicsGenerator, pseudoVisiumGenerator, simulateCountsGenerator, simulateCnmfGenerator];

/**
 * Flags of every generator, without defaults, so the top-level parser accepts them; `run`
 * checks that each given flag belongs to the chosen generator and applies its defaults.
 * Generators sharing a flag name must give it the same type.
 */
function unionFlags(): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const g of GENERATORS) {
    for (const [k, v] of Object.entries(g.flags)) {
      const { default: def, ...rest } = v;
      const prevHelp = out[k]?.help;
      out[k] = { ...rest, help: `${prevHelp ? prevHelp + '; ' : ''}${g.name}: ${v.help}${def !== undefined ? ` (default ${def})` : ''}` };
    }
  }
  for (const [k, v] of Object.entries(COMMON)) out[k] = v;
  return out;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: `simulated data with known truth (${GENERATORS.map((g) => g.name).join(', ')})`,
  usage: `stnmf simulate <${GENERATORS.map((g) => g.name).join('|')}> [options] --out DIR`,
  examples: [
    "stnmf simulate siid --cells 2000 --types 4 --grid 20 --coverage 0.5 --out sim",
    "stnmf simulate pseudo-visium --from xenium/ --out pv",
  ],
  flags: unionFlags(),
  async run(args, ctx) {
    const [name, ...extra] = args.positionals;
    const gen = GENERATORS.find((g) => g.name === name);
    if (!gen) throw new StnmfError('USAGE', `stnmf simulate: name a generator: ${GENERATORS.map((g) => g.name).join(', ')}${name ? ` (got '${name}')` : ''}`);
    if (extra.length) throw new StnmfError('USAGE', `stnmf simulate ${gen.name}: unexpected argument '${extra[0]}'`);
    const flags: Record<string, FlagValue> = {};
    for (const [k, v] of Object.entries(args.flags)) {
      if (v === undefined || k in COMMON) continue;
      if (!(k in gen.flags)) throw new StnmfError('USAGE', `stnmf simulate ${gen.name}: --${k} is not an option of this generator (options: ${Object.keys(gen.flags).map((f) => '--' + f).join(' ')})`);
    }
    for (const [k, spec] of Object.entries({ ...gen.flags, ...COMMON })) flags[k] = args.flags[k] ?? spec.default;
    if (gen.runDirect) return gen.runDirect(flags, ctx);
    const out = await RunOutput.open(flags.out as string, { force: Boolean(flags.force) });
    await withRun(out, async () => {
      const t0 = performance.now();
      const summary = await gen.run(flags, out, ctx);
      const seconds = (performance.now() - t0) / 1000;
      await finishRun(out, { command: `simulate ${gen.name}`, parameters: flags, inputs: {}, seed: flags.seed as number, summary, seconds }, ctx, Boolean(flags.json));
    });
  },
};
