/**
 * The working tenant policy document (docs/admin.md §3.1) as the CLI edits it: checks that mirror the extension's
 * (src/background/tenant/document.ts, which has the last word — the tests run every document the CLI writes
 * through it), the edit operations behind the verbs, and the payload bytes that get signed.
 */
import { CliError, UsageError } from './errors.mjs';
import { originPatternProblem } from './origin-pattern.mjs';

export const DOCUMENT_FORMAT = 'callseal-tenant-policy';
export const MODES = ['disabled', 'allowed', 'onByDefault', 'required'];
const POLICY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$/;
const TENANT_ID = /^[\x21-\x7e]{1,128}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * @typedef {{ mode: string, sites?: string[], description?: string }} Policy
 * @typedef {{ group: string, policy: string }} GroupGrant
 * @typedef {{ user: string, policy: string }} UserGrant
 * @typedef {{ tenant?: string, groups?: GroupGrant[], users?: UserGrant[] }} Grants
 * @typedef {{ format: string, version: number, tenantId: string, serial: number, issuedAt?: string,
 *   notAfter?: string, refreshMinutes?: number, policies: Record<string, Policy>, grants: Grants }} PolicyDocument
 * @typedef {{ kind: 'tenant' } | { kind: 'group', group: string, rank?: number } | { kind: 'user', user: string }} GrantTarget
 */

/** @param {string} value */
export const normalizePrincipal = (value) => value.trim().normalize('NFC').toLowerCase();

/** @param {string} value @param {string} what */
export function checkPrincipal(value, what) {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > 256 || CONTROL.test(trimmed)) {
    throw new UsageError(`${what} ${JSON.stringify(value)} must be 1–256 characters without control characters`);
  }
  return trimmed;
}

/** @param {string} name */
export function checkPolicyName(name) {
  if (!POLICY_NAME.test(name)) {
    throw new UsageError(`policy name ${JSON.stringify(name)} must be 1–64 letters, digits, spaces, '.', '_' or '-', starting and ending with a letter or digit`);
  }
}

/** @param {string} mode */
export function checkMode(mode) {
  if (!MODES.includes(mode)) throw new UsageError(`mode ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}`);
}

/** @param {string[]} sites */
export function checkSites(sites) {
  for (const site of sites) {
    const problem = originPatternProblem(site);
    if (problem) throw new UsageError(`site ${JSON.stringify(site)} ${problem}`);
  }
}

/** @param {string} tenantId */
export function checkTenantId(tenantId) {
  if (!TENANT_ID.test(tenantId)) throw new UsageError('tenant ID must be 1–128 printable characters without spaces');
}

/** @param {number} minutes */
export function checkRefreshMinutes(minutes) {
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw new UsageError('refresh minutes must be an integer from 5 to 1440');
}

/** @param {string} tenantId @returns {PolicyDocument} */
export function newDocument(tenantId) {
  checkTenantId(tenantId);
  return { format: DOCUMENT_FORMAT, version: 1, tenantId, serial: 0, policies: {}, grants: {} };
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Throws CliError naming the first problem. The working file may have serial 0 (never published).
 * @param {unknown} doc
 * @returns {asserts doc is PolicyDocument}
 */
export function validateDocument(doc) {
  /** @param {boolean} ok @param {string} message @returns {asserts ok} */
  const must = (ok, message) => {
    if (!ok) throw new CliError(`the policy document is invalid: ${message}`);
  };
  /** @param {Record<string, unknown>} o @param {string[]} keys @param {string} what */
  const only = (o, keys, what) => Object.keys(o).forEach((k) => must(keys.includes(k), `${what} has an unknown field ${JSON.stringify(k)}`));
  must(isObject(doc), 'not an object');
  only(doc, ['format', 'version', 'tenantId', 'serial', 'issuedAt', 'notAfter', 'refreshMinutes', 'policies', 'grants'], 'the document');
  must(doc.format === DOCUMENT_FORMAT && doc.version === 1, `format must be ${DOCUMENT_FORMAT} version 1`);
  must(typeof doc.tenantId === 'string' && TENANT_ID.test(doc.tenantId), 'tenantId is invalid');
  must(Number.isSafeInteger(doc.serial) && Number(doc.serial) >= 0, 'serial is not a non-negative integer');
  for (const key of ['issuedAt', 'notAfter']) {
    const value = doc[key];
    const time = typeof value === 'string' && TIME.test(value) ? Date.parse(value) : NaN;
    const exact = Number.isFinite(time) && new Date(time).toISOString() === String(value).replace('Z', '.000Z');
    must(value === undefined || exact, `${key} is not a UTC time like 2025-11-30T12:00:00Z`);
  }
  const refresh = doc.refreshMinutes;
  must(refresh === undefined || (Number.isInteger(refresh) && Number(refresh) >= 5 && Number(refresh) <= 1440), 'refreshMinutes must be 5–1440');
  must(isObject(doc.policies), 'policies is not an object');
  for (const [name, policy] of Object.entries(doc.policies)) {
    must(POLICY_NAME.test(name), `policy name ${JSON.stringify(name)} is invalid`);
    must(isObject(policy), `policy ${name} is not an object`);
    only(policy, ['mode', 'sites', 'description'], `policy ${name}`);
    must(typeof policy.mode === 'string' && MODES.includes(policy.mode), `policy ${name} has no valid mode`);
    const sites = policy.sites;
    must(sites === undefined || (Array.isArray(sites) && sites.length > 0), `policy ${name}: sites must be a non-empty list`);
    for (const site of sites ?? []) must(typeof site === 'string' && !originPatternProblem(site), `policy ${name}: invalid site ${JSON.stringify(site)}`);
    const description = policy.description;
    must(description === undefined || (typeof description === 'string' && description.length <= 200), `policy ${name}: description too long`);
  }
  must(isObject(doc.grants), 'grants is not an object');
  const grants = doc.grants;
  only(grants, ['tenant', 'groups', 'users'], 'grants');
  /** @param {unknown} name */
  const known = (name) => typeof name === 'string' && Object.hasOwn(/** @type {object} */ (doc.policies), name);
  must(grants.tenant === undefined || known(grants.tenant), 'grants.tenant names no known policy');
  for (const key of /** @type {const} */ (['group', 'user'])) {
    const list = grants[`${key}s`];
    if (list === undefined) continue;
    must(Array.isArray(list), `grants.${key}s is not a list`);
    const seen = new Set();
    for (const grant of list) {
      must(isObject(grant), `grants.${key}s has an entry that is not an object`);
      only(grant, [key, 'policy'], `a ${key} grant`);
      const who = grant[key];
      must(typeof who === 'string' && who.trim().length >= 1 && who.trim().length <= 256 && !CONTROL.test(who), `a ${key} grant has an invalid ${key}`);
      must(!seen.has(normalizePrincipal(who)), `${key} ${who} is granted twice`);
      seen.add(normalizePrincipal(who));
      must(known(grant.policy), `${key} ${who} is granted no known policy`);
    }
  }
}

/** The bytes to sign: the document with its fields in a fixed order, two-space indented, UTF-8. */
export function payloadBytes(/** @type {PolicyDocument} */ doc) {
  const ordered = {
    format: doc.format,
    version: doc.version,
    tenantId: doc.tenantId,
    serial: doc.serial,
    issuedAt: doc.issuedAt,
    notAfter: doc.notAfter,
    refreshMinutes: doc.refreshMinutes,
    policies: doc.policies,
    grants: doc.grants,
  };
  return new TextEncoder().encode(`${JSON.stringify(ordered, null, 2)}\n`);
}
