/**
 * `stnmf view <DIR|file.h5ad>`: serves the browser viewer (dist/web, built by Vite) and the
 * result's data on 127.0.0.1 only. The data is read here, in Node, and handed to the page as
 * small typed-array endpoints (`/api/...`); files of the result folder are served by exact
 * name from a list made at start, so no request path can reach anything outside the result
 * folder or the built app.
 *
 * The result is read by src/io/result.ts's `readResult`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, CommandContext } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { listenLocal, loopbackHost, streamFile, type LocalServer } from '../serve.js';
import { StnmfError } from '../../errors.js';
import { resultDataFlags, resultDataReader } from '../input.js';
import { readResult, type ResultDataset } from '../../io/result.js';
import { viewerPayload } from '../../outputs/viewer-payload.js';

/** Content types of the files the viewer and the app serve. */
export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

/** The built viewer app (dist/web), next to the compiled CLI. */
export function webRoot(): string {
  return fileURLToPath(new URL('../../../web/', import.meta.url));
}

/** Every regular file under `dir`, keyed by its `/`-separated path relative to `dir`. */
export function listFiles(dir: string, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) listFiles(p, rel, out);
    else if (st?.isFile()) out.set(rel, p);
  }
  return out;
}

/**
 * Splits a request path into decoded segments; undefined when a segment is malformed or could
 * escape (`..`, `.`, empty, or containing a slash, backslash or NUL once decoded).
 */
export function safeSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  const parts = rawPath.slice(1).split('/');
  const out: string[] = [];
  for (const seg of parts) {
    let d: string;
    try {
      d = decodeURIComponent(seg);
    } catch {
      return undefined;
    }
    if (d === '' || d === '.' || d === '..' || /[/\\\0]/.test(d)) return undefined;
    out.push(d);
  }
  return out;
}

/** A running viewer server. */
export type ViewServer = LocalServer;

/** The real path of `p`, or undefined when it cannot be resolved. */
export function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * The real path and size of `path` when it resolves (symlinks followed) to a regular file inside
 * folder `inside` (a real path); undefined for dangling links, FIFOs, devices, folders and
 * anything outside.
 */
export function regularFileInside(path: string, inside: string | undefined): { real: string; size: number } | undefined {
  if (!inside) return undefined;
  const real = realOrUndefined(path);
  if (!real || (real !== inside && !real.startsWith(inside.endsWith(sep) ? inside : inside + sep))) return undefined;
  try {
    const st = statSync(real);
    return st.isFile() ? { real, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

function f32Bytes(a: Float32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Serves the viewer for a loaded result on 127.0.0.1. Routes: `/` and the built app's files,
 * `/api/meta.json`, `/api/coords.bin` (float32 x,y pairs relative to `offset`),
 * `/api/W.bin`, `/api/H.bin`, `/api/cluster/<i>.bin` (int32 codes), `/api/gene/<j>.bin`
 * (measured values, float32 per observation), `/api/imputed/<j>.bin` (the imputed layer's
 * gene j, float32 per observation), `/files/<name>` (a file of the result folder). Anything else,
 * and any other Host than 127.0.0.1/localhost/[::1] (DNS rebinding: `loopbackHost`), gets 404.
 * @throws StnmfError when the result has no coordinates (see `requireCoordinates`).
 */
export async function startViewServer(r: ResultDataset, port = 0, appDir = webRoot()): Promise<ViewServer> {
  if (!existsSync(join(appDir, 'index.html'))) {
    throw new StnmfError('BAD_FILE', `${appDir}: the viewer app is not built (index.html missing); run 'npm run build'`);
  }
  const payload = viewerPayload(r);
  const app = listFiles(appDir);
  const metaBytes = Buffer.from(JSON.stringify(payload.meta));
  const api = new Map<string, () => Buffer>([
    ['meta.json', () => metaBytes],
    ['coords.bin', () => f32Bytes(payload.coords)],
    ['W.bin', () => f32Bytes(payload.W)],
    ['H.bin', () => f32Bytes(payload.H)],
  ]);

  let boundPort = 0;
  // Files are served only when their real path (symlinks resolved) is a regular file inside the
  // result folder (or the app folder): a symlink to /etc/passwd placed in the folder gets 404.
  const rootReal = realOrUndefined(r.root);
  const appReal = realOrUndefined(appDir);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = (type: string): Record<string, string> => ({
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    const send = (status: number, body: Buffer | string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, headers(type));
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const notFound = (): void => send(404, 'not found\n');
    // Streams a file (no readFile: a 2.5 GB file would exceed Buffer limits and memory).
    const sendFile = (path: string, inside: string | undefined): void => {
      const st = regularFileInside(path, inside);
      if (!st) return notFound();
      streamFile(req, res, st, headers(MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'));
    };
    if (!loopbackHost(req, boundPort)) return notFound();
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const raw = (req.url ?? '/').split('?')[0];
    if (raw === '/') return sendFile(join(appDir, 'index.html'), appReal);
    const segs = safeSegments(raw);
    if (!segs) return notFound();
    if (segs[0] === 'api' && segs.length === 2) {
      const make = api.get(segs[1]);
      if (make) return send(200, make(), segs[1].endsWith('.json') ? MIME['.json'] : 'application/octet-stream');
      return notFound();
    }
    if (segs[0] === 'api' && segs.length === 3 && /^\d+\.bin$/.test(segs[2])) {
      const j = Number(segs[2].slice(0, -4));
      if (segs[1] === 'gene' && r.expression && j < r.expression.names.length) return send(200, f32Bytes(payload.measured(j)), 'application/octet-stream');
      if (segs[1] === 'imputed' && r.imputed && j < r.imputed.names.length) return send(200, f32Bytes(payload.imputed(j)), 'application/octet-stream');
      if (segs[1] === 'cluster' && j < r.clusters.length) return send(200, f32Bytes(r.clusters[j].codes), 'application/octet-stream');
      return notFound();
    }
    if (segs[0] === 'files' && segs.length === 2) {
      const path = r.files.get(segs[1]);
      if (!path) return notFound();
      return sendFile(path, rootReal);
    }
    const rel = segs.join('/');
    const file = app.get(rel);
    if (file) return sendFile(file, appReal);
    return notFound();
  };
  const srv = await listenLocal(handle, port, '127.0.0.1');
  boundPort = srv.port;
  return srv;
}

export const viewCommand: Command = {
  name: 'view',
  summary: 'Open a result in the browser viewer (served on 127.0.0.1)',
  usage: 'stnmf view <DIR|file.h5ad> [--port P] [--coords FILE] [--data FILE]',
  examples: [
    "stnmf view nmf-out",
    "stnmf view hsnmf-out --port 0",
    "stnmf view cnmf-out/consensus_k5 --coords cells.csv.gz --data cell_feature_matrix.h5",
  ],
  flags: {
    port: { type: 'int', min: 0, max: 65535, help: 'port on 127.0.0.1; 0 picks a free port', default: 0 },
    coords: { type: 'string', input: 'dataset', help: 'coordinates (CSV id,x,y or a dataset) when the folder has none' },
    data: { type: 'string', input: 'dataset', help: 'count data (.h5/.h5ad) for colouring by gene when the folder has no result.h5ad' },
    ...resultDataFlags(),
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    const target = args.positionals[0];
    if (!target || args.positionals.length > 1) throw new StnmfError('USAGE', `give one result folder or .h5ad file (got ${args.positionals.length})`);
    const port = Number(args.flags.port ?? 0);
    // A FIFO or /dev/zero would hang or crash the folder scan: only folders and regular files.
    const st = statSync(target, { throwIfNoEntry: false });
    if (st && !st.isDirectory() && !st.isFile()) throw new StnmfError('BAD_FILE', `${target}: not a regular file or folder; expected a result folder or an .h5ad file`);
    const r = await readResult(target, { coords: args.flags.coords as string | undefined, data: args.flags.data as string | undefined, readData: resultDataReader('view', args.flags, ctx) });
    const srv = await startViewServer(r, port);
    ctx.print(srv.url);
    ctx.log(`stnmf view: ${r.n} observations, ${r.k} factors from ${r.root}; serving on ${srv.url} (Ctrl-C to stop)`);
    await new Promise<void>((ok) => {
      if (ctx.signal.aborted) ok();
      ctx.signal.addEventListener('abort', () => ok(), { once: true });
    });
    await srv.close();
  },
};
