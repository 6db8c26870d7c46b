/**
 * A small HTTP server on 127.0.0.1 for test pages: serves fixed routes from memory, or files from a folder.
 * Listens on an ephemeral port; `close()` stops it and drops open connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: string | Uint8Array;
  type?: string;
  headers?: Record<string, string>;
}

export interface StaticServer {
  origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Serves `routes` by exact path; `handler` (if given) is asked first and returns true when it answered. */
export async function startStaticServer(routes: Record<string, Route>, handler?: Handler): Promise<StaticServer> {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (handler && (await handler(req, res))) return;
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const route = routes[path];
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${path}`);
        return;
      }
      res.writeHead(200, {
        'content-type': route.type ?? 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...route.headers,
      });
      res.end(route.body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  };
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
