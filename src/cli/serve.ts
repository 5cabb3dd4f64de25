/**
 * The local HTTP server shared by `stnmf view` and `stnmf app`: a request handler guarded so one
 * bad request never takes the server down, bound to one address, closed with its connections.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StnmfError } from '../errors.js';

/** A listening server: its URL, the port it got, and how to stop it. */
export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * True when the request's Host header names this machine's loopback at `port` (127.0.0.1,
 * localhost, [::1]): a server on a loopback address answers nothing else, so a page of another
 * site cannot reach it through DNS rebinding.
 */
export function loopbackHost(req: IncomingMessage, port: number): boolean {
  const h = (req.headers.host ?? '').toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
}

/**
 * Serves `handle` on `host:port` (port 0 picks a free one). Any exception in `handle` becomes a
 * 500 for that request; malformed requests close their socket.
 * @throws StnmfError('USAGE') naming --port when the address cannot be bound
 */
export async function listenLocal(handle: (req: IncomingMessage, res: ServerResponse) => void, port: number, host: string): Promise<LocalServer> {
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      } else res.destroy();
    }
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(new StnmfError('USAGE', `--port ${port}: cannot listen on ${host} (${e.code ?? e.message})`)));
    server.listen(port, host, () => ok());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Answers 200 with a regular file's bytes, streamed (a multi-GB file never sits in memory),
 * with `headers` plus its length; HEAD gets the headers only. A read error drops the connection.
 */
export function streamFile(req: IncomingMessage, res: ServerResponse, file: { real: string; size: number }, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.real);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
