/**
 * CallSeal force-installed the way admins deploy it (docs/admin.md §6): the built extension packed as a CRX with
 * a throwaway test key by `scripts/pack-crx.mjs` (the admin's own tool), the CRX and its update manifest served
 * from 127.0.0.1, and `ExtensionInstallForcelist` in Chromium's managed policy folder next to CallSeal's own keys.
 * Chromium then downloads and installs it on a fresh profile, and `management.getSelf().installType` says 'admin' —
 * the case where CallSeal holds every frame until its policy arrives.
 *
 * The test key gives the packed copy another ID than the release key's (pack-crx.mjs puts the key's public half in
 * the copy's manifest), and the policy is keyed by that ID. `close()` removes the policy file, stops the server and
 * deletes the temporary folder.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packCrx } from '../../../scripts/pack-crx.mjs';
import { DIST_DIR } from './browser';
import { extensionSection, writePolicy, type ManagedPolicy } from './managed-policy';
import { startStaticServer } from './static-server';

export interface ForceInstall {
  /** The ID Chromium derives from the test key. */
  extensionId: string;
  /** `ExtensionInstallForcelist`'s entry: `<id>;<update manifest URL>`. */
  forcelistEntry: string;
  /** How often Chromium fetched the CRX (one install per fresh profile). */
  downloads(): number;
  policy: ManagedPolicy;
  /** Replaces CallSeal's own keys (running browsers re-read the policy folder). */
  setExtensionPolicy(extensionPolicy: Record<string, unknown>): Promise<void>;
  /** Removes the policy file, stops the server, deletes the CRX and its key. */
  close(): Promise<void>;
}

/** Packs dist/, serves it, and writes the policy an admin deploys; `close()` undoes all of it. */
export async function deployForceInstalled(extensionPolicy: Record<string, unknown>): Promise<ForceInstall> {
  const work = await mkdtemp(join(tmpdir(), 'callseal-force-install-'));
  const out = join(work, 'site');
  let downloads = 0;
  const server = await startStaticServer({}, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = { '/callseal.crx': 'callseal.crx', '/update.xml': 'update.xml' }[path];
    if (!file) return false;
    if (file === 'callseal.crx') downloads += 1;
    const type = file === 'update.xml' ? 'text/xml' : 'application/x-chrome-extension';
    res.writeHead(200, { 'content-type': type }).end(await readFile(join(out, file)));
    return true;
  });
  const undo = async (): Promise<void> => {
    try {
      await server.close();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
  let packed: Awaited<ReturnType<typeof packCrx>>;
  let policy: ManagedPolicy;
  try {
    packed = await packCrx({ dist: DIST_DIR, keyPath: join(work, 'test-key.pem'), out, baseUrl: `${server.origin}/` });
    policy = await writePolicy(content(extensionPolicy));
  } catch (error) {
    await undo();
    throw error;
  }
  function content(next: Record<string, unknown>): Record<string, unknown> {
    return {
      ExtensionInstallForcelist: [packed.forcelistEntry],
      // Chromium's default (0) keeps DevTools — and so puppeteer — out of extensions installed by policy: the
      // service worker would be listed but could not be attached to. The tests need it; admins need not set it.
      DeveloperToolsAvailability: 1,
      ...extensionSection(next, packed.extensionId),
    };
  }
  return {
    extensionId: packed.extensionId,
    forcelistEntry: packed.forcelistEntry,
    downloads: () => downloads,
    policy,
    setExtensionPolicy: (next) => policy.update(content(next)),
    async close() {
      try {
        await policy.remove();
      } finally {
        await undo();
      }
    },
  };
}
