/**
 * `stnmf contrastive` end to end as a subprocess on the bcNMF demo tables (features x samples,
 * hence --features-in-rows), and its error exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../src/io/npy.js';
import { readH5ad } from '../src/io/h5ad.js';
import { adjustedRandIndex } from '../src/metrics/index.js';
import { kmeans } from '../src/nmf/index.js';
import { DEMO_DIR } from './contrastive-helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const demo = (f: string) => fileURLToPath(new URL(f, DEMO_DIR));
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, 'contrastive', ...args], { encoding: 'utf8' });

test('stnmf contrastive on the demo tables writes the factors, h5ad and a summary; KMeans on H_target gives the published ARI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bcnmf-'));
  try {
    const out = join(dir, 'out');
    const r = run(['--target', demo('target_images.csv'), '--background', demo('background_images.csv'), '--features-in-rows', '--rank', '2', '--alpha', '2', '--max-iter', '300', '--seed', '1', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['basis.npy', 'H_target.npy', 'H_background.npy', 'summary.json', 'run.json', 'result.h5ad', 'enrichment.csv', 'history.csv']) assert.ok(existsSync(join(out, f)), f);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).objective, summary.objective);
    assert.ok(Math.abs(summary.objective / -1.0709e4 - 1) < 1e-3);
    const basis = readNpy(join(out, 'basis.npy')), h = readNpy(join(out, 'H_target.npy'));
    assert.deepEqual(basis.shape, [2, 784]);
    assert.deepEqual(h.shape, [200, 2]);
    const labels = Int32Array.from(readFileSync(demo('target_labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(',')[1])));
    const km = kmeans(h.data as Float32Array, 200, 2, { k: 2, seed: 0 });
    assert.ok(adjustedRandIndex(km.labels, labels) >= 0.84);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stnmf contrastive: different features fail with the difference listed (exit 3) unless --intersect; alpha < 0 and empty background fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bcnmf-'));
  try {
    writeFileSync(join(dir, 't.csv'), 'cell,A,B,C\nc1,1,2,3\nc2,3,1,0\nc3,0,2,5\n');
    writeFileSync(join(dir, 'b.csv'), 'cell,B,C,D\nd1,1,2,3\nd2,3,1,1\n');
    writeFileSync(join(dir, 'e.csv'), 'cell,A,B,C\n');
    const base = ['--target', join(dir, 't.csv'), '--rank', '1', '--max-iter', '5'];
    const bad = run([...base, '--background', join(dir, 'b.csv'), '--alpha', '1', '--out', join(dir, 'o1')]);
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /only in target: 1 \(A\); only in background: 1 \(D\)/);
    assert.ok(!existsSync(join(dir, 'o1', 'basis.npy')));
    const ok = run([...base, '--background', join(dir, 'b.csv'), '--alpha', '1', '--intersect', '--out', join(dir, 'o2')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readFileSync(join(dir, 'o2', 'var_names.txt'), 'utf8'), 'B\nC\n');
    const neg = run([...base, '--background', join(dir, 'b.csv'), '--alpha=-1', '--out', join(dir, 'o3')]);
    assert.equal(neg.status, 2);
    assert.match(neg.stderr, /alpha must be >= 0/);
    const empty = run([...base, '--background', join(dir, 'e.csv'), '--alpha', '1', '--out', join(dir, 'o4')]);
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr, /background|no observations|e\.csv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one input split by --target-where/--background-where gives the two-file run on the same cells (basis to 1e-6); result.h5ad keeps the obs columns', async () => {
  const codex = fileURLToPath(new URL('../../../shared/data/codex-crc-reg009/imaging_data.csv', import.meta.url));
  if (!existsSync(codex)) return;
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-bcnmf-split-'));
  try {
    // The two files, made independently of stnmf (Python's csv module): the rows of each group, all columns, in file order.
    const py = `import csv, sys
src, t, b = sys.argv[1:4]
with open(src, newline='') as f:
    rows = list(csv.reader(f))
col = rows[0].index('ClusterName')
for path, name in ((t, 'CD8+ T cells'), (b, 'CD4+ T cells CD45RO+')):
    with open(path, 'w', newline='') as g:
        csv.writer(g, lineterminator='\\n').writerows([rows[0]] + [r for r in rows[1:] if r[col] == name])`;
    const target = join(dir, 'cd8.csv');
    const background = join(dir, 'cd4.csv');
    const p = spawnSync('/usr/bin/python3', ['-c', py, codex, target, background], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const common = ['--rank', '3', '--alpha', '1', '--max-iter', '60', '--seed', '2'];
    const one = run(['--input', codex, '--target-where', 'ClusterName == "CD8+ T cells"', '--background-where', 'ClusterName == "CD4+ T cells CD45RO+"', ...common, '--json', '--out', join(dir, 'one')]);
    assert.equal(one.status, 0, one.stderr);
    const two = run(['--target', target, '--background', background, ...common, '--json', '--out', join(dir, 'two')]);
    assert.equal(two.status, 0, two.stderr);
    const s1 = JSON.parse(one.stdout);
    const s2 = JSON.parse(two.stdout);
    // The same cells on each side.
    assert.equal(s1.nTarget, s2.nTarget);
    assert.equal(s1.nBackground, s2.nBackground);
    assert.ok(s1.nTarget > 50 && s1.nBackground > 50, `${s1.nTarget} target, ${s1.nBackground} background cells`);
    assert.equal(readFileSync(join(dir, 'one', 'var_names.txt'), 'utf8'), readFileSync(join(dir, 'two', 'var_names.txt'), 'utf8'));
    for (const f of ['basis.npy', 'H_target.npy', 'H_background.npy']) {
      const a = readNpy(join(dir, 'one', f));
      const b = readNpy(join(dir, 'two', f));
      assert.deepEqual(a.shape, b.shape, f);
      let worst = 0;
      for (let q = 0; q < a.data.length; q++) worst = Math.max(worst, Math.abs(Number(a.data[q]) - Number(b.data[q])));
      assert.ok(worst <= 1e-6, `${f}: largest difference ${worst}`);
    }
    // The inputs' obs columns are stacked into result.h5ad (anndata.concat, outer join) beside bcNMF's group.
    const res = await readH5ad(join(dir, 'one', 'result.h5ad'));
    const cl = res.obs.columns.get('ClusterName');
    const group = res.obs.columns.get('group');
    assert.ok(cl && cl.kind === 'category' && group && group.kind === 'category', `obs columns: ${[...res.obs.columns.keys()].join(', ')}`);
    for (let i = 0; i < res.obs.index.length; i++) {
      const want: string = group.categories[group.codes[i]] === 'target' ? 'CD8+ T cells' : 'CD4+ T cells CD45RO+';
      assert.equal(cl.categories[cl.codes[i]], want, res.obs.index[i]);
    }
    const cellId = res.obs.columns.get('CellID');
    assert.ok(cellId && cellId.kind === 'number');
    assert.equal(res.obs.index[0], `target:reg009_${cellId.values[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
