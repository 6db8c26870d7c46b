/**
 * What each CLI verb does, given its checked options (cli.mjs parses them). Output is plain lines for people;
 * `show --json` is for scripts. Private key material is only ever written to the key file.
 */
import { newDocument, payloadBytes, validateDocument } from './document.mjs';
import { grant, grantsOf, newPolicy, removeGrant, removePolicy, setPolicy, setRefreshMinutes } from './edit.mjs';
import { CliError, UsageError } from './errors.mjs';
import * as files from './files.mjs';
import { generateKeyPair, loadSigningKey, openEnvelope, signEnvelope, toBase64 } from './signing.mjs';

/**
 * @typedef {import('./document.mjs').PolicyDocument} PolicyDocument
 * @typedef {{ out: (line: string) => void, err: (line: string) => void, now: () => number }} Io
 * @typedef {{ dir: string, positionals: string[], values: Record<string, any>, target?: import('./document.mjs').GrantTarget }} Args
 */

/** @param {number} ms */
const utc = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** @param {Args} args @param {Io} io */
async function edit(args, io, /** @type {(doc: PolicyDocument) => void} */ change) {
  const paths = files.pathsIn(args.dir);
  const doc = await files.readDocument(paths.document);
  change(doc);
  await files.writeDocument(paths.document, doc);
  io.out(`Saved ${paths.document}. Browsers see the change after: publish`);
}

/** @param {string[]} positionals @param {string} what */
function oneName(positionals, what) {
  if (positionals.length !== 1) throw new UsageError(`give exactly one ${what}`);
  return /** @type {string} */ (positionals[0]);
}

/** The published envelope's document, unverified (for serials and "unpublished changes"). @param {string} path */
async function publishedDocument(path) {
  const text = await files.readTextIfPresent(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(JSON.parse(text).payload, 'base64').toString('utf8'));
  } catch {
    return null;
  }
}

/** @param {any} doc */
const content = (doc) => JSON.stringify([doc?.tenantId, doc?.refreshMinutes, doc?.policies, doc?.grants]);

export const verbs = {
  /** @param {Args} args @param {Io} io */
  async keygen(args, io) {
    const paths = files.pathsIn(args.dir);
    await files.ensureDir(args.dir);
    const pair = await generateKeyPair();
    await files.writePrivateKey(paths.privateKey, pair.privateKeyPem, args.values.force === true);
    await files.writeAtomically(paths.publicKey, `${pair.publicKey}\n`);
    io.out(`Created ${paths.privateKey} (private, mode 0600: keep it secret) and ${paths.publicKey}.`);
    io.out(`TenantPolicyKey: ${pair.publicKey}`);
    io.out(`Key ID: ${pair.keyId}`);
  },

  /** @param {Args} args @param {Io} io */
  async init(args, io) {
    const paths = files.pathsIn(args.dir);
    const tenant = args.values.tenant;
    if (typeof tenant !== 'string') throw new UsageError('--tenant is required');
    if (!args.values.force && (await files.readTextIfPresent(paths.document)) !== undefined) {
      throw new CliError(`${paths.document} already exists (use --force to start over; the serial still continues)`);
    }
    const doc = newDocument(tenant);
    if (args.values['refresh-minutes'] !== undefined) setRefreshMinutes(doc, args.values['refresh-minutes']);
    await files.ensureDir(args.dir);
    await files.writeDocument(paths.document, doc);
    io.out(`Created ${paths.document} for tenant ${tenant}. Next: new, grant, publish.`);
  },

  /** @param {Args} args @param {Io} io */
  async new(args, io) {
    const name = oneName(args.positionals, 'policy name');
    const { mode, site = [], description } = args.values;
    await edit(args, io, (doc) => newPolicy(doc, name, { mode, sites: site, description }));
  },

  /** @param {Args} args @param {Io} io */
  async set(args, io) {
    const { mode, site = [], description } = args.values;
    const refresh = args.values['refresh-minutes'];
    if (args.positionals.length === 0) {
      if (refresh === undefined) throw new UsageError('give a policy name, or --refresh-minutes for the document');
      await edit(args, io, (doc) => setRefreshMinutes(doc, refresh));
      return;
    }
    const name = oneName(args.positionals, 'policy name');
    await edit(args, io, (doc) => {
      if (refresh !== undefined) setRefreshMinutes(doc, refresh);
      if (mode !== undefined || site.length > 0 || args.values['all-sites'] || description !== undefined || refresh === undefined) {
        setPolicy(doc, name, { mode, sites: site, clearSites: args.values['all-sites'] === true, description });
      }
    });
  },

  /** @param {Args} args @param {Io} io */
  async grant(args, io) {
    const name = oneName(args.positionals, 'policy name');
    const target = /** @type {import('./document.mjs').GrantTarget} */ (args.target);
    await edit(args, io, (doc) => grant(doc, name, target));
  },

  /** @param {Args} args @param {Io} io */
  async remove(args, io) {
    if (args.target) {
      if (args.positionals.length > 0) throw new UsageError('remove either a policy or a grant, not both');
      const target = args.target;
      await edit(args, io, (doc) => removeGrant(doc, target));
      return;
    }
    const name = oneName(args.positionals, 'policy name (or --tenant, --group or --user to remove a grant)');
    await edit(args, io, (doc) => removePolicy(doc, name, args.values.force === true));
  },

  /** @param {Args} args @param {Io} io */
  async show(args, io) {
    const paths = files.pathsIn(args.dir);
    const doc = await files.readDocument(paths.document);
    const name = args.positionals[0];
    if (args.positionals.length > 1) throw new UsageError('give at most one policy name');
    if (name !== undefined && !Object.hasOwn(doc.policies, name)) throw new CliError(`there is no policy ${JSON.stringify(name)}`);
    if (args.values.json) {
      io.out(JSON.stringify(name === undefined ? doc : doc.policies[name], null, 2));
      return;
    }
    if (name === undefined) io.out(`Tenant ${doc.tenantId}, refresh every ${doc.refreshMinutes ?? 60} minutes`);
    io.out('Policies:');
    for (const [policyName, policy] of Object.entries(doc.policies)) {
      if (name !== undefined && policyName !== name) continue;
      const where = policy.sites ? `sites ${policy.sites.join(', ')}` : 'everywhere';
      const granted = grantsOf(doc, policyName);
      io.out(`  ${policyName}: ${policy.mode}, ${where}; granted to ${granted.length ? granted.join(', ') : 'nobody'}`);
      if (policy.description) io.out(`    ${policy.description}`);
    }
    if (name !== undefined) return;
    io.out('Grants (user beats group beats tenant; the first listed group wins):');
    io.out(`  tenant: ${doc.grants.tenant ?? '(none: users without a grant follow E2EEMode)'}`);
    (doc.grants.groups ?? []).forEach((g, i) => io.out(`  group #${i + 1} ${g.group}: ${g.policy}`));
    for (const g of doc.grants.users ?? []) io.out(`  user ${g.user}: ${g.policy}`);
    const published = await publishedDocument(paths.published);
    if (published === undefined) io.out('Not published yet (run publish).');
    else if (published === null) io.out(`${paths.published} cannot be read; publish again.`);
    else {
      const until = published.notAfter ? `, valid until ${published.notAfter}` : '';
      io.out(`Published: serial ${published.serial}, issued ${published.issuedAt ?? '?'}${until}.`);
      if (content(published) !== content(doc)) io.out('The working document has changes that are not published yet.');
    }
  },

  /** @param {Args} args @param {Io} io */
  async publish(args, io) {
    const paths = files.pathsIn(args.dir);
    const doc = await files.readDocument(paths.document);
    const key = await loadSigningKey(await files.readText(paths.privateKey, 'the signing key (run keygen first?)'));
    const warning = await files.privateKeyWarning(paths.privateKey);
    if (warning) io.err(warning);
    const pinned = (await files.readTextIfPresent(paths.publicKey))?.trim();
    if (pinned !== undefined && pinned !== toBase64(key.publicRaw)) {
      throw new CliError(`${paths.publicKey} does not match ${paths.privateKey}; browsers pin the public key, so nothing was published`);
    }
    const previous = await publishedDocument(paths.published);
    const previousSerial = Number.isSafeInteger(previous?.serial) ? previous.serial : 0;
    const now = io.now();
    doc.serial = Math.max(doc.serial, previousSerial) + 1;
    doc.issuedAt = utc(now);
    const days = args.values['valid-days'];
    if (days !== undefined) doc.notAfter = utc(now + days * 86_400_000);
    else delete doc.notAfter;
    validateDocument(doc);
    await files.writeAtomically(paths.published, await signEnvelope(payloadBytes(doc), key));
    await files.writeDocument(paths.document, doc);
    const until = doc.notAfter ? `, valid until ${doc.notAfter}` : ' (no expiry: consider --valid-days)';
    io.out(`Published serial ${doc.serial} for tenant ${doc.tenantId}, signed with key ${key.keyId}${until}: ${paths.published}`);
    if (doc.grants.tenant === undefined) io.out('Note: no tenant grant; users without a group or user grant follow E2EEMode.');
  },

  /** @param {Args} args @param {Io} io */
  async verify(args, io) {
    const paths = files.pathsIn(args.dir);
    if (args.positionals.length > 1) throw new UsageError('give at most one file or URL');
    const source = args.positionals[0] ?? paths.published;
    const publicKey = args.values['public-key'] ?? (await files.readText(paths.publicKey, 'the public key (or use --public-key)')).trim();
    let text;
    if (/^https?:\/\//.test(source)) {
      let response;
      try {
        response = await fetch(source, { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(15_000) });
      } catch {
        throw new CliError(`${source} could not be reached`);
      }
      if (response.status !== 200) throw new CliError(`${source} answered HTTP ${response.status}`);
      if (response.headers.get('access-control-allow-origin') !== '*') io.err('warning: no "Access-Control-Allow-Origin: *": CallSeal cannot read this response');
      if (!/no-store/.test(response.headers.get('cache-control') ?? '')) io.err('warning: no "Cache-Control: no-store"');
      text = await response.text();
    } else text = await files.readText(source, 'the envelope');
    const { document, keyId } = await openEnvelope(text, publicKey);
    validateDocument(document);
    if (document.serial < 1) throw new CliError('the published serial must be 1 or more');
    const until = document.notAfter ? `, valid until ${document.notAfter}` : '';
    const expired = document.notAfter && Date.parse(document.notAfter) <= io.now() ? ' — EXPIRED' : '';
    io.out(`Valid: tenant ${document.tenantId}, serial ${document.serial}, signed with key ${keyId}${until}${expired}.`);
    if (expired) throw new CliError('the document has expired; browsers refuse it');
  },
};
