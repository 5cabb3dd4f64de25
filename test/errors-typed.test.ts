// Every error a user can cause is a StnmfError with its documented exit code (issue 15, "Exit
// codes and messages"); a plain Error reaching the CLI prints "internal error ... this is a bug".
// This test keeps the plain throws to a reviewed list of internal invariants (build problems,
// use after dispose, programming errors of a caller inside stnmf), and checks a few converted
// user-reachable errors by their code, exit code and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { StnmfError } from '../src/errors.js';
import { createKernels } from '../src/linalg/backend.js';
import { colormap } from '../src/plot/colormaps.js';
import { parseLimit } from '../src/plot/colorbar.js';
import { Rng } from '../src/linalg/rng.js';
import { dense, fromRows } from '../src/linalg/dense.js';
import { encodeNpy } from '../src/io/npy.js';
import { encodePng } from '../src/plot/png.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

/** file → number of plain `Error`s it may throw, and why they cannot be caused by a user. */
const INTERNAL: Record<string, [number, string]> = {
  'linalg/wasm/backend.ts': [2, 'use after dispose() (2)'],
  'linalg/wasm/ratio-pass64.ts': [1, 'a ratio-pass handle used after dispose()'],
  'options.ts': [1, 'optionDefault of an option the table declares no default for: a programming error of the method'],
  'linalg/wasm/module.ts': [2, 'missing wasm binary (a build problem), unknown import kind in our own binary'],
  'linalg/wasm/pool.ts': [4, 'a kernel trapped in a worker, a worker failed to start: bugs or a broken install'],
  'io/h5.ts': [1, 'wrapped at once into a StnmfError by h5ReadError'],
  'io/h5bool.ts': [1, 'the bool token length is a constant'],
  'io/vfs.ts': [1, 'ENOENT/EISDIR codes of the memory Vfs, mapped by the callers'],
  'cli/output.ts': [1, 'output names are constants of the commands'],
  'cli/commands/simulate-counts.ts': [1, 'dispatch invariant of simulate'],
};

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (n.endsWith('.ts') && !n.endsWith('.generated.ts')) out.push(p);
  }
  return out;
}

test('plain Error throws only where the reviewed list says they are internal invariants', () => {
  const found: Record<string, number> = {};
  for (const p of tsFiles(SRC)) {
    const text = readFileSync(p, 'utf8');
    const n = (text.match(/throw new (Range|Type|Syntax)?Error\(|throw Error\(|reject\(new Error\(|new Error\(`Out of memory/g) ?? []).length;
    if (n > 0) found[relative(SRC, p)] = n;
  }
  const expected = Object.fromEntries(Object.entries(INTERNAL).map(([f, [n]]) => [f, n]));
  assert.deepEqual(found, expected, 'a new plain Error: throw StnmfError with a code (src/errors.ts), or add it to INTERNAL with the reason no user can cause it');
});

test('converted user-reachable errors are StnmfErrors with their exit code and name the value', async () => {
  await assert.rejects(createKernels({ threads: 0 }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && e.exitCode === 2 && /threads/.test(e.message));
  assert.throws(() => colormap('nope'), (e: unknown) => e instanceof StnmfError && e.exitCode === 2 && /'nope'.*viridis/.test(e.message));
  assert.throws(() => parseLimit('p1x'), (e: unknown) => e instanceof StnmfError && e.exitCode === 2 && /p1x/.test(e.message));
  // Public helpers a library user calls directly (once counted as internal): typed, with the value.
  assert.throws(() => new Rng(NaN), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && /seed.*NaN/.test(e.message));
  assert.throws(() => new Rng(1).poisson(-1), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_OPTION' && /-1/.test(e.message));
  assert.throws(() => dense(2, 2, new Float32Array(3)), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && e.exitCode === 3 && /needs 4 values, got 3/.test(e.message));
  assert.throws(() => fromRows([[1, 2], [3]]), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /row 1 has 1 values/.test(e.message));
  assert.throws(() => encodeNpy({ shape: [2, 2], data: new Float32Array(3) }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /needs 4 values/.test(e.message));
  assert.throws(() => encodePng({ width: 2, height: 2, data: new Uint8Array(3) }), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_INPUT' && /expected 16 bytes/.test(e.message));
});

test('NMF input values: the message names the file and X, exit 3, before any output exists (nmf, consensus, contrastive, siid)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-typed-'));
  try {
    // An h5ad with a negative X value (the CSV reader refuses -5 itself, the h5ad reader does
    // not: values may be scaled data for other commands), built with anndata when it is there.
    const csv = join(dir, 'ok.csv');
    writeFileSync(csv, 'cell,g1,g2,g3\nc1,1,2,3\nc2,4,5,6\nc3,1,1,1\n');
    const h5ad = join(dir, 'neg.h5ad');
    const py = spawnSync('/usr/bin/python3', ['-c', `
import anndata, numpy as np, scipy.sparse as sp
X = np.array([[1,2,3],[4,-5,6],[1,1,1]], dtype=np.float32)
a = anndata.AnnData(sp.csr_matrix(X)); a.obs_names = ['c1','c2','c3']; a.var_names = ['g1','g2','g3']
a.write_h5ad('${h5ad}')
`]);
    if (py.status !== 0) return;
    const cases: [string, string[], string][] = [
      ['nmf', ['nmf', h5ad, '--rank', '2'], 'neg.h5ad (X)'],
      ['consensus', ['consensus', h5ad, '--ranks', '2', '--replicates', '2'], 'neg.h5ad (X)'],
      ['contrastive', ['contrastive', '--target', csv, '--background', h5ad, '--rank', '2', '--alpha', '1'], '--background'],
      ['siid', ['siid', '--cells', csv, '--spots', h5ad, '--rank', '2'], '--spots'],
    ];
    for (const [name, args, names] of cases) {
      const out = join(dir, `out-${name}`);
      const r = spawnSync(process.execPath, [CLI, ...args, '--out', out], { encoding: 'utf8' });
      assert.equal(r.status, 3, `${name}: ${r.stderr}`);
      const last = r.stderr.trim().split('\n').pop()!;
      assert.ok(last.includes(names) && /value at row 1, column 1 is negative \(-5\)/.test(last), `${name}: ${last}`);
      assert.ok(!/internal error/.test(r.stderr), `${name}: ${r.stderr}`);
      assert.throws(() => statSync(out), `${name}: ${out} left behind`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
