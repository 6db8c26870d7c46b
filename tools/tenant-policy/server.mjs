#!/usr/bin/env node
/**
 * The reference tenant policy service (docs/admin.md §3.8, §5): serves the published envelope over HTTP(S) with
 * `Cache-Control: no-store` (a refresh must see the latest publish) and `Access-Control-Allow-Origin: *` (so
 * CallSeal's service worker can read it without host permissions; the request carries no credentials). It re-reads
 * the file on every request, holds no secret, and listens on 127.0.0.1 unless told otherwise.
 *
 * Prints one line when ready — `listening on <url>` — which tests and scripts wait for.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HELP = `Usage: tenant-server [--dir <folder> | --file <envelope>] [--host 127.0.0.1] [--port 8080]
                     [--path /tenant-policy.json] [--cert <pem> --key <pem>] [--quiet]
                     (npm run tenant-server -- ...)

Serves the envelope written by "tenant-policy publish" (default: <dir>/tenant-policy.json, dir defaulting to
$CALLSEAL_TENANT_DIR or the current folder). HTTPS when --cert and --key are given. --port 0 picks a free port.`;

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'Access-Control-Allow-Origin': '*',
  'X-Content-Type-Options': 'nosniff',
};

/** @param {string[]} argv */
function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      file: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      path: { type: 'string', default: '/tenant-policy.json' },
      cert: { type: 'string' },
      key: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  if (values.dir && values.file) throw new Error('give --dir or --file, not both');
  if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new Error('--port must be 0-65535');
  if (!values.path.startsWith('/')) throw new Error('--path must start with /');
  if (Boolean(values.cert) !== Boolean(values.key)) throw new Error('--cert and --key go together');
  const file = values.file ?? join(values.dir ?? process.env.CALLSEAL_TENANT_DIR ?? process.cwd(), 'tenant-policy.json');
  return { ...values, file, port: Number(values.port) };
}

/**
 * Starts the service; resolves once it listens.
 * @param {{ file: string, host: string, port: number, path: string, cert?: string | undefined, key?: string | undefined,
 *   log?: (line: string) => void }} config
 */
export async function startTenantServer(config) {
  const tls = config.cert && config.key ? { cert: await readFile(config.cert), key: await readFile(config.key) } : undefined;
  /** @type {import('node:http').RequestListener} */
  const handle = async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (/** @type {number} */ status, /** @type {string | Buffer} */ body, extra = {}) => {
      response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', ...extra });
      response.end(request.method === 'HEAD' ? undefined : body);
      config.log?.(`${new Date().toISOString()} ${request.method} ${path} ${status}`);
    };
    if (path !== config.path) return send(404, '{"error":"not found"}\n');
    if (request.method === 'OPTIONS') {
      return send(204, '', { 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Max-Age': '600' });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, '{"error":"method not allowed"}\n', { Allow: 'GET, HEAD, OPTIONS' });
    let body;
    try {
      body = await readFile(config.file);
    } catch {
      return send(503, '{"error":"no policy published yet"}\n');
    }
    send(200, body, { 'Content-Length': String(body.length) });
  };
  const server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}${config.path}`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  let config;
  try {
    config = options(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`tenant-server: ${/** @type {Error} */ (error).message}\n${HELP}\n`);
    process.exit(2);
  }
  if (!config) {
    process.stdout.write(`${HELP}\n`);
  } else {
    const log = config.quiet ? undefined : (/** @type {string} */ line) => void process.stdout.write(`${line}\n`);
    const service = await startTenantServer({ ...config, ...(log && { log }) });
    process.stdout.write(`listening on ${service.url} (serving ${config.file})\n`);
    const stop = () => void service.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
}
