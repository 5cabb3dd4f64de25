// The Snakemake workflow (workflow/Snakefile, issue 18 point 4) end to end on the four ST
// breast-cancer slices with `snakemake --cores 2`: every expected file exists and opens, the
// per-slide QC matches the data's README (spots per slice), the joint NMF's per-slide W are the
// rows of its stacked W with one shared H, the joint hSNMF labels every slide; a second run
// does nothing, and after one slide's folder is deleted only that slide and the joint steps
// run again (the other slides' files are untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../src/io/npy.js';
import { readH5ad } from '../src/io/h5ad.js';
import { BREAST } from './samples-helpers.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SNAKEFILE = fileURLToPath(new URL('../../workflow/Snakefile', import.meta.url));
const hasSnakemake = spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).status === 0;
const hasData = existsSync(join(BREAST, 'slice1.csv'));
const SPOTS: Record<string, number> = { slice1: 254, slice2: 251, slice3: 264, slice4: 262 };
const IDS = Object.keys(SPOTS);

function snakemake(dir: string, ...extra: string[]) {
  return spawnSync(
    'snakemake',
    [
      '--cores', '2', '-s', SNAKEFILE, '--directory', dir, ...extra, '--config', `samples=${join(dir, 'sheet.csv')}`, `stnmf=${process.execPath} ${CLI}`, 'outdir=study',
      'hsnmf=--rank 3 --max-iter 40 --min-cluster-size 20 --contact-radius 220 --context-radius 500', 'nmf=--rank 3 --max-iter 40',
      'consensus=--ranks 2,3 --replicates 4 --max-iter 40', 'consensus_workers=2',
    ],
    { encoding: 'utf8', cwd: dir },
  );
}

/** The job counts per rule of a dry run (`Job stats` table), or {} when nothing is to be done. */
function planned(dir: string): Record<string, number> {
  const r = snakemake(dir, '-n');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const text = r.stdout + r.stderr;
  if (/Nothing to be done/.test(text)) return {};
  const table = text.split('Job stats:')[1].split('\n\n')[0];
  const out: Record<string, number> = {};
  for (const line of table.split('\n')) {
    const m = /^(\w+)\s+(\d+)\s+\d+\s+\d+\s*$/.exec(line.trim());
    if (m && m[1] !== 'total') out[m[1]] = Number(m[2]);
  }
  return out;
}

test('workflow: per-slide and joint runs on the four breast slices, restartable', { skip: !hasSnakemake ? 'snakemake not installed (Debian package snakemake)' : !hasData, timeout: 900000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-wf-'));
  const sheet = ['sample_id,path,coords,microns_per_unit,condition', ...IDS.map((s, i) => `${s},${BREAST}/${s}.csv,${BREAST}/${s}_coor.csv,200,${i < 2 ? 'early' : 'late'}`)];
  writeFileSync(join(dir, 'sheet.csv'), sheet.join('\n') + '\n');
  const r = snakemake(dir);
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  const S = join(dir, 'study');

  // Per slide: QC as the README counts it, an hSNMF run with its report.
  for (const s of IDS) {
    const info = JSON.parse(readFileSync(join(S, 'slides', s, 'info.json'), 'utf8'));
    assert.equal(info.nObs, SPOTS[s], `${s} spots`);
    const h = join(S, 'slides', s, 'hsnmf');
    for (const f of ['summary.json', 'clusters.csv', 'report.html', 'result.h5ad', 'metrics.csv']) assert.ok(existsSync(join(h, f)), `${s}: ${f}`);
    assert.equal(readFileSync(join(h, 'clusters.csv'), 'utf8').trim().split('\n').length - 1, SPOTS[s]);
    assert.equal(existsSync(join(S, 'slides', s, 'hsnmf.partial')), false);
  }
  // Joint NMF: one H, and each slide's W is its block of rows of the stacked W.
  const J = join(S, 'joint', 'nmf');
  const W = parseNpy(readFileSync(join(J, 'W.npy')));
  const H = parseNpy(readFileSync(join(J, 'H.npy')));
  assert.deepEqual(W.shape, [1031, 3]);
  assert.deepEqual(H.shape, [3, 6397]);
  let row = 0;
  const names = readFileSync(join(J, 'obs_names.txt'), 'utf8').trim().split('\n');
  for (const s of IDS) {
    const Ws = parseNpy(readFileSync(join(J, `W_${s}.npy`)));
    assert.deepEqual(Ws.shape, [SPOTS[s], 3]);
    assert.deepEqual(Array.from(Ws.data as Float32Array), Array.from((W.data as Float32Array).subarray(row * 3, (row + SPOTS[s]) * 3)), `${s}: W block`);
    assert.deepEqual(readFileSync(join(J, `obs_names_${s}.txt`), 'utf8').trim().split('\n'), names.slice(row, row + SPOTS[s]));
    row += SPOTS[s];
  }
  const res = await readH5ad(join(J, 'result.h5ad'));
  const sample = res.obs.columns.get('sample');
  assert.ok(sample && sample.kind === 'category');
  assert.deepEqual(sample.categories, IDS);
  // Joint hSNMF: every slide labelled, metrics per slide.
  const jh = JSON.parse(readFileSync(join(S, 'joint', 'hsnmf', 'summary.json'), 'utf8'));
  assert.deepEqual(jh.perSample.map((m: { sample: string; nCells: number }) => [m.sample, m.nCells]), IDS.map((s) => [s, SPOTS[s]]));
  const clusters = readFileSync(join(S, 'joint', 'hsnmf', 'clusters.csv'), 'utf8').trim().split('\n').slice(1);
  for (const s of IDS) assert.equal(clusters.filter((l) => l.split(',')[0].endsWith(`-${s}`)).length, SPOTS[s]);
  // cNMF of all slides, fanned out over two workers: each saved its half of the 2 x 4
  // replicates, and the combined consensus has every rank with each slide's usages.
  const workers = [0, 1].map((w) => readdirSync(join(S, 'joint', 'consensus-workers', `worker${w}`, 'replicates')).sort());
  assert.equal(workers[0].length + workers[1].length, 8);
  assert.ok(workers[0].every((f) => !workers[1].includes(f)), 'workers share a replicate');
  const cons = JSON.parse(readFileSync(join(S, 'joint', 'consensus', 'summary.json'), 'utf8'));
  assert.deepEqual(cons.ranks, [2, 3]);
  for (const k of [2, 3]) for (const s of IDS) assert.deepEqual(parseNpy(readFileSync(join(S, 'joint', 'consensus', `consensus_k${k}`, `usages_${s}.npy`))).shape, [SPOTS[s], k]);
  // The study page links every slide's report, the joint report and the k-selection plot, and the links resolve.
  const page = readFileSync(join(S, 'study.html'), 'utf8');
  const links = [...page.matchAll(/href='([^']+)'/g)].map((m) => m[1]);
  assert.equal(links.length, 6);
  for (const l of links) assert.ok(existsSync(join(S, l)), `study.html link ${l}`);

  // Nothing to redo; then delete one slide: only it and the joint steps are planned and run.
  assert.deepEqual(planned(dir), {});
  const keep = statSync(join(S, 'slides', 'slice1', 'hsnmf', 'summary.json')).mtimeMs;
  rmSync(join(S, 'slides', 'slice2'), { recursive: true });
  assert.deepEqual(planned(dir), { all: 1, consensus_combine: 1, consensus_worker: 2, hsnmf_slide: 1, info: 1, joint_hsnmf: 1, joint_nmf: 1, study_report: 1 });
  const r2 = snakemake(dir);
  assert.equal(r2.status, 0, r2.stderr.slice(-4000));
  assert.ok(existsSync(join(S, 'slides', 'slice2', 'hsnmf', 'report.html')));
  assert.equal(statSync(join(S, 'slides', 'slice1', 'hsnmf', 'summary.json')).mtimeMs, keep, 'slice1 was redone');
  assert.deepEqual(planned(dir), {});
});
