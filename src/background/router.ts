/**
 * The background's message router (protocol.md §7.4): bridges, popups and options pages connect on runtime ports,
 * and every message is a claim to check before it changes anything. This module admits each port by its name to
 * the channel that checks its sender and its messages, and holds what they share; each job has its own module:
 *
 * - bridge-channel.ts: the bridges (sender check once, which connection speaks for a frame, settings per frame by
 *   its origin, reports into the call registry);
 * - signing-gate.ts: signatures, only for a frame with a running call, within the tab's and origin's budget, and
 *   only while E2EE is on — the identity is not even made before that;
 * - popup-channel.ts and options-channel.ts: the extension's own pages;
 * - tab-views.ts: what each tab shows (toolbar, popups, notifications).
 *
 * Settings are pushed to every open bridge whenever they change (the user's switch, the admin's policy, a new
 * identity), so a policy change reaches a call in progress without a reload; pushes are serialized, each with the
 * settings current when it runs, so an older one never lands last.
 *
 * Everything the browser provides comes in through `RouterDeps` (ports, clock, storage, toolbar), so the unit tests
 * drive the real rules with fakes; index.ts wires the real browser.
 */
import type { TabCallStatus } from '../shared/call-status';
import { BRIDGE_PORT, POPUP_PORT } from '../shared/messages';
import { normalizeDisplayName } from '../e2ee/display-name';
import { OPTIONS_PORT } from '../shared/options-messages';
import { nameProblemMessage } from '../shared/status-text';
import { createBridgeChannel } from './bridge-channel';
import { CallRegistry } from './call-registry';
import type { Clock } from './clock';
import type { ContactsLike } from './contacts';
import { LazyIdentity, type IdentityStore } from './identity';
import { connectOptionsPage, type OptionsChannel } from './options-channel';
import type { PolicySnapshot } from './policy';
import { createPopupChannel } from './popup-channel';
import { postQuietly, type PortLike } from './ports';
import type { ProfileStore } from './profile';
import { createSigningGate } from './signing-gate';
import { createTabViews } from './tab-views';

export interface RouterDeps {
  extensionId: string;
  /** The extension's base URL, `chrome-extension://<id>/`. */
  extensionUrl: string;
  clock: Clock;
  settings: {
    /** The policy now (resolves once stored state is read; may be held). */
    load(): Promise<PolicySnapshot>;
    saveEnabled(enabled: boolean): Promise<void>;
    /** Fetch the tenant policy document now (the popup's "Refresh"); resolves when done. */
    refresh(): Promise<void>;
  };
  identityStore: IdentityStore;
  /** The user's contacts (contacts.ts): verified identity keys, by key and by name. */
  verifiedPeers: ContactsLike;
  /** The user's own display name (profile.ts); none without it. */
  profile?: ProfileStore;
  toolbar: { show(tabId: number, status: TabCallStatus): Promise<void> };
  /** Raises a browser notification for a tab's warning (notifications.ts); called once per warning. */
  notify?(tabId: number, status: TabCallStatus): void;
  /** Operational problems (never keys or page content). */
  warn?(message: string, error?: unknown): void;
}

export interface BackgroundRouter {
  connect(port: PortLike): void;
  /** The user's switch or the admin's policy changed. */
  settingsChanged(): void;
  tabRemoved(tabId: number): void;
  /** Resolves once everything started so far (messages, refreshes, timers that fired) has finished. For tests. */
  settled(): Promise<void>;
}

export function createRouter(deps: RouterDeps): BackgroundRouter {
  const { clock, extensionId, extensionUrl } = deps;
  const warn = deps.warn ?? (() => {});
  const calls = new CallRegistry(() => clock.now());
  const identity = new LazyIdentity(deps.identityStore);
  const profile: ProfileStore = deps.profile ?? { load: async () => '', save: async () => undefined };
  let settings = deps.settings.load();
  const currentSettings = (): Promise<PolicySnapshot> => settings;
  const work = new Set<Promise<unknown>>();
  let pushes: Promise<void> = Promise.resolve();

  function track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => warn('background task failed', error));
    work.add(tracked);
    void tracked.finally(() => work.delete(tracked));
  }

  const now = (): number => clock.now();
  const signing = createSigningGate({ now, calls, settings: currentSettings, identity, profile, warn });
  const bridges = createBridgeChannel({
    extensionId,
    calls,
    settings: currentSettings,
    identity,
    signing,
    refresh: (tabId) => views.refresh(tabId),
    track,
    warn,
  });
  const popups = createPopupChannel({
    extensionId,
    extensionUrl,
    calls,
    settings: currentSettings,
    saveEnabled: (enabled) => deps.settings.saveEnabled(enabled),
    refreshPolicy: () => deps.settings.refresh(),
    contacts: deps.verifiedPeers,
    originOf: bridges.originOf,
    refresh: (tabId, answering) => views.refresh(tabId, answering),
    setDisplayName,
    track,
    warn,
  });
  const views = createTabViews({
    clock,
    calls,
    settings: currentSettings,
    contacts: deps.verifiedPeers,
    profile,
    toolbar: deps.toolbar,
    notify: deps.notify,
    originOf: bridges.originOf,
    popups: popups.popups,
    track,
    warn,
  });
  const options: OptionsChannel = connectOptionsPage({
    extensionId,
    extensionUrl,
    contacts: deps.verifiedPeers,
    profile,
    identity,
    setDisplayName,
    resetIdentity,
    track,
    warn,
  });
  deps.verifiedPeers.onChange?.(() => {
    for (const tabId of calls.tabIds()) views.refresh(tabId);
    refreshWatched();
    options.broadcast();
  });

  function refreshWatched(): void {
    for (const tabId of new Set(popups.watchedTabs())) views.refresh(tabId);
  }

  /** The user's own display name, from the popup or the options page; false (and a failure posted) if refused. */
  async function setDisplayName(port: PortLike, typed: string): Promise<boolean> {
    const normalized = normalizeDisplayName(typed);
    if ('problem' in normalized) {
      postQuietly(port, { kind: 'failed', code: 'name-invalid', message: nameProblemMessage(normalized.problem) });
      return false;
    }
    await profile.save(normalized.name);
    refreshWatched();
    options.broadcast();
    return true;
  }

  /** A new identity key: every open page gets it (a new worker session), so every peer sees the change. */
  async function resetIdentity(): Promise<void> {
    await identity.reset();
    pushSettings();
  }

  /** Sends every frame its settings where they changed, then refreshes what is shown. */
  function pushSettings(): void {
    // One push at a time, each with the settings current when it runs: an older push never lands last.
    pushes = pushes
      .then(async () => {
        await bridges.pushSettings();
        for (const tabId of new Set([...calls.tabIds(), ...popups.watchedTabs()])) views.refresh(tabId);
      })
      .catch((error: unknown) => warn('settings push failed', error));
    track(pushes);
  }

  return {
    connect(port) {
      if (port.name === BRIDGE_PORT) return bridges.connect(port);
      if (port.name === POPUP_PORT) return popups.connect(port);
      if (port.name === OPTIONS_PORT) return options.connect(port);
      port.disconnect();
    },

    settingsChanged() {
      settings = deps.settings.load();
      pushSettings();
    },

    tabRemoved(tabId) {
      calls.forgetTab(tabId);
      views.forgetTab(tabId);
      signing.forgetTab(tabId);
      bridges.forgetTab(tabId);
    },

    async settled() {
      while (work.size > 0) await Promise.allSettled([...work]);
    },
  };
}
