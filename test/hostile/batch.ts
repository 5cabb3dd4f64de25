/**
 * Runs many cheap corpus cases (option and path checks that end before any data is read) in one
 * process through the CLI's own `main()`, capturing what it writes: the same parsing, checks,
 * messages and exit codes as a spawned `stnmf`, without paying node's start-up per case.
 * Usage: node batch.js <cases.json> <results.json>, cases = string[][] (argv without node/script).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

const [casesFile, resultsFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as string[][];
const results: { code: number; stdout: string; stderr: string }[] = [];
const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
for (const argv of cases) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    code = 1;
    stderr += `batch: internal error: ${(e as Error).message}\n`;
  }
  process.stdout.write = out;
  process.stderr.write = err;
  // Each run adds its signal handlers; drop them so they do not pile up.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  results.push({ code, stdout, stderr });
}
writeFileSync(resultsFile, JSON.stringify(results));
process.exit(0);
