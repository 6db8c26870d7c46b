#!/usr/bin/env node
/**
 * `npm run pack-crx`: packs the built extension (dist/) as a CRX for self-hosted force-install (docs/admin.md §6),
 * with the admin's own signing key, and writes the update manifest Chromium asks for.
 *
 *   node scripts/pack-crx.mjs --key <pem> --out <folder> --base-url <https://host/path/> [--dist dist]
 *
 *   --key       RSA private key (PKCS#8 PEM). Made (mode 0600) when the file does not exist yet. Keep it: the
 *               extension ID is derived from it, and every later version must be signed with the same key.
 *   --out       where callseal.crx and update.xml are written
 *   --base-url  the URL the folder is served at (update.xml points Chromium at <base-url>callseal.crx)
 *
 * Prints the extension ID and the ExtensionInstallForcelist entry. A CRX's ID is its key's, so the copy that is
 * packed gets that key's public half as its manifest `key` (the release build pins the vendor's key, whose ID is
 * nlnkaholkfmhjpfkjcnbpfglhkajpmgc; a self-packed CallSeal has another ID, and its policy goes under that ID).
 * Chromium's own packer does the signing (`--pack-extension`); CHROME_PATH overrides /usr/bin/chromium.
 */
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const USAGE = 'usage: node scripts/pack-crx.mjs --key <pem> --out <folder> --base-url <url ending in /> [--dist dist]';

/** Chromium's extension ID: the first 16 bytes of SHA-256 over the public key (SPKI DER), as letters a–p. */
export function extensionIdOf(/** @type {Uint8Array} */ spkiDer) {
  const digest = createHash('sha256').update(spkiDer).digest().subarray(0, 16);
  return [...digest].map((byte) => String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15))).join('');
}

/** The update manifest (Omaha's gupdate XML) that points Chromium at the CRX. */
export function updateManifest(/** @type {string} */ id, /** @type {string} */ codebase, /** @type {string} */ version) {
  const attr = (/** @type {string} */ value) => value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  return (
    `<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n` +
    `  <app appid='${id}'>\n    <updatecheck codebase='${attr(codebase)}' version='${attr(version)}' />\n  </app>\n</gupdate>\n`
  );
}

/**
 * Packs `dist` with the key at `keyPath` (made if missing) into `out`. Returns what was written.
 * @param {{ dist: string, keyPath: string, out: string, baseUrl: string }} options
 */
export async function packCrx({ dist, keyPath, out, baseUrl }) {
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`no built extension in ${dist}: run npm run build first`);
  let madeKey = false;
  if (!existsSync(keyPath)) {
    await mkdir(dirname(keyPath), { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    madeKey = true;
  }
  const spki = createPublicKey(createPrivateKey(await readFile(keyPath))).export({ type: 'spki', format: 'der' });
  const extensionId = extensionIdOf(spki);
  const work = await mkdtemp(join(tmpdir(), 'callseal-pack-'));
  try {
    const copy = join(work, 'callseal');
    await cp(dist, copy, { recursive: true });
    const manifest = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8'));
    manifest.key = spki.toString('base64');
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await run(CHROME_PATH, ['--no-sandbox', `--pack-extension=${copy}`, `--pack-extension-key=${resolve(keyPath)}`], {
      timeout: 120_000,
    });
    await mkdir(out, { recursive: true });
    const crx = join(out, 'callseal.crx');
    await copyFile(`${copy}.crx`, crx);
    await chmod(crx, 0o644); // Chromium's packer writes 0600; a web server must read it.
    const codebase = new URL('callseal.crx', baseUrl).href;
    await writeFile(join(out, 'update.xml'), updateManifest(extensionId, codebase, String(manifest.version)));
    const updateUrl = new URL('update.xml', baseUrl).href;
    return { extensionId, version: String(manifest.version), crx, updateUrl, forcelistEntry: `${extensionId};${updateUrl}`, madeKey };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename);
if (invokedDirectly) {
  let values;
  try {
    ({ values } = parseArgs({
      options: { key: { type: 'string' }, out: { type: 'string' }, 'base-url': { type: 'string' }, dist: { type: 'string' } },
      strict: true,
    }));
    if (!values.key || !values.out || !values['base-url']) throw new Error('--key, --out and --base-url are required');
    if (!/^https?:\/\/.+\/$/.test(values['base-url'])) throw new Error('--base-url must be an http(s) URL ending in /');
  } catch (error) {
    process.stderr.write(`pack-crx: ${/** @type {Error} */ (error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    const result = await packCrx({
      dist: resolve(values.dist ?? resolve(import.meta.dirname, '../dist')),
      keyPath: values.key,
      out: values.out,
      baseUrl: values['base-url'],
    });
    if (result.madeKey) process.stdout.write(`Made a new signing key: ${values.key} (keep it; mode 0600)\n`);
    process.stdout.write(
      `Packed CallSeal ${result.version}: ${result.crx}\nUpdate manifest: ${join(values.out, 'update.xml')}\n` +
        `Extension ID: ${result.extensionId}\nExtensionInstallForcelist entry: ${result.forcelistEntry}\n`,
    );
  } catch (error) {
    process.stderr.write(`pack-crx: ${/** @type {Error} */ (error).message}\n`);
    process.exit(1);
  }
}
