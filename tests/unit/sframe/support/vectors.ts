/**
 * Loader for the official RFC 9605 test vectors (Appendix C), kept in the repository with their provenance at
 * `tests/unit/sframe/vectors/` (see its README). KID/CTR values reach 2^64-1, beyond what a JSON number can hold
 * exactly, so every integer literal is read from the raw text as a BigInt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's copy of the official vectors (this file is `tests/unit/sframe/support/vectors.ts`). */
export const VECTORS_PATH = fileURLToPath(new URL('../vectors/sframe-rfc9605.json', import.meta.url));
/** SHA-256 of the official file (sframe-wg/sframe at 025d568), as recorded in `../vectors/README.md`. */
export const VECTORS_SHA256 = 'b8d35efd41749567427cb9ae52d9a7362904154978ff6a5fb20c0258a8ffdec1';

export interface HeaderVector {
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly encoded: Uint8Array;
  readonly encodedHex: string;
}

export interface AesCtrHmacVector {
  readonly cipherSuite: number;
  readonly key: Uint8Array;
  readonly encKey: Uint8Array;
  readonly authKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly pt: Uint8Array;
  readonly ct: Uint8Array;
}

export interface SFrameVector {
  readonly cipherSuite: number;
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly baseKey: Uint8Array;
  readonly sframeKeyLabel: Uint8Array;
  readonly sframeSaltLabel: Uint8Array;
  readonly sframeSecret: Uint8Array;
  readonly sframeKey: Uint8Array;
  readonly sframeSalt: Uint8Array;
  readonly metadata: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly pt: Uint8Array;
  readonly ct: Uint8Array;
}

export interface Vectors {
  readonly header: readonly HeaderVector[];
  readonly aesCtrHmac: readonly AesCtrHmacVector[];
  readonly sframe: readonly SFrameVector[];
}

const BIGINT_MARK = '\u0000bigint:';

/**
 * JSON.parse, except that every number literal (all integers in this file) becomes a BigInt parsed from
 * its exact source text. Strings are copied verbatim, so hex digits inside them are never touched.
 */
export function parseJsonWithBigInts(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== '"') j += text.charAt(j) === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < text.length && /[-+0-9.eE]/.test(text.charAt(j))) j += 1;
      const token = text.slice(i, j);
      if (!/^-?\d+$/.test(token)) throw new Error(`unexpected non-integer number ${token} in test vectors`);
      out += JSON.stringify(BIGINT_MARK + token);
      i = j;
    } else {
      out += ch;
      i += 1;
    }
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(BIGINT_MARK) ? BigInt(value.slice(BIGINT_MARK.length)) : value,
  );
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error(`invalid hex string "${hex}"`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Json = Record<string, unknown>;

function field(entry: Json, name: string, section: string): unknown {
  if (!(name in entry)) throw new Error(`test vector in "${section}" lacks field "${name}"`);
  return entry[name];
}

function big(entry: Json, name: string, section: string): bigint {
  const v = field(entry, name, section);
  if (typeof v !== 'bigint') throw new Error(`"${section}.${name}" is not an integer`);
  return v;
}

function int(entry: Json, name: string, section: string): number {
  return Number(big(entry, name, section));
}

function hex(entry: Json, name: string, section: string): Uint8Array {
  const v = field(entry, name, section);
  if (typeof v !== 'string') throw new Error(`"${section}.${name}" is not a hex string`);
  return fromHex(v);
}

/** The fields each section is known to carry: every one of them is checked by the vector tests. */
const KNOWN_FIELDS: Record<string, readonly string[]> = {
  header: ['kid', 'ctr', 'encoded'],
  aes_ctr_hmac: ['cipher_suite', 'key', 'enc_key', 'auth_key', 'nonce', 'aad', 'pt', 'ct'],
  sframe: [
    'cipher_suite', 'kid', 'ctr', 'base_key', 'sframe_key_label', 'sframe_salt_label', 'sframe_secret',
    'sframe_key', 'sframe_salt', 'metadata', 'nonce', 'aad', 'pt', 'ct',
  ],
};

function section(root: Json, name: string): Json[] {
  const list = root[name];
  if (!Array.isArray(list)) throw new Error(`test vectors lack the "${name}" section`);
  const known = KNOWN_FIELDS[name] ?? [];
  for (const entry of list as Json[]) {
    const unknown = Object.keys(entry).filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new Error(`"${name}" vector has unchecked fields: ${unknown.join(', ')}`);
  }
  return list as Json[];
}

/** Reads and validates the vectors file; throws a clear error if it is missing. */
export function loadVectors(path: string = VECTORS_PATH): Vectors {
  if (!existsSync(path)) {
    throw new Error(
      `SFrame test vectors not found at ${path}: the repository keeps them in tests/unit/sframe/vectors/.`,
    );
  }
  const root = parseJsonWithBigInts(readFileSync(path, 'utf8')) as Json;
  return {
    header: section(root, 'header').map((e) => ({
      kid: big(e, 'kid', 'header'),
      ctr: big(e, 'ctr', 'header'),
      encoded: hex(e, 'encoded', 'header'),
      encodedHex: String(field(e, 'encoded', 'header')).toLowerCase(),
    })),
    aesCtrHmac: section(root, 'aes_ctr_hmac').map((e) => ({
      cipherSuite: int(e, 'cipher_suite', 'aes_ctr_hmac'),
      key: hex(e, 'key', 'aes_ctr_hmac'),
      encKey: hex(e, 'enc_key', 'aes_ctr_hmac'),
      authKey: hex(e, 'auth_key', 'aes_ctr_hmac'),
      nonce: hex(e, 'nonce', 'aes_ctr_hmac'),
      aad: hex(e, 'aad', 'aes_ctr_hmac'),
      pt: hex(e, 'pt', 'aes_ctr_hmac'),
      ct: hex(e, 'ct', 'aes_ctr_hmac'),
    })),
    sframe: section(root, 'sframe').map((e) => ({
      cipherSuite: int(e, 'cipher_suite', 'sframe'),
      kid: big(e, 'kid', 'sframe'),
      ctr: big(e, 'ctr', 'sframe'),
      baseKey: hex(e, 'base_key', 'sframe'),
      sframeKeyLabel: hex(e, 'sframe_key_label', 'sframe'),
      sframeSaltLabel: hex(e, 'sframe_salt_label', 'sframe'),
      sframeSecret: hex(e, 'sframe_secret', 'sframe'),
      sframeKey: hex(e, 'sframe_key', 'sframe'),
      sframeSalt: hex(e, 'sframe_salt', 'sframe'),
      metadata: hex(e, 'metadata', 'sframe'),
      nonce: hex(e, 'nonce', 'sframe'),
      aad: hex(e, 'aad', 'sframe'),
      pt: hex(e, 'pt', 'sframe'),
      ct: hex(e, 'ct', 'sframe'),
    })),
  };
}
