/**
 * Real managed policy for CallSeal, the way an admin sets it on Linux: a JSON file in Chromium's managed policy
 * folder (tests run as root). Every Chromium started while the file exists reads it, so the e2e files, which run
 * one at a time, write it only around the browsers that need it; `remove()` deletes the file and any folder it made.
 * Chromium also re-reads the folder while it runs (it watches it), so `update()` changes the policy of running
 * browsers. Every write is atomic (a temporary file outside the folder, then a rename into it): a browser reading
 * the folder at that moment sees the old file or the new one, never half of one (Chromium would drop a file it
 * cannot parse until its next read, 5 seconds or more later).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const POLICY_DIR = process.env.CHROMIUM_POLICY_DIR ?? '/etc/chromium/policies/managed';
/** The pinned extension ID (manifest `key`). */
export const EXTENSION_ID = 'nlnkaholkfmhjpfkjcnbpfglhkajpmgc';

export interface ManagedPolicy {
  file: string;
  /** Replaces the whole file's content. */
  update(content: Record<string, unknown>): Promise<void>;
  remove(): Promise<void>;
}

let files = 0;

/** Writes a whole policy file (Chrome policies and `3rdparty` sections). */
export async function writePolicy(content: Record<string, unknown>): Promise<ManagedPolicy> {
  // The folders this call creates, outermost first, so that remove() can take them away again.
  const created: string[] = [];
  for (let dir = POLICY_DIR; !existsSync(dir); dir = join(dir, '..')) created.unshift(dir);
  await mkdir(POLICY_DIR, { recursive: true });
  const file = join(POLICY_DIR, `callseal-test-${process.pid}-${++files}.json`);
  // The temporary file sits next to the folder, not in it: Chromium reads every file in the folder.
  const temporary = join(POLICY_DIR, '..', `.callseal-test-${process.pid}-${files}.json.tmp`);
  const write = async (value: Record<string, unknown>): Promise<void> => {
    await writeFile(temporary, JSON.stringify(value, null, 2));
    await rename(temporary, file);
  };
  await write(content);
  return {
    file,
    update: write,
    async remove() {
      await rm(file, { force: true });
      await rm(temporary, { force: true });
      for (const dir of created.reverse()) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `3rdparty` section that carries CallSeal's own keys for the extension `extensionId`. */
export const extensionSection = (policy: Record<string, unknown>, extensionId = EXTENSION_ID): Record<string, unknown> => ({
  '3rdparty': { extensions: { [extensionId]: policy } },
});

/** CallSeal's own managed keys (E2EEMode, TenantPolicyUrl, …) for the extension loaded from dist/. */
export function writeExtensionPolicy(policy: Record<string, unknown>, extensionId = EXTENSION_ID): Promise<ManagedPolicy> {
  return writePolicy(extensionSection(policy, extensionId));
}
