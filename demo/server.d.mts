/** Types for `demo/server.mjs`, for the TypeScript tests that start it. */

/** One participant's connection to a room; `session` changes on every (re)join. */
export interface Participant {
  room: string;
  peer: string;
  session: string;
}

/** The server-side media relay for the `single` and `split` topologies. */
export interface MediaServer {
  /** `peer` opened its event stream in `room`; `send` delivers a `media` event to it. */
  join(participant: Participant, send: (data: unknown) => void): void;
  /** The participant's event stream closed (left, reloaded, replaced). */
  leave(participant: Participant): void;
  /** A client's `to: 'server'` message (offers and ICE candidates, see `demo/public/app.js`). */
  message(participant: Participant, data: unknown): void | Promise<void>;
}

export interface DemoServer {
  origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

/** `roomSize`: how many participants a room holds (default 2); `headers`: extra response headers for the app's files. */
export function startDemoServer(options?: {
  port?: number;
  mediaServer?: MediaServer;
  roomSize?: number;
  headers?: Record<string, string>;
}): Promise<DemoServer>;
