/**
 * The demo call app's server: static files from `demo/public/` and signalling for two-party rooms.
 *
 * Plain Node (node:http only), no build step: `node demo/server.mjs --port 8080` prints the URL.
 *
 * Signalling
 *   server → client: Server-Sent Events, `GET /signal/events?room=R&peer=P`. Events (each `data:` is JSON):
 *     welcome      { self, session, peers: [{ peer, session }], mediaServer: boolean }
 *     peer-joined  { peer, session }
 *     peer-left    { peer, session }
 *     signal       { from, session, data }   a message from the other browser (p2p)
 *     media        { data }                  a message from the media server (single / split)
 *     room-full    { }                       one participant too many; the stream ends
 *     replaced     { }                       the same name joined again elsewhere; the stream ends
 *   client → server: `POST /signal/send` with JSON `{ room, peer, session, to: 'peer' | 'server', data }`.
 *
 * A room holds two participants (`roomSize` sets another limit, for the `group` topology). When one joins, the others
 * are told; when one's event stream closes (leaving,
 * reloading, closing the tab) the other is told, so its client can tear down and call again when it comes back.
 * A participant that joins under a name already present replaces the old connection (a reload can reconnect before
 * the old stream is seen to close).
 *
 * `mediaServer` (optional) is the server-side media relay for the `single` and `split` topologies (see
 * `tests/e2e/support/relay.ts`): it is told who joins and leaves, gets the clients' `to: 'server'` messages and
 * answers through `send`.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), 'public');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};
const MAX_BODY = 256 * 1024;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HEARTBEAT_MS = 15_000;

/**
 * @typedef {{ room: string, peer: string, session: string }} Participant
 * @typedef {{
 *   join(participant: Participant, send: (data: unknown) => void): void,
 *   leave(participant: Participant): void,
 *   message(participant: Participant, data: unknown): void | Promise<void>,
 * }} MediaServer
 * @typedef {{ peer: string, session: string, res: import('node:http').ServerResponse, heartbeat: NodeJS.Timeout }} Member
 */

/**
 * `csp`: a Content-Security-Policy header for the page's files (tests of CallSeal under a page's CSP).
 * @param {{ port?: number, mediaServer?: MediaServer, roomSize?: number, csp?: string }} [options]
 * @returns {Promise<{ origin: string, url(path: string): string, close(): Promise<void> }>}
 */
export async function startDemoServer({ port = 0, mediaServer, roomSize = 2, csp } = {}) {
  /** @type {Map<string, Map<string, Member>>} */
  const rooms = new Map();

  /** @param {Member} member @param {string} event @param {unknown} data */
  const emit = (member, event, data) => {
    if (!member.res.writableEnded) member.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  /** Removes `member` from `room` (if it is still the current one) and tells the others. */
  const depart = (room, member) => {
    clearInterval(member.heartbeat);
    const members = rooms.get(room);
    if (!members || members.get(member.peer) !== member) return;
    members.delete(member.peer);
    if (members.size === 0) rooms.delete(room);
    for (const other of members.values()) emit(other, 'peer-left', { peer: member.peer, session: member.session });
    mediaServer?.leave({ room, peer: member.peer, session: member.session });
  };

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {URL} url */
  const openEvents = (req, res, url) => {
    const room = url.searchParams.get('room') ?? '';
    const peer = url.searchParams.get('peer') ?? '';
    if (!NAME.test(room) || !NAME.test(peer)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('room and peer: 1-64 of A-Z a-z 0-9 _ . -');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Map()));
    const previous = members.get(peer);
    if (previous) {
      emit(previous, 'replaced', {});
      previous.res.end();
      depart(room, previous);
    }
    const others = [...members.values()];
    /** @type {Member} */
    const member = {
      peer,
      session: randomUUID(),
      res,
      heartbeat: setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS),
    };
    member.heartbeat.unref();
    if (others.length >= roomSize) {
      clearInterval(member.heartbeat);
      emit(member, 'room-full', {});
      res.end();
      return;
    }
    members.set(peer, member);
    req.on('close', () => depart(room, member));
    emit(member, 'welcome', {
      self: peer,
      session: member.session,
      peers: others.map((o) => ({ peer: o.peer, session: o.session })),
      mediaServer: Boolean(mediaServer),
    });
    for (const other of others) emit(other, 'peer-joined', { peer, session: member.session });
    mediaServer?.join({ room, peer, session: member.session }, (data) => emit(member, 'media', { data }));
  };

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  const send = async (req, res) => {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk);
    }
    /** @type {{ room?: unknown, peer?: unknown, session?: unknown, to?: unknown, data?: unknown }} */
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('not JSON');
      return;
    }
    const { room, peer, session, to, data } = body ?? {};
    const members = typeof room === 'string' ? rooms.get(room) : undefined;
    const member = typeof peer === 'string' ? members?.get(peer) : undefined;
    if (!members || !member || member.session !== session || typeof room !== 'string') {
      // A message from a connection that has since left or been replaced.
      res.writeHead(409, { 'content-type': 'text/plain' }).end('stale session');
      return;
    }
    if (to === 'peer') {
      for (const other of members.values()) {
        if (other !== member) emit(other, 'signal', { from: member.peer, session: member.session, data });
      }
    } else if (to === 'server') {
      if (!mediaServer) {
        res.writeHead(501, { 'content-type': 'text/plain' }).end('this demo server has no media server');
        return;
      }
      await mediaServer.message({ room, peer: member.peer, session: member.session }, data);
    } else {
      res.writeHead(400, { 'content-type': 'text/plain' }).end("to: 'peer' or 'server'");
      return;
    }
    res.writeHead(204).end();
  };

  /** @param {import('node:http').ServerResponse} res @param {string} pathname */
  const serveFile = async (res, pathname) => {
    const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^[/\\]+/, '');
    const file = join(PUBLIC_DIR, relative);
    if (!file.startsWith(PUBLIC_DIR + sep)) {
      res.writeHead(403).end();
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[/** @type {keyof typeof TYPES} */ (extname(file))] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
      ...(csp === undefined ? {} : { 'content-security-policy': csp }),
    });
    createReadStream(file).pipe(res);
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/signal/events') openEvents(req, res, url);
      else if (req.method === 'POST' && url.pathname === '/signal/send') await send(req, res);
      else if (req.method === 'GET' || req.method === 'HEAD') await serveFile(res, url.pathname);
      else res.writeHead(405).end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    close: () =>
      new Promise((resolveClose) => {
        for (const members of rooms.values()) {
          for (const member of members.values()) {
            clearInterval(member.heartbeat);
            member.res.end();
          }
        }
        rooms.clear();
        server.closeAllConnections();
        server.close(() => resolveClose(undefined));
      }),
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const flag = process.argv.indexOf('--port');
  const port = flag >= 0 ? Number(process.argv[flag + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: node demo/server.mjs [--port N]');
    process.exit(2);
  }
  const demo = await startDemoServer({ port });
  console.log(`CallSeal demo call app: ${demo.url('/')}`);
  console.log('Open it in two browser profiles (same room, different names); p2p topology only without a media relay.');
  const stop = () => demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
