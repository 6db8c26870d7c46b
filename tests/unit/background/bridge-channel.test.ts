/**
 * The bridges' channel (src/background/bridge-channel.ts, protocol.md §7.4, "What the background believes") on its
 * own, with the call registry, the signing gate and the settings faked: that a message whose handling fails does not
 * stop the port, which connection speaks for a frame, when a frame gets settings, and what a malformed message gets.
 */
import { describe, expect, it } from 'vitest';
import { createBridgeChannel } from '../../../src/background/bridge-channel';
import { LazyIdentity } from '../../../src/background/identity';
import type { PolicySnapshot } from '../../../src/background/policy';
import {
  bridgePort,
  EXTENSION_ID,
  failOnce,
  memoryIdentityStore,
  modeSnapshot,
  tracker,
  type BridgeOptions,
  type FakePort,
} from './fakes';
import { encrypted, report } from './report-fixtures';

function bridges() {
  const store = memoryIdentityStore();
  const identity = new LazyIdentity(store);
  const { track, settled } = tracker();
  const world = {
    settings: modeSnapshot(true) as PolicySnapshot,
    /** How many of the next settings loads and identity gets reject. */
    failures: { settings: 0, identity: 0 },
    /** While set, sign requests wait for it (a signature takes its time). */
    signing: undefined as Promise<void> | undefined,
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
        await world.signing;
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
