/**
 * The readers in real headless Chromium (Debian's /usr/bin/chromium, playwright-core), issue 14:
 * a worker bundle of `stnmf/io` (`src/io/entry.ts`; esbuild, platform browser) reads files the page got from
 * `<input type=file webkitdirectory>` / `<input type=file multiple>` through `blobVfs`, and its
 * shape, names and checksums of X and coordinates equal Node's `readDataset` from disk. The
 * bundle's static import graph must hold no Node built-in (the Node-only code paths are reached
 * only at call time). Inputs: the Xenium folder (uploaded as a folder), an .h5ad, a gzip CSV +
 * positions table, a Xenium bundle with cells.parquet; and `encodeH5ad` in the worker gives the bytes Node's readH5ad reads back.
 * Skips with a message when Chromium or playwright-core is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readDataset, writeH5ad } from '../src/io/index.js';
import type { Dataset } from '../src/dataset.js';
import { launchChromium } from './viewer-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));

/**
 * What is compared between Node and the browser: shape, names, FNV-1a of the bytes of X's
 * data/indices/indptr and of obsm.spatial. Its source text is put into the worker too, so both
 * sides run the same code.
 */
function summarize(d: Dataset): Record<string, unknown> {
  const fnv = (a: ArrayBufferView): string => {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    let h = 0x811c9dc5;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
    return h.toString(16) + ':' + b.length;
  };
  const names = (v: string[]): string => v.length + ':' + fnv(new TextEncoder().encode(v.join('\n')));
  const X = d.X as unknown as { rows: number; cols: number; data: Float32Array; indices: Int32Array; indptr: Int32Array };
  return {
    platform: d.meta.platform,
    shape: [X.rows, X.cols],
    obs: names(d.obs.index),
    var: names(d.var.index),
    obsColumns: [...d.obs.columns.keys()],
    firstObs: d.obs.index.slice(0, 3),
    data: fnv(X.data),
    indices: fnv(X.indices),
    indptr: fnv(X.indptr),
    spatial: d.obsm.spatial ? fnv(d.obsm.spatial.data) : null,
    unit: d.meta.coordinateUnit ?? null,
  };
}

const WORKER = `
import { readDataset, detectPlatform, encodeH5ad, readH5ad, blobVfs, memoryVfs } from './entry.js';
const summarize = ${summarize.toString()};
self.onmessage = async (e) => {
  const { id, root, entries, opts, encode } = e.data;
  try {
    const files = blobVfs(entries);
    const o = { ...opts, files };
    const detected = await detectPlatform(root, { files });
    const d = await readDataset(root, o);
    const out = { id, detected, summary: summarize(d) };
    if (encode) {
      const bytes = await encodeH5ad(d);
      out.h5adBytes = bytes.length;
      out.h5ad = summarize(await readH5ad('encoded.h5ad', { files: memoryVfs({ 'encoded.h5ad': bytes }) }));
    }
    self.postMessage(out);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.stack || err) });
  }
};
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>readers</title>
<input id="dir" type="file" webkitdirectory multiple>
<input id="files" type="file" multiple>
<script type="module">
const worker = new Worker('/worker.js', { type: 'module' });
let next = 0;
const waiting = new Map();
worker.onmessage = (e) => { waiting.get(e.data.id)(e.data); waiting.delete(e.data.id); };
window.readPicked = (inputId, root, opts = {}, encode = false) => new Promise((resolve) => {
  const input = document.getElementById(inputId);
  // webkitRelativePath is "<folder>/<file>" for a folder upload, '' for picked files.
  const entries = [...input.files].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f }));
  const id = ++next;
  waiting.set(id, resolve);
  worker.postMessage({ id, root, entries, opts, encode });
});
</script>`;

/** Bundles the worker with esbuild; fails when a Node built-in is on its static import graph. */
async function bundleWorker(): Promise<string> {
  const esbuild = await import('esbuild');
  const builtins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
  const r = await esbuild.build({
    stdin: { contents: WORKER, resolveDir: join(here, '../src/io'), sourcefile: 'readers-worker.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: builtins,
  });
  const staticNode: string[] = [];
  for (const [file, input] of Object.entries(r.metafile.inputs)) {
    for (const imp of input.imports) if (imp.external && imp.kind === 'import-statement') staticNode.push(`${file} -> ${imp.path}`);
  }
  assert.deepEqual(staticNode, [], 'Node built-ins imported statically by the browser bundle');
  return r.outputFiles[0].text;
}

interface Page {
  goto(url: string): Promise<unknown>;
  setInputFiles(selector: string, files: string | string[]): Promise<void>;
  evaluate<R>(fn: string): Promise<R>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

interface WorkerAnswer {
  error?: string;
  detected: { platform: string; reason: string };
  summary: Record<string, unknown>;
  h5ad?: Record<string, unknown>;
  h5adBytes?: number;
}

test('Chromium worker reads a Xenium folder upload, an h5ad and a gzip CSV + positions through blobVfs as Node does', { timeout: 240_000 }, async (t) => {
  const browser = await launchChromium<Browser>(t);
  if (!browser) return;
  const js = await bundleWorker();
  const server = createServer((req, res) => {
    if (req.url === '/worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const read = (input: string, root: string, opts: object = {}, encode = false) =>
      page.evaluate<WorkerAnswer>(`window.readPicked(${JSON.stringify(input)}, ${JSON.stringify(root)}, ${JSON.stringify(opts)}, ${encode})`);

    // Xenium, uploaded as a folder: paths arrive as xenium-mouse-brain/<file>.
    const xen = shared('xenium-mouse-brain');
    await page.setInputFiles('#dir', xen);
    const x = await read('dir', 'xenium-mouse-brain', {}, true);
    assert.equal(x.error, undefined, x.error);
    const xNode = await readDataset(xen);
    assert.deepEqual(x.detected.platform, 'xenium');
    assert.deepEqual(x.summary, summarize(xNode));
    assert.deepEqual((x.summary.shape as number[]), [36602, 248]);
    // encodeH5ad in the browser (read back there): the same X, names and positions, and the
    // size of the file Node's writeH5ad writes (for the source path as the browser names it).
    assert.deepEqual({ ...x.h5ad, platform: 'xenium' }, summarize(xNode));
    const dir = mkdtempSync(join(tmpdir(), 'stnmf-browser-h5ad-'));
    try {
      await writeH5ad(join(dir, 'x.h5ad'), { ...xNode, meta: { ...xNode.meta, source: 'xenium-mouse-brain' } });
      assert.equal(x.h5adBytes, statSync(join(dir, 'x.h5ad')).size);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // An .h5ad picked as a file.
    const h5adPath = fixture('anndata_written.h5ad');
    await page.setInputFiles('#files', h5adPath);
    const h = await read('files', 'anndata_written.h5ad');
    assert.equal(h.error, undefined, h.error);
    assert.equal(h.detected.platform, 'h5ad');
    assert.deepEqual(h.summary, summarize(await readDataset(h5adPath)));

    // A gzip CSV (genes in rows) with its positions table, both picked as files.
    const ob = shared('st-mouse-olfactory-bulb');
    await page.setInputFiles('#files', [join(ob, 'counts.csv.gz'), join(ob, 'positions.csv')]);
    const c = await read('files', 'counts.csv.gz', { coords: 'positions.csv' });
    assert.equal(c.error, undefined, c.error);
    const cNode = summarize(await readDataset(join(ob, 'counts.csv.gz'), { coords: join(ob, 'positions.csv') }));
    assert.deepEqual(c.summary, cNode);
    assert.deepEqual(c.summary.shape, [262, 15928]);
    assert.notEqual(c.summary.spatial, null);

    // Parquet (hyparquet over the Vfs): a Xenium bundle with cells.parquet, uploaded as a folder.
    const pq = mkdtempSync(join(tmpdir(), 'stnmf-browser-pq-'));
    try {
      const xp = join(pq, 'xenium-pq');
      mkdirSync(xp);
      copyFileSync(fixture('tenx_v3_mixed.h5'), join(xp, 'cell_feature_matrix.h5'));
      copyFileSync(fixture('parquet/xenium_cells.parquet'), join(xp, 'cells.parquet'));
      await page.setInputFiles('#dir', xp);
      const p = await read('dir', 'xenium-pq');
      assert.equal(p.error, undefined, p.error);
      assert.deepEqual(p.summary, summarize(await readDataset(xp)));
      assert.notEqual(p.summary.spatial, null);
    } finally {
      rmSync(pq, { recursive: true, force: true });
    }
  } finally {
    await browser.close();
    server.close();
  }
});
