import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HELLO_BODY_LENGTH,
  HELLO_LENGTH,
  HELLO_SIGNATURE_LABEL,
  HELLO_SIGNATURE_LABEL_BYTES,
} from '../../../src/e2ee/constants';
import { E2eeError } from '../../../src/e2ee/errors';
import {
  checkHelloBodyForSigning,
  decodeHello,
  decodeHelloBody,
  encodeHello,
  encodeHelloBody,
  helloDigest,
  helloSigningInput,
  verifyHelloSignature,
  zeroAck,
} from '../../../src/e2ee/hello';
import { expectE2eeError, expectE2eeRejection, flipBit, makeIdentity, makeParty } from './helpers';

const sessionId = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const ephemeralPublicKey = new Uint8Array(32).fill(0xee);
const identityPublicKey = new Uint8Array(32).fill(0x1d);
const fields = { sessionId, ephemeralPublicKey, identityPublicKey };

function withByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[index] = value;
  return out;
}

describe('hello body', () => {
  it('lays out version, suite, flags, sessionId, ephemeral, identity in 83 bytes', () => {
    const body = encodeHelloBody(fields);
    expect(body.length).toBe(HELLO_BODY_LENGTH);
    expect(body.length).toBe(83);
    expect([body[0], body[1], body[2]]).toEqual([1, 4, 0]);
    expect(body.slice(3, 19)).toEqual(sessionId);
    expect(body.slice(19, 51)).toEqual(ephemeralPublicKey);
    expect(body.slice(51, 83)).toEqual(identityPublicKey);
    expect(encodeHelloBody({ ...fields, suite: 5 })[1]).toBe(5);
  });

  it('round-trips through decodeHelloBody', () => {
    const info = decodeHelloBody(encodeHelloBody({ ...fields, suite: 1 }));
    expect(info).toEqual({ version: 1, suite: 1, sessionId, ephemeralPublicKey, identityPublicKey });
  });

  it('refuses bad fields with named errors', () => {
    expectE2eeError(() => encodeHelloBody({ ...fields, sessionId: new Uint8Array(15) }), 'invalid-argument');
    expectE2eeError(() => encodeHelloBody({ ...fields, ephemeralPublicKey: new Uint8Array(33) }), 'invalid-argument');
    expectE2eeError(() => encodeHelloBody({ ...fields, identityPublicKey: new Uint8Array(31) }), 'invalid-argument');
    expectE2eeError(() => encodeHelloBody({ ...fields, suite: 0 }), 'unsupported-suite');
    expectE2eeError(() => encodeHelloBody({ ...fields, suite: 6 }), 'unsupported-suite');
    expectE2eeError(() => encodeHelloBody(null as never), 'invalid-argument');
    expectE2eeError(() => encodeHelloBody({ ...fields, sessionId: [1, 2] as never }), 'invalid-argument');
  });
});

describe('hello codec', () => {
  const body = encodeHelloBody(fields);
  const signature = new Uint8Array(64).fill(0x5a);
  const ack = new Uint8Array(32).fill(0xac);
  const hello = encodeHello(body, signature, ack);

  it('round-trips body, signature and ack (179 bytes)', () => {
    expect(hello.length).toBe(HELLO_LENGTH);
    expect(hello.length).toBe(179);
    const decoded = decodeHello(hello);
    expect(decoded).toEqual({
      version: 1,
      suite: 4,
      sessionId,
      ephemeralPublicKey,
      identityPublicKey,
      body,
      signature,
      ack,
    });
  });

  it('returns copies, not views into the input', () => {
    const input = new Uint8Array(hello);
    const decoded = decodeHello(input);
    input.fill(0);
    expect(decoded.body).toEqual(body);
    expect(decoded.ack).toEqual(ack);
  });

  it('rejects every wrong length as malformed-hello', () => {
    for (const length of [1, 2, 82, 83, 84, 146, 147, 178, 180, 200, 400]) {
      const bytes = new Uint8Array(length);
      bytes.set(hello.subarray(0, Math.min(length, hello.length)));
      bytes[0] = 1;
      expectE2eeError(() => decodeHello(bytes), 'malformed-hello');
    }
    expectE2eeError(() => decodeHello(new Uint8Array(0)), 'malformed-hello');
  });

  it('rejects an unknown version as unsupported-version, whatever the length', () => {
    for (const version of [0, 2, 3, 255]) {
      expectE2eeError(() => decodeHello(withByte(hello, 0, version)), 'unsupported-version');
      expectE2eeError(() => decodeHello(Uint8Array.of(version, 1, 2)), 'unsupported-version');
      expectE2eeError(() => decodeHelloBody(withByte(body, 0, version)), 'unsupported-version');
    }
  });

  it('rejects reserved flags and unknown suites', () => {
    for (const flags of [1, 2, 0x80, 0xff]) expectE2eeError(() => decodeHello(withByte(hello, 2, flags)), 'malformed-hello');
    for (const suite of [0, 6, 7, 0xff]) expectE2eeError(() => decodeHello(withByte(hello, 1, suite)), 'unsupported-suite');
  });

  it('rejects non-bytes as invalid-argument', () => {
    expectE2eeError(() => decodeHello('hello' as never), 'invalid-argument');
    expectE2eeError(() => decodeHello(undefined as never), 'invalid-argument');
    expectE2eeError(() => decodeHello(Array.from(hello) as never), 'invalid-argument');
  });

  it('encodeHello checks each part', () => {
    expectE2eeError(() => encodeHello(body, new Uint8Array(63), ack), 'malformed-hello');
    expectE2eeError(() => encodeHello(body, signature, new Uint8Array(31)), 'malformed-hello');
    expectE2eeError(() => encodeHello(body.subarray(1), signature, ack), 'unsupported-version');
    expectE2eeError(() => encodeHello(body.subarray(0, 82), signature, ack), 'malformed-hello');
  });

  it('never throws anything but an E2eeError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          decodeHello(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(E2eeError);
        }
      }),
    );
  });
});

describe('signing gate (background side)', () => {
  it('signs only a well-formed v1 body with its own identity key', async () => {
    const me = await makeIdentity();
    const other = await makeIdentity();
    const mine = encodeHelloBody({ sessionId, ephemeralPublicKey, identityPublicKey: me.publicKey });
    const input = checkHelloBodyForSigning(mine, me.publicKey);
    expect(input).toEqual(helloSigningInput(mine));
    expect(input.subarray(0, HELLO_SIGNATURE_LABEL_BYTES.length)).toEqual(HELLO_SIGNATURE_LABEL_BYTES);
    expect(input.subarray(HELLO_SIGNATURE_LABEL_BYTES.length)).toEqual(mine);
    expect(HELLO_SIGNATURE_LABEL.endsWith('\0')).toBe(true);
    expect(HELLO_SIGNATURE_LABEL_BYTES.at(-1)).toBe(0);

    const theirs = encodeHelloBody({ sessionId, ephemeralPublicKey, identityPublicKey: other.publicKey });
    expectE2eeError(() => checkHelloBodyForSigning(theirs, me.publicKey), 'identity-mismatch');
    expectE2eeError(() => checkHelloBodyForSigning(mine.subarray(0, 82), me.publicKey), 'malformed-hello');
    expectE2eeError(() => checkHelloBodyForSigning(new Uint8Array([...mine, 0]), me.publicKey), 'malformed-hello');
    const full = encodeHello(mine, new Uint8Array(64), zeroAck());
    expectE2eeError(() => checkHelloBodyForSigning(full, me.publicKey), 'malformed-hello');
    expectE2eeError(() => checkHelloBodyForSigning(withByte(mine, 0, 2), me.publicKey), 'unsupported-version');
    expectE2eeError(() => checkHelloBodyForSigning(withByte(mine, 2, 1), me.publicKey), 'malformed-hello');
    expectE2eeError(() => checkHelloBodyForSigning(withByte(mine, 1, 9), me.publicKey), 'unsupported-suite');
    expectE2eeError(() => checkHelloBodyForSigning(new Uint8Array(0), me.publicKey), 'malformed-hello');
    expectE2eeError(() => checkHelloBodyForSigning(mine, me.publicKey.subarray(1)), 'invalid-argument');
    expectE2eeError(() => checkHelloBodyForSigning('x' as never, me.publicKey), 'invalid-argument');
  });

  it('rejects random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => checkHelloBodyForSigning(bytes, identityPublicKey)).toThrow(E2eeError);
      }),
    );
    // Even a random tail behind a plausible header fails unless it carries exactly our identity key.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (tail) => {
        const body = new Uint8Array([1, 4, 0, ...tail]);
        expect(() => checkHelloBodyForSigning(body, identityPublicKey)).toThrow(E2eeError);
      }),
    );
  });
});

describe('signature verification', () => {
  it('accepts a genuine hello and fails on any flipped bit of body or signature', async () => {
    const { hello } = await makeParty();
    expect(await verifyHelloSignature(hello)).toBe(true);
    const checks: Promise<void>[] = [];
    for (let bit = 0; bit < hello.body.length * 8; bit++) {
      const body = flipBit(hello.body, bit);
      checks.push(
        verifyHelloSignature({ body, signature: hello.signature }).then(
          (ok) => expect(ok, `body bit ${bit}`).toBe(false),
          (error: unknown) => {
            // Flipping a header bit makes the body itself invalid: a named error, never a TypeError.
            expect(error, `body bit ${bit}`).toBeInstanceOf(E2eeError);
            expect(bit, `body bit ${bit}`).toBeLessThan(24);
          },
        ),
      );
    }
    for (let bit = 0; bit < hello.signature.length * 8; bit++) {
      const signature = flipBit(hello.signature, bit);
      checks.push(verifyHelloSignature({ body: hello.body, signature }).then((ok) => expect(ok, `sig bit ${bit}`).toBe(false)));
    }
    await Promise.all(checks);
  });

  it('fails for a signature by another identity and for a zero signature', async () => {
    const a = await makeParty();
    const b = await makeParty();
    expect(await verifyHelloSignature({ body: a.hello.body, signature: b.hello.signature })).toBe(false);
    expect(await verifyHelloSignature({ body: a.hello.body, signature: new Uint8Array(64) })).toBe(false);
  });

  it('refuses structurally invalid input with named errors', async () => {
    const { hello } = await makeParty();
    await expectE2eeRejection(() => verifyHelloSignature({ body: hello.body, signature: new Uint8Array(63) }), 'malformed-hello');
    await expectE2eeRejection(() => verifyHelloSignature({ body: hello.body.subarray(0, 80), signature: hello.signature }), 'malformed-hello');
    await expectE2eeRejection(() => verifyHelloSignature(null as never), 'invalid-argument');
  });
});

describe('hello digest', () => {
  it('is SHA-256(body || signature) and ignores the ack', async () => {
    const { hello } = await makeParty();
    const digest = await helloDigest(hello.body, hello.signature);
    const expected = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new Uint8Array([...hello.body, ...hello.signature])),
    );
    expect(digest).toEqual(expected);
    expect(digest.length).toBe(32);
    await expectE2eeRejection(() => helloDigest(hello.body, new Uint8Array(10)), 'malformed-hello');
  });
});
