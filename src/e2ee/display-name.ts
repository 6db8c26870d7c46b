/**
 * The display name a CallSeal user may set for themselves, and CONFIRM extension 0x01 that carries it
 * (protocol.md §4.5).
 *
 *   extension 0x01 = 0x01 | length u8 | UTF-8 name        1..64 bytes, NFC, trimmed, no refused characters
 *
 * Why so strict: the name is text from the other side of the call, the one piece of foreign text CallSeal ever
 * shows. Controls and format characters (bidi overrides, zero-width spaces) would let a peer make a name that looks
 * like another, or like CallSeal's own words; so a name that breaks any rule is dropped whole, never repaired. The
 * same rules are checked where the user types a name (sender), in the transform worker (receiver) and again in the
 * background (which believes nothing a worker reports). Pure: no browser APIs beyond TextEncoder/TextDecoder.
 */
import { E2eeError } from './errors';

const EXTENSION_DISPLAY_NAME = 0x01;
/** The group capability (§11.3; group-keys.ts reads and writes it). */
const EXTENSION_GROUP_CAPABILITY = 0x02;
/** UTF-8 bytes, not characters. */
const DISPLAY_NAME_MAX_BYTES = 64;
/** What a sender may put after the CONFIRM's signature (§4.5). */
export const MAX_CONFIRM_EXTENSIONS_LENGTH = 128;

/** Why a name cannot be used (the popup turns these into sentences). */
export type DisplayNameProblem = 'empty' | 'too-long' | 'not-nfc' | 'untrimmed' | 'refused-character';

/**
 * Controls (Cc), private use (Co), surrogates (Cs: only in JS strings, never in well-formed UTF-8), line and
 * paragraph separators (Zl, Zp), and format characters (Cf) other than ZWNJ U+200C and ZWJ U+200D.
 */
const REFUSED = /[\p{Cc}\p{Co}\p{Cs}\p{Zl}\p{Zp}]|(?![\u200c\u200d])\p{Cf}/u;

const encoder = new TextEncoder();

/** The first rule `name` breaks, or null for a name that may be sent and shown as it is. */
export function displayNameProblem(name: string): DisplayNameProblem | null {
  if (name.length === 0) return 'empty';
  if (REFUSED.test(name)) return 'refused-character';
  if (name.trim() !== name) return 'untrimmed';
  if (name.normalize('NFC') !== name) return 'not-nfc';
  if (encoder.encode(name).length > DISPLAY_NAME_MAX_BYTES) return 'too-long';
  return null;
}

/** A string that is a display name exactly as it may travel and be shown. */
export function isDisplayName(value: unknown): value is string {
  return typeof value === 'string' && displayNameProblem(value) === null;
}

/**
 * What the user typed, made canonical (NFC, trimmed): the name, or why it cannot be one. An empty input means
 * "no name" (`{ name: '' }`); the caller stores no name then.
 */
export function normalizeDisplayName(input: string): { name: string } | { problem: DisplayNameProblem } {
  const name = input.normalize('NFC').trim();
  if (name === '') return { name: '' };
  const problem = displayNameProblem(name);
  return problem === null ? { name } : { problem };
}

/** The extension bytes for `name` (0x01 | length | UTF-8); empty for no name. Throws for a name that breaks §4.5. */
export function encodeDisplayNameExtension(name: string | undefined): Uint8Array<ArrayBuffer> {
  if (name === undefined || name === '') return new Uint8Array(0);
  const problem = displayNameProblem(name);
  if (problem !== null) throw new E2eeError('invalid-argument', `display name: ${problem}`);
  const bytes = encoder.encode(name);
  const out = new Uint8Array(2 + bytes.length);
  out[0] = EXTENSION_DISPLAY_NAME;
  out[1] = bytes.length;
  out.set(bytes, 2);
  return out;
}

/** One extension of a CONFIRM plaintext. */
interface ConfirmExtension {
  type: number;
  value: Uint8Array;
}

/**
 * Splits extension bytes into their records; throws 'bad-confirm' unless they frame exactly (§4.5). The values are
 * copies.
 */
export function readExtensions(bytes: Uint8Array): ConfirmExtension[] {
  const out: ConfirmExtension[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 2) throw new E2eeError('bad-confirm', 'truncated CONFIRM extension');
    const type = bytes[offset] ?? 0;
    const length = bytes[offset + 1] ?? 0;
    if (length > bytes.length - offset - 2) throw new E2eeError('bad-confirm', 'CONFIRM extension overruns');
    out.push({ type, value: bytes.slice(offset + 2, offset + 2 + length) });
    offset += 2 + length;
  }
  return out;
}

/**
 * True when `bytes` are extensions a sender may write: exact framing, at most 128 bytes, names valid, and at most one
 * group capability 0x02 of one byte (§11.3).
 */
export function isSendableExtensions(bytes: unknown): bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_CONFIRM_EXTENSIONS_LENGTH) return false;
  let records: ConfirmExtension[];
  try {
    records = readExtensions(bytes);
  } catch {
    return false;
  }
  const names = records.filter((r) => r.type === EXTENSION_DISPLAY_NAME);
  const group = records.filter((r) => r.type === EXTENSION_GROUP_CAPABILITY);
  return (
    names.length <= 1 &&
    names.every((r) => decodeDisplayName(r.value) !== null) &&
    group.length <= 1 &&
    group.every((r) => r.value.length === 1)
  );
}

/** The name in a 0x01 value, or null when it breaks §4.5 (bad UTF-8 included): such a name is dropped, not fixed. */
export function decodeDisplayName(value: Uint8Array): string | null {
  if (value.length === 0 || value.length > DISPLAY_NAME_MAX_BYTES) return null;
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value);
  } catch {
    return null;
  }
  return displayNameProblem(name) === null ? name : null;
}

/**
 * The peer's name from its CONFIRM's extensions: `name` when there is exactly one valid 0x01, `dropped` when a name
 * was there and broke a rule (or there were two). Framing errors throw 'bad-confirm'.
 */
export function peerDisplayName(extensions: Uint8Array): { name: string | null; dropped: boolean } {
  const names = readExtensions(extensions).filter((r) => r.type === EXTENSION_DISPLAY_NAME);
  if (names.length === 0) return { name: null, dropped: false };
  if (names.length > 1) return { name: null, dropped: true };
  const name = decodeDisplayName((names[0] as ConfirmExtension).value);
  return { name, dropped: name === null };
}
