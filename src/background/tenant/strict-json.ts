/**
 * Strict decoding of what the tenant policy service sends: canonical base64, UTF-8 that must be valid, and JSON
 * whose objects have no duplicate keys. `JSON.parse` silently keeps the last of two equal keys, so a document with
 * `"mode": "required", "mode": "disabled"` could read one way in an admin's viewer and the other way here; such a
 * document is refused instead (docs/admin.md §3.1).
 */
import { requireWellFormed } from './errors';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding and no whitespace, in its one canonical form (unused bits zero). */
export function decodeStrictBase64(text: string, what: string): Uint8Array<ArrayBuffer> {
  requireWellFormed(BASE64.test(text), `${what} is not canonical base64`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  requireWellFormed(encodeBase64(bytes) === text, `${what} is not canonical base64`);
  return bytes;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** UTF-8 without a byte order mark; invalid sequences are an error, not U+FFFD. */
export function decodeStrictUtf8(bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    requireWellFormed(false, `${what} is not valid UTF-8`);
  }
  requireWellFormed(!text.startsWith('\uFEFF'), `${what} starts with a byte order mark`);
  return text;
}

/** `JSON.parse`, after checking that no object in `text` repeats a key. */
export function parseStrictJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    requireWellFormed(false, `${what} is not JSON`);
  }
  const duplicate = findDuplicateKey(text);
  requireWellFormed(duplicate === undefined, `${what} repeats the key ${JSON.stringify(duplicate)}`);
  return value;
}

/**
 * The first key that appears twice in one object of `text`, which must already be known to be valid JSON. A scan
 * over the tokens: a stack of the keys seen per open object, and whether the next string there is a key.
 */
export function findDuplicateKey(text: string): string | undefined {
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
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
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `value` has only the `allowed` keys (unknown fields are refused, never ignored). */
export function requireOnlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    requireWellFormed(allowed.includes(key), `${what} has an unknown field ${JSON.stringify(key)}`);
  }
}
