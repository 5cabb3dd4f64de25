// Every example is a test: each `--help` example of every command and every stnmf command line
// in the README's sh blocks runs here as a user would type it, in one scratch folder whose
// user files (the names the examples use: `xenium/`, `imaging_data.csv`, …) are links to the
// real data in ../shared/data. An example passes when it exits 0 and every `--out` it names
// (and every file or folder it says it writes) exists afterwards.
//
// Examples run in the order of EXAMPLE_ORDER so that a command reading another's output
// (`stnmf cluster nmf-out/result.h5ad`) runs after the one that wrote it. `stnmf view` and `stnmf app` run
// until it prints its URL, answers one request and is stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../src/cli/commands/index.js';
import { readResult } from '../src/io/result.js';
import { FACTOR_FILES } from '../src/outputs/figures.js';

/** The commands whose outputs hold a factorisation, which readResult must read back. */
const FACTORISING = new Set(['demo', 'nmf', 'consensus', 'cluster', 'hsnmf', 'siid', 'multiomics', 'contrastive']);

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

/** The user files the examples name, as links to the shared data (or small generated files). */
const WORKSPACE: Record<string, string | (() => string)> = {
  'xenium': shared('xenium-mouse-brain'),
  'cell_feature_matrix.h5': shared('xenium-mouse-brain/cell_feature_matrix.h5'),
  'cells.csv.gz': shared('xenium-mouse-brain/cells.csv.gz'),
  'visium': shared('visium-mouse-brain-seurat'),
  'olfactory-bulb': shared('st-mouse-olfactory-bulb'),
  'breast': shared('st-breast-cancer-layers'),
  // The Snakemake workflow of the README's "Many slides" section.
  'workflow': fileURLToPath(new URL('../../workflow', import.meta.url)),
  'imaging_data.csv': shared('codex-crc-reg009/imaging_data.csv'),
  'prior_marker_info.csv': shared('codex-crc-reg009/prior_marker_info.csv'),
  'target_images.csv': shared('bcnmf-demo/target_images.csv'),
  'background_images.csv': shared('bcnmf-demo/background_images.csv'),
  // A sample manifest of the four breast slices (issue 18); paths relative to the manifest.
  'breast-samples.csv': () =>
    ['sample_id,path,coords,microns_per_unit,condition', ...[1, 2, 3, 4].map((i) => `slice${i},breast/slice${i}.csv,breast/slice${i}_coor.csv,200,${i <= 2 ? 'early' : 'late'}`)].join('\n') + '\n',
  // Three gene sets of Xenium panel genes (excitatory, inhibitory, glial markers) in GMT.
  'gene_sets.gmt': () =>
    [
      'EXCITATORY\tna\tSlc17a7\tSatb2\tNeurod6\tCux2',
      'INHIBITORY\tna\tGad1\tGad2\tSst\tPvalb',
      'GLIA\tna\tGfap\tAqp4\tOlig2\tPdgfra',
    ].join('\n') + '\n',
};

/** Commands in the order their examples run (producers before consumers). */
const EXAMPLE_ORDER = [
  'demo', 'simulate', 'info', 'convert', 'nmf', 'consensus', 'cluster', 'metrics', 'hsnmf', 'siid', 'multiomics',
  'contrastive', 'plot', 'report', 'export-vitessce', 'view', 'app',
];

/** A command line with its source, e.g. `nmf --help` or `README.md`. */
interface Example {
  from: string;
  line: string;
}

/** The stnmf command lines of the README's ```sh blocks (set-up lines run by CI itself are skipped). */
function readmeExamples(): Example[] {
  const text = readFileSync(join(REPO, 'README.md'), 'utf8');
  const out: Example[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|console)\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim();
      if (!line) continue;
      // `npm ci` and `npm test` are the CI job itself; the rest of the line is a user's command.
      const parts = line.split('&&').map((s) => s.trim()).filter((s) => s !== 'npm ci' && s !== 'npm test');
      if (parts.length === 0) continue;
      out.push({ from: 'README.md', line: parts.join(' && ') });
    }
  }
  return out;
}

function helpExamples(): Example[] {
  const out: Example[] = [];
  const byName = new Map(COMMANDS.map((c) => [c.name, c]));
  const names = [...EXAMPLE_ORDER.filter((n) => byName.has(n)), ...COMMANDS.map((c) => c.name).filter((n) => !EXAMPLE_ORDER.includes(n))];
  for (const n of names) for (const e of byName.get(n)!.examples) out.push({ from: `stnmf ${n} --help`, line: e.replace(/\s+#\s.*$/, '').trim() });
  return out;
}

/** Output paths an example line claims to write: every `--out X` / `-o X`. */
function claimedOutputs(line: string): string[] {
  return [...line.matchAll(/(?:--out|-o)[ =](\S+)/g)].map((m) => m[1]);
}

function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-examples-'));
  for (const [name, src] of Object.entries(WORKSPACE)) {
    if (typeof src === 'string') {
      if (existsSync(src)) symlinkSync(src, join(dir, name));
    } else writeFileSync(join(dir, name), src());
  }
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const shim = `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`;
  writeFileSync(join(bin, 'stnmf'), shim);
  chmodSync(join(bin, 'stnmf'), 0o755);
  // `npx stnmf …` in the README is the installed package's bin: the same shim.
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = stnmf ] && shift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  return dir;
}

const env = (dir: string) => ({ ...process.env, PATH: `${join(dir, '.bin')}:${process.env.PATH}` });

/** Runs `stnmf view …` / `stnmf app …` until it prints its URL, fetches `/`, stops it. */
async function runView(dir: string, line: string): Promise<void> {
  const child = spawn('/bin/sh', ['-c', `exec ${line}`], { cwd: dir, env: env(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${line}: no URL within 60 s; stderr: ${err}`)), 60_000);
    child.stderr.on('data', (b) => {
      err += b;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${line}: exited ${code} before serving; stderr: ${err}`));
    });
  });
  try {
    const res = await fetch(url);
    assert.equal(res.status, 200, `${line}: GET / answered ${res.status}`);
  } finally {
    child.kill('SIGTERM');
  }
}

test('every --help example and README command line runs as written', { timeout: 900_000 }, async () => {
  const dir = makeWorkspace();
  const examples = [...readmeExamples(), ...helpExamples()];
  assert.ok(examples.length >= 30, `only ${examples.length} examples found`);
  const failures: string[] = [];
  for (const ex of examples) {
    const t0 = Date.now();
    if (/^stnmf (view|app)\b/.test(ex.line)) {
      try {
        await runView(dir, ex.line);
      } catch (e) {
        failures.push(`${ex.from}: ${(e as Error).message}`);
      }
      continue;
    }
    const r = spawnSync('/bin/sh', ['-c', ex.line], { cwd: dir, env: env(dir), encoding: 'utf8', timeout: 300_000 });
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    if (r.status !== 0) {
      failures.push(`${ex.from}: '${ex.line}' exited ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
      continue;
    }
    for (const o of claimedOutputs(ex.line)) if (!existsSync(join(dir, o))) failures.push(`${ex.from}: '${ex.line}' did not write ${o}`);
    process.stdout.write(`# example (${seconds} s) ${ex.from}: ${ex.line}\n`);
  }
  process.stdout.write(`# docs examples: ${examples.length} run, ${failures.length} failed\n`);
  assert.deepEqual(failures, []);

  // readResult reads every command's output as it is: each result folder the examples wrote
  // (the folder or its subfolders: demo steps, consensus_k*), and each result.h5ad on its own,
  // which must give the folder's usages and observations.
  const read: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const ex of examples) {
    const command = /^(?:npx )?stnmf (\S+)/.exec(ex.line)?.[1] ?? '';
    if (!FACTORISING.has(command)) continue;
    for (const o of claimedOutputs(ex.line)) {
      const root = join(dir, o);
      if (seen.has(root) || !existsSync(root) || !statSync(root).isDirectory()) continue;
      seen.add(root);
      const folders = [root, ...readdirSync(root).map((f) => join(root, f)).filter((f) => statSync(f).isDirectory())];
      const results = folders.filter((f) => FACTOR_FILES.some((file) => existsSync(join(f, file))));
      if (results.length === 0 && !/--sweep|--worker-index/.test(ex.line)) problems.push(`${ex.from}: ${o} holds no result readResult can read`);
      for (const f of results) {
        try {
          const r = await readResult(f);
          assert.ok(r.n > 0 && r.k > 0 && r.W.length === r.n * r.k, `${f}: ${r.n} x ${r.k} usages`);
          if (existsSync(join(f, 'result.h5ad'))) {
            const h = await readResult(join(f, 'result.h5ad'));
            assert.deepEqual(h.obsNames, r.obsNames, `${f}/result.h5ad: other observations than the folder`);
            assert.deepEqual(h.W, r.W, `${f}/result.h5ad: other usages than the folder`);
          }
          read.push(f.slice(dir.length + 1));
        } catch (e) {
          problems.push(`${ex.from}: readResult(${f.slice(dir.length + 1)}): ${(e as Error).message}`);
        }
      }
    }
  }
  process.stdout.write(`# readResult: ${read.length} result folders read (${read.join(', ')})\n`);
  assert.deepEqual(problems, []);
  for (const c of FACTORISING) assert.ok(read.some((f) => examples.some((ex) => ex.line.includes(`stnmf ${c} `) && claimedOutputs(ex.line).some((o) => f === o || f.startsWith(`${o}/`)))), `no result of stnmf ${c} was read back`);
});
