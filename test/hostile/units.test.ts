/**
 * The mechanisms behind the hostile corpus, unit by unit: checkpoint() lets an abort fired from
 * the event loop stop a busy loop; FlagSpec ranges are enforced by parseArgs with the flag's
 * name; validateDataset rejects each kind of corrupt CSR, non-finite or huge values, duplicate
 * names and obsm row mismatches, naming the file and field; num/isNumeric read decimals only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpoint, StnmfError } from '../../src/errors.js';
import { parseArgs } from '../../src/cli/args.js';
import { validateDataset } from '../../src/io/validate.js';
import { isNumeric, num } from '../../src/io/text.js';
import { tinyDataset } from './inputs.js';

test('checkpoint: a timer-fired abort stops a loop that never awaits anything else', async () => {
  const c = new AbortController();
  setTimeout(() => c.abort(), 30);
  const t0 = Date.now();
  let iterations = 0;
  await assert.rejects(
    (async () => {
      for (;;) {
        await checkpoint(c.signal, 'busy loop');
        const end = Date.now() + 2; // 2 ms of synchronous work per iteration
        while (Date.now() < end) iterations++;
      }
    })(),
    (e: unknown) => e instanceof StnmfError && e.code === 'ABORTED' && /busy loop/.test(e.message),
  );
  assert.ok(Date.now() - t0 < 500, `abort took ${Date.now() - t0} ms`);
  assert.ok(iterations > 0);
});

test('parseArgs: declared ranges, decimal-only numbers, messages name the flag', () => {
  const spec = {
    n: { type: 'int' as const, min: 1, help: 'n' },
    d: { type: 'number' as const, exclusiveMin: 0, max: 10, help: 'd' },
  };
  assert.deepEqual(parseArgs('x', ['--n', '3', '--d', '10'], spec).flags, { n: 3, d: 10 });
  const usage = (argv: string[], re: RegExp) =>
    assert.throws(() => parseArgs('x', argv, spec), (e: unknown) => e instanceof StnmfError && e.code === 'USAGE' && re.test(e.message) && !e.message.startsWith('stnmf'));
  usage(['--n', '0'], /^--n must be >= 1, got 0$/);
  usage(['--n=-1'], /^--n must be >= 1/);
  usage(['--d', '0'], /^--d must be > 0 and <= 10, got 0$/);
  usage(['--d', '10.5'], /^--d must be > 0 and <= 10/);
  usage(['--n', '0x1F'], /^--n needs a number, got '0x1F'$/);
  usage(['--d', '1e999'], /^--d needs a number/);
  usage(['--n', ' '], /^--n needs a number/);
  usage(['--n', '1.5'], /^--n needs a whole number/);
});

test('num/isNumeric: decimals only; 0x1F, 0b1 and blanks are not numbers', () => {
  assert.equal(num('12'), 12);
  assert.equal(num('-1.5e3'), -1500);
  assert.ok(Number.isNaN(num('0x1F')));
  assert.ok(Number.isNaN(num('0b1')));
  assert.ok(Number.isNaN(num(' ')));
  assert.equal(num('1e999'), Infinity);
  assert.equal(num('Infinity'), Infinity);
  assert.equal(isNumeric('0x1F'), false);
  assert.equal(isNumeric('Infinity'), false);
  assert.equal(isNumeric(' 3.5 '), true);
});

test('validateDataset: each corruption is refused with the file and field named', () => {
  const bad = (damage: (d: ReturnType<typeof tinyDataset>) => void, re: RegExp, code = 'BAD_FILE') => {
    const d = tinyDataset();
    damage(d);
    assert.throws(() => validateDataset('in.h5ad', d), (e: unknown) => e instanceof StnmfError && e.code === code && e.message.startsWith('in.h5ad: ') && re.test(e.message));
  };
  assert.equal(validateDataset('in.h5ad', tinyDataset()).X.rows, 8);
  bad((d) => void (d.X.indices[1] = 99), /X: index 99 out of range \[0, 5\)/);
  bad((d) => void (d.X.indptr[2] = d.X.indptr[1] - 1), /X: indptr decreases/);
  bad((d) => void (d.X.indptr[0] = 1), /X: indptr\[0\] is 1/);
  bad((d) => void (d.X.indptr[8] = 999), /X: indptr ends at 999/);
  bad((d) => (d.X = { ...d.X, data: d.X.data.slice(0, 3) }), /X: indptr ends at \d+ but there are \d+ indices and 3 values/);
  bad((d) => void (d.X.data[2] = 3e38), /X: value at row \d+, column \d+ is 3\.0+\d*e\+38, beyond/, 'BAD_INPUT');
  bad((d) => void (d.X.data[2] = Infinity), /X: value at row \d+, column \d+ is Infinity/, 'BAD_INPUT');
  bad((d) => void (d.X.data[2] = NaN), /is NaN; expected finite/, 'BAD_INPUT');
  bad((d) => void (d.obs.index[3] = d.obs.index[1]), /obs names: duplicate name "c1" \(entries 2 and 4\)/, 'BAD_INPUT');
  bad((d) => void (d.var.index[2] = d.var.index[0]), /var names: duplicate name "g0"/, 'BAD_INPUT');
  bad((d) => (d.obsm.spatial = { rows: 5, cols: 2, data: new Float64Array(10) }), /obsm "spatial" has 5 rows but obs has 8/);
  bad((d) => ((d.obsm.spatial.data as Float64Array)[3] = NaN), /obsm 'spatial': value at row 1, column 1 is NaN/, 'BAD_INPUT');
});
