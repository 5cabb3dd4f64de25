/**
 * `stnmf hsnmf` as a subprocess: bad inputs exit non-zero with one-line messages and leave no
 * output behind; the demo step writes its files and summary keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoHsnmf } from '../src/cli/demo-steps.js';

const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const hsnmfJs = fileURLToPath(new URL('../src/cli/commands/hsnmf.js', import.meta.url));
const indexJs = fileURLToPath(new URL('../src/cli/commands/index.js', import.meta.url));
const XENIUM_H5 = fileURLToPath(new URL('../../../shared/data/xenium-mouse-brain/cell_feature_matrix.h5', import.meta.url));

/** Runs `stnmf hsnmf ...`; registers the command first when commands/index.ts does not list it yet. */
function cli(args: string[]) {
  const registered = spawnSync(process.execPath, [main, 'hsnmf', '--help'], { encoding: 'utf8' }).status === 0;
  if (registered) return spawnSync(process.execPath, [main, 'hsnmf', ...args], { encoding: 'utf8' });
  const script = `import { COMMANDS } from ${JSON.stringify(indexJs)}; import { hsnmfCommand } from ${JSON.stringify(hsnmfJs)};
COMMANDS.push(hsnmfCommand); await import(${JSON.stringify(main)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, main, 'hsnmf', ...args], { encoding: 'utf8' });
}

test('stnmf hsnmf: input without coordinates → exit 3, one line naming obsm.spatial, nothing written', () => {
  const out = mkdtempSync(join(tmpdir(), 'hsnmf-cli-'));
  try {
    const r = cli([XENIUM_H5, '--out', out]);
    assert.equal(r.status, 3, r.stderr);
    const err = r.stderr.trim().split('\n').pop()!;
    assert.match(err, /^stnmf hsnmf: error: .*obsm\.spatial is missing/);
    assert.deepEqual(readdirSync(out), []);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('stnmf hsnmf: rank larger than the genes → exit 2; bad mode → usage error listing the choices', () => {
  const out = mkdtempSync(join(tmpdir(), 'hsnmf-cli-'));
  try {
    const r = cli([XENIUM_H5, '--rank', '300', '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /rank 300 is larger than the number of genes \(248\)/);
    const m = cli([XENIUM_H5, '--mode', 'both', '--out', out]);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /hybrid/);
    assert.match(m.stderr, /feature/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('demoHsnmf: simulated slide, hybrid vs feature, writes clusters/metrics/summary with the issue keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsnmf-demo-'));
  try {
    const logs: string[] = [];
    const ctx = { print: () => {}, log: (s: string) => logs.push(s), progress: () => {}, signal: new AbortController().signal };
    const s = await demoHsnmf(dir, ctx);
    for (const k of ['chaos', 'pas', 'moransI', 'silhouette', 'daviesBouldin', 'cmc', 'nClusters', 'seconds']) assert.ok(k in s, `summary key ${k}`);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.nClusters, s.nClusters);
    for (const f of ['clusters.csv', 'clusters.png', 'metrics.csv', 'markers.csv', 'X_nmf.npy', 'X_snmf.npy', 'H.npy']) assert.ok(existsSync(join(dir, f)), f);
    const png = readFileSync(join(dir, 'clusters.png'));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'clusters.png is a PNG');
    const clusters = readFileSync(join(dir, 'clusters.csv'), 'utf8').trim().split('\n');
    assert.equal(clusters.length, 3001);
    assert.equal(clusters[0], 'cell_id,x_um,y_um,hsnmf');
    const metrics = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(metrics.length, 3); // header, hybrid, feature
    // planted domains are recovered better with the spatial graph than without
    assert.ok((s.ari as number) > 0.5, `ARI ${s.ari}`);
    assert.ok((s.chaos as number) <= (s as { feature: { chaos: number } }).feature.chaos, 'hybrid CHAOS ≤ feature CHAOS');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
