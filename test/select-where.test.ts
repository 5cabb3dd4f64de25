/**
 * `--where` parser and evaluator: precedence, quoting, types, missing values, and the exact
 * text of the errors a user sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, type Frame } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { evaluateWhere, parseWhere, whereColumns } from '../src/io/select/index.js';

// 6 rows: a category with a missing code, numbers with a NaN, a bool, a string, an odd name.
const obs: Frame = frame(['c0', 'c1', 'c2', 'c3', 'c4', 'c5'], {
  sample: { kind: 'category', categories: ['CP', 'HP', '3'], codes: Int32Array.from([0, 1, 0, 2, -1, 1]) },
  total_counts: { kind: 'number', values: Float64Array.from([5, 10, 15, NaN, 20, 0]) },
  in_tissue: { kind: 'bool', values: Uint8Array.from([1, 0, 1, 1, 0, 1]) },
  cell_type: { kind: 'string', values: ['T cell', 'B', "it's", 'T cell', 'B', 'x"y'] },
  'my col': { kind: 'number', values: Int32Array.from([1, 2, 3, 4, 5, 6]) },
});

const rows = (expr: string): number[] => {
  const m = evaluateWhere(expr, obs);
  return [...m.keys()].filter((i) => m[i] === 1);
};

function throwsMsg(expr: string, re: RegExp, code = 'USAGE'): void {
  assert.throws(
    () => evaluateWhere(expr, obs),
    (e: unknown) => e instanceof StnmfError && e.code === code && re.test(e.message) && !e.message.includes('\n'),
    expr,
  );
}

test('comparisons on number columns, NaN as pandas (false except !=)', () => {
  assert.deepEqual(rows('total_counts > 10'), [2, 4]);
  assert.deepEqual(rows('total_counts >= 10'), [1, 2, 4]);
  assert.deepEqual(rows('total_counts < 10'), [0, 5]);
  assert.deepEqual(rows('total_counts <= 0'), [5]);
  assert.deepEqual(rows('total_counts == 15'), [2]);
  assert.deepEqual(rows('total_counts != 15'), [0, 1, 3, 4, 5]);
  assert.deepEqual(rows('total_counts >= 1e1'), [1, 2, 4]);
  assert.deepEqual(rows('total_counts > -1.5'), [0, 1, 2, 4, 5]);
  assert.deepEqual(rows('total_counts in [5, 20]'), [0, 4]);
  assert.deepEqual(rows('total_counts not in [5, 20]'), [1, 2, 3, 5]);
});

test('category and string columns compare by label; quotes and bare words', () => {
  assert.deepEqual(rows('sample == "CP"'), [0, 2]);
  assert.deepEqual(rows("sample == 'CP'"), [0, 2]);
  assert.deepEqual(rows('sample == CP'), [0, 2]);
  assert.deepEqual(rows('sample != CP'), [1, 3, 4, 5], 'missing category is != CP');
  assert.deepEqual(rows('sample in [CP, "HP"]'), [0, 1, 2, 5]);
  assert.deepEqual(rows('sample not in [CP]'), [1, 3, 4, 5]);
  assert.deepEqual(rows('sample == 3'), [3], 'a number literal matches a numeric label');
  assert.deepEqual(rows('cell_type == "T cell"'), [0, 3]);
  assert.deepEqual(rows('cell_type == "it\'s"'), [2]);
  assert.deepEqual(rows("cell_type == 'x\"y'"), [5]);
  assert.deepEqual(rows("cell_type == 'it\\'s'"), [2], 'backslash escapes');
});

test('bool columns: alone, with true/false, with 1/0', () => {
  assert.deepEqual(rows('in_tissue'), [0, 2, 3, 5]);
  assert.deepEqual(rows('not in_tissue'), [1, 4]);
  assert.deepEqual(rows('in_tissue == false'), [1, 4]);
  assert.deepEqual(rows('in_tissue == TRUE'), [0, 2, 3, 5]);
  assert.deepEqual(rows('in_tissue != 1'), [1, 4]);
});

test('precedence: not > and > or; parentheses; symbol forms', () => {
  // a or b and c = a or (b and c)
  assert.deepEqual(rows('sample == HP or total_counts > 10 and in_tissue'), [1, 2, 5]);
  assert.deepEqual(rows('(sample == HP or total_counts > 10) and in_tissue'), [2, 5]);
  assert.deepEqual(rows('not sample == CP and in_tissue'), [3, 5]);
  assert.deepEqual(rows('not (sample == CP and in_tissue)'), [1, 3, 4, 5]);
  assert.deepEqual(rows('not not in_tissue'), [0, 2, 3, 5]);
  assert.deepEqual(rows('sample == HP | total_counts > 10 & in_tissue'), rows('sample == HP or total_counts > 10 and in_tissue'));
  assert.deepEqual(rows('sample == HP || !in_tissue && total_counts >= 0'), [1, 4, 5]);
  assert.deepEqual(rows('~in_tissue'), [1, 4]);
  assert.deepEqual(rows('SAMPLE == CP AND in_tissue'.replace('SAMPLE', 'sample')), [0, 2], 'keywords are case-insensitive');
  assert.deepEqual(rows('total_counts>10'), [2, 4], 'no spaces needed');
});

test('backquoted column names', () => {
  assert.deepEqual(rows('`my col` >= 5'), [4, 5]);
  assert.deepEqual(rows('`my col` in [1, 2] or `sample` == "3"'), [0, 1, 3]);
  assert.deepEqual(whereColumns('`my col` > 1 and (sample == CP or not in_tissue)'), ['my col', 'sample', 'in_tissue']);
});

test('unknown column: names it, suggests case-insensitively, lists the columns', () => {
  throwsMsg('Sample == CP', /^--where: no obs column "Sample"; did you mean "sample"\? \(obs columns: sample, total_counts, in_tissue, cell_type, my col\)$/);
  throwsMsg('total_count > 3', /no obs column "total_count"; did you mean "total_counts"\?/);
  throwsMsg('zzz == 1', /^--where: no obs column "zzz" \(obs columns: sample, /);
  assert.throws(() => evaluateWhere('x == 1', obs, '--target-where'), /^StnmfError: --target-where: no obs column "x"/);
});

test('type mismatches name the column and its type', () => {
  throwsMsg('total_counts == "abc"', /^--where: "total_counts" is a number column and cannot be compared with == "abc"; compare it with a number$/);
  throwsMsg('sample > 3', /^--where: "sample" is a category column \(3 categories\) and cannot be compared with > 3; compare it with == \/ != \/ in and a label such as "CP"$/);
  throwsMsg('cell_type < b', /"cell_type" is a string column and cannot be compared with < "b"/);
  throwsMsg('in_tissue == "yes"', /"in_tissue" is a bool column .*compare it with true or false/);
  throwsMsg('total_counts', /"total_counts" is a number column and cannot be used alone as a condition \(only bool columns can\)/);
  throwsMsg('total_counts in [1, x]', /"total_counts" is a number column and cannot be compared with in "x"/);
});

test('syntax errors show the position', () => {
  throwsMsg('sample = CP', /^--where: syntax error at character 8 of "sample ▸= CP": use '==' to compare/);
  throwsMsg('sample == ', /syntax error at character 11 of "sample == ▸": expected a value after '==', found the end of the expression/);
  throwsMsg('(sample == CP', /syntax error at character 14 .*expected '\)' to close the '\(' at character 1/);
  throwsMsg('sample == CP in_tissue', /syntax error at character 14 of "sample == CP ▸in_tissue": unexpected "in_tissue"/);
  throwsMsg('sample == "CP', /syntax error at character 11 .*unterminated string starting with "/);
  throwsMsg('sample in CP', /expected '\[' after 'in', found "CP"/);
  throwsMsg('sample in [CP HP]', /expected ',' or '\]' in the list, found "HP"/);
  throwsMsg('sample in []', /'in' needs at least one value/);
  throwsMsg('and x', /expected a column name, found "and"/);
  throwsMsg('`my col > 3', /unterminated `back quoted` column name/);
  throwsMsg('sample == CP and', /expected a column name, found the end of the expression/);
  throwsMsg('total_counts > 3 ;', /unexpected character ";"/);
  assert.throws(() => parseWhere('   '), /--where: empty expression/);
});

test('the tree is reusable and evaluation does not depend on parse order', () => {
  const t = parseWhere('sample == CP or sample == HP');
  assert.equal(t.type, 'or');
  assert.deepEqual(Array.from(evaluateWhere(t, obs)), [1, 1, 1, 0, 0, 1]);
});
