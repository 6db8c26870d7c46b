/**
 * From the policy in force to what each frame gets and what the popup says (docs/admin.md §2–4). Pure: the
 * managed keys, the tenant document's state, the user's last explicit choice and the time are inputs; the
 * decision itself is tenant/effective.ts's, the words tenant/policy-view.ts's (and the two below), in the user's language
 * (`_locales`, through i18n.ts).
 *
 * Settings are per frame origin because a tenant policy may list call sites: CallSeal acts only there, and every
 * other origin gets "off". A snapshot may also be *held*: a policy may be on its way and has not arrived, and the
 * background then answers no settings at all, so the page's transform worker keeps dropping every frame (protocol.md
 * §7.3, §10) until it knows.
 */
import { DEFAULT_FALLBACK_AFTER_MS, type PageSettings } from '../shared/call-status';
import { t } from '../shared/i18n';
import type { PolicyView } from '../shared/policy-view';
import { decideForOrigin, effectivePolicy, type EffectivePolicy, type OriginDecision } from './tenant/effective';
import type { ManagedConfig } from './tenant/managed-config';
import { policyView } from './tenant/policy-view';
import type { TenantPolicyState } from './tenant/refresher';

/** What one frame gets: its page settings, and whether the user's switch may change them. */
export interface FrameSettings {
  page: PageSettings;
  canToggle: boolean;
}

/** What the popup shows for a tab. */
export interface TabPolicy {
  /** The switch's position. */
  enabled: boolean;
  canToggle: boolean;
  /** How the tab's call status is derived (tab-status.ts). */
  status: { enabled: boolean; failClosed: boolean };
  policy: PolicyView;
}

export interface PolicySnapshot {
  /** Settings for a frame of `origin` (the bridge's sender origin); `undefined` while held: answer nothing. */
  settingsFor(origin: string | undefined): FrameSettings | undefined;
  /** The popup's view for a tab whose call runs at `origin` (`undefined`: no frame of the tab has spoken yet). */
  tabPolicy(origin: string | undefined): TabPolicy;
  /** The policy is held (for tests and the popup). */
  readonly held: boolean;
}

export interface PolicyInputs {
  managed: ManagedConfig;
  /** The tenant refresher's state, when a tenant document is configured. */
  tenant: TenantPolicyState | undefined;
  /** The user's last explicit switch; `undefined` if they never used it. */
  userChoice: boolean | undefined;
  now: number;
  formatTime?: (ms: number) => string;
}

function frameSettings(decision: OriginDecision): FrameSettings {
  return {
    page: {
      enabled: decision.enabled,
      allowPlaintextFallback: decision.allowPlaintextFallback,
      fallbackAfterMs: DEFAULT_FALLBACK_AFTER_MS,
    },
    canToggle: decision.canToggle,
  };
}

/** Where the policy applies, for a tab whose origin is not known yet (no frame has spoken). */
function sitesLine(policy: EffectivePolicy): string | undefined {
  if (!policy.sites) return undefined;
  return t('policy_sites', policy.sites.map((s) => s.text).join(', '));
}

export function decidedSnapshot(inputs: PolicyInputs): PolicySnapshot {
  const { managed, tenant, userChoice, now } = inputs;
  const policy = effectivePolicy(managed, tenant, now);
  return {
    held: false,
    settingsFor: (origin) => frameSettings(decideForOrigin(policy, origin, userChoice)),
    tabPolicy(origin) {
      // A tab with no frame that spoke yet: describe the policy as on its sites, and say where those are.
      const unknownSite = origin === undefined && policy.sites !== undefined;
      const judged: EffectivePolicy = unknownSite ? { mode: policy.mode, source: policy.source } : policy;
      const decision = decideForOrigin(judged, origin, userChoice);
      const view = policyView(managed, judged, decision, tenant, inputs.formatTime);
      const line = unknownSite ? sitesLine(policy) : undefined;
      if (line) view.lines.splice(1, 0, line);
      return {
        enabled: decision.enabled,
        canToggle: decision.canToggle,
        status: { enabled: decision.enabled, failClosed: decision.enabled && !decision.allowPlaintextFallback },
        policy: view,
      };
    },
  };
}

/** Said while the policy is held. */
export const waitingLine = (): string => t('policy_waiting_held');

/** A policy may be on its way: no frame gets settings yet. */
export function heldSnapshot(): PolicySnapshot {
  return {
    held: true,
    settingsFor: () => undefined,
    tabPolicy: () => ({
      enabled: false,
      canToggle: false,
      // The page fails closed while it has no settings (protocol.md §7.3): its errors show as blocked.
      status: { enabled: true, failClosed: true },
      policy: { decidedBy: 'organization', lines: [waitingLine()], canRefresh: false, waiting: true },
    }),
  };
}
