#!/usr/bin/env node
/**
 * tenant-policy: the admin CLI for CallSeal's tenant policy document (docs/admin.md §5). Teams-like verbs over a
 * working document, a private signing key and the published, signed envelope, all in one folder. Plain Node
 * (20.19+), no dependencies: it runs from a fresh clone, or copied on its own with its lib/ folder.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CliError, UsageError } from './lib/errors.mjs';
import { verbs } from './lib/verbs.mjs';

const COMMON = `
Common options:
  --dir <folder>   where policy.json, signing-key.pem, public-key.txt and tenant-policy.json live
                   (default: $CALLSEAL_TENANT_DIR, else the current folder)
  --help           this help`;

/** @type {Record<string, { usage: string, about: string, options: import('node:util').ParseArgsConfig['options'], target?: boolean }>} */
const SPEC = {
  keygen: {
    usage: 'keygen [--force]',
    about: 'Makes the Ed25519 signing key pair: signing-key.pem (private, 0600) and public-key.txt.\nPrints the TenantPolicyKey value to deploy. --force replaces an existing key (browsers must then get the new TenantPolicyKey).',
    options: { force: { type: 'boolean' } },
  },
  init: {
    usage: 'init --tenant <tenant id> [--refresh-minutes <5-1440>] [--force]',
    about: 'Starts a working document (policy.json) for a tenant. --tenant must equal the TenantId you deploy.',
    options: { tenant: { type: 'string' }, 'refresh-minutes': { type: 'string' }, force: { type: 'boolean' } },
  },
  new: {
    usage: 'new <policy> --mode <disabled|allowed|onByDefault|required> [--site <pattern>]... [--description <text>]',
    about: 'Adds a named policy. Without --site it applies everywhere; with sites, CallSeal acts on those origins only.\nSite patterns: https://meet.example.com, https://*.example.com, *://calls.example.com:8443',
    options: { mode: { type: 'string' }, site: { type: 'string', multiple: true }, description: { type: 'string' } },
  },
  set: {
    usage: 'set <policy> [--mode <mode>] [--site <pattern>]... [--all-sites] [--description <text>]\n       set --refresh-minutes <5-1440>',
    about: 'Changes a policy (--site replaces its sites, --all-sites removes them), or how often browsers refresh.',
    options: {
      mode: { type: 'string' },
      site: { type: 'string', multiple: true },
      'all-sites': { type: 'boolean' },
      description: { type: 'string' },
      'refresh-minutes': { type: 'string' },
    },
  },
  grant: {
    usage: 'grant <policy> (--tenant | --group <group> [--rank <n>] | --user <user principal>)',
    about: 'Assigns a policy. User beats group beats tenant; among groups the lower rank (earlier in the list) wins.\nGranting again to the same group or user replaces its policy.',
    options: { tenant: { type: 'boolean' }, group: { type: 'string' }, rank: { type: 'string' }, user: { type: 'string' } },
    target: true,
  },
  remove: {
    usage: 'remove <policy> [--force]\n       remove (--tenant | --group <group> | --user <user principal>)',
    about: 'Removes a policy (--force also removes its grants), or one grant.',
    options: { force: { type: 'boolean' }, tenant: { type: 'boolean' }, group: { type: 'string' }, user: { type: 'string' } },
    target: true,
  },
  show: {
    usage: 'show [<policy>] [--json]',
    about: 'Shows the working document (or one policy), its grants, and what is published.',
    options: { json: { type: 'boolean' } },
  },
  publish: {
    usage: 'publish [--valid-days <n>]',
    about: 'Bumps the serial, signs the document and writes tenant-policy.json (what the server serves).\n--valid-days sets notAfter: browsers stop trusting the document after that and fail closed until a newer one arrives.',
    options: { 'valid-days': { type: 'string' } },
  },
  verify: {
    usage: 'verify [<file or https:// URL>] [--public-key <base64>]',
    about: 'Checks a published envelope (default: tenant-policy.json; or a URL, with its CORS and cache headers) against the public key.',
    options: { 'public-key': { type: 'string' } },
  },
};
const ALIASES = { sign: 'publish' };

const overview = () =>
  `Usage: tenant-policy <verb> [options]   (npm run tenant-policy -- <verb> ...)\n\nVerbs:\n${Object.entries(SPEC)
    .map(([verb, spec]) => `  ${verb.padEnd(8)} ${spec.about.split('\n')[0]}`)
    .join('\n')}\n  sign     same as publish\n\nEach verb has --help.${COMMON}`;

/** @param {string | undefined} text @param {string} option @param {number} min @param {number} max */
function integer(text, option, min, max) {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${option} must be an integer from ${min} to ${max}`);
  return Number(text);
}

/**
 * @param {Record<string, any>} values
 * @returns {import('./lib/document.mjs').GrantTarget | undefined}
 */
function grantTarget(values) {
  const given = ['tenant', 'group', 'user'].filter((k) => values[k] !== undefined && values[k] !== false);
  if (given.length > 1) throw new UsageError('give only one of --tenant, --group and --user');
  if (values.rank !== undefined && given[0] !== 'group') throw new UsageError('--rank goes with --group');
  if (given[0] === 'tenant') return { kind: 'tenant' };
  if (given[0] === 'group') return { kind: 'group', group: values.group, ...(values.rank !== undefined && { rank: values.rank }) };
  if (given[0] === 'user') return { kind: 'user', user: values.user };
  return undefined;
}

/** Runs one command; returns the exit code. Exported for tests. @param {string[]} argv @param {import('./lib/verbs.mjs').Io} io */
export async function run(argv, io) {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(overview());
    return first === undefined ? 2 : 0;
  }
  const verb = /** @type {keyof typeof SPEC} */ (ALIASES[/** @type {'sign'} */ (first)] ?? first);
  const spec = SPEC[verb];
  if (!spec) {
    io.err(`tenant-policy: unknown verb ${JSON.stringify(first)}. Run tenant-policy --help.`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...spec.options, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(`Usage: tenant-policy ${spec.usage}\n\n${spec.about}\n${COMMON}`);
      return 0;
    }
    const v = /** @type {Record<string, any>} */ (values);
    v['refresh-minutes'] = integer(v['refresh-minutes'], '--refresh-minutes', 5, 1440);
    v['valid-days'] = integer(v['valid-days'], '--valid-days', 1, 3650);
    v.rank = integer(v.rank, '--rank', 1, 100_000);
    const target = spec.target ? grantTarget(v) : undefined;
    if (verb === 'grant' && !target) throw new UsageError('give --tenant, --group <group> or --user <user>');
    const dir = v.dir ?? process.env.CALLSEAL_TENANT_DIR ?? process.cwd();
    await verbs[/** @type {keyof typeof verbs} */ (verb)]({ dir, positionals, values: v, ...(target && { target }) }, io);
    return 0;
  } catch (error) {
    const parseError = /** @type {NodeJS.ErrnoException} */ (error)?.code?.startsWith?.('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseError) {
      io.err(`tenant-policy ${verb}: ${/** @type {Error} */ (error).message}\nUsage: tenant-policy ${spec.usage}  (see: tenant-policy ${verb} --help)`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(`tenant-policy ${verb}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  const io = {
    out: (/** @type {string} */ line) => void process.stdout.write(`${line}\n`),
    err: (/** @type {string} */ line) => void process.stderr.write(`${line}\n`),
    now: () => Date.now(),
  };
  process.exitCode = await run(process.argv.slice(2), io);
}
