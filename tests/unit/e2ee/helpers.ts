/**
 * Test doubles for the e2ee suite: a stand-in for the background's identity key and a fake clock.
 *
 * Why: the real identity key lives in the extension's background; here each simulated party holds a real
 * Ed25519 key pair generated in the test and signs exactly the way the background does (gate first with
 * checkHelloBodyForSigning, then sign label || body), so the tests exercise the real verification path.
 */
import { E2eeError } from '../../../src/e2ee/errors';
import type { E2eeErrorCode } from '../../../src/e2ee/errors';
import { checkHelloBodyForSigning, decodeHello, encodeHello, encodeHelloBody } from '../../../src/e2ee/hello';
import type { DecodedHello } from '../../../src/e2ee/hello';
import { generateEphemeral } from '../../../src/e2ee/key-schedule';
import type { EphemeralKeyPair } from '../../../src/e2ee/key-schedule';

export interface TestIdentity {
  publicKey: Uint8Array;
  /** What the background does: check the body, then sign label || body. */
  signHello(body: Uint8Array): Promise<Uint8Array>;
  /** Signs arbitrary bytes with the identity key (to build forged-but-well-signed inputs). */
  signRaw(message: Uint8Array): Promise<Uint8Array>;
}

export async function makeIdentity(): Promise<TestIdentity> {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const signRaw = async (message: Uint8Array) =>
    new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, new Uint8Array(message)));
  return {
    publicKey,
    signRaw,
    signHello: (body) => signRaw(checkHelloBodyForSigning(body, publicKey)),
  };
}

export interface TestParty {
  identity: TestIdentity;
  ephemeral: EphemeralKeyPair;
  sessionId: Uint8Array;
  hello: DecodedHello;
  bytes: Uint8Array;
}

/** One side of a key exchange: identity, ephemeral, signed hello (ack zero unless given). */
export async function makeParty(identity?: TestIdentity, ack = new Uint8Array(32)): Promise<TestParty> {
  const id = identity ?? (await makeIdentity());
  const ephemeral = await generateEphemeral();
  const sessionId = crypto.getRandomValues(new Uint8Array(16));
  const body = encodeHelloBody({ sessionId, ephemeralPublicKey: ephemeral.publicKey, identityPublicKey: id.publicKey });
  const bytes = encodeHello(body, await id.signHello(body), ack);
  return { identity: id, ephemeral, sessionId, hello: decodeHello(bytes), bytes };
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
