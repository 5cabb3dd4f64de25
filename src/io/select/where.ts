/**
 * `--where` expressions over an obs table: a small parser and evaluator with pandas `query`
 * semantics for the comparisons a user writes to subset cells (`adata[adata.obs.sample == "CP"]`).
 *
 * Grammar (lowest precedence first):
 *   expr  := and ( ('or' | '|' | '||') and )*
 *   and   := not ( ('and' | '&' | '&&') not )*
 *   not   := ('not' | '!' | '~') not | atom
 *   atom  := '(' expr ')' | column op value | column ['not'] 'in' '[' value (',' value)* ']' | column
 *   op    := '==' | '!=' | '<' | '<=' | '>' | '>='
 *   value := 'string' | "string" | number | true | false | bareword
 *   column:= identifier | `back quoted name`
 * A lone column is allowed for bool columns (`--where in_tissue`).
 *
 * Semantics: category and string columns compare by label (`==`, `!=`, `in`; a number literal
 * matches a label that reads as that number); number columns by value (all six operators); bool
 * columns with `true`/`false` (or 1/0). Missing values follow pandas: NaN / missing categories
 * are false under `==`, `<`, `in`, … and true under `!=` and `not in`.
 *
 * Layer: pure (no I/O); lives in io because it serves the input contract.
 */
import type { Column, Frame } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { suggestName } from './suggest.js';

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A literal of the expression. */
export type Literal =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'bool'; value: boolean; raw: string };

/** Parsed `--where` expression tree. */
export type WhereNode =
  | { type: 'or' | 'and'; left: WhereNode; right: WhereNode }
  | { type: 'not'; arg: WhereNode }
  | { type: 'cmp'; column: string; op: Op; value: Literal; pos: number }
  | { type: 'in'; column: string; values: Literal[]; negate: boolean; pos: number }
  | { type: 'truth'; column: string; pos: number };

interface Token {
  t: 'ident' | 'col' | 'str' | 'num' | 'op' | 'punct' | 'end';
  v: string;
  pos: number;
}

function syntaxError(label: string, src: string, pos: number, what: string): StnmfError {
  const at = Math.min(pos, src.length);
  const shown = `${src.slice(0, at)}▸${src.slice(at)}`;
  return new StnmfError('USAGE', `${label}: syntax error at character ${at + 1} of ${JSON.stringify(shown)}: ${what}`);
}

function tokenize(src: string, label: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw syntaxError(label, src, start, `unterminated string starting with ${c}`);
        const d = src[i];
        if (d === '\\' && i + 1 < n) {
          s += src[i + 1];
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ t: 'str', v: s, pos: start });
      continue;
    }
    if (c === '`') {
      const e = src.indexOf('`', i + 1);
      if (e < 0) throw syntaxError(label, src, start, 'unterminated `back quoted` column name');
      out.push({ t: 'col', v: src.slice(i + 1, e), pos: start });
      i = e + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      out.push({ t: two === '&&' || two === '||' ? 'punct' : 'op', v: two, pos: start });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>') {
      out.push({ t: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if (c === '=') throw syntaxError(label, src, start, "use '==' to compare ('=' alone is not an operator)");
    if ('()[],&|!~'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: start });
      i++;
      continue;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![A-Za-z0-9_.])/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    // Bare words: letters, digits and the punctuation common in labels and column names.
    const word = /^[A-Za-z0-9_.:+\-/]+/.exec(src.slice(i));
    if (word) {
      out.push({ t: 'ident', v: word[0], pos: start });
      i += word[0].length;
      continue;
    }
    throw syntaxError(label, src, start, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'end', v: '', pos: n });
  return out;
}

/**
 * Parses a `--where` expression. `label` names the flag in errors (default `--where`; a
 * two-input command passes `--target-where`).
 * @throws StnmfError('USAGE') with the position of a syntax error.
 */
export function parseWhere(src: string, label = '--where'): WhereNode {
  if (src.trim() === '') throw new StnmfError('USAGE', `${label}: empty expression (write e.g. ${label} 'sample == "CP"')`);
  const toks = tokenize(src, label);
  let k = 0;
  const peek = (): Token => toks[k];
  const isWord = (tok: Token, w: string): boolean => tok.t === 'ident' && tok.v.toLowerCase() === w;
  const isPunct = (tok: Token, p: string): boolean => tok.t === 'punct' && tok.v === p;
  const describe = (tok: Token): string => (tok.t === 'end' ? 'the end of the expression' : JSON.stringify(tok.v));

  const parseOr = (): WhereNode => {
    let left = parseAnd();
    for (;;) {
      const tok = peek();
      if (isWord(tok, 'or') || isPunct(tok, '|') || isPunct(tok, '||')) {
        k++;
        left = { type: 'or', left, right: parseAnd() };
      } else return left;
    }
  };
  const parseAnd = (): WhereNode => {
    let left = parseNot();
    for (;;) {
      const tok = peek();
      if (isWord(tok, 'and') || isPunct(tok, '&') || isPunct(tok, '&&')) {
        k++;
        left = { type: 'and', left, right: parseNot() };
      } else return left;
    }
  };
  const parseNot = (): WhereNode => {
    const tok = peek();
    if (isWord(tok, 'not') || isPunct(tok, '!') || isPunct(tok, '~')) {
      k++;
      return { type: 'not', arg: parseNot() };
    }
    return parseAtom();
  };
  const parseValue = (after: string): Literal => {
    const tok = peek();
    k++;
    if (tok.t === 'str') return { kind: 'string', value: tok.v, raw: tok.v };
    if (tok.t === 'num') return { kind: 'number', value: Number(tok.v), raw: tok.v };
    if (tok.t === 'ident') {
      const w = tok.v.toLowerCase();
      if (w === 'true' || w === 'false') return { kind: 'bool', value: w === 'true', raw: tok.v };
      if (w === 'and' || w === 'or' || w === 'not' || w === 'in') throw syntaxError(label, src, tok.pos, `expected a value after ${after}, found ${describe(tok)}`);
      return { kind: 'string', value: tok.v, raw: tok.v };
    }
    throw syntaxError(label, src, tok.pos, `expected a value after ${after}, found ${describe(tok)}`);
  };
  const parseList = (column: string, negate: boolean, pos: number): WhereNode => {
    const open = peek();
    if (!isPunct(open, '[') && !isPunct(open, '(')) throw syntaxError(label, src, open.pos, `expected '[' after 'in', found ${describe(open)}`);
    const close = open.v === '[' ? ']' : ')';
    k++;
    const values: Literal[] = [];
    if (isPunct(peek(), close)) throw syntaxError(label, src, peek().pos, "'in' needs at least one value");
    for (;;) {
      values.push(parseValue(values.length === 0 ? `'${open.v}'` : "','"));
      const tok = peek();
      if (isPunct(tok, ',')) {
        k++;
        continue;
      }
      if (isPunct(tok, close)) {
        k++;
        break;
      }
      throw syntaxError(label, src, tok.pos, `expected ',' or '${close}' in the list, found ${describe(tok)}`);
    }
    return { type: 'in', column, values, negate, pos };
  };
  const parseAtom = (): WhereNode => {
    const tok = peek();
    if (isPunct(tok, '(')) {
      k++;
      const e = parseOr();
      const close = peek();
      if (!isPunct(close, ')')) throw syntaxError(label, src, close.pos, `expected ')' to close the '(' at character ${tok.pos + 1}, found ${describe(close)}`);
      k++;
      return e;
    }
    if (tok.t !== 'ident' && tok.t !== 'col') throw syntaxError(label, src, tok.pos, `expected a column name, found ${describe(tok)}`);
    const w = tok.v.toLowerCase();
    if (tok.t === 'ident' && (w === 'and' || w === 'or' || w === 'in')) throw syntaxError(label, src, tok.pos, `expected a column name, found ${describe(tok)}`);
    k++;
    const column = tok.v;
    const next = peek();
    if (next.t === 'op') {
      k++;
      return { type: 'cmp', column, op: next.v as Op, value: parseValue(`'${next.v}'`), pos: tok.pos };
    }
    if (isWord(next, 'in')) {
      k++;
      return parseList(column, false, tok.pos);
    }
    if (isWord(next, 'not') && isWord(toks[k + 1], 'in')) {
      k += 2;
      return parseList(column, true, tok.pos);
    }
    return { type: 'truth', column, pos: tok.pos };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest.t !== 'end') {
    throw syntaxError(label, src, rest.pos, `unexpected ${describe(rest)} (join conditions with 'and' / 'or', compare with ==, !=, <, <=, >, >=, in [...])`);
  }
  return tree;
}

function kindName(c: Column): string {
  return c.kind === 'category' ? `category column (${c.categories.length} categories)` : `${c.kind} column`;
}

/** The column names of a frame, listed for an error message (long lists shortened). */
export function listColumns(f: Frame, max = 25): string {
  const names = [...f.columns.keys()];
  if (names.length === 0) return 'obs has no columns';
  const shown = names.slice(0, max).join(', ');
  return `obs columns: ${shown}${names.length > max ? `, … (${names.length - max} more)` : ''}`;
}

function getColumn(f: Frame, name: string, label: string): Column {
  const c = f.columns.get(name);
  if (c) return c;
  const hint = suggestName(name, [...f.columns.keys()]);
  throw new StnmfError('USAGE', `${label}: no obs column ${JSON.stringify(name)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''} (${listColumns(f)})`);
}

function mismatch(label: string, column: string, c: Column, lit: Literal, op: string): StnmfError {
  const expect =
    c.kind === 'number'
      ? 'compare it with a number'
      : c.kind === 'bool'
        ? 'compare it with true or false'
        : `compare it with == / != / in and a label${c.kind === 'category' ? ` such as ${JSON.stringify(c.categories[0] ?? '')}` : ''}`;
  const what = op === 'truth' ? `cannot be used alone as a condition (only bool columns can)` : `cannot be compared with ${op} ${lit.kind === 'string' ? JSON.stringify(lit.raw) : lit.raw}`;
  return new StnmfError('USAGE', `${label}: ${JSON.stringify(column)} is a ${kindName(c)} and ${what}; ${expect}`);
}

function cmpNum(op: Op, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b; // NaN != x is true, as in pandas
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Does the label equal the literal (a number literal matches a label that reads as it)? */
function labelMatches(label: string, lit: Literal): boolean {
  if (lit.kind === 'string') return label === lit.value;
  if (lit.kind === 'number') return label === lit.raw || (label.trim() !== '' && Number(label) === lit.value);
  return label.toLowerCase() === String(lit.value);
}

/** Mask of the rows where the values (a membership set over literals) hold. */
function evalSet(f: Frame, column: string, lits: Literal[], op: '==' | '!=', label: string, opText: string): Uint8Array {
  const c = getColumn(f, column, label);
  const n = f.index.length;
  const out = new Uint8Array(n);
  const neg = op === '!=';
  switch (c.kind) {
    case 'number': {
      const vals = lits.map((l) => {
        if (l.kind === 'number') return l.value;
        if (l.kind === 'bool') return l.value ? 1 : 0;
        throw mismatch(label, column, c, l, opText);
      });
      for (let i = 0; i < n; i++) {
        const v = c.values[i];
        let hit = false;
        for (const x of vals) if (v === x) hit = true;
        out[i] = hit !== neg ? 1 : 0;
      }
      return out;
    }
    case 'bool': {
      const vals = lits.map((l): number => {
        if (l.kind === 'bool') return l.value ? 1 : 0;
        if (l.kind === 'number' && (l.value === 0 || l.value === 1)) return l.value;
        throw mismatch(label, column, c, l, opText);
      });
      for (let i = 0; i < n; i++) out[i] = vals.includes(c.values[i]) !== neg ? 1 : 0;
      return out;
    }
    case 'category': {
      const hitCat = new Uint8Array(c.categories.length);
      c.categories.forEach((cat, j) => {
        if (lits.some((l) => labelMatches(cat, l))) hitCat[j] = 1;
      });
      for (let i = 0; i < n; i++) {
        const code = c.codes[i];
        const hit = code >= 0 && hitCat[code] === 1;
        out[i] = hit !== neg ? 1 : 0;
      }
      return out;
    }
    case 'string': {
      for (let i = 0; i < n; i++) {
        const hit = lits.some((l) => labelMatches(c.values[i], l));
        out[i] = hit !== neg ? 1 : 0;
      }
      return out;
    }
  }
}

function evalNode(node: WhereNode, f: Frame, label: string): Uint8Array {
  const n = f.index.length;
  switch (node.type) {
    case 'and':
    case 'or': {
      const a = evalNode(node.left, f, label);
      const b = evalNode(node.right, f, label);
      for (let i = 0; i < n; i++) a[i] = node.type === 'and' ? a[i] & b[i] : a[i] | b[i];
      return a;
    }
    case 'not': {
      const a = evalNode(node.arg, f, label);
      for (let i = 0; i < n; i++) a[i] = a[i] ^ 1;
      return a;
    }
    case 'truth': {
      const c = getColumn(f, node.column, label);
      if (c.kind !== 'bool') throw mismatch(label, node.column, c, { kind: 'bool', value: true, raw: 'true' }, 'truth');
      return Uint8Array.from(c.values, (v) => (v ? 1 : 0));
    }
    case 'in':
      return evalSet(f, node.column, node.values, node.negate ? '!=' : '==', label, node.negate ? 'not in' : 'in');
    case 'cmp': {
      if (node.op === '==' || node.op === '!=') return evalSet(f, node.column, [node.value], node.op, label, node.op);
      const c = getColumn(f, node.column, label);
      if (c.kind !== 'number' || node.value.kind !== 'number') throw mismatch(label, node.column, c, node.value, node.op);
      const out = new Uint8Array(n);
      const x = node.value.value;
      for (let i = 0; i < n; i++) out[i] = cmpNum(node.op, c.values[i], x) ? 1 : 0;
      return out;
    }
  }
}

/**
 * Evaluates a `--where` expression (text or parsed tree) over `obs`: 1 where the row is kept.
 * @throws StnmfError('USAGE') for a syntax error (with its position), an unknown column (with
 * a "did you mean" and the columns there are) or a comparison the column's type does not allow.
 */
export function evaluateWhere(expr: string | WhereNode, obs: Frame, label = '--where'): Uint8Array {
  const tree = typeof expr === 'string' ? parseWhere(expr, label) : expr;
  return evalNode(tree, obs, label);
}

/** The columns an expression refers to (for reports and for checking before a join). */
export function whereColumns(expr: string | WhereNode, label = '--where'): string[] {
  const tree = typeof expr === 'string' ? parseWhere(expr, label) : expr;
  const out = new Set<string>();
  const walk = (n: WhereNode): void => {
    switch (n.type) {
      case 'and':
      case 'or':
        walk(n.left);
        walk(n.right);
        return;
      case 'not':
        walk(n.arg);
        return;
      default:
        out.add(n.column);
    }
  };
  walk(tree);
  return [...out];
}
