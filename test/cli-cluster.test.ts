// nmf → cluster → metrics on the real Xenium bundle through the CLI, as a scanpy user would
// chain them; and the bad inputs of cluster and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5ad } from '../src/io/h5ad.js';
import { modularity } from '../src/graph/index.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const XENIUM = new URL('../../../shared/data/xenium-mouse-brain', import.meta.url).pathname;

function stnmf(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('nmf → cluster → metrics on the Xenium bundle', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cluster-'));
  let r = stnmf('nmf', XENIUM, '--rank', '6', '--loss', 'poisson', '--max-iter', '15', '--out', join(dir, 'nmf'));
  assert.equal(r.status, 0, r.stderr);
  r = stnmf('cluster', join(dir, 'nmf', 'result.h5ad'), '--use', 'X_nmf', '--neighbors', '15', '--resolution', '0.5', '--out', join(dir, 'cl'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.ok(summary.nClusters >= 2 && summary.modularity > 0.5, `nClusters ${summary.nClusters}, modularity ${summary.modularity}`);
  const res = await readH5ad(join(dir, 'cl', 'result.h5ad'));
  const lab = res.obs.columns.get('leiden');
  assert.ok(lab && (lab.kind === 'category' || lab.kind === 'string'));
  const conn = res.obsp.connectivities;
  assert.equal(conn.rows, 36602);
  // The stored graph and labels reproduce the reported modularity.
  const codes = lab.kind === 'category' ? Array.from(lab.codes, (c) => Number(lab.categories[c])) : lab.values.map(Number);
  assert.ok(Math.abs(modularity(conn, codes) - summary.modularity) < 1e-9);
  r = stnmf('metrics', join(dir, 'cl', 'result.h5ad'), '--labels', 'leiden', '--use', 'X_nmf', '--radius', '30', '--sample-size', '3000', '--out', join(dir, 'm'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  for (const key of ['moransI', 'chaos', 'pas', 'silhouette', 'daviesBouldin', 'nClusters', 'moransIMean']) assert.ok(key in m, `metrics lack ${key}`);
  assert.equal(m.moransI.length, 6);
  assert.ok(m.moransIMean > 0.2, `NMF factors of real tissue are spatially autocorrelated (mean I ${m.moransIMean})`);
  assert.ok(existsSync(join(dir, 'm', 'moran.csv')));
});

test('cluster and metrics reject bad input with one line and no output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-cluster-'));
  const h5 = join(XENIUM, 'cell_feature_matrix.h5');
  const cases: Array<[string[], number, RegExp]> = [
    [['cluster', h5, '--out', join(dir, 'a')], 3, /obsm has no 'X_nmf' .*run 'stnmf nmf' first/],
    [['metrics', h5, '--radius', '-1', '--out', join(dir, 'b')], 2, /--radius must be > 0/],
    [['metrics', h5, '--radius', '30', '--out', join(dir, 'c')], 3, /needs spatial coordinates, but .* has none; give a positions table with --coords/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = stnmf(...args);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    const last = r.stderr.trim().split('\n').pop()!;
    assert.match(last, pattern);
    assert.ok(!existsSync(join(args[args.length - 1], 'summary.json')));
  }
});
