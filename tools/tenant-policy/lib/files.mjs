/**
 * The CLI's files in one folder (docs/admin.md §5): the working document, the private key (PKCS#8 PEM, 0600, never
 * overwritten without --force), the public key, and the published envelope. Documents are written atomically
 * (temporary file + rename), so the server never serves half a file.
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateDocument } from './document.mjs';
import { CliError } from './errors.mjs';

export const FILES = {
  document: 'policy.json',
  privateKey: 'signing-key.pem',
  publicKey: 'public-key.txt',
  published: 'tenant-policy.json',
};

/** @param {string} dir */
export function pathsIn(dir) {
  return {
    document: join(dir, FILES.document),
    privateKey: join(dir, FILES.privateKey),
    publicKey: join(dir, FILES.publicKey),
    published: join(dir, FILES.published),
  };
}

/** @param {unknown} error */
const isMissing = (error) => /** @type {NodeJS.ErrnoException} */ (error)?.code === 'ENOENT';

/** @param {string} path @param {string} what */
export async function readText(path, what) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(isMissing(error) ? `${what} ${path} does not exist` : `cannot read ${what} ${path}`);
  }
}

/** @param {string} path @returns {Promise<string | undefined>} */
export async function readTextIfPresent(path) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new CliError(`cannot read ${path}`);
  }
}

/** @param {string} path @param {string} text @param {number} [mode] */
export async function writeAtomically(path, text, mode = 0o644) {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}

/** @param {string} dir */
export async function ensureDir(dir) {
  await mkdir(dir, { recursive: true });
}

/** @param {string} path @returns {Promise<import('./document.mjs').PolicyDocument>} */
export async function readDocument(path) {
  const text = await readText(path, 'the policy document (run init first?)');
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) throw new CliError(`${path} repeats the key ${JSON.stringify(duplicate)}`);
  validateDocument(doc);
  doc.grants ??= {};
  return doc;
}

/** @param {string} path @param {import('./document.mjs').PolicyDocument} doc */
export async function writeDocument(path, doc) {
  validateDocument(doc);
  await writeAtomically(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * Writes the private key readable by its owner only; refuses to replace one unless `force`.
 * @param {string} path @param {string} pem @param {boolean} force
 */
export async function writePrivateKey(path, pem, force) {
  if (force) await rm(path, { force: true });
  try {
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error)?.code === 'EEXIST') {
      throw new CliError(`${path} already exists; a new key means redeploying TenantPolicyKey (use --force to replace it)`);
    }
    throw error;
  }
  await chmod(path, 0o600); // the umask may have narrowed it further, never widened; make it exact
}

/** A warning when the private key file is readable by others (POSIX only). @param {string} path */
export async function privateKeyWarning(path) {
  if (process.platform === 'win32') return undefined;
  const { mode } = await stat(path);
  return (mode & 0o077) !== 0 ? `warning: ${path} is readable by other users; run chmod 600 ${path}` : undefined;
}

/**
 * The first key repeated within one JSON object (the same check as the extension's strict-json.ts).
 * @param {string} text valid JSON
 * @returns {string | undefined}
 */
export function findDuplicateKey(text) {
  /** @type {{ keys: Set<string> | undefined, expectKey: boolean }[]} */
  const stack = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (c === '[') stack.push({ keys: undefined, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top?.keys) top.expectKey = true;
    else if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1));
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
}
