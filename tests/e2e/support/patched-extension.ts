/**
 * A copy of the built extension (dist/) with a change applied to its bundled code, for a test that needs CallSeal
 * to behave as another build would — e.g. as a CallSeal meeting a codec it cannot encrypt. The copy keeps the
 * manifest's key, so the extension ID is the same. `cleanup()` removes it.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_DIR } from './browser';

export interface PatchedExtension {
  dir: string;
  /** How many places the patch changed. */
  replacements: number;
  cleanup(): Promise<void>;
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

export async function patchedExtension(pattern: RegExp, replacement: string): Promise<PatchedExtension> {
  const dir = await mkdtemp(join(tmpdir(), 'callseal-patched-'));
  await cp(DIST_DIR, dir, { recursive: true });
  let replacements = 0;
  for (const file of await jsFiles(dir)) {
    const text = await readFile(file, 'utf8');
    const patched = text.replace(pattern, (...args) => {
      replacements++;
      return replacement.replace(/\$(\d)/g, (_, n: string) => String(args[Number(n)] ?? ''));
    });
    if (patched !== text) await writeFile(file, patched);
  }
  return { dir, replacements, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * CallSeal as a build that cannot encrypt AV1 — standing in for any codec CallSeal does not support (H265, which
 * Chromium negotiates only where the platform has a hardware encoder): the worker's AV1 layout is unplugged, so AV1
 * frames take the path every unsupported codec takes.
 */
export function withoutAv1(): Promise<PatchedExtension> {
  return patchedExtension(/===`video\/av1`\)return ([A-Za-z_$][\w$]*)\(/g, '===`video/unsupported`)return $1(');
}
