/**
 * The options page's port (OPTIONS_PORT; protocol.md §7.4, "Own identity" and contacts): the user's contacts (list, rename, forget), their own identity (the
 * fingerprint, and a reset) and their display name. Only the extension's own pages may connect; every change is
 * answered by a fresh view to every open options page, and a refusal by a sentence the extension wrote.
 */
import {
  isOptionsToBackground,
  type BackgroundToOptions,
  type OptionsToBackground,
  type OptionsView,
} from '../shared/options-messages';
import { failureMessage, nameProblemMessage } from '../shared/status-text';
import { base64ToBytes } from '../shared/base64';
import type { ContactsLike } from './contacts';
import { postQuietly, serialQueue, type PortLike } from './ports';
import { identityFingerprint } from '../e2ee/security-code';
import type { LazyIdentity } from './identity';
import type { ProfileStore } from './profile';
import { isOwnExtensionPage } from './sender-check';
import type { PopupFailureCode } from '../shared/messages';

interface OptionsChannelDeps {
  extensionId: string;
  extensionUrl: string;
  contacts: ContactsLike;
  profile: ProfileStore;
  identity: Pick<LazyIdentity, 'peek'>;
  /** Saves the user's display name (answering the port with a failure if refused). */
  setDisplayName(port: PortLike, name: string): Promise<boolean>;
  resetIdentity(): Promise<void>;
  track(promise: Promise<unknown>): void;
  warn(message: string, error?: unknown): void;
}

export interface OptionsChannel {
  connect(port: PortLike): void;
  /** Sends every open options page a fresh view. */
  broadcast(): void;
}

export function connectOptionsPage(deps: OptionsChannelDeps): OptionsChannel {
  const pages = new Set<PortLike>();

  const post = (port: PortLike, message: BackgroundToOptions): void => postQuietly(port, message);
  const fail = (port: PortLike, code: PopupFailureCode, message = failureMessage(code)): void =>
    post(port, { kind: 'failed', code, message });

  async function view(): Promise<OptionsView> {
    await deps.contacts.ready?.().catch(() => undefined);
    const contacts = await Promise.all(
      (deps.contacts.list?.() ?? []).map(async (contact) => {
        const key = base64ToBytes(contact.identityPublicKey);
        const fingerprint = key?.length === 32 ? await identityFingerprint(key) : '';
        const item: OptionsView['contacts'][number] = {
          identityPublicKey: contact.identityPublicKey,
          fingerprint,
          name: contact.name,
          verifiedAt: contact.verifiedAt,
        };
        if (contact.claimedName !== undefined) item.claimedName = contact.claimedName;
        return item;
      }),
    );
    const own = await deps.identity.peek().catch(() => undefined);
    const identity = own ? { fingerprint: await identityFingerprint(own.publicKey), createdAt: own.createdAt } : null;
    const displayName = await deps.profile.load().catch(() => '');
    return { contacts, identity, displayName };
  }

  async function send(port: PortLike): Promise<void> {
    post(port, { kind: 'options', view: await view() });
  }

  async function handle(port: PortLike, message: OptionsToBackground): Promise<void> {
    switch (message.kind) {
      case 'options-watch':
        return send(port);
      case 'rename-contact': {
        const outcome = (await deps.contacts.rename?.(message.identityPublicKey, message.name)) ?? 'not-found';
        if (outcome === 'name-taken') fail(port, 'name-taken');
        else if (outcome !== 'renamed' && outcome !== 'not-found') {
          fail(port, 'name-invalid', nameProblemMessage(outcome as Parameters<typeof nameProblemMessage>[0]));
        }
        return send(port);
      }
      case 'forget-contact':
        await deps.contacts.forget?.(message.identityPublicKey);
        return send(port);
      case 'reset-identity':
        await deps.resetIdentity();
        broadcast();
        return;
      case 'set-display-name':
        await deps.setDisplayName(port, message.name);
        return send(port);
    }
  }

  function broadcast(): void {
    for (const port of pages) deps.track(send(port));
  }

  return {
    connect(port) {
      if (!isOwnExtensionPage(port.sender, deps.extensionId, deps.extensionUrl)) return port.disconnect();
      pages.add(port);
      const enqueue = serialQueue(deps.track, (error) => {
        deps.warn('options request failed', error);
        fail(port, 'options-failed');
      });
      port.onMessage.addListener((message) => {
        if (isOptionsToBackground(message)) enqueue(() => handle(port, message));
      });
      port.onDisconnect.addListener(() => pages.delete(port));
    },
    broadcast,
  };
}
