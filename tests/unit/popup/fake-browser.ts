/** A scripted stand-in for the parts of webextension-polyfill's `browser` that the popup uses. */
import type { BrowserLike, PortLike } from '../../../src/popup/actions';

export class FakePort implements PortLike {
  readonly posted: unknown[] = [];
  disconnected = false;
  /** Make postMessage throw, as Chrome does on a port whose other end has gone. */
  broken = false;
  private readonly messageListeners: Array<(message: unknown) => void> = [];
  private readonly disconnectListeners: Array<() => void> = [];

  constructor(readonly name: string) {}

  postMessage(message: unknown): void {
    if (this.broken || this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(message);
  }

  disconnect(): void {
    this.disconnected = true;
  }

  onMessage = { addListener: (callback: (message: unknown) => void) => void this.messageListeners.push(callback) };
  onDisconnect = { addListener: (callback: () => void) => void this.disconnectListeners.push(callback) };

  /** The background sends a message. */
  deliver(message: unknown): void {
    for (const listener of this.messageListeners) listener(message);
  }

  /** The background's end goes away (service worker stopped, or nobody listening). */
  drop(): void {
    this.disconnected = true;
    for (const listener of this.disconnectListeners) listener();
  }
}

export class FakeBrowser implements BrowserLike {
  readonly ports: FakePort[] = [];
  activeTabs: Array<{ id?: number }> = [{ id: 7 }];
  connectError: Error | undefined;
  queries = 0;

  runtime = {
    connect: ({ name }: { name: string }): PortLike => {
      if (this.connectError) throw this.connectError;
      const port = new FakePort(name);
      this.ports.push(port);
      return port;
    },
    lastError: undefined as { message?: string } | undefined,
  };

  tabs = {
    query: async (_query: { active: boolean; currentWindow: boolean }) => {
      this.queries += 1;
      return this.activeTabs;
    },
  };

  get port(): FakePort {
    const port = this.ports.at(-1);
    if (!port) throw new Error('no port opened');
    return port;
  }
}
