/**
 * The bridges' channel (src/background/bridge-channel.ts, protocol.md §7.4, "What the background believes") on its
 * own, with the call registry, the signing gate and the settings faked: that a message whose handling fails does not
 * stop the port, which connection speaks for a frame, when a frame gets settings, and what a malformed message gets.
 */
import { describe, expect, it } from 'vitest';
import { createBridgeChannel } from '../../../src/background/bridge-channel';
import { LazyIdentity } from '../../../src/background/identity';
import { heldSnapshot, type PolicySnapshot } from '../../../src/background/policy';
import {
  bridgePort,
  byOrigin,
  hold,
  EXTENSION_ID,
  failOnce,
  memoryIdentityStore,
  modeSnapshot,
  tracker,
  type BridgeOptions,
  type FakePort,
  type Hold,
} from './fakes';
import { encrypted, report, SESSION_B } from './report-fixtures';

function bridges() {
  const store = memoryIdentityStore();
  const identity = new LazyIdentity(store);
  const { track, settled } = tracker();
  const world = {
    settings: modeSnapshot(true) as PolicySnapshot,
    /** How many of the next settings loads and identity gets reject. */
    failures: { settings: 0, identity: 0 },
    /** Sign requests that reached the gate; while `signing` is set, each waits for it (a signature takes time). */
    signAsked: [] as number[],
    signing: undefined as Hold | undefined,
    /** What reached the call registry, in order: `report <tab>:<frame> <state>`, `error …`, `forget …`. */
    calls: [] as string[],
    refreshed: [] as number[],
    warnings: [] as string[],
  };
  const channel = createBridgeChannel({
    extensionId: EXTENSION_ID,
    calls: {
      forgetFrame: (tabId, frameId) => void world.calls.push(`forget ${tabId}:${frameId}`),
      report: (tabId, frameId, r, fingerprint) => {
        world.calls.push(`report ${tabId}:${frameId} ${r.state}${fingerprint ? ' with fingerprint' : ''}`);
        return 'accepted';
      },
      pageError: (tabId, frameId, code) => void world.calls.push(`error ${tabId}:${frameId} ${code}`),
    },
    settings: async () => {
      failOnce(world.failures, 'settings');
      return world.settings;
    },
    identity: {
      get: async () => {
        failOnce(world.failures, 'identity');
        return identity.get();
      },
    },
    signing: {
      answer: async (_sender, requestId) => {
        world.signAsked.push(requestId);
        await world.signing?.pass();
        return { kind: 'sign-refused', requestId, code: 'no-call' };
      },
    },
    refresh: (tabId) => void world.refreshed.push(tabId),
    track,
    warn: (message) => void world.warnings.push(message),
  });
  const open = (options?: BridgeOptions): FakePort => {
    const port = bridgePort(options);
    channel.connect(port);
    return port;
  };
  return { channel, world, store, settled, open };
}

const pageError = { kind: 'page-error', code: 'worker-blocked' } as const;
const input = (fill = 7, length = 40): string => Buffer.alloc(length, fill).toString('base64');
const WIDGET = { frameId: 4, url: 'https://widget.example/' };

describe('a message whose handling fails', () => {
  it('is warned about, and the messages after it on the port are still handled, in order', async () => {
    const { world, settled, open } = bridges();
    const port = open();
    world.failures.settings = 1;
    port.send({ kind: 'attach' });
    port.send({ kind: 'session', report: report() });
    port.send(pageError);
    port.send({ kind: 'attach' });
    await settled();
    expect(world.calls).toEqual(['report 1:0 negotiating', 'error 1:0 worker-blocked']);
    expect(world.warnings).toEqual(['bridge message failed']);
    expect(port.ofKind('settings')).toEqual([
      { kind: 'settings', settings: expect.objectContaining({ enabled: true }), identityPublicKey: expect.any(String) },
    ]);
  });

  it('does not stop the port when the identity cannot be had once', async () => {
    const { world, store, settled, open } = bridges();
    const port = open();
    world.failures.identity = 1;
    port.send({ kind: 'attach' });
    port.send({ kind: 'session', report: encrypted() });
    port.send({ kind: 'attach' });
    await settled();
    expect(world.calls).toEqual(['report 1:0 encrypted with fingerprint']);
    expect(world.warnings).toEqual(['bridge message failed']);
    const [settings] = port.ofKind('settings');
    expect(port.ofKind('settings')).toHaveLength(1);
    expect(settings?.identityPublicKey).toBe(Buffer.from(store.stored?.publicKey ?? []).toString('base64'));
  });
});

describe('which connection speaks for a frame', () => {
  it('a newer connection of the frame takes over: the old one’s claims end, and what it had queued is dropped', async () => {
    const { world, settled, open } = bridges();
    const signing = hold();
    world.signing = signing;
    const first = open();
    first.send({ kind: 'attach' });
    first.send({ kind: 'sign', requestId: 1, input: input() });
    first.send({ kind: 'session', report: encrypted() });
    first.send(pageError);
    await signing.reached; // The sign request is being handled; the report and the error wait behind it.
    expect(world.calls).toEqual([]);

    const second = open();
    expect(world.calls).toEqual(['forget 1:0']);
    expect(world.refreshed).toEqual([1]);
    second.send({ kind: 'session', report: report({ session: SESSION_B }) });
    first.send(pageError); // Sent after the takeover: not even queued.
    signing.release();
    await settled();
    expect(world.calls).toEqual(['forget 1:0', 'report 1:0 negotiating']);
    // What was already being handled still answers its own port.
    expect(first.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'no-call' }]);
    expect(world.signAsked).toEqual([1]);
    expect(world.refreshed).toEqual([1, 1]); // The takeover, the new connection's report.

    // The old connection going away ends nothing; the one that speaks for the frame does.
    first.drop();
    expect(world.calls).toHaveLength(2);
    second.drop();
    expect(world.calls.at(-1)).toBe('forget 1:0');
    expect(world.refreshed).toEqual([1, 1, 1]);
  });

  it('another frame of the tab is not taken over; originOf answers by frame, then the top frame, until the tab goes', () => {
    const { channel, world, open } = bridges();
    open(WIDGET);
    open({ frameId: 0 });
    open({ tabId: 2, frameId: 7, url: 'https://other.example/' });
    expect(world.calls).toEqual([]);
    expect(channel.originOf(1, 4)).toBe('https://widget.example');
    expect(channel.originOf(1)).toBe('https://call.example');
    expect(channel.originOf(1, 9)).toBe('https://call.example');
    expect(channel.originOf(2)).toBe('https://other.example');
    channel.forgetTab(1);
    expect([channel.originOf(1, 4), channel.originOf(1)]).toEqual([undefined, undefined]);
    expect(channel.originOf(2)).toBe('https://other.example');
  });
});

describe('settings', () => {
  it('are sent on every attach, and on a push only to the frames where they changed', async () => {
    const { channel, world, settled, open } = bridges();
    const top = open();
    const widget = open(WIDGET);
    const counts = (): number[] => [top, widget].map((port) => port.ofKind('settings').length);
    top.send({ kind: 'attach' });
    widget.send({ kind: 'attach' });
    await settled();
    expect(counts()).toEqual([1, 1]);

    await channel.pushSettings();
    expect(counts()).toEqual([1, 1]);
    top.send({ kind: 'attach' });
    await settled();
    expect(counts()).toEqual([2, 1]);

    // Off at the widget's origin only: only the widget hears of it.
    world.settings = byOrigin(modeSnapshot(true), { 'https://widget.example': modeSnapshot(false) });
    await channel.pushSettings();
    expect(counts()).toEqual([2, 2]);
    expect(widget.ofKind('settings').at(-1)).toMatchObject({ settings: { enabled: false }, identityPublicKey: null });
    await channel.pushSettings();
    expect(counts()).toEqual([2, 2]);
  });

  it('are not sent at all while the policy is held, and no identity is made; the push when it arrives answers', async () => {
    const { channel, world, store, settled, open } = bridges();
    world.settings = heldSnapshot();
    const port = open();
    port.send({ kind: 'attach' });
    await settled();
    await channel.pushSettings();
    expect(port.posted).toEqual([]);
    expect([store.loads, store.saves]).toEqual([0, 0]);

    world.settings = modeSnapshot(true);
    await channel.pushSettings();
    expect(port.ofKind('settings')).toEqual([
      { kind: 'settings', settings: expect.objectContaining({ enabled: true }), identityPublicKey: expect.any(String) },
    ]);
    expect(store.saves).toBe(1);
  });
});

describe('malformed messages', () => {
  it('get sign-refused (malformed-input) only when they are sign requests with a usable requestId', async () => {
    const { world, settled, open } = bridges();
    const port = open();
    port.send({ kind: 'sign', requestId: 7, input: input(7, 39) });
    port.send({ kind: 'sign', requestId: 8, input: 42 });
    port.send({ kind: 'sign', input: input(7, 39) });
    port.send({ kind: 'sign', requestId: -1, input: 'x' });
    port.send({ kind: 'sign', requestId: 1.5, input: 'x' });
    port.send({ kind: 'session', report: { ...report(), state: 'fine' } });
    port.send({ kind: 'page-error', code: 'made-up' });
    port.send({ kind: 'detach' });
    port.send('attach');
    port.send(null);
    port.send({ kind: 'sign', requestId: 9, input: input() });
    await settled();
    expect(port.posted).toEqual([
      { kind: 'sign-refused', requestId: 7, code: 'malformed-input' },
      { kind: 'sign-refused', requestId: 8, code: 'malformed-input' },
      // The one well-formed request reached the signing gate (whose answer this fake's is).
      { kind: 'sign-refused', requestId: 9, code: 'no-call' },
    ]);
    expect(world.signAsked).toEqual([9]);
    expect(world.calls).toEqual([]);
    expect(world.warnings).toEqual([]);
  });
});
