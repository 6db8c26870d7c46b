/**
 * The signing gate (protocol.md §7.4, "Signatures"; what is signed: §4.3, §4.5): the background's identity key signs
 * a worker's `th || pid` only while E2EE is on for the frame's origin (no identity is even made before), only for a
 * frame whose current report is a running call, and only within the tab's and origin's budget (signing-budget.ts:
 * 12 in a burst, then 12 a minute, whatever the number of connections or reloads). The extensions signed with it are
 * the background's own — the user's display name as it is now, and the group capability (§11.3) — so neither the
 * worker nor the network can strip, add or change them.
 *
 * A request that passes gets `signed`; every other one gets `sign-refused` with its reason (`disabled`, `no-call`,
 * `malformed-input`, `rate-limited`, `sign-failed`). Bridge messages are checked by shape before they get here
 * (bridge-channel.ts), the sender when its port was admitted (sender-check.ts).
 */
import { base64ToBytes, bytesToBase64 } from '../shared/base64';
import type { BackgroundToPage, SignRefusalCode } from '../shared/messages';
import { concatBytes } from '../shared/bytes';
import { encodeDisplayNameExtension } from '../e2ee/display-name';
import { groupCapabilityExtension } from '../e2ee/group-keys';
import type { CallRegistry } from './call-registry';
import type { LazyIdentity } from './identity';
import type { PolicySnapshot } from './policy';
import type { ProfileStore } from './profile';
import type { BridgeSender } from './sender-check';
import { SigningBudgets } from './signing-budget';

interface SigningGateDeps {
  now(): number;
  calls: Pick<CallRegistry, 'hasRunningCall'>;
  /** The policy now. */
  settings(): Promise<PolicySnapshot>;
  identity: Pick<LazyIdentity, 'get'>;
  profile: Pick<ProfileStore, 'load'>;
  warn(message: string, error?: unknown): void;
}

export interface SigningGate {
  /** The answer to a frame's sign request: `signed`, or `sign-refused` with the reason. */
  answer(sender: BridgeSender, requestId: number, input: string): Promise<BackgroundToPage>;
  /** The tab was closed: its budgets go. */
  forgetTab(tabId: number): void;
}

interface Signed {
  signature: Uint8Array;
  extensions: Uint8Array;
}

export function createSigningGate(deps: SigningGateDeps): SigningGate {
  const budgets = new SigningBudgets(() => deps.now());

  /** Signs, or returns why not. */
  async function sign(sender: BridgeSender, input: string): Promise<Signed | SignRefusalCode> {
    if (!(await deps.settings()).settingsFor(sender.origin)?.page.enabled) return 'disabled';
    if (!deps.calls.hasRunningCall(sender.tabId, sender.frameId)) return 'no-call';
    const bytes = base64ToBytes(input);
    if (!bytes) return 'malformed-input';
    if (!budgets.take(sender.tabId, sender.origin)) return 'rate-limited';
    try {
      // The background appends the extensions itself (protocol.md §4.3): the user's display name, as it is now, and
      // the group capability (§11.3), so that neither can be stripped or added by the worker or the network.
      const name = encodeDisplayNameExtension(await deps.profile.load().catch(() => ''));
      const extensions = concatBytes(name, groupCapabilityExtension());
      const signature = await (await deps.identity.get()).sign(bytes, extensions);
      return { signature, extensions };
    } catch (error) {
      deps.warn('signing failed', error instanceof RangeError ? 'bad length' : error);
      return 'sign-failed';
    }
  }

  return {
    async answer(sender, requestId, input) {
      // Whatever fails on the way (the policy or the profile unreadable) is an answer too: the worker never waits.
      const outcome = await sign(sender, input).catch((error: unknown): SignRefusalCode => {
        deps.warn('signing failed', error);
        return 'sign-failed';
      });
      if (typeof outcome === 'string') return { kind: 'sign-refused', requestId, code: outcome };
      return {
        kind: 'signed',
        requestId,
        signature: bytesToBase64(outcome.signature),
        extensions: bytesToBase64(outcome.extensions),
      };
    },
    forgetTab: (tabId) => budgets.forgetTab(tabId),
  };
}
