/**
 * The browser app against the CLI on the same NMF run (issue 20: in-browser speed within 1.3x of
 * Node). Headless Debian Chromium loads the app from `stnmf app`, reads the Xenium folder from
 * `File` objects and runs NMF (k = 10, seed 0, tol 0 so both run every iteration) on 1 and 2
 * threads; `stnmf nmf` runs the same options in a child process. Each side's time is the fit's
 * own (run.json `seconds`: the factorisation, not reading or writing), the minimum of
 * BENCH_APP_REPS runs (default 3), since the minimum is the least disturbed sample. W and H are
 * checked bit-identical between the two, so both did the same arithmetic.
 * Run alone: node dist/bench/main.js app (needs Debian's chromium and playwright-core).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAppServer } from '../src/cli/commands/app.js';
import { launchChromium } from '../test/viewer-helpers.js';
import { DATA } from './peers.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

type Page = {
  goto(url: string): Promise<unknown>;
  evaluate<T = unknown>(expr: string): Promise<T>;
  waitForFunction(expr: string, arg?: unknown, opts?: { timeout?: number }): Promise<unknown>;
  setInputFiles(selector: string, files: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  textContent(selector: string): Promise<string | null>;
};
type Browser = { newPage(o: unknown): Promise<Page>; close(): Promise<void> };

/** Sets a form field (also one folded under "more options") as typing would. */
async function setField(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(`(() => { const el = document.getElementById(${JSON.stringify(id)}); el.value = ${JSON.stringify(value)}; el.dispatchEvent(new Event('change', { bubbles: true })); })()`);
}

async function appFile(page: Page, name: string): Promise<Buffer> {
  const b64 = await page.evaluate<string | undefined>(`window.__app.fileBase64(${JSON.stringify(name)})`);
  if (!b64) throw new Error(`bench app: the app offers no ${name}`);
  return Buffer.from(b64, 'base64');
}

/** Prints and returns the browser and CLI fit times per thread count and their ratio. */
export async function runAppBench(): Promise<Record<string, unknown>> {
  const reps = Number(process.env.BENCH_APP_REPS ?? 3);
  const iterations = Number(process.env.BENCH_APP_ITER ?? 300);
  const xenium = join(DATA, 'xenium-mouse-brain');
  const browser = await launchChromium<Browser>({ skip: (why: string) => { throw new Error(`bench app: ${why}`); } });
  if (!browser) throw new Error('bench app: Chromium is not available');
  const srv = await startAppServer({ port: 0 });
  const tmp = mkdtempSync(join(tmpdir(), 'stnmf-bench-app-'));
  const out: Record<string, unknown> = { iterations, reps };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(srv.url);
    await page.waitForFunction('document.body.dataset.isolated !== undefined');
    await page.setInputFiles('#dir-input', xenium);
    await page.waitForFunction("['ready', 'error'].includes(document.body.dataset.state)", null, { timeout: 120_000 });
    if ((await page.evaluate('document.body.dataset.state')) !== 'ready') throw new Error(`bench app: loading failed: ${await page.textContent('#message')}`);
    for (const threads of [1, 2]) {
      const opts = { rank: '10', seed: '0', 'max-iter': String(iterations), tol: '0', threads: String(threads) };
      const browserSeconds: number[] = [];
      const nodeSeconds: number[] = [];
      for (let r = 0; r < reps; r++) {
        await page.selectOption('#method', 'nmf');
        for (const [k, v] of Object.entries(opts)) await setField(page, `nmf-${k}`, v);
        await page.click('#run');
        await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", null, { timeout: 600_000 });
        if ((await page.evaluate('document.body.dataset.state')) !== 'done') throw new Error(`bench app: NMF failed: ${await page.textContent('#message')}`);
        browserSeconds.push((JSON.parse((await appFile(page, 'run.json')).toString('utf8')) as { seconds: number }).seconds);
        // The CLI alone on the machine (the page is idle between runs).
        const dir = join(tmp, `nmf-${threads}-${r}`);
        const cli = spawnSync(process.execPath, [CLI, 'nmf', xenium, ...Object.entries(opts).flatMap(([k, v]) => [`--${k}`, v]), '--out', dir], { encoding: 'utf8' });
        if (cli.status !== 0) throw new Error(`bench app: stnmf nmf exited ${cli.status}: ${cli.stderr.trim().split('\n').pop()}`);
        nodeSeconds.push((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { seconds: number }).seconds);
        for (const name of ['W.npy', 'H.npy']) {
          if (!(await appFile(page, name)).equals(readFileSync(join(dir, name)))) throw new Error(`bench app: ${name} differs between the app and the CLI at ${threads} thread(s)`);
        }
        rmSync(dir, { recursive: true, force: true });
      }
      const b = Math.min(...browserSeconds), n = Math.min(...nodeSeconds);
      out[`threads${threads}`] = { browser: b, node: n, ratio: b / n, browserRuns: browserSeconds, nodeRuns: nodeSeconds };
      console.log(`app vs node, Xenium NMF k = 10, ${iterations} iterations (tol 0), ${threads} thread${threads === 1 ? '' : 's'}: browser ${b.toFixed(2)} s, node ${n.toFixed(2)} s, ratio ${(b / n).toFixed(2)} (min of ${reps}; browser runs ${browserSeconds.map((s) => s.toFixed(2)).join(', ')}; node ${nodeSeconds.map((s) => s.toFixed(2)).join(', ')}); W and H bit-identical`);
    }
  } finally {
    await browser.close();
    srv.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
