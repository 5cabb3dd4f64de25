/**
 * `stnmf app`: serves the in-browser app (dist/app, built by scripts/build-app.mjs from app/)
 * as plain static files. The app reads the user's files in a Web Worker and runs the methods
 * on the same wasm kernels as the CLI; nothing is uploaded, so this server only hands out the
 * built files. It sends `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`, which make the page cross-origin isolated so
 * `SharedArrayBuffer` (the kernels' worker threads) is available; served without them (any
 * static host) the app runs on one thread and says so.
 *
 * Files are served by exact name from a list made at start (the static-file rules of
 * `stnmf view`, src/cli/commands/view.ts), so no request path reaches outside the app folder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, CommandContext } from '../command.js';
import type { ParsedArgs } from '../args.js';
import { listenLocal, loopbackHost, streamFile, type LocalServer } from '../serve.js';
import { StnmfError } from '../../errors.js';
import { MIME, listFiles, realOrUndefined, regularFileInside, safeSegments } from './view.js';

/** The built app (dist/app), next to the compiled CLI. */
export function appRoot(): string {
  return fileURLToPath(new URL('../../../app/', import.meta.url));
}

/** Options of {@link startAppServer}. */
export interface AppServerOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** The built app folder (default {@link appRoot}). */
  appDir?: string;
  /**
   * Send COOP/COEP so the page is cross-origin isolated (default true). `false` serves the
   * app as an ordinary static host would, which the browser test uses to check the one-thread
   * fallback; the CLI has no flag for it.
   */
  crossOriginIsolation?: boolean;
}

/** A running app server. */
export type AppServer = LocalServer;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Serves the built app. `/` is index.html; every other path must name a file of the app folder
 * exactly. On a loopback address any Host header other than 127.0.0.1/localhost gets 404 (DNS
 * rebinding), as in `stnmf view`.
 * @throws StnmfError('BAD_FILE') when the app is not built; StnmfError('USAGE') when the port
 * cannot be bound.
 */
export async function startAppServer(opts: AppServerOptions = {}): Promise<AppServer> {
  const appDir = opts.appDir ?? appRoot();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const isolate = opts.crossOriginIsolation !== false;
  if (!existsSync(join(appDir, 'index.html'))) {
    throw new StnmfError('BAD_FILE', `${appDir}: the app is not built (index.html missing); run 'npm run build'`);
  }
  const files = listFiles(appDir);
  const appReal = realOrUndefined(appDir);
  let boundPort = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = (type: string): Record<string, string> => ({
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
      ...(isolate ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    });
    const send = (status: number, body: string): void => {
      res.writeHead(status, headers('text/plain; charset=utf-8'));
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const sendFile = (path: string): void => {
      const st = regularFileInside(path, appReal);
      if (!st) return send(404, 'not found\n');
      streamFile(req, res, st, headers(MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'));
    };
    if (LOOPBACK.has(host) && !loopbackHost(req, boundPort)) return send(404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const raw = (req.url ?? '/').split('?')[0];
    if (raw === '/') return sendFile(join(appDir, 'index.html'));
    const segs = safeSegments(raw);
    const file = segs && files.get(segs.join('/'));
    if (!file) return send(404, 'not found\n');
    return sendFile(file);
  };
  const srv = await listenLocal(handle, port, host);
  boundPort = srv.port;
  return srv;
}

export const appCommand: Command = {
  name: 'app',
  summary: 'Open the in-browser app: drop a dataset, run NMF/hSNMF on your machine, download the results',
  usage: 'stnmf app [--port P] [--host 127.0.0.1]',
  examples: ['stnmf app', 'stnmf app --port 0 --host 127.0.0.1'],
  flags: {
    port: { type: 'int', min: 0, max: 65535, default: 0, help: 'port; 0 picks a free port' },
    host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (the app uploads nothing; other machines can reach it only if you pick a non-loopback address)' },
  },
  async run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
    if (args.positionals.length > 0) throw new StnmfError('USAGE', `takes no input (drop the data on the page); got ${args.positionals.join(' ')}`);
    const srv = await startAppServer({ port: Number(args.flags.port ?? 0), host: String(args.flags.host ?? '127.0.0.1') });
    ctx.print(srv.url);
    ctx.log(`stnmf app: serving ${appRoot()} on ${srv.url} (cross-origin isolated; Ctrl-C to stop)`);
    await new Promise<void>((ok) => {
      if (ctx.signal.aborted) ok();
      ctx.signal.addEventListener('abort', () => ok(), { once: true });
    });
    await srv.close();
  },
};
