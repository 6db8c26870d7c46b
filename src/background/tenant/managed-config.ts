/**
 * The managed keys (public/managed-schema.json) as typed values. The browser already drops values that do not fit
 * the schema; this checks again, because a wrong value must be ignored with a reason the popup can show, never
 * crash the background. One deliberate exception (docs/admin.md §1): once `TenantPolicyUrl` or `TenantPolicyKey` is
 * set, the admin has said "the tenant document decides", so an incomplete or invalid tenant setup is not ignored
 * but reported as `misconfigured`, and the effective policy fails closed.
 */
import { isMode, isValidPrincipal, isValidTenantId, type Mode } from './document';
import { PinnedPolicyKey, type PolicyKeyProblem } from './policy-key';
import type { PolicySubject } from './resolve';
import { decodeStrictBase64 } from './strict-json';

export const MANAGED_KEYS = ['E2EEMode', 'TenantPolicyUrl', 'TenantPolicyKey', 'TenantId', 'UserPrincipal', 'UserGroups'] as const;
export type ManagedKey = (typeof MANAGED_KEYS)[number];

/**
 * What was wrong with a managed key, as a code: the popup says it in CallSeal's words, in the user's language
 * (`issueSentence` in policy-view.ts). The `-ignored` codes name values CallSeal ignored; the others are problems
 * of a tenant setup, which then fails closed.
 */
export type ManagedProblem =
  | 'not-string-ignored'
  | 'mode-invalid'
  | 'principal-invalid'
  | 'groups-invalid'
  | 'groups-not-list'
  | 'no-effect'
  | 'not-set'
  | 'not-string'
  | 'url-invalid'
  | 'url-credentials'
  | 'url-not-https'
  | 'key-not-base64'
  | 'key-length'
  | 'key-non-canonical'
  | 'key-small-order'
  | 'tenant-id-invalid';

export interface ManagedIssue {
  key: ManagedKey;
  problem: ManagedProblem;
  /** For `groups-invalid`: how many entries were not valid group names. */
  count?: number;
}

export type PolicyUrlProblem = 'url-invalid' | 'url-credentials' | 'url-not-https';

const KEY_PROBLEMS: Readonly<Record<PolicyKeyProblem, ManagedProblem>> = {
  'not-base64': 'key-not-base64',
  length: 'key-length',
  'non-canonical': 'key-non-canonical',
  'small-order': 'key-small-order',
};

export type TenantSetup =
  | { kind: 'none' }
  | { kind: 'configured'; url: string; key: PinnedPolicyKey; tenantId?: string }
  | { kind: 'misconfigured'; problems: ManagedIssue[] };

export interface ManagedConfig {
  /** `undefined`: not set (CallSeal then behaves as `allowed`). */
  e2eeMode: Mode | undefined;
  tenant: TenantSetup;
  subject: PolicySubject;
  /** Values that were ignored, and why (as codes; the popup's words are policy-view.ts's). */
  issues: ManagedIssue[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A trimmed non-empty string; `undefined` for absent or empty; `null` for a value of the wrong type. */
function optionalString(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function checkPolicyUrl(text: string): string | { problem: PolicyUrlProblem } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'url-invalid' };
  }
  if (url.username !== '' || url.password !== '') return { problem: 'url-credentials' };
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return { problem: 'url-not-https' };
  url.hash = '';
  return url.href;
}

async function readTenantKey(text: string): Promise<PinnedPolicyKey | ManagedProblem> {
  let raw: Uint8Array;
  try {
    raw = decodeStrictBase64(text, 'TenantPolicyKey');
  } catch {
    return KEY_PROBLEMS['not-base64'];
  }
  const key = await PinnedPolicyKey.fromRaw(raw);
  return typeof key === 'string' ? KEY_PROBLEMS[key] : key;
}

/** Reads `storage.managed.get()`'s result (anything: it is checked). */
export async function readManagedConfig(raw: unknown): Promise<ManagedConfig> {
  const values = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const issues: ManagedIssue[] = [];
  const ignore = (key: ManagedKey, problem: ManagedProblem, count?: number): void =>
    void issues.push(count === undefined ? { key, problem } : { key, problem, count });
  const str = (key: ManagedKey): string | undefined => {
    const value = optionalString(values[key]);
    if (value === null) ignore(key, 'not-string-ignored');
    return value ?? undefined;
  };

  let e2eeMode: Mode | undefined;
  const mode = str('E2EEMode');
  if (mode !== undefined) {
    if (isMode(mode)) e2eeMode = mode;
    else ignore('E2EEMode', 'mode-invalid');
  }

  const subject: PolicySubject = { groups: [] };
  const principal = str('UserPrincipal');
  if (principal !== undefined) {
    if (isValidPrincipal(principal)) subject.principal = principal;
    else ignore('UserPrincipal', 'principal-invalid');
  }
  const groups = values.UserGroups;
  if (Array.isArray(groups)) {
    const valid = groups.filter((g): g is string => typeof g === 'string' && isValidPrincipal(g));
    if (valid.length !== groups.length) ignore('UserGroups', 'groups-invalid', groups.length - valid.length);
    subject.groups = valid;
  } else if (groups !== undefined && groups !== null) ignore('UserGroups', 'groups-not-list');

  // The tenant keys: a value of the wrong type is a problem of the setup (null), not an ignored value.
  const urlText = optionalString(values.TenantPolicyUrl);
  const keyText = optionalString(values.TenantPolicyKey);
  const tenantIdText = optionalString(values.TenantId);
  if (urlText === undefined && keyText === undefined) {
    const set = { TenantId: tenantIdText != null, UserPrincipal: subject.principal !== undefined, UserGroups: subject.groups.length > 0 };
    for (const key of ['TenantId', 'UserPrincipal', 'UserGroups'] as const) {
      if (set[key]) ignore(key, 'no-effect');
    }
    return { e2eeMode, tenant: { kind: 'none' }, subject, issues };
  }

  const problems: ManagedIssue[] = [];
  const wrong = (key: ManagedKey, problem: ManagedProblem): void => void problems.push({ key, problem });
  const url: string | { problem: ManagedProblem } =
    urlText === undefined ? { problem: 'not-set' } : urlText === null ? { problem: 'not-string' } : checkPolicyUrl(urlText);
  if (typeof url !== 'string') wrong('TenantPolicyUrl', url.problem);
  const key = keyText === undefined ? 'not-set' : keyText === null ? 'not-string' : await readTenantKey(keyText);
  if (typeof key === 'string') wrong('TenantPolicyKey', key);
  if (tenantIdText === null || (tenantIdText !== undefined && !isValidTenantId(tenantIdText))) {
    wrong('TenantId', 'tenant-id-invalid');
  }
  if (typeof url !== 'string' || typeof key === 'string' || problems.length > 0) {
    return { e2eeMode, tenant: { kind: 'misconfigured', problems }, subject, issues };
  }
  const tenant: TenantSetup = { kind: 'configured', url, key };
  if (typeof tenantIdText === 'string') tenant.tenantId = tenantIdText;
  return { e2eeMode, tenant, subject, issues };
}
