/**
 * Both sides' keys for one confirmed pair (protocol.md §5.1), made with the real key schedule, as the session hands
 * them to the worker. `kidTag` forces the tag (a collision, by chance or ground by a MITM).
 */
import { commitmentOf, derivePairSecrets, generateEphemeral } from '../../../../src/e2ee/key-schedule';
import type { ConfirmedPairKeys } from '../../../../src/e2ee/session';

let nextId = 1;

export async function pairKeys(kidTag?: number): Promise<{ alice: ConfirmedPairKeys; bob: ConfirmedPairKeys }> {
  const sides = await Promise.all(
    [0, 1].map(async () => ({ pid: crypto.getRandomValues(new Uint8Array(8)), ephemeral: await generateEphemeral() })),
  );
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const view = async (me: typeof a, other: typeof a) => ({
    pid: me.pid,
    commitment: await commitmentOf(4, me.pid, other.pid, me.ephemeral.publicKey),
    ephemeralPublicKey: me.ephemeral.publicKey,
  });
  const [va, vb] = await Promise.all([view(a, b), view(b, a)]);
  const [sa, sb] = await Promise.all([
    derivePairSecrets({ suite: 4, myPrivateKey: a.ephemeral.privateKey, mine: va, peer: vb }),
    derivePairSecrets({ suite: 4, myPrivateKey: b.ephemeral.privateKey, mine: vb, peer: va }),
  ]);
  const id = nextId++;
  const tag = kidTag ?? sa.kidTag;
  return {
    alice: { id, kidTag: tag, sendSecret: sa.sendSecret, receiveSecret: sa.receiveSecret },
    bob: { id, kidTag: tag, sendSecret: sb.sendSecret, receiveSecret: sb.receiveSecret },
  };
}
