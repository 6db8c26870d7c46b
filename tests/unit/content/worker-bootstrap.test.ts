/**
 * The bootstrap the hook starts as the page's transform worker (content/main-world/worker-bootstrap.ts, protocol.md
 * §7.2), run as the worker runs it — its source as a function of `self` and `importScripts` — against a fake worker
 * scope and real MessageChannels: it keeps `rtctransform` events until the code comes, takes port B from its first
 * message only, loads the URL the bridge sent and hands the code the port and the kept events, in order; a load
 * that fails is not caught (the hook then reads the worker as blocked).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_BOOTSTRAP } from '../../../src/content/main-world/worker-bootstrap';
import { WORKER_START, type WorkerCode } from '../../../src/shared/worker-messages';

class FakeScope extends EventTarget {
  onrtctransform: ((event: unknown) => void) | null = null;
  [name: string]: unknown;
}

interface Booted {
  scope: FakeScope;
  loaded: unknown[];
  started: { port: MessagePort; pending: unknown[] }[];
  /** Resolves with the next URL the bootstrap loads (port messages arrive in order: earlier ones were handled). */
  nextLoad(): Promise<string>;
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function boot(load: (url: string, scope: FakeScope) => void = () => undefined): Booted {
  const scope = new FakeScope();
  const loaded: unknown[] = [];
  const started: Booted['started'] = [];
  let onLoad: ((url: string) => void) | undefined;
  const importScripts = (script: unknown): void => {
    loaded.push(script);
    const url = typeof script === 'string' ? script : (script as { trusted: string }).trusted;
    onLoad?.(url);
    load(url, scope);
    scope[WORKER_START] = (port: MessagePort, pending: unknown[]) => started.push({ port, pending: [...pending] });
  };
  // The bootstrap is a string by design (a Blob's contents): run it with the fakes as its globals.
  new Function('self', 'importScripts', WORKER_BOOTSTRAP)(scope, importScripts);
  const nextLoad = (): Promise<string> => new Promise((resolve) => (onLoad = resolve));
  return { scope, loaded, started, nextLoad };
}

/** Port B as the hook hands it over: `bridge` is the bridge's end, `worker` the one the bootstrap got. */
function handOver(scope: FakeScope): { bridge: MessagePort; worker: MessagePort } {
  const channel = new MessageChannel();
  channels.push(channel);
  scope.dispatchEvent(new MessageEvent('message', { data: null, ports: [channel.port2] }));
  return { bridge: channel.port1, worker: channel.port2 };
}

const code = (url: string): WorkerCode => ({ kind: 'code', url });
const URL_B = 'chrome-extension://session-id/transform-worker.js';

describe('worker bootstrap', () => {
  it('keeps the transforms announced before its code came and hands them over in order, with port B', async () => {
    const { scope, started, nextLoad } = boot();
    scope.onrtctransform?.({ id: 1 });
    const { bridge, worker } = handOver(scope);
    scope.onrtctransform?.({ id: 2 });
    const loading = nextLoad();
    bridge.postMessage(code(URL_B));
    expect(await loading).toBe(URL_B);
    expect(started).toHaveLength(1);
    expect(started[0]?.port).toBe(worker);
    expect(started[0]?.pending).toEqual([{ id: 1 }, { id: 2 }]);
    // The code installs its own handler: the bootstrap's is gone.
    expect(scope.onrtctransform).toBeNull();
  });

  it('takes port B from its first message only, and ignores anything else on the port before the code', async () => {
    const { scope, loaded, started, nextLoad } = boot();
    const { bridge } = handOver(scope);
    const other = handOver(scope); // a second message with a port: never listened to
    expect(other.worker.onmessage).toBeNull();
    bridge.postMessage({ kind: 'settings' });
    bridge.postMessage({ kind: 'code', url: 7 });
    bridge.postMessage('code');
    const loading = nextLoad();
    bridge.postMessage(code(URL_B));
    await loading;
    expect(loaded).toEqual([URL_B]);
    expect(started).toHaveLength(1);
  });

  it('takes no port from a first message without exactly one', () => {
    const { scope } = boot();
    scope.dispatchEvent(new MessageEvent('message', { data: null }));
    expect(handOver(scope).worker.onmessage).toBeNull();
  });

  it('where Trusted Types exist, loads through its own policy, which vouches for the URL the bridge sent and no other', async () => {
    const { scope, loaded, started, nextLoad } = boot();
    const policies: { name: string; rules: { createScriptURL(input: string): string } }[] = [];
    scope.trustedTypes = {
      createPolicy(name: string, rules: { createScriptURL(input: string): string }) {
        policies.push({ name, rules });
        return { createScriptURL: (input: string) => ({ trusted: rules.createScriptURL(input) }) };
      },
    };
    const { bridge } = handOver(scope);
    const loading = nextLoad();
    bridge.postMessage(code(URL_B));
    await loading;
    expect(loaded).toEqual([{ trusted: URL_B }]);
    expect(started).toHaveLength(1);
    expect(policies.map((p) => p.name)).toEqual(['callseal-worker']);
    expect(() => policies[0]?.rules.createScriptURL('https://page.example/evil.js')).toThrow(TypeError);
  });

  it('where its policy cannot be made (the CSP lists other names), loads the plain URL: no page policy runs here', async () => {
    const { scope, loaded, nextLoad } = boot();
    scope.trustedTypes = {
      createPolicy() {
        throw new TypeError('Policy "callseal-worker" disallowed.');
      },
    };
    const { bridge } = handOver(scope);
    const loading = nextLoad();
    bridge.postMessage(code(URL_B));
    await loading;
    expect(loaded).toEqual([URL_B]);
  });

  it('lets a failed load throw, and never starts', () => {
    const { scope, started } = boot((url) => {
      throw new Error(`NetworkError: ${url}`);
    });
    const { worker } = handOver(scope);
    // The port's handler is what the worker runs on the message: call it as the port would.
    const handler = worker.onmessage as (event: MessageEvent) => void;
    expect(() => handler(new MessageEvent('message', { data: code('chrome-extension://gone/transform-worker.js') }))).toThrow('NetworkError');
    expect(started).toEqual([]);
  });
});
