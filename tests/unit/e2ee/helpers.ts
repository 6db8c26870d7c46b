/**
 * Test doubles for the e2ee suite: a stand-in for the background's identity key, a fake clock, and error assertions.
 *
 * Why: the real identity key lives in the extension's background; here each simulated party holds a real Ed25519
 * key pair generated in the test and signs exactly the way the background does (protocol.md §4.3: check that the
 * input is the 40 bytes th || pid, prepend the label, sign), so the tests exercise the real verification path.
 */
import { E2eeError } from '../../../src/e2ee/errors';
import type { E2eeErrorCode } from '../../../src/e2ee/errors';
import { signatureMessage } from '../../../src/e2ee/signing';

export interface TestIdentity {
  publicKey: Uint8Array;
  /** What the background does with a `sign` request: label || input (exactly 40 bytes), signed. */
  sign(input: Uint8Array): Promise<Uint8Array>;
  /** Signs arbitrary bytes with the identity key (to build forged-but-well-signed inputs). */
  signRaw(message: Uint8Array): Promise<Uint8Array>;
}

export async function makeIdentity(): Promise<TestIdentity> {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const signRaw = async (message: Uint8Array) =>
    new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, new Uint8Array(message)));
  return { publicKey, signRaw, sign: async (input) => signRaw(signatureMessage(input)) };
}

export class FakeClock {
  constructor(public t = 1_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Flip one bit of a copy. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return out;
}

/** Asserts that `fn` throws an E2eeError with `code` (and nothing else, e.g. no TypeError). */
export function expectE2eeError(fn: () => unknown, code: E2eeErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof E2eeError)) throw new Error(`expected E2eeError(${code}), got ${String(thrown)}`);
  if (thrown.code !== code) throw new Error(`expected E2eeError(${code}), got ${thrown.code}: ${thrown.message}`);
}

/** Async flavour of expectE2eeError. */
export async function expectE2eeRejection(promise: () => Promise<unknown>, code: E2eeErrorCode): Promise<void> {
  let thrown: unknown;
  try {
    await promise();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof E2eeError)) throw new Error(`expected E2eeError(${code}), got ${String(thrown)}`);
  if (thrown.code !== code) throw new Error(`expected E2eeError(${code}), got ${thrown.code}: ${thrown.message}`);
}

/** Little-endian bytes of a bigint (curve encodings). */
export function littleEndian(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}
