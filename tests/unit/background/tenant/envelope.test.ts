/**
 * The signed envelope (docs/admin.md §3.2): only the pinned key's signature over the exact payload bytes opens it;
 * anything else is `bad-signature` or `malformed`, and the payload is not parsed before the signature verified.
 */
import { describe, expect, it } from 'vitest';
import { openEnvelope } from '../../../../src/background/tenant/envelope';
import { isTenantPolicyError, type TenantPolicyErrorCode } from '../../../../src/background/tenant/errors';
import { encodeBase64 } from '../../../../src/background/tenant/strict-json';
import { exampleDocument, makeSigner, utf8, type TestSigner } from './support';

async function codeOf(promise: Promise<unknown>): Promise<TenantPolicyErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isTenantPolicyError(error)) return error.code;
    throw error;
  }
  throw new Error('the envelope was accepted');
}

function edit(envelope: Uint8Array, change: (e: Record<string, unknown>) => void): Uint8Array {
  const parsed = JSON.parse(new TextDecoder().decode(envelope)) as Record<string, unknown>;
  change(parsed);
  return utf8(JSON.stringify(parsed));
}

describe('openEnvelope', () => {
  let signer: TestSigner;
  const setup = async () => (signer ??= await makeSigner());

  it('opens an envelope signed by the pinned key, with or without keyId, and keeps the exact bytes', async () => {
    await setup();
    const payload = utf8(JSON.stringify(exampleDocument()));
    const opened = await openEnvelope(await signer.envelope(payload), signer.pinned);
    expect(opened.document.serial).toBe(12);
    expect(opened.payload).toEqual(payload);
    expect((await openEnvelope(await signer.envelope(payload, { keyId: null }), signer.pinned)).document.tenantId).toBe('contoso.example');
  });

  it('refuses a tampered payload, a tampered signature, another key and a signature without the label', async () => {
    await setup();
    const good = await signer.envelope(exampleDocument());
    const tamperedPayload = edit(good, (e) => {
      e.payload = encodeBase64(utf8(JSON.stringify({ ...exampleDocument(), grants: { tenant: 'Recorded' } }, null, 2)));
    });
    expect(await codeOf(openEnvelope(tamperedPayload, signer.pinned))).toBe('bad-signature');
    const tamperedSignature = edit(good, (e) => {
      const sig = Uint8Array.from(atob(String(e.signature)), (c) => c.charCodeAt(0));
      sig[5] = (sig[5] ?? 0) ^ 1;
      e.signature = encodeBase64(sig);
    });
    expect(await codeOf(openEnvelope(tamperedSignature, signer.pinned))).toBe('bad-signature');
    const other = await makeSigner();
    expect(await codeOf(openEnvelope(await other.envelope(exampleDocument(), { keyId: null }), signer.pinned))).toBe('bad-signature');
    expect(await codeOf(openEnvelope(await other.envelope(exampleDocument()), signer.pinned))).toBe('bad-signature'); // keyId names the other key
    expect(await codeOf(openEnvelope(await signer.envelope(exampleDocument(), { label: new Uint8Array() }), signer.pinned))).toBe('bad-signature');
  });

  it('checks the signature before it reads the payload: unsigned garbage is bad-signature, not malformed', async () => {
    await setup();
    const garbage = edit(await signer.envelope(exampleDocument()), (e) => (e.payload = encodeBase64(utf8('{"not json'))));
    expect(await codeOf(openEnvelope(garbage, signer.pinned))).toBe('bad-signature');
  });

  it('refuses signed payloads that are not a valid document as malformed', async () => {
    await setup();
    expect(await codeOf(openEnvelope(await signer.envelope(utf8('{"not json')), signer.pinned))).toBe('malformed');
    expect(await codeOf(openEnvelope(await signer.envelope(utf8('{"a":1,"a":1}')), signer.pinned))).toBe('malformed');
    expect(await codeOf(openEnvelope(await signer.envelope({ ...exampleDocument(), extra: 1 }), signer.pinned))).toBe('malformed');
    expect(await codeOf(openEnvelope(await signer.envelope(Uint8Array.of(0xff, 0xfe)), signer.pinned))).toBe('malformed');
  });

  it.each([
    ['not JSON', () => utf8('<html>')],
    ['an array', () => utf8('[]')],
    ['another format', (good: Uint8Array) => edit(good, (e) => (e.format = 'jws'))],
    ['an extra field', (good: Uint8Array) => edit(good, (e) => (e.alg = 'none'))],
    ['a missing signature', (good: Uint8Array) => edit(good, (e) => delete e.signature)],
    ['a bad keyId', (good: Uint8Array) => edit(good, (e) => (e.keyId = 'ABC'))],
    ['non-canonical base64', (good: Uint8Array) => edit(good, (e) => (e.payload = `${String(e.payload)}\n`))],
    ['a duplicate key', (good: Uint8Array) => utf8(new TextDecoder().decode(good).replace('{', '{"payload":"",'))],
    ['more than 2 MiB', () => new Uint8Array(2 * 1024 * 1024 + 1).fill(0x20)],
  ])('refuses an envelope with %s as malformed', async (_what, make) => {
    await setup();
    expect(await codeOf(openEnvelope(make(await signer.envelope(exampleDocument())), signer.pinned))).toBe('malformed');
  });
});
