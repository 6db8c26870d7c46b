import { describe, expect, it } from 'vitest';
import { identityFingerprint, securityCode } from '../../../src/e2ee/security-code';
import { expectE2eeRejection } from './helpers';

async function expectedCode(th: Uint8Array): Promise<string> {
  const label = new TextEncoder().encode('CallSeal-v2 security code');
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...label, ...th])));
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let v = 0n;
    for (let i = 0; i < 5; i++) v = (v << 8n) | BigInt(d[5 * g + i]!);
    groups.push((v % 100000n).toString().padStart(5, '0'));
  }
  return groups.join(' ');
}

describe('securityCode', () => {
  it('is 20 digits in four groups of five, per the specified derivation (protocol.md §5.2)', async () => {
    for (let i = 0; i < 50; i++) {
      const th = crypto.getRandomValues(new Uint8Array(32));
      const code = await securityCode(th);
      expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      expect(code).toBe(await expectedCode(th));
    }
  });

  it('is deterministic and depends on the transcript hash', async () => {
    const th = new Uint8Array(32);
    expect(await securityCode(th)).toBe(await securityCode(new Uint8Array(32)));
    th[31] = 1;
    expect(await securityCode(th)).not.toBe(await securityCode(new Uint8Array(32)));
  });

  it('refuses a transcript hash of the wrong length', async () => {
    await expectE2eeRejection(() => securityCode(new Uint8Array(31)), 'invalid-argument');
    await expectE2eeRejection(() => securityCode('x' as never), 'invalid-argument');
  });
});

describe('identityFingerprint', () => {
  it('is the first 16 bytes of SHA-256 in hex, grouped by four', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', key));
    const hex = Buffer.from(digest.subarray(0, 16)).toString('hex');
    const fingerprint = await identityFingerprint(key);
    expect(fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    expect(fingerprint.replaceAll(' ', '')).toBe(hex);
    await expectE2eeRejection(() => identityFingerprint(new Uint8Array(33)), 'invalid-argument');
  });
});
