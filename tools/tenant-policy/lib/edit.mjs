/**
 * The verbs' changes to the working document, mirroring Teams' policy cmdlets: New-, Set-, Grant- (tenant, group
 * with a rank, user) and Remove-. Each checks its input and throws UsageError / CliError with a sentence an admin
 * can act on; none touches a file (cli.mjs loads and saves).
 */
import { checkMode, checkPolicyName, checkPrincipal, checkRefreshMinutes, checkSites, normalizePrincipal } from './document.mjs';
import { CliError, UsageError } from './errors.mjs';

/** @typedef {import('./document.mjs').PolicyDocument} PolicyDocument */
/** @typedef {import('./document.mjs').GrantTarget} GrantTarget */

/** @param {PolicyDocument} doc @param {string} name */
function existing(doc, name) {
  const policy = Object.hasOwn(doc.policies, name) ? doc.policies[name] : undefined;
  if (!policy) throw new CliError(`there is no policy ${JSON.stringify(name)} (see: show)`);
  return policy;
}

/**
 * @param {PolicyDocument} doc
 * @param {string} name
 * @param {{ mode: string | undefined, sites: string[], description: string | undefined }} options
 */
export function newPolicy(doc, name, { mode, sites, description }) {
  checkPolicyName(name);
  if (Object.hasOwn(doc.policies, name)) throw new CliError(`policy ${JSON.stringify(name)} already exists (use: set)`);
  if (mode === undefined) throw new UsageError('--mode is required');
  checkMode(mode);
  checkSites(sites);
  /** @type {import('./document.mjs').Policy} */
  const policy = { mode };
  if (sites.length > 0) policy.sites = sites;
  if (description !== undefined) policy.description = checkDescription(description);
  doc.policies[name] = policy;
}

/** @param {string} text */
function checkDescription(text) {
  if (text.length > 200) throw new UsageError('--description must be at most 200 characters');
  return text;
}

/**
 * @param {PolicyDocument} doc
 * @param {string} name
 * @param {{ mode?: string | undefined, sites: string[], clearSites: boolean, description?: string | undefined }} options
 */
export function setPolicy(doc, name, { mode, sites, clearSites, description }) {
  const policy = existing(doc, name);
  if (clearSites && sites.length > 0) throw new UsageError('--site and --all-sites exclude each other');
  if (mode === undefined && sites.length === 0 && !clearSites && description === undefined) {
    throw new UsageError('nothing to set: give --mode, --site, --all-sites or --description');
  }
  if (mode !== undefined) checkMode(mode);
  checkSites(sites);
  if (mode !== undefined) policy.mode = mode;
  if (sites.length > 0) policy.sites = sites;
  if (clearSites) delete policy.sites;
  if (description !== undefined) policy.description = checkDescription(description);
}

/** @param {PolicyDocument} doc @param {number} minutes */
export function setRefreshMinutes(doc, minutes) {
  checkRefreshMinutes(minutes);
  doc.refreshMinutes = minutes;
}

/** @param {PolicyDocument} doc @param {string} name @param {GrantTarget} target */
export function grant(doc, name, target) {
  existing(doc, name);
  if (target.kind === 'tenant') {
    doc.grants.tenant = name;
    return;
  }
  if (target.kind === 'user') {
    const user = checkPrincipal(target.user, 'user');
    const users = (doc.grants.users ??= []);
    const found = users.find((g) => normalizePrincipal(g.user) === normalizePrincipal(user));
    if (found) found.policy = name;
    else users.push({ user, policy: name });
    return;
  }
  const group = checkPrincipal(target.group, 'group');
  const groups = (doc.grants.groups ??= []);
  const at = groups.findIndex((g) => normalizePrincipal(g.group) === normalizePrincipal(group));
  if (target.rank !== undefined && (!Number.isInteger(target.rank) || target.rank < 1)) throw new UsageError('--rank must be 1 or more');
  if (at >= 0 && target.rank === undefined) {
    const entry = groups[at];
    if (entry) entry.policy = name;
    return;
  }
  if (at >= 0) groups.splice(at, 1);
  const index = target.rank === undefined ? groups.length : Math.min(target.rank - 1, groups.length);
  groups.splice(index, 0, { group, policy: name });
}

/** @param {PolicyDocument} doc @param {GrantTarget} target */
export function removeGrant(doc, target) {
  if (target.kind === 'tenant') {
    if (doc.grants.tenant === undefined) throw new CliError('there is no tenant grant');
    delete doc.grants.tenant;
    return;
  }
  const key = target.kind;
  const who = normalizePrincipal(target.kind === 'user' ? target.user : target.group);
  /** @type {{ policy: string, user?: string, group?: string }[]} */
  const list = (key === 'user' ? doc.grants.users : doc.grants.groups) ?? [];
  const at = list.findIndex((g) => normalizePrincipal(g[key] ?? '') === who);
  if (at < 0) throw new CliError(`there is no grant to ${key} ${JSON.stringify(who)}`);
  list.splice(at, 1);
}

/** Grants that name `name`, as readable strings. @param {PolicyDocument} doc @param {string} name */
export function grantsOf(doc, name) {
  const out = [];
  if (doc.grants.tenant === name) out.push('the tenant');
  for (const g of doc.grants.groups ?? []) if (g.policy === name) out.push(`group ${g.group}`);
  for (const g of doc.grants.users ?? []) if (g.policy === name) out.push(`user ${g.user}`);
  return out;
}

/** @param {PolicyDocument} doc @param {string} name @param {boolean} force */
export function removePolicy(doc, name, force) {
  existing(doc, name);
  const users = grantsOf(doc, name);
  if (users.length > 0 && !force) throw new CliError(`policy ${JSON.stringify(name)} is granted to ${users.join(', ')}; remove those grants or use --force`);
  if (doc.grants.tenant === name) delete doc.grants.tenant;
  if (doc.grants.groups) doc.grants.groups = doc.grants.groups.filter((g) => g.policy !== name);
  if (doc.grants.users) doc.grants.users = doc.grants.users.filter((g) => g.policy !== name);
  delete doc.policies[name];
}
