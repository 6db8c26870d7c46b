/**
 * The tenant policy document (docs/admin.md §3.1): its types and its strict validation. Called only on bytes whose
 * signature has been verified, but still strict — unknown fields, dangling grants or a bad pattern refuse the whole
 * document (`malformed`), because a typo must never silently widen a policy.
 */
import { requireWellFormed } from './errors';
import { parseOriginPattern, type OriginPattern } from './origin-pattern';
import { isJsonObject, requireOnlyKeys } from './strict-json';

const MODES = ['disabled', 'allowed', 'onByDefault', 'required'] as const;
export type Mode = (typeof MODES)[number];

export function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

const DOCUMENT_FORMAT = 'callseal-tenant-policy';
export const DEFAULT_REFRESH_MINUTES = 60;
const MIN_REFRESH_MINUTES = 5;
const MAX_REFRESH_MINUTES = 1440;

export interface NamedPolicy {
  name: string;
  mode: Mode;
  /** Where the policy applies; absent: everywhere. */
  sites?: readonly OriginPattern[];
  description?: string;
}

interface GroupGrant {
  /** Normalized (normalizePrincipal). */
  group: string;
  policy: string;
}

interface UserGrant {
  /** Normalized (normalizePrincipal). */
  user: string;
  policy: string;
}

export interface TenantPolicyDocument {
  tenantId: string;
  serial: number;
  /** Milliseconds since the epoch. */
  issuedAt?: number;
  notAfter?: number;
  refreshMinutes: number;
  policies: ReadonlyMap<string, NamedPolicy>;
  grants: { tenant?: string; groups: readonly GroupGrant[]; users: readonly UserGrant[] };
}

const POLICY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$/;
const TENANT_ID = /^[\x21-\x7e]{1,128}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const isValidTenantId = (value: string): boolean => TENANT_ID.test(value);
const isValidPolicyName = (value: string): boolean => POLICY_NAME.test(value);

/** How users and groups are compared: trimmed, NFC, lowercase (UPNs and group names are case-insensitive). */
export function normalizePrincipal(value: string): string {
  return value.trim().normalize('NFC').toLowerCase();
}

/** A user or group name: 1–256 characters once trimmed, no control characters. */
export function isValidPrincipal(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length >= 1 && trimmed.length <= 256 && !CONTROL.test(trimmed);
}

/** RFC 3339 UTC to the second (`2025-11-30T12:00:00Z`), as milliseconds; `undefined` if not exactly that. */
export function parseUtcTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value.replace('Z', '.000Z') ? time : undefined;
}

function parsePolicy(name: string, value: unknown): NamedPolicy {
  const what = `policy ${JSON.stringify(name)}`;
  requireWellFormed(isValidPolicyName(name), `${what} has an invalid name`);
  requireWellFormed(isJsonObject(value), `${what} is not an object`);
  requireOnlyKeys(value, ['mode', 'sites', 'description'], what);
  requireWellFormed(isMode(value.mode), `${what} has no valid mode (${MODES.join(', ')})`);
  const policy: NamedPolicy = { name, mode: value.mode };
  if (value.sites !== undefined) {
    requireWellFormed(Array.isArray(value.sites) && value.sites.length > 0, `${what}: sites must be a non-empty list`);
    policy.sites = value.sites.map((site: unknown) => {
      requireWellFormed(typeof site === 'string', `${what}: a site is not a string`);
      const pattern = parseOriginPattern(site);
      requireWellFormed(typeof pattern !== 'string', `${what}: site ${JSON.stringify(site)} ${String(pattern)}`);
      return pattern;
    });
  }
  const description = value.description;
  if (description !== undefined) {
    const ok = typeof description === 'string' && description.length <= 200;
    requireWellFormed(ok, `${what}: description must be a string of at most 200 characters`);
    policy.description = description;
  }
  return policy;
}

function parseGrantList<K extends 'group' | 'user'>(
  value: unknown,
  key: K,
  policies: ReadonlyMap<string, NamedPolicy>,
): ({ policy: string } & Record<K, string>)[] {
  if (value === undefined) return [];
  requireWellFormed(Array.isArray(value), `grants.${key}s is not a list`);
  const seen = new Set<string>();
  return value.map((entry: unknown) => {
    requireWellFormed(isJsonObject(entry), `grants.${key}s has an entry that is not an object`);
    requireOnlyKeys(entry, [key, 'policy'], `a ${key} grant`);
    const who = entry[key];
    requireWellFormed(typeof who === 'string' && isValidPrincipal(who), `a ${key} grant has an invalid ${key}`);
    const normalized = normalizePrincipal(who);
    requireWellFormed(!seen.has(normalized), `${key} ${JSON.stringify(who)} is granted twice`);
    seen.add(normalized);
    const policy = entry.policy;
    requireWellFormed(typeof policy === 'string' && policies.has(policy), `${key} ${JSON.stringify(who)} is granted no known policy`);
    return { [key]: normalized, policy } as { policy: string } & Record<K, string>;
  });
}

/** Validates a parsed payload; throws `malformed` (TenantPolicyError) naming the first problem. */
export function parseTenantPolicyDocument(value: unknown): TenantPolicyDocument {
  requireWellFormed(isJsonObject(value), 'the document is not an object');
  const allowed = ['format', 'version', 'tenantId', 'serial', 'issuedAt', 'notAfter', 'refreshMinutes', 'policies', 'grants'];
  requireOnlyKeys(value, allowed, 'the document');
  requireWellFormed(value.format === DOCUMENT_FORMAT, `format is not ${JSON.stringify(DOCUMENT_FORMAT)}`);
  requireWellFormed(value.version === 1, 'version is not 1');
  const { tenantId, serial, refreshMinutes = DEFAULT_REFRESH_MINUTES } = value;
  requireWellFormed(typeof tenantId === 'string' && isValidTenantId(tenantId), 'tenantId is invalid');
  requireWellFormed(Number.isSafeInteger(serial) && (serial as number) >= 1, 'serial is not a positive integer');
  const refreshOk =
    Number.isInteger(refreshMinutes) &&
    (refreshMinutes as number) >= MIN_REFRESH_MINUTES &&
    (refreshMinutes as number) <= MAX_REFRESH_MINUTES;
  requireWellFormed(refreshOk, `refreshMinutes is not an integer from ${MIN_REFRESH_MINUTES} to ${MAX_REFRESH_MINUTES}`);

  requireWellFormed(isJsonObject(value.policies), 'policies is not an object');
  const policies = new Map<string, NamedPolicy>();
  for (const [name, policy] of Object.entries(value.policies)) policies.set(name, parsePolicy(name, policy));

  const grants = value.grants ?? {};
  requireWellFormed(isJsonObject(grants), 'grants is not an object');
  requireOnlyKeys(grants, ['tenant', 'groups', 'users'], 'grants');
  const tenant = grants.tenant;
  requireWellFormed(tenant === undefined || (typeof tenant === 'string' && policies.has(tenant)), 'grants.tenant names no known policy');

  const document: TenantPolicyDocument = {
    tenantId,
    serial: serial as number,
    refreshMinutes: refreshMinutes as number,
    policies,
    grants: { groups: parseGrantList(grants.groups, 'group', policies), users: parseGrantList(grants.users, 'user', policies) },
  };
  if (tenant !== undefined) document.grants.tenant = tenant;
  for (const key of ['issuedAt', 'notAfter'] as const) {
    if (value[key] === undefined) continue;
    const time = parseUtcTime(value[key]);
    requireWellFormed(time !== undefined, `${key} is not a UTC time like 2025-11-30T12:00:00Z`);
    document[key] = time;
  }
  return document;
}
