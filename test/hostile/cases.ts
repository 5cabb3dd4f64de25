/**
 * The hostile-input corpus: every case is one `stnmf` invocation with the exit code it must end
 * with, what its one error line must name, and the output folder that must not be left behind.
 * Classes: absurd option values for every numeric and choice flag of every command (generated
 * from the flag declarations, so a new flag is covered the day it is declared), unknown options,
 * non-regular files for every input-path flag and positional, damaged files of every reader
 * format, malformed h5ad, pseudo-file-system and unwritable outputs, full disk, closed pipes,
 * stale staging folders, concurrent writers and signals.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlagSpec } from '../../src/cli/args.js';
import { COMMANDS } from '../../src/cli/commands/index.js';

/** One corpus case. */
export interface Case {
  name: string;
  args: string[];
  /** Expected exit code; for signal cases 130/143. */
  code: number;
  /** Text the error line must contain (a file name or a flag), when the case fails on purpose. */
  names?: string;
  /** Output folder/file the case must not leave behind (or, for code 0, must leave complete). */
  out?: string;
  /** Send this signal once stderr has printed `signalAfter` (or after `signalDelayMs`). */
  signal?: 'SIGINT' | 'SIGTERM';
  signalAfter?: RegExp;
  signalDelayMs?: number;
  /** Max ms from the signal to the exit. */
  signalDeadlineMs?: number;
  /** Close our end of stdout/stderr right away (EPIPE for the child). */
  closeStdout?: boolean;
  closeStderr?: boolean;
  /** Extra check after the run; returns a problem description or undefined. */
  check?: (r: { stdout: string; stderr: string }) => string | undefined;
  /** Per-case timeout (ms). */
  timeoutMs?: number;
  /** Cheap case (fails in option or path checks): run in-process by batch.ts instead of spawned. */
  batch?: boolean;
}

/** Values outside a numeric flag's declared range, plus malformed numbers (rotated per flag). */
function badNumbers(spec: FlagSpec, k: number): string[] {
  const out: string[] = [];
  if (spec.exclusiveMin !== undefined) out.push(String(spec.exclusiveMin));
  else if (spec.min !== undefined) out.push(String(spec.min - 1));
  if (spec.max !== undefined) out.push(String(spec.max + 1));
  const malformed = ['abc', '0x1F', '1e999', spec.type === 'int' ? '1.5' : 'NaN', ''];
  out.push(malformed[k % malformed.length]);
  return out;
}

/** Base arguments that satisfy each command's required flags (the bad value is appended). */
function baseArgs(cmd: string, P: Record<string, string>, out: string): string[] {
  switch (cmd) {
    case 'nmf':
      return [P.csv, '--rank', '2', '--out', out];
    case 'convert':
      return [P.csv, '--out', `${out}.h5ad`];
    case 'cluster':
    case 'hsnmf':
      return [P.h5ad, '--out', out];
    case 'metrics':
      return [P.h5ad, '--radius', '10', '--out', out];
    case 'consensus':
      return [P.h5ad, '--ranks', '2', '--replicates', '2', '--out', out];
    case 'siid':
      return ['--cells', P.simCells, '--spots', P.simSpots, '--rank', '2', '--out', out];
    case 'multiomics':
      return ['--tx', P.csv, '--markers', P.markers, '--out', out];
    case 'contrastive':
      return ['--target', P.csv, '--background', P.csv2, '--rank', '2', '--alpha', '1', '--out', out];
    case 'simulate':
      return ['siid', '--out', out];
    case 'export-vitessce':
      return [P.result, '--out', out];
    case 'plot':
      return [P.result, '--out', out];
    case 'report':
    case 'view':
      return [P.result];
    case 'info':
      return [P.csv];
    case 'app':
      // No input and no output: the bad value alone (a valid call would start serving).
      return [];
    default:
      return ['--out', out];
  }
}

/** Builds every case; `P` holds the generated inputs (inputs.ts) and `work` the scratch folder. */
export function buildCases(P: Record<string, string>, work: string, opts: { tmpfs?: string; rofs?: string }): Case[] {
  const cases: Case[] = [];
  let serial = 0;
  const outDir = () => join(work, `out-${++serial}`);

  // 1. Option values: every numeric flag out of range / malformed, every choice flag, unknown options.
  for (const cmd of COMMANDS) {
    let k = 0;
    for (const [flag, spec] of Object.entries(cmd.flags)) {
      if (spec.type === 'int' || spec.type === 'number') {
        for (const v of badNumbers(spec, k++)) {
          const out = outDir();
          cases.push({ name: `${cmd.name} --${flag} ${JSON.stringify(v)}`, args: [cmd.name, ...baseArgs(cmd.name, P, out), `--${flag}=${v}`], code: 2, names: `--${flag}`, out, batch: true });
        }
      } else if (spec.choices) {
        const out = outDir();
        cases.push({ name: `${cmd.name} --${flag} bogus`, args: [cmd.name, ...baseArgs(cmd.name, P, out), `--${flag}`, 'bogus'], code: 2, names: `--${flag}`, out, batch: true });
      } else if (spec.type === 'boolean') {
        if (k++ % 2 === 0) {
          const out = outDir();
          cases.push({ name: `${cmd.name} --${flag}=maybe`, args: [cmd.name, ...baseArgs(cmd.name, P, out), `--${flag}=maybe`], code: 2, names: `--${flag}`, out, batch: true });
        }
      }
    }
    const out = outDir();
    cases.push({ name: `${cmd.name} unknown option`, args: [cmd.name, ...baseArgs(cmd.name, P, out), '--no-such-option', '1'], code: 2, names: '--no-such-option', out, batch: true });
    // 2. Non-regular files for every input-path flag.
    for (const [flag, spec] of Object.entries(cmd.flags)) {
      if (!spec.input) continue;
      const targets: [string, string, RegExp][] = [
        ['fifo', P.fifo, /not a regular file/],
        ['/dev/zero', '/dev/zero', /not a regular file/],
        ['missing', P.missing, /not found|no such/],
      ];
      if (spec.input === 'file') targets.push(['folder', P.folder, /not a regular file/]);
      for (const [what, path, re] of targets) {
        const o = outDir();
        const base = baseArgs(cmd.name, P, o);
        cases.push({
          name: `${cmd.name} --${flag} ${what}`,
          args: [cmd.name, ...base, `--${flag}`, path],
          code: 3,
          names: `--${flag}`,
          out: o,
          batch: true,
          check: (r) => (re.test(r.stderr) ? undefined : `stderr does not match ${re}`),
        });
      }
    }
  }
  // `stnmf app` takes no input: a path given to it is a usage error (it would otherwise be ignored).
  cases.push({ name: 'app <positional>', args: ['app', P.csv], code: 2, names: 'takes no input', batch: true });
  // Non-regular positionals.
  for (const cmd of ['info', 'convert', 'nmf', 'cluster', 'metrics', 'hsnmf', 'plot', 'report', 'view', 'export-vitessce']) {
    for (const [what, path] of [['fifo', P.fifo], ['/dev/zero', '/dev/zero'], ['missing', P.missing]]) {
      const out = outDir();
      const base = baseArgs(cmd, P, out).slice(1);
      cases.push({ name: `${cmd} <${what}>`, args: [cmd, path, ...base], code: 3, names: what === 'missing' ? 'does-not-exist' : path.split('/').pop(), out, batch: what !== 'missing' });
    }
  }

  // 3. Damaged files of every format, read by `info` (detection + reader) and by `nmf` (no output left).
  const damaged: [string, string, number][] = [
    ['csv-ragged', 'ragged.csv', 3],
    ['csv-nan', 'nan.csv', 3],
    ['csv-inf', 'inf.csv', 3],
    ['csv-1e999', 'overflow.csv', 3],
    ['csv-hex', 'hex.csv', 3],
    ['csv-dup-rows', 'duprows.csv', 3],
    ['csv-dup-cols', 'dupcols.csv', 3],
    ['csv-empty', 'empty.csv', 3],
    ['csv-header-only', 'header.csv', 3],
    ['csv-binary', 'binary.csv', 3],
    ['gz-truncated', 'truncated.csv.gz', 3],
    ['gz-garbage', 'garbage.csv.gz', 3],
    ['h5-truncated', 'truncated.h5ad', 3],
    ['h5-random', 'random.h5', 3],
    ['h5-signature-garbage', 'siggarbage.h5ad', 3],
    ['h5-empty', 'empty.h5ad', 3],
    ['mex-index', 'mex-index', 3],
    ['mex-header', 'mex-header', 3],
    ['mex-count', 'mex-count', 3],
    ['xenium-bad', 'xenium-bad', 3],
    ['parquet-garbage', 'cells.parquet', 3],
  ];
  for (const k of Object.keys(P).filter((k) => k.startsWith('h5ad-'))) damaged.push([k, P[k].split('/').pop()!, 3]);
  for (const [key, file, code] of damaged) {
    cases.push({ name: `info ${key}`, args: ['info', P[key]], code, names: file });
    const out = outDir();
    cases.push({ name: `nmf ${key}`, args: ['nmf', P[key], '--rank', '2', '--out', out], code, names: file, out });
  }
  // Sample manifests: one line naming the manifest (or the sample's file) and what to fix.
  for (const [key, names] of [
    ['samples-no-path', "no 'path' column"],
    ['samples-dup-id', "sample_id 'a' appears twice"],
    ['samples-bad-mpu', 'microns_per_unit must be a number > 0'],
    ['samples-missing-file', 'does-not-exist.csv'],
    ['samples-empty', 'lists no sample'],
    ['samples-ragged', 'line 2 has 3 fields'],
  ] as const) {
    const out = outDir();
    cases.push({ name: `nmf --samples ${key}`, args: ['nmf', '--samples', P[key], '--rank', '2', '--out', out], code: 3, names, out });
  }
  {
    const out = outDir();
    cases.push({ name: 'nmf input and --samples', args: ['nmf', P.csv, '--samples', P['samples-dup-id'], '--rank', '2', '--out', out], code: 2, names: '--samples', out, batch: true });
    const out2 = outDir();
    cases.push({ name: 'nmf --sample-key unknown column', args: ['nmf', P.csv, '--sample-key', 'no_such', '--rank', '2', '--out', out2], code: 2, names: '--sample-key no_such', out: out2 });
  }
  // The sample-aware fits (nmf --inmf, --sample-scaling): what they cannot combine with, named by flag before any read.
  for (const [name, args, names] of [
    ['nmf --inmf without samples', [P.csv, '--inmf'], '--samples'],
    ['nmf --inmf-lambda without --inmf', ['--samples', P['samples-two'], '--inmf-lambda', '2'], 'add --inmf'],
    ['nmf --inmf --loss poisson', ['--samples', P['samples-two'], '--inmf', '--loss', 'poisson'], '--loss poisson'],
    ['nmf --inmf --stream', ['--samples', P['samples-two'], '--inmf', '--stream'], '--stream'],
    ['nmf --inmf --restarts 2', ['--samples', P['samples-two'], '--inmf', '--restarts', '2'], '--restarts'],
    ['nmf --sample-scaling without samples', [P.csv, '--sample-scaling'], '--samples'],
    ['nmf --scaling-reference without --sample-scaling', ['--samples', P['samples-two'], '--scaling-reference', 'a'], 'add --sample-scaling'],
    ['nmf --sample-scaling --inmf', ['--samples', P['samples-two'], '--sample-scaling', '--inmf'], 'two models'],
    ['nmf --sample-scaling --solver mu', ['--samples', P['samples-two'], '--sample-scaling', '--solver', 'mu'], '--solver mu'],
  ] as const) {
    const out = outDir();
    cases.push({ name, args: ['nmf', ...args, '--rank', '2', '--out', out], code: 2, names, out, batch: true });
  }
  // Values fine for a reader but not for NMF: negative counts, named by file.
  for (const key of ['csv-negative']) {
    const out = outDir();
    cases.push({ name: `nmf ${key}`, args: ['nmf', P[key], '--rank', '2', '--out', out], code: 3, out });
  }
  // convert must not write Infinity into an h5ad.
  for (const key of ['csv-inf', 'csv-1e999']) {
    const out = join(work, `conv-${++serial}.h5ad`);
    cases.push({ name: `convert ${key}`, args: ['convert', P[key], '--out', out], code: 3, names: P[key].split('/').pop(), out });
  }
  // Damaged factor files.
  for (const key of ['w0-shape', 'w0-nan', 'w0-negative', 'w0-truncated', 'w0-magic', 'w0-header', 'w0-empty']) {
    const out = outDir();
    cases.push({ name: `nmf --w0 ${key}`, args: ['nmf', P.csv, '--rank', '2', '--w0', P[key], '--h0', P['h0-ok'], '--out', out], code: 3, names: P[key].split('/').pop(), out });
  }
  // Damaged tables inside a result folder: plot names the file and writes nothing (report draws
  // what it can and names the file in its notes).
  for (const [key, file] of [['resultBadSpots', 'spot_coordinates.csv'], ['resultBadMarkers', 'markers.csv']] as const) {
    if (!P[key]) continue;
    const out = outDir();
    cases.push({ name: `plot with a damaged ${file}`, args: ['plot', P[key], '--out', out], code: 3, names: file, out });
  }
  // Mapping entries that are not spot indices.
  for (const key of ['mapping-fraction', 'mapping-range']) {
    const out = outDir();
    cases.push({ name: `siid --mapping ${key}`, args: ['siid', '--cells', P.simCells, '--spots', P.simSpots, '--rank', '2', '--mapping', P[key], '--out', out], code: 3, names: P[key].split('/').pop(), out });
  }

  // 4. Outputs: pseudo file systems, a file where a folder goes, unwritable places.
  for (const [what, path] of [['/proc/x', '/proc/stnmf-x'], ['/proc/self', '/proc/self'], ['/sys/x', '/sys/stnmf-x'], ['/dev/null/x', '/dev/null/x'], ['a file', P.fileAsOut]]) {
    for (const cmd of ['nmf', 'simulate', 'hsnmf']) {
      const args = cmd === 'nmf' ? ['nmf', P.csv, '--rank', '2', '--out', path] : cmd === 'simulate' ? ['simulate', 'siid', '--cells', '20', '--out', path] : ['hsnmf', P.h5ad, '--out', path];
      cases.push({ name: `${cmd} --out ${what}`, args, code: 4, names: path, timeoutMs: 20000 });
    }
  }
  if (opts.tmpfs) {
    const full = opts.tmpfs;
    cases.push({ name: 'nmf on a full disk', args: ['nmf', P.csv, '--rank', '2', '--out', join(full, 'nmf')], code: 4, names: join(full, 'nmf'), out: join(full, 'nmf'), check: (r) => (/disk is full/.test(r.stderr) ? undefined : 'message does not say the disk is full') });
    cases.push({ name: 'simulate on a full disk', args: ['simulate', 'siid', '--cells', '400', '--out', join(full, 'sim')], code: 4, names: join(full, 'sim'), out: join(full, 'sim') });
    cases.push({ name: 'plot on a full disk', args: ['plot', P.result, '--out', join(full, 'fig')], code: 4, names: join(full, 'fig'), out: join(full, 'fig') });
    cases.push({ name: 'export-vitessce on a full disk', args: ['export-vitessce', P.result, '--out', join(full, 'vit')], code: 4, names: join(full, 'vit'), out: join(full, 'vit') });
    cases.push({ name: 'convert on a full disk', args: ['convert', P.csv, '--out', join(full, 'c.h5ad')], code: 4, names: 'c.h5ad', out: join(full, 'c.h5ad') });
  }
  if (opts.rofs) {
    cases.push({ name: 'nmf on a read-only file system', args: ['nmf', P.csv, '--rank', '2', '--out', join(opts.rofs, 'nmf')], code: 4, names: join(opts.rofs, 'nmf') });
    cases.push({ name: 'convert on a read-only file system', args: ['convert', P.csv, '--out', join(opts.rofs, 'c.h5ad')], code: 4, names: 'c.h5ad' });
  }

  // 4b. A non-empty --out without --force (issue 13, point 9): refused before any input is read,
  // naming --out and --force; the folder keeps exactly what it held.
  const nonEmpty: [string, string[]][] = [
    ['nmf', ['nmf', P.csv, '--rank', '2']],
    ['cluster', ['cluster', P.result]],
    ['metrics', ['metrics', P.result, '--labels', 'leiden', '--radius', '10']],
    ['hsnmf', ['hsnmf', P.simCells, '--rank', '2']],
    ['siid', ['siid', '--cells', P.simCells, '--spots', P.simSpots, '--rank', '2']],
    ['multiomics', ['multiomics', '--tx', P.csv, '--markers', P.markers]],
    ['contrastive', ['contrastive', '--target', P.csv, '--background', P.csv2, '--rank', '2', '--alpha', '1']],
    ['simulate', ['simulate', 'siid']],
    ['export-vitessce', ['export-vitessce', P.result]],
    ['plot', ['plot', P.result]],
    ['demo', ['demo']],
  ];
  for (const [cmd, args] of nonEmpty) {
    const out = outDir();
    mkdirSync(out);
    writeFileSync(join(out, 'earlier-result.txt'), 'keep me\n');
    cases.push({
      name: `${cmd} --out a non-empty folder without --force`,
      args: [...args, '--out', out],
      code: 4,
      names: '--out',
      out,
      check: (r) => {
        if (!/not empty.*--force/.test(r.stderr)) return 'message does not say the folder is not empty and name --force';
        if (/^read /m.test(r.stderr)) return 'an input was read before the refusal';
        const left = readdirSync(out);
        return left.length === 1 && left[0] === 'earlier-result.txt' ? undefined : `folder changed: ${left.join(' ')}`;
      },
    });
  }

  // 4c. Matrices that look transposed (issue 13, point 4) and lengths in µm on pixels of unknown
  // size (point 6): one line naming the flag to pass, exit 3, no folder.
  const refused: [string, string[], string][] = [
    ['siid --cells transposed', ['siid', '--cells', P.transposed, '--spots', P.simSpots, '--rank', '2'], '--cells-orientation'],
    ['siid --spots transposed', ['siid', '--cells', P.simCells, '--spots', P.transposed, '--rank', '2'], '--spots-orientation'],
    ['multiomics --tx transposed', ['multiomics', '--tx', P.transposed, '--markers', P.markers], '--tx-orientation'],
    ['multiomics --prot transposed', ['multiomics', '--prot', P.transposed, '--markers', P.markers], '--prot-orientation'],
    ['contrastive --target transposed', ['contrastive', '--target', P.transposed, '--background', P.csv2, '--rank', '2', '--alpha', '1'], '--target-orientation'],
    ['nmf transposed', ['nmf', P.transposed, '--rank', '2'], '--orientation'],
    ['hsnmf transposed', ['hsnmf', P.transposed, '--rank', '2'], '--orientation'],
    ['metrics --radius on px of unknown size', ['metrics', P.result, '--radius', '10', '--coordinate-unit', 'px'], '--microns-per-unit'],
    ['siid --mapping-distance on cell px of unknown size', ['siid', '--cells', P.simCells, '--spots', P.simSpots, '--rank', '2', '--cells-coordinate-unit', 'px'], '--cells-microns-per-unit'],
    ['simulate pseudo-visium on px of unknown size', ['simulate', 'pseudo-visium', '--from', P.simCells, '--coordinate-unit', 'px'], '--microns-per-unit'],
  ];
  for (const [name, args, flag] of refused) {
    const out = outDir();
    cases.push({ name, args: [...args, '--out', out], code: 3, names: flag, out });
  }
  {
    const out = join(work, 'conv-transposed.h5ad');
    cases.push({ name: 'convert transposed', args: ['convert', P.transposed, '--out', out], code: 3, names: '--orientation', out });
  }

  // 5. Closed pipes do not change the outcome; threads are capped.
  {
    const out = outDir();
    cases.push({ name: 'nmf --json with stdout closed', args: ['nmf', P.csv, '--rank', '2', '--json', '--out', out], code: 0, out, closeStdout: true });
    const out2 = outDir();
    cases.push({ name: 'nmf with stderr closed', args: ['nmf', P.csv, '--rank', '2', '--out', out2], code: 0, out: out2, closeStderr: true });
    const out3 = outDir();
    cases.push({ name: 'nmf with both closed', args: ['nmf', P.csv, '--rank', '2', '--json', '--out', out3], code: 0, out: out3, closeStdout: true, closeStderr: true });
    const out4 = outDir();
    cases.push({
      name: 'nmf --threads 1000 is capped',
      args: ['nmf', P.csv, '--rank', '2', '--threads', '1000', '--out', out4],
      code: 0,
      out: out4,
      check: (r) => (/warning: --threads 1000 .*using \d+/.test(r.stderr) ? undefined : 'no --threads warning'),
    });
  }

  // 6. Signals: the run stops within a second, exits 130/143 and leaves no folder.
  const long = ['--tol', '0', '--max-iter', '100000000'];
  const signalRuns: [string, string[], RegExp][] = [
    ['nmf', ['nmf', P.csv, '--rank', '2', ...long], /nmf restart/],
    ['hsnmf', ['hsnmf', P.simCells, '--rank', '2', ...long], /hsnmf nmf \d/],
    ['siid', ['siid', '--cells', P.simCells, '--spots', P.simSpots, '--rank', '2', '--holdout-folds', '0', '--restarts', '1', '--entropy-lambda', '1000', '--max-iter', '100000000'], /restart 1\/1 \d/],
    ['contrastive', ['contrastive', '--target', P.csv, '--background', P.csv2, '--rank', '2', '--alpha', '1', ...long], /bcNMF sweeps/],
  ];
  for (const [name, args, after] of signalRuns) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const out = outDir();
      cases.push({ name: `${name} ${sig}`, args: [...args, '--out', out], code: sig === 'SIGINT' ? 130 : 143, out, signal: sig, signalAfter: after, signalDelayMs: 700, signalDeadlineMs: 1000, timeoutMs: 60000, names: sig });
    }
  }
  if (P.xenium) {
    const out = outDir();
    cases.push({
      name: 'nmf Xenium 3000 iterations SIGINT',
      args: ['nmf', P.xenium, '--rank', '10', '--max-iter', '3000', '--tol', '0', '--out', out],
      code: 130,
      out,
      signal: 'SIGINT',
      signalAfter: /nmf restart/,
      signalDelayMs: 500,
      signalDeadlineMs: 1000,
      timeoutMs: 90000,
      names: 'SIGINT',
    });
  }
  // ---- hostile helper (session 5): signals inside Leiden and the permutation test ----------
  // Before these loops yielded, a signal could not run its handler until Leiden or the
  // permutations had finished (minutes here); now they stop within the 1 s deadline.
  if (P.simBig) {
    const slow: [string, string[], RegExp][] = [
      ['cluster Leiden', ['cluster', P.simBig, '--use', 'spatial', '--iterations', '100000'], /^read /m],
      ['multiomics permutation test', ['multiomics', '--tx', P.simBig, '--markers', P.simBigMarkers, '--n-perms', '100000000'], /enrichment \.\.\./],
    ];
    for (const [name, args, after] of slow) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const out = outDir();
        cases.push({ name: `${name} ${sig}`, args: [...args, '--out', out], code: sig === 'SIGINT' ? 130 : 143, out, signal: sig, signalAfter: after, signalDelayMs: 700, signalDeadlineMs: 1000, timeoutMs: 60000, names: sig });
      }
    }
  }
  // ---- session 7: stages that ran without yielding for 0.4–15 s --------------------------------
  // hSNMF's feature graph and its evaluation (silhouette, Wilcoxon markers, 3.8 s on Xenium),
  // and reading a large table (an async loop that resumed on microtasks only).
  if (P.xenium) {
    const stages: [string, RegExp, 'SIGINT' | 'SIGTERM'][] = [
      ['feature graph', /hsnmf features 0\/1/, 'SIGTERM'],
      ['evaluation', /hsnmf metrics 0\/1/, 'SIGINT'],
    ];
    for (const [stage, after, sig] of stages) {
      const out = outDir();
      cases.push({ name: `hsnmf Xenium ${sig} during the ${stage}`, args: ['hsnmf', P.xenium, '--out', out], code: sig === 'SIGINT' ? 130 : 143, out, signal: sig, signalAfter: after, signalDelayMs: 150, signalDeadlineMs: 1000, timeoutMs: 90000, names: sig });
    }
  }
  if (P.bigCsv) {
    const table = [P.bigCsv, '--coords', P.bigCoords, '--coordinate-unit', 'um'];
    cases.push({ name: 'info on a 400,000-row table and its positions', args: ['info', ...table], code: 0, timeoutMs: 60000 });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const out = outDir();
      cases.push({ name: `nmf ${sig} while a 400,000-row table is read`, args: ['nmf', ...table, '--rank', '2', '--out', out], code: sig === 'SIGINT' ? 130 : 143, out, signal: sig, signalDelayMs: 600, signalDeadlineMs: 1000, timeoutMs: 60000, names: sig });
    }
    const out = outDir();
    cases.push({ name: 'hsnmf SIGINT while the graphs of 400,000 cells are built', args: ['hsnmf', ...table, '--rank', '2', '--out', out], code: 130, out, signal: 'SIGINT', signalAfter: /hsnmf graphs 0\/1/, signalDelayMs: 300, signalDeadlineMs: 1000, timeoutMs: 90000, names: 'SIGINT' });
  }
  // Negative X values in a well-formed h5ad: every factorising command refuses them before it
  // computes or creates --out, naming the file (it used to say "X:", and consensus crashed).
  if (P.h5adNegative) {
    const runs: [string, string[]][] = [
      ['nmf', ['nmf', P.h5adNegative, '--rank', '2']],
      ['hsnmf', ['hsnmf', P.h5adNegative, '--rank', '2']],
      ['consensus', ['consensus', P.h5adNegative, '--ranks', '2', '--replicates', '2']],
      ['contrastive', ['contrastive', '--target', P.h5adNegative, '--background', P.csv2, '--rank', '2', '--alpha', '1']],
      ['siid', ['siid', '--cells', P.simCells, '--spots', P.h5adNegative, '--rank', '2']],
    ];
    for (const [name, args] of runs) {
      const out = outDir();
      cases.push({ name: `${name} negative X value in h5ad`, args: [...args, '--out', out], code: 3, names: 'neg-value.h5ad', out });
    }
  }
  // Stored factors with Infinity / -4 (--use): refused at the boundary naming file, key and
  // flag (hSNMF used to report both as NaN, or fail after computing in umapConnectivities).
  if (P.embInf && P.embNeg) {
    const runs: [string, string[], string][] = [
      ['hsnmf --use X_nmf Infinity', ['hsnmf', P.embInf, '--use', 'X_nmf'], "emb-inf.h5ad: obsm['X_nmf'] (--use): value at row 2, column 1 is Infinity"],
      ['hsnmf --use X_nmf -4', ['hsnmf', P.embNeg, '--use', 'X_nmf'], "emb-neg.h5ad: obsm['X_nmf'] (--use): value at row 2, column 1 is -4"],
      ['cluster --use X_nmf Infinity', ['cluster', P.embInf, '--use', 'X_nmf'], "emb-inf.h5ad: obsm['X_nmf'] (--use): value at row 2, column 1 is Infinity"],
    ];
    for (const [name, args, names] of runs) {
      const out = outDir();
      cases.push({ name, args: [...args, '--out', out], code: 3, names, out });
    }
  }
  // ---- end of the hostile helper block ------------------------------------------------------
  return cases;
}
