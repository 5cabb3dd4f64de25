/**
 * The hostile-input corpus (issue 15): several hundred `stnmf` invocations with damaged files,
 * absurd options, non-regular files, unwritable outputs, closed pipes and signals, generated at
 * test time (test/hostile/). Each case runs under a timeout, two at a time, and must end with its
 * exit code, one error line naming the file or flag, and no output or staging folder left behind.
 * The summary line counts the failure classes; every count must be 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCases, type Case } from './hostile/cases.js';
import { CLI, cliSync, makeInputs, tinyDataset } from './hostile/inputs.js';
import { writeH5ad } from '../src/io/h5ad.js';

const BATCH = new URL('./hostile/batch.js', import.meta.url).pathname;
const XENIUM = new URL('../../../shared/data/xenium-mouse-brain', import.meta.url).pathname;

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  hung: boolean;
  signalToExitMs?: number;
}

function run(c: Case, cwd: string, script: string[] = [CLI, ...c.args]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, script, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let signalAt: number | undefined;
    let signalTimer: NodeJS.Timeout | undefined;
    const sendSignal = () => {
      signalTimer = setTimeout(() => {
        signalAt = Date.now();
        child.kill(c.signal);
      }, c.signalDelayMs ?? 0);
    };
    // Without a line to wait for, the signal goes `signalDelayMs` after the start (a run that
    // prints nothing while it reads).
    if (c.signal && !c.signalAfter) sendSignal();
    if (c.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => (stdout += d));
    if (c.closeStderr) child.stderr.destroy();
    else
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (c.signal && signalTimer === undefined && c.signalAfter?.test(stderr)) sendSignal();
      });
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, c.timeoutMs ?? 30000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signalTimer) clearTimeout(signalTimer);
      resolve({ code, signal, stdout, stderr, hung, signalToExitMs: signalAt !== undefined ? Date.now() - signalAt : undefined });
    });
  });
}

/** Problems of one outcome: [class, description] pairs. */
function judge(c: Case, o: Outcome, existedBefore: boolean): [string, string][] {
  const bad: [string, string][] = [];
  const lines = o.stderr.split('\n').filter((l) => l.trim() !== '');
  if (o.hung) return [['hang', `no exit within ${c.timeoutMs ?? 30000} ms`]];
  if (o.code === null || o.code === 1 || /internal error|FATAL ERROR|    at /.test(o.stderr)) {
    bad.push(['crash', `code ${o.code} signal ${o.signal}: ${lines.slice(-2).join(' | ')}`]);
  } else if (o.code !== c.code) {
    bad.push([o.code === 0 ? 'silently wrong' : 'wrong exit code', `expected ${c.code}, got ${o.code}: ${lines.slice(-1).join('')}`]);
  }
  if (c.code !== 0 && !c.closeStderr && bad.length === 0) {
    const errs = lines.filter((l) => / error: |interrupted by/.test(l));
    if (errs.length !== 1) bad.push(['message', `expected one error line, got ${errs.length}: ${lines.slice(-3).join(' | ')}`]);
    else {
      const e = errs[0];
      if (/stnmf [\w-]+: error: stnmf/.test(e)) bad.push(['message', `command name twice: ${e}`]);
      if (/HDF5-DIAG|\.stnmf-partial-/.test(o.stderr)) bad.push(['message', `internal detail in: ${e}`]);
      if (c.names && !e.includes(c.names)) bad.push(['message', `error line does not name ${c.names}: ${e}`]);
    }
  }
  if (c.signal && o.signalToExitMs !== undefined && o.signalToExitMs > (c.signalDeadlineMs ?? 1000)) {
    bad.push(['wrong exit code', `exit ${o.signalToExitMs} ms after ${c.signal} (limit ${c.signalDeadlineMs ?? 1000} ms)`]);
  }
  if (c.signal && o.signalToExitMs === undefined) bad.push(['wrong exit code', 'the signal was never sent (no progress seen)']);
  const problem = c.check?.(o);
  if (problem && bad.length === 0) bad.push(['message', problem]);
  if (c.out) {
    const left = existsSync(c.out);
    if (c.code !== 0 && left && !existedBefore) bad.push(['leftover', `${c.out} exists after a failed run`]);
    if (left && statIsDir(c.out)) {
      const staging = readdirSync(c.out).filter((n) => n.startsWith('.stnmf-partial-'));
      if (staging.length) bad.push(['leftover', `staging folder ${staging[0]} in ${c.out}`]);
      if (c.code === 0 && !existsSync(join(c.out, 'summary.json'))) bad.push(['silently wrong', `${c.out} lacks summary.json`]);
    }
  }
  return bad;
}

function statIsDir(p: string): boolean {
  try {
    return readdirSync(p) !== undefined;
  } catch {
    return false;
  }
}

/** Mounts a tiny tmpfs (full disk) and a read-only one when we may (root on Linux); else undefined. */
/**
 * `n` cells x 10 genes of small counts and their positions, at Xenium's density (a 5.5 mm
 * square per 300,000 cells), from a fixed linear congruential sequence.
 */
function writeBigTable(matrixPath: string, coordsPath: string, n: number): void {
  let seed = 1;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const side = 5500 * Math.sqrt(n / 300000);
  const rows = ['cell_id,' + Array.from({ length: 10 }, (_, j) => `Gene${j}`).join(',')];
  const pos = ['cell_id,x,y'];
  for (let i = 0; i < n; i++) {
    rows.push(`c${i},` + Array.from({ length: 10 }, () => Math.floor(next() * 5)).join(','));
    pos.push(`c${i},${(next() * side).toFixed(2)},${(next() * side).toFixed(2)}`);
  }
  writeFileSync(matrixPath, rows.join('\n') + '\n');
  writeFileSync(coordsPath, pos.join('\n') + '\n');
}

function mounts(work: string): { tmpfs?: string; rofs?: string; cleanup: () => void } {
  const tmpfs = join(work, 'full');
  const rofs = join(work, 'ro');
  mkdirSync(tmpfs);
  mkdirSync(rofs);
  const ok1 = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', tmpfs]).status === 0;
  const ok2 = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', rofs]).status === 0;
  if (ok1) writeFileSync(join(tmpfs, 'filler'), Buffer.alloc(12 * 1024)); // leave ~4 kB
  return {
    tmpfs: ok1 ? tmpfs : undefined,
    rofs: ok2 ? rofs : undefined,
    cleanup: () => {
      if (ok1) spawnSync('umount', [tmpfs]);
      if (ok2) spawnSync('umount', [rofs]);
    },
  };
}

test('hostile corpus: every case ends with its exit code, one named error line, no leftovers, no hang', { timeout: 900000 }, async (t) => {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'stnmf-hostile-'));
  const m = mounts(work);
  t.after(() => {
    m.cleanup();
    rmSync(work, { recursive: true, force: true });
  });
  const P = await makeInputs(work);
  // A tiny simulated slide pair (SIID, hSNMF) and a result folder (plot, report, view, export).
  cliSync(work, 'simulate', 'siid', '--cells', '60', '--genes', '30', '--panel', '15', '--types', '3', '--grid', '3', '--out', join(work, 'sim'));
  P.simCells = join(work, 'sim', 'cells.h5ad');
  P.simSpots = join(work, 'sim', 'spots.h5ad');
  P.result = join(work, 'result');
  cliSync(work, 'nmf', P.simCells, '--rank', '2', '--max-iter', '5', '--out', P.result);
  // Result folders with a damaged table the figures read: SIID's spot positions, the marker statistics.
  for (const [key, file, text] of [
    ['resultBadSpots', 'spot_coordinates.csv', 'spot,x_um,y_um\nspot0,1,not-a-number\n'],
    ['resultBadMarkers', 'markers.csv', 'group,names,scores\n0,g1,1\n1,g2,2\n'],
  ] as const) {
    P[key] = join(work, key);
    cpSync(P.result, P[key], { recursive: true });
    writeFileSync(join(P[key], file), text);
  }
  // A matrix read the wrong way round and kept as h5ad: its "genes" are cell barcodes.
  const bc = Array.from({ length: 12 }, (_, j) => 'ACGTACGTACGT'.slice(j % 4) + 'ACGT'.slice(0, j % 4) + `-${j + 1}`);
  writeFileSync(join(work, 'genes-in-rows.csv'), ['gene,' + bc.join(',')].concat(Array.from({ length: 30 }, (_, i) => `Gene${i},` + bc.map((_, j) => (i * 7 + j * 3) % 5).join(','))).join('\n') + '\n');
  P.transposed = join(work, 'transposed.h5ad');
  cliSync(work, 'convert', join(work, 'genes-in-rows.csv'), '--orientation', 'obs-rows', '--out', P.transposed);
  if (existsSync(XENIUM)) P.xenium = XENIUM;
  // A larger slide (3000 cells) for the signal cases of Leiden and the permutation test, whose
  // loops on the 60-cell slide end before a signal could land (cases.ts, "hostile helper" block).
  cliSync(work, 'simulate', 'siid', '--cells', '3000', '--genes', '30', '--panel', '15', '--types', '3', '--grid', '3', '--out', join(work, 'simbig'));
  P.simBig = join(work, 'simbig', 'cells.h5ad');
  P.simBigMarkers = join(work, 'simbig-markers.csv');
  // A 400,000-cell table and its positions (22 MB): reading it takes seconds, long enough for a
  // signal to land while it is read; its 400,000 position rows once overflowed the call stack.
  P.bigCsv = join(work, 'big.csv');
  P.bigCoords = join(work, 'big-positions.csv');
  writeBigTable(P.bigCsv, P.bigCoords, 400000);
  writeFileSync(P.simBigMarkers, 'cell_type,feature\nT,gene1\nB,gene2\nC,gene3\n');
  // A well-formed h5ad with one negative X value: legal for info/convert/cluster (scaled data),
  // refused by every factorising command, naming the file.
  const neg = tinyDataset();
  neg.X.data[3] = -2;
  P.h5adNegative = join(work, 'neg-value.h5ad');
  await writeH5ad(P.h5adNegative, neg);
  // Stored factors (--use X_nmf) with an infinite and with a negative usage.
  for (const [key, bad] of [['embInf', Infinity], ['embNeg', -4]] as const) {
    const d = tinyDataset();
    const k = 2;
    d.obsm.X_nmf = { rows: d.X.rows, cols: k, data: Float32Array.from({ length: d.X.rows * k }, (_, q) => (q === 5 ? bad : 1 + (q % 3))) };
    d.varm.nmf = { rows: d.X.cols, cols: k, data: new Float32Array(d.X.cols * k).fill(1) };
    P[key] = join(work, `${key === 'embInf' ? 'emb-inf' : 'emb-neg'}.h5ad`);
    await writeH5ad(P[key], d);
  }
  const cases = buildCases(P, work, m);

  // Multi-process cases.
  const special: { name: string; run: () => Promise<[string, string][]> }[] = [
    {
      name: 'a SIGKILLed run leaves a staging folder; the next run removes it',
      run: async () => {
        const out = join(work, 'stale');
        mkdirSync(join(out, '.stnmf-partial-999999-1'), { recursive: true });
        writeFileSync(join(out, '.stnmf-partial-999999-1', 'W.npy'), 'half');
        const o = await run({ name: 'stale', args: ['nmf', P.csv, '--rank', '2', '--out', out], code: 0 }, work);
        const left = readdirSync(out).filter((n) => n.startsWith('.stnmf-partial'));
        return o.code !== 0 ? [['wrong exit code', `exit ${o.code}`]] : left.length ? [['leftover', `stale ${left[0]} not removed`]] : [];
      },
    },
    {
      name: 'two concurrent writers to one new --out: one finishes, the other ends with the --out error; the folder holds one complete result',
      run: async () => {
        const out = join(work, 'concurrent');
        const c: Case = { name: 'w', args: ['nmf', P.csv, '--rank', '2', '--out', out], code: 0 };
        const [a, b] = await Promise.all([run(c, work), run(c, work)]);
        const bad: [string, string][] = [];
        const codes = [a.code, b.code].sort();
        const loser = a.code === 0 ? b : a;
        if (codes[0] !== 0 || codes[1] !== 4) bad.push(['wrong exit code', `exits ${a.code}, ${b.code} (expected one 0 and one 4): ${a.stderr.slice(-200)} ${b.stderr.slice(-200)}`]);
        else if (!/error: --out .*--force/.test(loser.stderr)) bad.push(['message', `the refused writer does not name --out and --force: ${loser.stderr.slice(-200)}`]);
        const names = readdirSync(out);
        if (names.some((n) => n.startsWith('.'))) bad.push(['leftover', `hidden files: ${names.filter((n) => n.startsWith('.')).join(' ')}`]);
        if (readdirSync(work).some((n) => n.startsWith('.concurrent.stnmf-'))) bad.push(['leftover', 'a staging folder beside --out']);
        for (const f of ['W.npy', 'H.npy', 'result.h5ad', 'summary.json', 'run.json']) if (!names.includes(f)) bad.push(['silently wrong', `${f} missing`]);
        return bad;
      },
    },
    {
      name: '--force replaces a non-empty --out whole: the earlier files are gone, the new run is complete, nothing staged is left',
      run: async () => {
        const out = join(work, 'forced');
        mkdirSync(out);
        writeFileSync(join(out, 'earlier-result.txt'), 'old\n');
        const o = await run({ name: 'force', args: ['nmf', P.csv, '--rank', '2', '--force', '--out', out], code: 0 }, work);
        const bad: [string, string][] = [];
        if (o.code !== 0) return [['wrong exit code', `exit ${o.code}: ${o.stderr.slice(-200)}`]];
        const names = readdirSync(out);
        if (names.includes('earlier-result.txt')) bad.push(['silently wrong', 'the earlier file survived --force (the folder mixes two runs)']);
        for (const f of ['W.npy', 'H.npy', 'result.h5ad', 'summary.json', 'run.json']) if (!names.includes(f)) bad.push(['silently wrong', `${f} missing`]);
        if (readdirSync(work).some((n) => n.startsWith('.forced.stnmf-'))) bad.push(['leftover', 'a staging or old folder beside --out']);
        return bad;
      },
    },
    {
      name: 'a failed --force run leaves the earlier folder untouched',
      run: async () => {
        const out = join(work, 'forced-fail');
        mkdirSync(out);
        writeFileSync(join(out, 'earlier-result.txt'), 'old\n');
        const o = await run({ name: 'force-fail', args: ['nmf', P.csv, '--rank', '999', '--force', '--out', out], code: 2 }, work);
        const bad: [string, string][] = [];
        if (o.code !== 2) bad.push(['wrong exit code', `exit ${o.code}: ${o.stderr.slice(-200)}`]);
        const names = readdirSync(out);
        if (names.length !== 1 || names[0] !== 'earlier-result.txt') bad.push(['silently wrong', `folder changed: ${names.join(' ')}`]);
        if (readdirSync(work).some((n) => n.startsWith('.forced-fail.stnmf-'))) bad.push(['leftover', 'a staging folder beside --out']);
        return bad;
      },
    },
  ];

  const counts: Record<string, number> = { 'silently wrong': 0, hang: 0, crash: 0, 'wrong exit code': 0, leftover: 0, message: 0 };
  const failures: string[] = [];
  const record = (name: string, bad: [string, string][]) => {
    for (const [cls, why] of bad) {
      counts[cls]++;
      failures.push(`${cls}: ${name}: ${why}`);
    }
  };
  // Signal cases need the CPU to themselves to meet their deadline: they run after the rest, one at a time.
  const batched = cases.filter((c) => c.batch && !c.signal);
  const normal = cases.filter((c) => !c.batch && !c.signal);
  const timed = cases.filter((c) => c.signal);
  let next = 0;
  const worker = async () => {
    while (next < normal.length) {
      const c = normal[next++];
      const existed = c.out ? existsSync(c.out) : false;
      record(c.name, judge(c, await run(c, work), existed));
    }
  };
  // One in-process batch of the cheap cases beside one spawning worker; then both spawn.
  const batch = async () => {
    const casesFile = join(work, 'batch-cases.json');
    const resultsFile = join(work, 'batch-results.json');
    writeFileSync(casesFile, JSON.stringify(batched.map((c) => c.args)));
    const o = await run({ name: 'batch', args: [], code: 0, timeoutMs: 120000 }, work, [BATCH, casesFile, resultsFile]);
    if (o.hung || !existsSync(resultsFile)) {
      for (const c of batched) record(c.name, [['hang', `batch runner: ${o.hung ? 'timed out' : 'no results'} ${o.stderr.slice(-300)}`]]);
    } else {
      const res = JSON.parse(readFileSync(resultsFile, 'utf8')) as { code: number; stdout: string; stderr: string }[];
      batched.forEach((c, i) => record(c.name, judge(c, { ...res[i], signal: null, hung: false }, false)));
    }
    await worker();
  };
  await Promise.all([batch(), worker()]);
  for (const s of special) record(s.name, await s.run());
  for (const c of timed) record(c.name, judge(c, await run(c, work), false));

  const total = cases.length + special.length;
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `hostile corpus: ${total} cases, ${counts['silently wrong']} silently wrong, ${counts.hang} hangs, ${counts.crash} crashes, ` +
      `${counts['wrong exit code']} wrong exit codes, ${counts.leftover} leftover folders, ${counts.message} bad messages (${seconds} s${m.tmpfs ? '' : ', no tmpfs: full-disk cases skipped'})`,
  );
  for (const f of failures) console.log('  ' + f);
  assert.ok(total >= 300, `only ${total} cases`);
  assert.deepEqual(failures, []);
});
