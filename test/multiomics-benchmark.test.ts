// The M3.9 synthetic benchmark end to end (library and CLI). Full-size figures with default
// iterations and the 10x larger version: scripts/multiomics-benchmark.mjs (docs/results-multiomics.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/linalg/index.js';
import { assignmentAccuracy, runSpatialMultiOmics } from '../src/methods/multiomics/index.js';
import { simulateMultiOmics } from '../src/simulate/multiomics.js';
import { parseArgs } from '../src/cli/args.js';
import type { CommandContext } from '../src/cli/command.js';
import { multiomicsCommand } from '../src/cli/commands/multiomics.js';
import { spawnSync } from 'node:child_process';
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
import { parseNpy } from '../src/io/npy.js';
import { StnmfError } from '../src/errors.js';

test('M3.9 benchmark: mean assignment accuracy over seeds 0..9 is at least 0.99 (paper claims 0.94)', async () => {
  const kernels = await createKernels({ threads: 1 });
  try {
    const accs: number[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const sim = simulateMultiOmics({ seed });
      const markers = {
        types: sim.types,
        markers: sim.types.map((t) => sim.markers.filter((m) => m.cellType === t).map((m) => ({ feature: m.feature, modality: m.modality }))),
      };
      // k = number of types as in the paper; 150 iterations keep the test fast (the script and
      // docs/results-multiomics.md use the default 500).
      const r = await runSpatialMultiOmics({ ...sim.transcripts, name: 'tx' }, { ...sim.proteins, name: 'prot' }, markers, {
        nFactors: 4,
        maxIter: 150,
        kernels,
        nPerms: 0,
        coOccurrence: false,
      });
      const truth = new Map(sim.transcripts.ids.map((id, i) => [id, sim.types[sim.truth[i]]]));
      accs.push(assignmentAccuracy(r.ids, r.labels, truth).accuracy);
    }
    const mean = accs.reduce((a, b) => a + b) / accs.length;
    assert.ok(mean >= 0.99, `mean accuracy ${mean} (${accs.join(', ')})`);
  } finally {
    kernels.dispose();
  }
});

test('simulator: deterministic, M3.9 shapes, marker boosts on the right cells', () => {
  const a = simulateMultiOmics({ seed: 5 });
  const b = simulateMultiOmics({ seed: 5 });
  assert.deepEqual(Array.from(a.transcripts.X.data), Array.from(b.transcripts.X.data));
  assert.equal(a.transcripts.X.rows, 200);
  assert.equal(a.transcripts.X.cols, 500);
  assert.equal(a.proteins.X.cols, 10);
  assert.deepEqual(Array.from({ length: 4 }, (_, t) => a.truth.filter((v) => v === t).length), [50, 50, 50, 50]);
  // Mean of GENE_000 (a T-cell marker): ≈ 55 in T cells, ≈ 5 elsewhere.
  const big = simulateMultiOmics({ seed: 1, nCells: 4000 });
  const X = big.transcripts.X;
  let sIn = 0, nIn = 0, sOut = 0, nOut = 0, s2Out = 0;
  for (let i = 0; i < X.rows; i++) {
    let v = 0;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) if (X.indices[p] === 0) v = X.data[p];
    if (big.truth[i] === 0) (sIn += v), nIn++;
    else (sOut += v), (s2Out += v * v), nOut++;
  }
  assert.ok(Math.abs(sIn / nIn - 55) < 1.5, `marker mean ${sIn / nIn}`);
  const m = sOut / nOut;
  assert.ok(Math.abs(m - 5) < 0.3, `background mean ${m}`);
  // NB variance μ + 0.5 μ² = 17.5.
  assert.ok(Math.abs(s2Out / nOut - m * m - 17.5) < 2, `background variance ${s2Out / nOut - m * m}`);
});

function fakeCtx(): CommandContext & { logs: string[] } {
  const logs: string[] = [];
  return { print: () => {}, log: (s: string) => logs.push(s), progress: () => {}, signal: new AbortController().signal, logs };
}

test('CLI: simulate multiomics → multiomics writes every output with the documented shapes and scores', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-mo-'));
  try {
    const ctx = fakeCtx();
    const sim = spawnSync(process.execPath, [CLI, 'simulate', 'multiomics', '--seed', '3', '--out', join(dir, 'sim')], { encoding: 'utf8' });
    assert.equal(sim.status, 0, sim.stderr);
    for (const f of ['transcripts.csv', 'proteins.csv', 'markers.csv', 'truth.csv']) assert.ok(existsSync(join(dir, 'sim', f)), f);
    assert.equal(readFileSync(join(dir, 'sim', 'proteins.csv'), 'utf8').split('\n')[0], 'cell_id,x,y,PROT_00,PROT_01,PROT_02,PROT_03,PROT_04,PROT_05,PROT_06,PROT_07,PROT_08,PROT_09');
    const s = join(dir, 'sim');
    const args = ['--tx', join(s, 'transcripts.csv'), '--prot', join(s, 'proteins.csv'), '--tx-platform', 'csv', '--prot-platform', 'csv', '--markers', join(s, 'markers.csv'), '--truth', join(s, 'truth.csv'), '--n-factors', '4', '--max-iter', '150', '--n-perms', '200', '--tx-coordinate-unit', 'um', '--prot-coordinate-unit', 'um', '--out', join(dir, 'run')];
    await multiomicsCommand.run(parseArgs('multiomics', args, multiomicsCommand.flags), ctx);
    const out = join(dir, 'run');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.ok(summary.accuracy >= 0.99, `accuracy ${summary.accuracy}`);
    assert.ok(summary.ari >= 0.97, `ari ${summary.ari}`);
    const W = parseNpy(readFileSync(join(out, 'W.npy')));
    const Ht = parseNpy(readFileSync(join(out, 'H_transcript.npy')));
    const Hp = parseNpy(readFileSync(join(out, 'H_protein.npy')));
    assert.deepEqual([W.shape, Ht.shape, Hp.shape], [[200, 4], [4, 500], [4, 10]]);
    const labels = readFileSync(join(out, 'shared_labels.csv'), 'utf8').trim().split('\n');
    assert.equal(labels[0], 'cell_id,x,y,cell_type');
    assert.equal(labels.length, 201);
    const co = readFileSync(join(out, 'co_localization.csv'), 'utf8').trim().split('\n');
    assert.ok(co[0].startsWith('cell_type_A,cell_type_B,') && co[0].includes('neighbor_ratio_literal') && co[0].includes('nhood_z'));
    assert.equal(co.length, 1 + 16);
    const niche = readFileSync(join(out, 'niche_composition.csv'), 'utf8').split('\n')[0];
    assert.equal(niche, 'cell_id,niche_type,n_neighbors,frac_Epithelial,frac_Fibroblasts,frac_Macrophages,frac_T cells');
    assert.ok(existsSync(join(out, 'result.h5ad')));
    // Bad input: a marker table naming absent features warns with the list; disjoint ids fail.
    writeFileSync(join(dir, 'markers2.csv'), readFileSync(join(s, 'markers.csv'), 'utf8') + 'T cells,GENE_X,transcript\n');
    const ctx2 = fakeCtx();
    await multiomicsCommand.run(parseArgs('multiomics', [...args.slice(0, 10), '--markers', join(dir, 'markers2.csv'), '--n-factors', '4', '--max-iter', '50', '--n-perms', '10', '--tx-coordinate-unit', 'um', '--prot-coordinate-unit', 'um', '--out', join(dir, 'run2')], multiomicsCommand.flags), ctx2);
    assert.ok(ctx2.logs.some((l) => l.includes('warning: marker table') && l.includes('T cells: GENE_X')), ctx2.logs.join('\n'));
    await assert.rejects(
      multiomicsCommand.run(parseArgs('multiomics', [...args.slice(0, 10), '--markers', join(s, 'markers.csv'), '--n-factors', '4', '--radius', '0.001', '--out', join(dir, 'run3')], multiomicsCommand.flags), fakeCtx()),
      (e: unknown) => e instanceof StnmfError && e.exitCode === 2 && /no pair/.test(e.message),
    );
    assert.ok(!existsSync(join(dir, 'run3', 'summary.json')), 'a failed run leaves no results');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
