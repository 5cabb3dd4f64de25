// Each method's options are declared once (src/options.ts tables): the CLI's flags are the
// table's, the library's defaults are the table's, and a value outside a declared range is
// refused by both, the library naming the option and the CLI naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type FlagSpec } from '../src/cli/args.js';
import { contrastiveCommand } from '../src/cli/commands/contrastive.js';
import { hsnmfCommand } from '../src/cli/commands/hsnmf.js';
import { nmfCommand } from '../src/cli/commands/nmf.js';
import { siidCommand } from '../src/cli/commands/siid.js';
import { optionFlags } from '../src/cli/option-flags.js';
import { StnmfError } from '../src/errors.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { CONTRASTIVE_OPTIONS, contrastiveNmf } from '../src/methods/contrastive/index.js';
import { resolveOptions as contrastiveResolve } from '../src/methods/contrastive/model.js';
import { HSNMF_EVALUATE_OPTIONS, HSNMF_OPTIONS, hsnmf, hsnmfDefaults, snmfDefaults } from '../src/methods/snmf/index.js';
import { resolveSiidOptions, SIID_OPTIONS, siidOptionsFromFlags } from '../src/methods/siid/index.js';
import { inmf, INMF_OPTIONS, nmf, NMF_OPTIONS, SAMPLE_FIT_OPTIONS, SCALED_JOINT_OPTIONS } from '../src/nmf/index.js';
import { checkOptions, optionsFromFlags, type OptionSpec, type OptionTable } from '../src/options.js';
import type { Dataset } from '../src/dataset.js';

const CASES: [string, Record<string, FlagSpec>, OptionTable][] = [
  ['nmf', nmfCommand.flags, NMF_OPTIONS],
  ['nmf --inmf', nmfCommand.flags, INMF_OPTIONS],
  ['nmf --sample-scaling', nmfCommand.flags, SCALED_JOINT_OPTIONS],
  ['nmf (sample-aware fits)', nmfCommand.flags, SAMPLE_FIT_OPTIONS],
  ['hsnmf', hsnmfCommand.flags, HSNMF_OPTIONS],
  ['hsnmf (evaluation)', hsnmfCommand.flags, HSNMF_EVALUATE_OPTIONS],
  ['contrastive', contrastiveCommand.flags, CONTRASTIVE_OPTIONS],
  ['siid', siidCommand.flags, SIID_OPTIONS],
];

test('every option table entry is its command flag as declared (no later flag overrides it)', () => {
  for (const [name, flags, table] of CASES) {
    const derived = optionFlags(table);
    for (const [flag, spec] of Object.entries(derived)) assert.deepEqual(flags[flag], spec, `${name} --${flag}`);
  }
});

/** A value just outside the declared range, or undefined when the option has none. */
function outside(spec: OptionSpec): number | string | undefined {
  if (spec.choices) return 'no-such-choice';
  if (spec.min !== undefined) return spec.min - 1;
  if (spec.exclusiveMin !== undefined) return spec.exclusiveMin;
  if (spec.max !== undefined) return spec.max + 1;
  return undefined;
}

test('a value outside a declared range: the library names the option, the CLI names the flag', () => {
  let checked = 0;
  for (const [name, flags, table] of CASES) {
    for (const [option, spec] of Object.entries(table)) {
      const bad = outside(spec);
      if (bad === undefined) continue;
      const nested = option.split('.').reduceRight<unknown>((v, key) => ({ [key]: v }), bad) as object;
      assert.throws(() => checkOptions(table, nested, name), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && e.message.includes(` ${option} `), `${name} ${option} = ${bad}`);
      assert.throws(() => parseArgs(name, [`--${spec.flag}`, String(bad)], flags), (e: unknown) => e instanceof StnmfError && e.message.includes(`--${spec.flag}`), `${name} --${spec.flag} ${bad}`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `only ${checked} range checks`);
});

test("library defaults are the tables' defaults", async () => {
  // NMF: what a run records as its parameters with nothing given.
  const X = csrFromDense({ rows: 8, cols: 6, data: Float32Array.from({ length: 48 }, (_, q) => ((q * 7) % 5) + 1) });
  const r = await nmf(X, { rank: 2, threads: 1 });
  for (const o of ['loss', 'maxIter', 'tol', 'seed', 'restarts'] as const) assert.equal(r.parameters[o], NMF_OPTIONS[o].default, `nmf ${o}`);
  const ri = await inmf(X, { key: 'sample', ids: ['a', 'b'], codes: Int32Array.from({ length: 8 }, (_, i) => i % 2) }, { rank: 2, maxIter: 3 });
  assert.equal(ri.parameters.lambda, INMF_OPTIONS.lambda.default);
  for (const o of ['tol', 'seed'] as const) assert.equal(ri.parameters[o], NMF_OPTIONS[o].default, `inmf ${o}`);
  // hSNMF: the resolved clustering and SNMF parameters.
  const h = { ...hsnmfDefaults({}), ...snmfDefaults({}) } as Record<string, unknown>;
  for (const [o, spec] of Object.entries(HSNMF_OPTIONS as OptionTable)) if (!o.includes('.') && spec.default !== undefined) assert.equal(h[o], spec.default, `hsnmf ${o}`);
  // bcNMF and SIID.
  const c = contrastiveResolve({ rank: 1, alpha: 0 }, 10, 5) as unknown as Record<string, unknown>;
  for (const [o, spec] of Object.entries(CONTRASTIVE_OPTIONS as OptionTable)) if (spec.default !== undefined) assert.equal(c[o], spec.default, `contrastive ${o}`);
  const s = resolveSiidOptions({}) as unknown as Record<string, unknown>;
  for (const [o, spec] of Object.entries(SIID_OPTIONS as OptionTable)) {
    if (spec.default === undefined || o === 'mappingDistance') continue; // the mapping radius is resolved where the mapping is built (prepare.ts)
    assert.equal(s[o] ?? 0, spec.default, `siid ${o}`); // entropyLambda 0 is recorded as null (off)
  }
});

test("parsed CLI flags give the library call the CLI makes: the table's defaults, every flag mapped", () => {
  const f = parseArgs('nmf', ['--rank', '4', '--max-iter', '7', '--out', 'x'], nmfCommand.flags).flags;
  assert.deepEqual(optionsFromFlags(NMF_OPTIONS, f), { rank: 4, loss: 'frobenius', maxIter: 7, halsAlpha: 0.5, tol: 1e-4, seed: 0, restarts: 1 });
  const h = parseArgs('hsnmf', ['--max-iter', '50', '--tol', '0', '--out', 'x'], hsnmfCommand.flags).flags;
  const ho = optionsFromFlags<Record<string, unknown>>(HSNMF_OPTIONS, h);
  assert.deepEqual(ho.nmf, { maxIter: 50, tol: 0 });
  assert.equal(ho.contactRadius, 20);
  const s = siidOptionsFromFlags(parseArgs('siid', ['--cells', 'a', '--spots', 'b', '--entropy-lambda', '1000', '--intersect', '--visium-genes', 'all', '--out', 'x'], { ...siidCommand.flags, cells: { type: 'string', help: '' }, spots: { type: 'string', help: '' } }).flags);
  assert.equal(s.entropyLambda, 1000);
  assert.equal(s.missingGenes, 'intersect');
  assert.equal(s.visiumGenes, 'all');
  assert.equal(resolveSiidOptions({ entropyLambda: 0 }).entropyLambda, null);
  // null is "off" for the entropy term, as SiidOptions documents: accepted at the edge.
  assert.doesNotThrow(() => checkOptions(SIID_OPTIONS, { entropyLambda: null }, 'siid'));
  assert.equal(resolveSiidOptions({ entropyLambda: null }).entropyLambda, null);
});

test('help shows each default with its source', () => {
  const help = nmfCommand.flags['max-iter'];
  assert.equal(help.default, 200);
  assert.equal(help.defaultSource, 'scikit-learn');
});

test('the library refuses bad options at its edge before touching the data', async () => {
  const ds = { X: csrFromDense({ rows: 3, cols: 2, data: new Float32Array(6).fill(1) }) } as unknown as Dataset;
  await assert.rejects(hsnmf(ds, { alpha: 2 }), /hsnmf: alpha must be <= 1, got 2/);
  await assert.rejects(hsnmf(ds, { nmf: { maxIter: 0 } }), /hsnmf: nmf\.maxIter must be >= 1, got 0/);
  const X = { rows: 2, cols: 2, data: new Float32Array(4).fill(1) };
  await assert.rejects(contrastiveNmf(X, X, { rank: 1, alpha: 1, alphaScale: 'sideways' as never }), /contrastiveNmf: alphaScale must be one of raw, perSample, got sideways/);
});
