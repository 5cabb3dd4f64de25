/**
 * Test-only entry for the SIID CLI tests: runs `stnmf siid` / `stnmf simulate` with the same
 * parsing and error handling as src/cli/main.ts. Used while the commands are not yet listed in
 * src/cli/commands/index.ts (the lead registers them); once they are, the tests spawn main.js.
 */
import { parseArgs } from '../src/cli/args.js';
import type { CommandContext } from '../src/cli/command.js';
import { siidCommand } from '../src/cli/commands/siid.js';
import { simulateCommand } from '../src/cli/commands/simulate.js';
import { StnmfError } from '../src/errors.js';

const [name, ...rest] = process.argv.slice(2);
const cmd = [siidCommand, simulateCommand].find((c) => c.name === name);
const ctx: CommandContext = {
  print: (t) => void process.stdout.write(t + '\n'),
  log: (t) => void process.stderr.write(t + '\n'),
  progress: () => {},
  signal: new AbortController().signal,
};
try {
  if (!cmd) throw new StnmfError('USAGE', `unknown command ${name}`);
  await cmd.run(parseArgs(cmd.name, rest, cmd.flags), ctx);
} catch (e) {
  if (e instanceof StnmfError) {
    process.stderr.write(`stnmf ${name}: error: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`stnmf ${name}: internal error: ${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}
