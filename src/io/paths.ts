/**
 * `/`-separated path arithmetic for readers, with the results Node's `path.posix` gives
 * (`join('a/./b', '..', 'c')` = `a/c`), so paths built by readers, named in their messages and
 * used as keys of a {@link Vfs} are spelled the same on disk and in a browser. No `node:path`:
 * these run in browsers.
 */

/** `path.posix.normalize`: resolves `.` and `..`, collapses `//`, keeps one trailing `/`. */
export function normalizePath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const trailing = p.endsWith('/');
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(s);
  }
  let r = (abs ? '/' : '') + out.join('/');
  if (r === '') return abs ? '/' : '.';
  if (trailing && r !== '/') r += '/';
  return r;
}

/** `path.posix.join`. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalizePath(joined);
}

/** `path.posix.basename` (no suffix argument). */
export function basename(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t.slice(t.lastIndexOf('/') + 1);
}

/** `path.posix.dirname`. */
export function dirname(p: string): string {
  const t = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return t.slice(0, i).replace(/\/+$/, '') || '/';
}

/** `path.posix.relative` for a `to` that lies under `from` (the only use: naming files of a folder in messages). */
export function relativeTo(from: string, to: string): string {
  const f = normalizePath(from).replace(/\/$/, '');
  const t = normalizePath(to);
  if (f === '.') return t;
  return t.startsWith(f + '/') ? t.slice(f.length + 1) : t;
}
