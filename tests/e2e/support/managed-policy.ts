/**
 * Real managed policy for CallSeal, the way an admin sets it on Linux: a JSON file in Chromium's managed policy
 * folder (tests run as root). Every Chromium started while the file exists reads it, so the e2e files, which run
 * one at a time, write it only around the browsers that need it; `remove()` deletes the file and any folder it made.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const POLICY_DIR = process.env.CHROMIUM_POLICY_DIR ?? '/etc/chromium/policies/managed';
/** The pinned extension ID (manifest `key`). */
export const EXTENSION_ID = 'nlnkaholkfmhjpfkjcnbpfglhkajpmgc';

export interface ManagedPolicy {
  file: string;
  remove(): Promise<void>;
}

export async function writeExtensionPolicy(policy: Record<string, unknown>): Promise<ManagedPolicy> {
  // The folders this call creates, outermost first, so that remove() can take them away again.
  const created: string[] = [];
  for (let dir = POLICY_DIR; !existsSync(dir); dir = join(dir, '..')) created.unshift(dir);
  await mkdir(POLICY_DIR, { recursive: true });
  const file = join(POLICY_DIR, `callseal-test-${process.pid}.json`);
  await writeFile(file, JSON.stringify({ '3rdparty': { extensions: { [EXTENSION_ID]: policy } } }, null, 2));
  return {
    file,
    async remove() {
      await rm(file, { force: true });
      for (const dir of created.reverse()) await rm(dir, { recursive: true, force: true });
    },
  };
}
