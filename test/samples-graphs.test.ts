// Spatial graphs of several samples (issue 18): built per sample and joined block-diagonally.
// On the four ST breast slices, whose coordinates overlap (serial sections in one frame), the
// joined hSNMF graphs have no edge between slices while one pooled graph would have thousands,
// and each slice's block equals the graph of that slice read alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readSamples } from '../src/io/samples.js';
import { readDataset } from '../src/io/index.js';
import { buildSpatialGraphs, coordinatesInMicrons, snmfDefaults } from '../src/methods/snmf/index.js';
import { crossGroupEdges, subgraph } from '../src/spatial/blocks.js';
import { sampleGroups, sampleRows } from '../src/samples.js';
import { breastManifest } from './samples-helpers.js';

const D = new URL('../../../shared/data/st-breast-cancer-layers', import.meta.url).pathname;
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const hasData = existsSync(join(D, 'slice1.csv'));
const radii = { ...snmfDefaults({}), contactRadius: 220, contextRadius: 500 };

test('no spatial edge crosses slices although their coordinates overlap; each block is the slice read alone', { skip: !hasData }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sgraph-'));
  const { dataset: ds } = await readSamples(breastManifest(dir));
  const groups = sampleGroups(ds)!;
  const { xy } = coordinatesInMicrons(ds);
  const joined = buildSpatialGraphs(xy, radii, undefined, groups);
  const pooled = buildSpatialGraphs(xy, radii);
  for (const g of [joined.contact, joined.context, joined.hybrid]) assert.equal(crossGroupEdges(g, groups.codes), 0);
  // The overlap is real: one graph over all spots joins slices.
  assert.ok(crossGroupEdges(pooled.hybrid, groups.codes) > 1000, `pooled cross edges ${crossGroupEdges(pooled.hybrid, groups.codes)}`);
  const rows = sampleRows(groups);
  for (const s of [0, 2]) {
    const one = await readDataset(join(D, `slice${s + 1}.csv`), { coords: join(D, `slice${s + 1}_coor.csv`), micronsPerUnit: 200 });
    const alone = buildSpatialGraphs(coordinatesInMicrons(one).xy, radii).hybrid;
    const block = subgraph(joined.hybrid, rows[s]);
    assert.deepEqual([...block.indptr], [...alone.indptr]);
    assert.deepEqual([...block.indices], [...alone.indices]);
    assert.deepEqual([...block.weights], [...alone.weights]);
  }
});

test('hsnmf --samples reports Moran/CHAOS/PAS per slice, pooled CHAOS/PAS as their cell-weighted means, labels for every slice', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sgraph-'));
  const out = join(dir, 'hs');
  const r = spawnSync(process.execPath, [CLI, 'hsnmf', '--samples', breastManifest(dir), '--rank', '4', '--max-iter', '60', '--min-cluster-size', '20', '--contact-radius', '220', '--context-radius', '500', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.sampleKey, 'sample');
  assert.deepEqual(s.perSample.map((m: { sample: string }) => m.sample), ['slice1', 'slice2', 'slice3', 'slice4']);
  assert.deepEqual(s.perSample.map((m: { nCells: number }) => m.nCells), [254, 251, 264, 262]);
  const wmean = (key: string) => s.perSample.reduce((a: number, m: Record<string, number>) => a + m[key] * m.nCells, 0) / 1031;
  assert.ok(Math.abs(s.chaos - wmean('chaos')) < 1e-12);
  assert.ok(Math.abs(s.pas - wmean('pas')) < 1e-12);
  for (const m of s.perSample) {
    assert.equal(m.moransIFactors.length, 4);
    assert.ok(m.moransI > 0.5, `slice ${m.sample}: Moran's I ${m.moransI}`);
    assert.equal(m.clusterSizes.reduce((a: number, b: number) => a + b, 0), m.nCells);
  }
  const csv = readFileSync(join(out, 'per_sample_metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 5);
  assert.match(csv[0], /^sample,n_cells,n_clusters,Moran_I_Comp1,CHAOS,PAS,edges,Moran_I_factor_1/);
  const clusters = readFileSync(join(out, 'clusters.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(clusters.length, 1031);
  assert.ok(clusters.some((l) => l.includes('-slice4')));
});

test('metrics --sample-key: each slice scored within itself equals that slice scored alone; the radius graph has no cross-slice edge', { skip: !hasData }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sgraph-'));
  const hs = join(dir, 'hs');
  const cli = (...a: string[]) => spawnSync(process.execPath, [CLI, ...a], { encoding: 'utf8' });
  let r = cli('hsnmf', '--samples', breastManifest(dir), '--rank', '3', '--max-iter', '40', '--min-cluster-size', '20', '--contact-radius', '220', '--context-radius', '500', '--out', hs);
  assert.equal(r.status, 0, r.stderr);
  const res = join(hs, 'result.h5ad');
  r = cli('metrics', res, '--sample-key', 'sample', '--labels', 'hsnmf', '--use', 'X_snmf', '--radius', '1.2', '--out', join(dir, 'm'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const joint = JSON.parse(r.stdout);
  assert.equal(joint.perSample.length, 4);
  for (const [s, id] of [[0, 'slice1'], [3, 'slice4']] as const) {
    r = cli('metrics', res, '--where', `sample == "${id}"`, '--labels', 'hsnmf', '--use', 'X_snmf', '--radius', '1.2', '--out', join(dir, `m${s}`), '--json');
    assert.equal(r.status, 0, r.stderr);
    const alone = JSON.parse(r.stdout);
    const p = joint.perSample[s];
    assert.equal(p.sample, id);
    assert.deepEqual(p.moransI, alone.moransI);
    assert.equal(p.chaos, alone.chaos);
    assert.equal(p.pas, alone.pas);
  }
  const n = joint.perSample.reduce((a: number, p: { n: number }) => a + p.n, 0);
  assert.ok(Math.abs(joint.chaos - joint.perSample.reduce((a: number, p: { n: number; chaos: number }) => a + p.n * p.chaos, 0) / n) < 1e-12);
});

test('a joined h5ad keeps its samples: co-occurrence pairs cells only within a slice; multiomics refuses to pool them', { skip: !hasData }, async () => {
  const { coOccurrenceEncoded } = await import('../src/metrics/neighborhood.js');
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sgraph-cooc-'));
  const { dataset: ds } = await readSamples(breastManifest(dir));
  const g = sampleGroups(ds)!;
  const { xy } = coordinatesInMicrons(ds);
  // Labels: alternating halves of each slice, so every slice has both.
  const codes = Int32Array.from({ length: ds.X.rows }, (_, i) => i % 2);
  const thresholds = [0, 250, 500, 1000, 2000];
  const joined = coOccurrenceEncoded(xy, { codes, nLabels: 2, values: ['a', 'b'] }, { thresholds, groups: g.codes });
  const sum = new Float64Array(joined.counts.length);
  for (const rows of sampleRows(g)) {
    const one = coOccurrenceEncoded(Float64Array.from(Array.from(rows).flatMap((i) => [xy[2 * i], xy[2 * i + 1]])), { codes: Int32Array.from(rows, (i) => codes[i]), nLabels: 2, values: ['a', 'b'] }, { thresholds });
    one.counts.forEach((c, q) => (sum[q] += c));
  }
  assert.deepEqual(Array.from(joined.counts), Array.from(sum), 'pair counts within samples = the sum of the slices read alone');
  const pooled = coOccurrenceEncoded(xy, { codes, nLabels: 2, values: ['a', 'b'] }, { thresholds });
  assert.ok(pooled.counts.reduce((a, b) => a + b, 0) > 1.5 * sum.reduce((a, b) => a + b, 0), 'overlapping slices would add cross-slice pairs');
  // The sample key survives an h5ad round trip, and readResult hands it to the figures.
  const h5 = join(dir, 'joined.h5ad');
  assert.equal(spawnSync(process.execPath, [CLI, 'convert', '--samples', breastManifest(dir), '--out', h5], { encoding: 'utf8' }).status, 0);
  const back = await readDataset(h5);
  assert.equal(back.meta.sampleKey, 'sample');
  assert.deepEqual(sampleGroups(back)!.ids, g.ids);
  // multiomics builds one graph: several samples are refused with the --tx-where that picks one.
  const mk = join(dir, 'markers.csv');
  (await import('node:fs')).writeFileSync(mk, 'cell_type,feature\nA,ERBB2\nB,COL1A1\n');
  const mo = spawnSync(process.execPath, [CLI, 'multiomics', '--tx', h5, '--markers', mk, '--out', join(dir, 'mo')], { encoding: 'utf8' });
  assert.equal(mo.status, 3, mo.stderr);
  assert.match(mo.stderr, /holds 4 samples \(obs sample: slice1, slice2, slice3, slice4\); multiomics builds one spatial graph.*--tx-where 'sample == "slice1"'/);
  assert.ok(!existsSync(join(dir, 'mo')));
});

test('figures of a result of several samples: one map per sample (never the slices drawn over each other), each with its own cells', { skip: !hasData }, async () => {
  const { readResult } = await import('../src/io/result.js');
  const { standardFigures } = await import('../src/outputs/figures.js');
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-sgraph-figs-'));
  const out = join(dir, 'joint');
  const r0 = spawnSync(process.execPath, [CLI, 'nmf', '--samples', breastManifest(dir), '--rank', '3', '--max-iter', '20', '--out', out], { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const r = await readResult(out);
  assert.deepEqual(r.samples?.ids, ['slice1', 'slice2', 'slice3', 'slice4']);
  const figs = await standardFigures(r, { genes: ['ERBB2'] });
  const names = figs.map((f) => f.name);
  for (const stem of ['factors', 'gene-ERBB2']) {
    assert.ok(!names.includes(stem), `${stem}: a pooled map of overlapping slices`);
    for (const id of r.samples!.ids) assert.ok(names.includes(`${stem}-${id}`), `${stem}-${id} missing (have ${names.join(', ')})`);
  }
  assert.ok(names.includes('top-features'), 'the non-spatial figures are drawn once');
  r.samples!.ids.forEach((id, s) => {
    const fig = figs.find((f) => f.name === `gene-ERBB2-${id}`)!;
    const drawn = fig.scene.prims.filter((p) => p.t === 'points').reduce((a, p) => a + (p as { x: Float32Array }).x.length, 0);
    assert.equal(drawn, r.samples!.codes.filter((c) => c === s).length, `${id}: its own cells only`);
  });
  // The viewer draws each slice in its own tile: tiles apart, every cell in its slice's tile at
  // its own position (drawn − tile corner + the slice's corner = the cell's coordinates).
  const { viewerPayload } = await import('../src/outputs/viewer-payload.js');
  const v = viewerPayload(r);
  const tiles = v.meta.sampleTiles as { sample: string; x: number; y: number; width: number; height: number; x0: number; y0: number }[];
  assert.equal(tiles.length, 4);
  for (const a of tiles) for (const b of tiles) if (a !== b) assert.ok(a.x + a.width < b.x || b.x + b.width < a.x || a.y + a.height < b.y || b.y + b.height < a.y, `tiles ${a.sample} and ${b.sample} overlap`);
  for (let i = 0; i < r.n; i++) {
    const t = tiles[r.samples!.codes[i]];
    const dx = v.coords[2 * i], dy = v.coords[2 * i + 1];
    assert.ok(dx >= t.x - 1e-3 && dx <= t.x + t.width + 1e-3 && dy >= t.y - 1e-3 && dy <= t.y + t.height + 1e-3, `cell ${i} outside its tile`);
    assert.ok(Math.abs(dx - t.x + t.x0 - r.x![i]) < 1e-3 && Math.abs(dy - t.y + t.y0 - r.y![i]) < 1e-3, `cell ${i}: drawn position does not map back`);
  }
});
