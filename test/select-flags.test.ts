/**
 * The selection flags: repeatable `array` flags in args.ts, the declarations of
 * src/cli/input-flags.ts (with prefixes), and selectionFromFlags' conversion and range checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHelp, parseArgs } from '../src/cli/args.js';
import { normalizeFlags, selectionFlags, selectionFromFlags } from '../src/cli/input-flags.js';
import { StnmfError } from '../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'stnmf-select-flags-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('array flags collect every occurrence in order; absent stays undefined; others unchanged', () => {
  const spec = { meta: { type: 'string' as const, array: true, help: 'm' }, rank: { type: 'int' as const, help: 'k' }, n: { type: 'number' as const, array: true, help: 'n' } };
  const a = parseArgs('x', ['--meta', 'a.csv', '--rank', '3', '--meta=b.csv', 'pos', '--n', '1.5', '--n', '2'], spec);
  assert.deepEqual(a.flags.meta, ['a.csv', 'b.csv']);
  assert.equal(a.flags.rank, 3);
  assert.deepEqual(a.flags.n, ['1.5', '2']);
  assert.deepEqual(a.positionals, ['pos']);
  assert.equal(parseArgs('x', [], spec).flags.meta, undefined);
  assert.throws(() => parseArgs('x', ['--n', 'abc'], spec), /--n needs a number, got 'abc'/);
  assert.throws(() => parseArgs('x', ['--meta'], spec), /--meta needs a value/);
  assert.match(formatHelp('x', 'x', 's', spec), /--meta <string> \.\.\./);
});

test('selectionFlags: every flag of the contract, prefixed per input', () => {
  const names = Object.keys(selectionFlags());
  assert.deepEqual(names, ['obs-meta', 'where', 'genes', 'exclude-genes', 'min-counts', 'min-features', 'max-pct-control', 'min-cells', 'hvg', 'hvg-batch-key']);
  assert.deepEqual(Object.keys(selectionFlags('target-')), names.map((n) => `target-${n}`));
  assert.equal(selectionFlags()['obs-meta'].array, true);
  for (const s of Object.values(selectionFlags())) assert.equal(s.default, undefined, 'absent = step skipped');
  assert.deepEqual(Object.keys(normalizeFlags()), ['normalize', 'target-sum', 'normalize-per-sample']);
  assert.equal(normalizeFlags().normalize.default, 'none');
});

test('selectionFromFlags: parsed command line to SelectionOptions, gene files read', async () => {
  const genes = join(tmp, 'g.txt');
  writeFileSync(genes, 'Gad1\nSst\n');
  const spec = { ...selectionFlags('cells-'), ...normalizeFlags() };
  const argv = ['--cells-obs-meta', 'a.csv', '--cells-obs-meta', 'b.csv', '--cells-where', 'sample == "CP"', '--cells-genes', genes, '--cells-exclude-genes', 'Vip,Sst',
    '--cells-min-counts', '10', '--cells-min-features', '5', '--cells-max-pct-control', '2.5', '--cells-min-cells', '3', '--cells-hvg', '2000', '--cells-hvg-batch-key', 'sample', '--normalize', 'total-log1p', '--target-sum', '1e4'];
  const o = await selectionFromFlags(parseArgs('nmf', argv, spec).flags, 'cells-');
  assert.deepEqual(o, {
    obsMeta: ['a.csv', 'b.csv'], where: 'sample == "CP"', genes: ['Gad1', 'Sst'], excludeGenes: ['Vip', 'Sst'], minCounts: 10, minFeatures: 5, minCells: 3,
    maxPctControl: 2.5, hvg: 2000, hvgBatchKey: 'sample', normalize: 'total-log1p', targetSum: 10000,
  });
  assert.deepEqual(await selectionFromFlags(parseArgs('info', [], selectionFlags()).flags), {});
});

test('selectionFromFlags: range checks are usage errors naming the flag', async () => {
  const spec = { ...selectionFlags(), ...normalizeFlags() };
  const bad = async (argv: string[], re: RegExp) =>
    assert.rejects(selectionFromFlags(parseArgs('nmf', argv, spec).flags), (e: unknown) => e instanceof StnmfError && e.code === 'USAGE' && re.test(e.message), argv.join(' '));
  await bad(['--min-counts', '-1'], /^--min-counts must be ≥ 0, got -1$/);
  await bad(['--min-features', '-2'], /^--min-features must be ≥ 0/);
  await bad(['--min-cells', '-3'], /^--min-cells must be ≥ 0/);
  await bad(['--max-pct-control', '101'], /^--max-pct-control is a percentage and must be within 0-100, got 101$/);
  await bad(['--max-pct-control', '-0.5'], /^--max-pct-control is a percentage/);
  await bad(['--hvg', '0'], /^--hvg must be a whole number ≥ 1, got 0$/);
  await bad(['--hvg-batch-key', 'sample'], /^--hvg-batch-key needs --hvg N$/);
  await bad(['--where', ' '], /^--where is empty/);
  await bad(['--normalize', 'total', '--target-sum', '0'], /^--target-sum must be > 0, got 0$/);
  await bad(['--target-sum', '100'], /^--target-sum only applies with --normalize total or total-log1p$/);
  assert.throws(() => parseArgs('nmf', ['--hvg', '2.5'], spec), /--hvg needs a whole number/);
  assert.throws(() => parseArgs('nmf', ['--normalize', 'zscore'], spec), /--normalize must be one of none, total, log1p, total-log1p/);
  const pre = { ...selectionFlags('target-') };
  await assert.rejects(selectionFromFlags(parseArgs('contrastive', ['--target-min-counts', '-1'], pre).flags, 'target-'), /^StnmfError: --target-min-counts must be ≥ 0/);
});
