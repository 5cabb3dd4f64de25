// The house plan as a test: parses every import of src/ (static, type-only, re-exports and
// literal dynamic imports) and fails on any import cycle, on any import from a higher layer
// (docs/architecture.md §2) and on `node:*` imports outside src/io and src/cli. It also checks
// that every source path docs/architecture.md names exists, so the map stays true to the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SRC = join(ROOT, 'src');

/**
 * Layer of each folder of src/ (docs/architecture.md §2). Files directly in src/ are the core
 * (errors, dataset, keys, version, the result-dataset model) at layer 0, except src/index.ts, the
 * package entry, which may re-export layers 0–2.
 */
const LAYERS: Record<string, number> = {
  linalg: 0,
  '': 0,
  nmf: 1,
  spatial: 1,
  graph: 1,
  metrics: 1,
  methods: 2,
  simulate: 2,
  io: 3,
  plot: 3,
  outputs: 4,
  cli: 4,
};

/** Same-layer imports that the plan allows (metrics builds on spatial's graphs; the CLI writes the run files outputs/ makes). */
const ALLOWED_SIDEWAYS = new Set(['metrics->spatial', 'cli->outputs']);

/** Folders where `node:*` imports may appear. */
const NODE_OK = new Set(['io', 'cli']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Top folder of a src/ file ('' for files directly in src/). */
function area(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length === 1 ? '' : rel[0];
}

function layerOf(file: string): number {
  if (relative(SRC, file) === 'index.ts') return 2;
  const a = area(file);
  const l = LAYERS[a];
  if (l === undefined) throw new Error(`${relative(ROOT, file)}: folder '${a}' has no layer in layers.test.ts; add it (and to docs/architecture.md)`);
  return l;
}

interface ImportEdge {
  from: string;
  spec: string;
  /** Resolved src/ file for relative specifiers. */
  to?: string;
}

/** Every import of a file: ts.preProcessFile lists static, type-only, re-export and literal dynamic imports. */
function importsOf(file: string): ImportEdge[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: spec }) => {
    if (!spec.startsWith('.')) return { from: file, spec };
    const base = resolve(dirname(file), spec);
    const cands = [base.replace(/\.js$/, '.ts'), base + '.ts', join(base, 'index.ts')];
    const to = cands.find((c) => existsSync(c));
    return { from: file, spec, to };
  });
}

const FILES = walk(SRC).sort();
const EDGES = FILES.flatMap(importsOf);

test('every relative import of src/ resolves to a file in src/', () => {
  const bad = EDGES.filter((e) => e.spec.startsWith('.') && (!e.to || !e.to.startsWith(SRC + '/')));
  assert.deepEqual(bad.map((e) => `${relative(ROOT, e.from)} → ${e.spec}`), []);
});

test('src/ has no import cycle', () => {
  // Tarjan's strongly connected components over the file graph.
  const adj = new Map<string, string[]>(FILES.map((f) => [f, []]));
  for (const e of EDGES) if (e.to && adj.has(e.to)) adj.get(e.from)!.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || adj.get(v)!.includes(v)) cycles.push(comp.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const f of FILES) if (!idx.has(f)) visit(f);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => '  ' + c.join(' ↔ ')).join('\n')}`);
});

test('no file imports from a higher layer, or sideways between layer-1/3 rooms', () => {
  const bad: string[] = [];
  for (const e of EDGES) {
    if (!e.to) continue;
    const lf = layerOf(e.from);
    const lt = layerOf(e.to);
    const af = area(e.from);
    const at = area(e.to);
    if (lt > lf) bad.push(`${relative(ROOT, e.from)} (layer ${lf}) → ${relative(ROOT, e.to)} (layer ${lt})`);
    else if (lt === lf && af !== at && lf !== 0 && lf !== 2 && !ALLOWED_SIDEWAYS.has(`${af}->${at}`)) {
      bad.push(`${relative(ROOT, e.from)} → ${relative(ROOT, e.to)} (sideways in layer ${lf})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('node:* imports only in src/io and src/cli (layers 0–2 and plot run in browsers)', () => {
  const bad = EDGES.filter((e) => (e.spec.startsWith('node:') || ['fs', 'path', 'os', 'url', 'child_process', 'worker_threads'].includes(e.spec)) && !NODE_OK.has(area(e.from)));
  assert.deepEqual(bad.map((e) => `${relative(ROOT, e.from)} imports ${e.spec}`), []);
});

test('the layer table of this test matches docs/architecture.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  for (const [folder, layer] of Object.entries(LAYERS)) {
    if (folder === '') continue;
    const row = new RegExp(`^\\|\\s*${layer}\\s*\\|\\s*\`src/${folder}/\``, 'm');
    assert.match(doc, row, `docs/architecture.md: no layer-table row '| ${layer} | \`src/${folder}/\` |'`);
  }
});

test('every path docs/architecture.md names exists', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const paths = [...new Set([...doc.matchAll(/`((?:src|test|scripts|web|docs)\/[^`\s]*?)`/g)].map((m) => m[1].replace(/[#:].*$/, '')))];
  assert.ok(paths.length >= 30, `expected the doc to name at least 30 paths, found ${paths.length}`);
  // Templates such as `src/methods/<method>/` name a pattern, not a file.
  const missing = paths.filter((p) => !p.includes('<') && !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, []);
});
