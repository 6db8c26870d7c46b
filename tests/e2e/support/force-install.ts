/**
 * CallSeal force-installed the way admins deploy it (docs/admin.md §1.3): the built extension packed as a CRX with
 * a throwaway test key, served with an update manifest from 127.0.0.1, and named in `ExtensionInstallForcelist`
 * in Chromium's managed policy folder next to CallSeal's own keys. Chromium then downloads and installs it on a
 * fresh profile, and `management.getSelf().installType` says 'admin' — the case where CallSeal must hold every frame
 * until its policy arrives.
 *
 * The test key gives the packed copy another ID than the release key's, so the copy's manifest `key` is replaced
 * by the test key's public key (Chromium refuses a CRX whose manifest key disagrees with its signature), and the
 * policy is keyed by the test ID. Everything is made in a temporary folder that `close()` removes.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHROME_PATH, DIST_DIR } from './browser';
import { extensionSection, writePolicy, type ManagedPolicy } from './managed-policy';
import { startStaticServer, type StaticServer } from './static-server';

const run = promisify(execFile);

export interface PackedExtension {
  /** The ID Chromium derives from the test key. */
  extensionId: string;
  version: string;
  crx: Uint8Array;
}

/** Chromium's extension ID: the first 16 bytes of SHA-256 over the public key (SPKI DER), as letters a–p. */
export function extensionIdOf(spkiDer: Uint8Array): string {
  const digest = createHash('sha256').update(spkiDer).digest().subarray(0, 16);
  return [...digest].map((byte) => String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15))).join('');
}

/** Packs dist/ with a fresh test key (Chromium's own packer: `--pack-extension`). */
export async function packExtension(): Promise<PackedExtension> {
  const work = await mkdtemp(join(tmpdir(), 'callseal-crx-'));
  try {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const pem = join(work, 'test-key.pem');
    await writeFile(pem, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const dir = join(work, 'callseal');
    await cp(DIST_DIR, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    manifest.key = spki.toString('base64');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await run(CHROME_PATH, ['--no-sandbox', `--pack-extension=${dir}`, `--pack-extension-key=${pem}`], { timeout: 60_000 });
    return { extensionId: extensionIdOf(spki), version: String(manifest.version), crx: await readFile(`${dir}.crx`) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ExtensionHost {
  /** `ExtensionInstallForcelist`'s entry: `<id>;<update manifest URL>`. */
  forcelistEntry: string;
  /** How often Chromium fetched the CRX (an install per fresh profile). */
  downloads(): number;
  close(): Promise<void>;
}

/** Serves the CRX and its update manifest (Omaha's `gupdate` XML) from 127.0.0.1. */
export async function hostExtension(packed: PackedExtension): Promise<ExtensionHost> {
  let downloads = 0;
  let origin = '';
  const server: StaticServer = await startStaticServer({}, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/callseal.crx') {
      downloads += 1;
      res.writeHead(200, { 'content-type': 'application/x-chrome-extension' }).end(packed.crx);
      return true;
    }
    if (path === '/update.xml') {
      const xml =
        `<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n` +
        `  <app appid='${packed.extensionId}'>\n    <updatecheck codebase='${origin}/callseal.crx' version='${packed.version}' />\n` +
        `  </app>\n</gupdate>\n`;
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
      return true;
    }
    return false;
  });
  origin = server.origin;
  return {
    forcelistEntry: `${packed.extensionId};${origin}/update.xml`,
    downloads: () => downloads,
    close: () => server.close(),
  };
}

/** The managed policy an admin deploys: force-install CallSeal, and CallSeal's own keys. */
export function forceInstallPolicy(
  packed: PackedExtension,
  host: ExtensionHost,
  extensionPolicy: Record<string, unknown>,
): Record<string, unknown> {
  return { ExtensionInstallForcelist: [host.forcelistEntry], ...extensionSection(extensionPolicy, packed.extensionId) };
}

export interface ForceInstall {
  packed: PackedExtension;
  host: ExtensionHost;
  policy: ManagedPolicy;
  /** Replaces CallSeal's own keys (running browsers re-read the policy folder). */
  setExtensionPolicy(extensionPolicy: Record<string, unknown>): Promise<void>;
  /** Removes the policy file and stops the server. */
  close(): Promise<void>;
}

/** Packs, hosts and writes the policy; `close()` undoes all of it. */
export async function deployForceInstalled(extensionPolicy: Record<string, unknown>): Promise<ForceInstall> {
  const packed = await packExtension();
  const host = await hostExtension(packed);
  let policy: ManagedPolicy;
  try {
    policy = await writePolicy(forceInstallPolicy(packed, host, extensionPolicy));
  } catch (error) {
    await host.close();
    throw error;
  }
  return {
    packed,
    host,
    policy,
    setExtensionPolicy: (next) => policy.update(forceInstallPolicy(packed, host, next)),
    async close() {
      try {
        await policy.remove();
      } finally {
        await host.close();
      }
    },
  };
}
