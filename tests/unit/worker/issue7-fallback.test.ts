/**
 * Issue 7, finding 4: "One plain frame triggers the fallback, and it never recovers." The test is an SFU that strips
 * CallSeal's frames and injects plain ones. protocol.md §6.4 (sustained evidence, probe frames).
 */
import { describe, expect, it } from 'vitest';
import { MEDIA, clock, contains, exchange, party, ready, settle, until, untilBothEncrypted } from './support/call-harness';

describe('issue 7, finding 4: fallback', () => {
  it('does not fall back on one injected plain frame while CallSeal frames are stripped; both end encrypted', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await Promise.all([ready(alice), ready(bob)]);
    for (let t = 0; t < 6000; t += 20) {
      if (t === 0) {
        await alice.receive(MEDIA); // the one injected plain frame, each way
        await bob.receive(MEDIA);
      }
      await alice.send(); // stripped
      await bob.send(); // stripped
      clock.advance(20);
      await settle();
    }
    expect(alice.state()).toBe('negotiating');
    expect(bob.state()).toBe('negotiating');
    await untilBothEncrypted(alice, bob);
  });

  it('after a real fallback, keeps probing and recovers once CallSeal frames get through again', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    // For 6 s the SFU replaces every CallSeal frame with plain media: each side sees a peer without CallSeal.
    for (let t = 0; t < 6000; t += 20) {
      if (await alice.send()) await bob.receive(MEDIA);
      if (await bob.send()) await alice.receive(MEDIA);
      clock.advance(20);
      await settle();
    }
    expect(alice.state()).toBe('unencrypted');
    expect(bob.state()).toBe('unencrypted');
    expect(alice.detail()).toBe('no-key-exchange');

    // Clean network again: the probes find each other and the call is encrypted on both sides.
    await until(
      () => alice.state() === 'encrypted' && bob.state() === 'encrypted',
      () => exchange(alice, bob),
      1500,
    );
    const wire = await alice.send();
    expect(contains(wire!, MEDIA.subarray(1))).toBe(false);
    expect(await bob.receive(wire!)).toEqual(MEDIA);
  });
});
