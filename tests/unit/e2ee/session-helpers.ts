/**
 * Driving CallSessions in tests: sessions whose packets the test carries (or drops, or forges), and a hand-driven
 * participant built from the real codecs, for attacks that need messages no honest session would send.
 */
import { sealConfirm } from '../../../src/e2ee/confirm';
import {
  decodeHandshakePacket,
  encodeHandshakePacket,
  type DecodedHandshakePacket,
  type HandshakeRecord,
} from '../../../src/e2ee/handshake-packet';
import {
  commitmentOf,
  derivePairSecrets,
  generateEphemeral,
  type EphemeralKeyPair,
  type PairSecrets,
} from '../../../src/e2ee/key-schedule';
import { signatureMessage, signingInput } from '../../../src/e2ee/signing';
import { CallSession, type ConfirmedPairKeys, type SessionOptions } from '../../../src/e2ee/session';
import type { FakeClock} from './helpers';
import { makeIdentity, type TestIdentity } from './helpers';

export interface Harness {
  session: CallSession;
  identity: TestIdentity;
  confirmed: ConfirmedPairKeys[];
  retired: number[];
  signInputs: Uint8Array[];
}

export async function harness(clock: FakeClock, options: Partial<SessionOptions> = {}, identity?: TestIdentity): Promise<Harness> {
  const id = identity ?? (await makeIdentity());
  const h: Harness = { identity: id, confirmed: [], retired: [], signInputs: [] } as unknown as Harness;
  h.session = new CallSession({
    identityPublicKey: id.publicKey,
    sign: (input) => {
      h.signInputs.push(input.slice());
      return id.sign(input);
    },
    now: clock.now,
    fallbackAfterMs: 4000,
    allowPlaintextFallback: true,
    onPairConfirmed: (keys) => void h.confirmed.push(keys),
    onPairRetired: (pairId) => void h.retired.push(pairId),
    onChange: () => undefined,
    ...options,
  });
  return h;
}

/** Lets every packet and signature in flight be handled. */
export async function settle(...harnesses: Harness[]): Promise<void> {
  await Promise.all(harnesses.map((h) => h.session.settled()));
}

/** Carries the next packet of `from` (if any) to `to`, and waits until both have handled everything; returns it. */
export async function deliver(from: Harness, to: Harness): Promise<Uint8Array | null> {
  const packet = from.session.outgoingPacket();
  if (packet !== null) await to.session.receivePacket(packet);
  await settle(from, to);
  return packet;
}

/** Packets both ways, 20 ms apart, `rounds` times. */
export async function handshake(clock: FakeClock, a: Harness, b: Harness, rounds = 12): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await deliver(a, b);
    await deliver(b, a);
    clock.advance(20);
  }
}

/** The records (kinds) of a packet. */
export function kinds(packet: Uint8Array | null): string[] {
  return packet === null ? [] : decodeHandshakePacket(packet).records.map((r) => r.kind);
}

export function decoded(packet: Uint8Array | null): DecodedHandshakePacket {
  if (packet === null) throw new Error('no packet');
  return decodeHandshakePacket(packet);
}

/** Finds the record of `kind` in a packet. */
export function recordOf<K extends HandshakeRecord['kind']>(
  packet: Uint8Array | null,
  kind: K,
): Extract<HandshakeRecord, { kind: K }> | undefined {
  return decoded(packet).records.find((r): r is Extract<HandshakeRecord, { kind: K }> => r.kind === kind);
}

/**
 * A participant driven by hand (the man in the middle of the tests): its own pid and identity, messages made with
 * the real codecs and key schedule, in whatever order the test wants.
 */
export class ManualPeer {
  readonly pid = crypto.getRandomValues(new Uint8Array(8));
  secrets: PairSecrets | null = null;

  private constructor(
    readonly identity: TestIdentity,
    public ephemeral: EphemeralKeyPair,
  ) {}

  static async create(identity?: TestIdentity): Promise<ManualPeer> {
    return new ManualPeer(identity ?? (await makeIdentity()), await generateEphemeral());
  }

  packet(...records: HandshakeRecord[]): Uint8Array {
    return encodeHandshakePacket({ from: this.pid, records });
  }

  async commit(to: Uint8Array, ephemeral = this.ephemeral): Promise<HandshakeRecord> {
    return { kind: 'commit', to, suite: 4, commitment: await commitmentOf(4, this.pid, to, ephemeral.publicKey) };
  }

  reveal(to: Uint8Array, ephemeral = this.ephemeral): HandshakeRecord {
    return { kind: 'reveal', to, ephemeralPublicKey: ephemeral.publicKey };
  }

  /** Derives the pair's keys from the victim's COMMIT and REVEAL, as the victim will. */
  async derive(victimPid: Uint8Array, victimCommitment: Uint8Array, victimEphemeral: Uint8Array): Promise<PairSecrets> {
    this.secrets = await derivePairSecrets({
      suite: 4,
      myPrivateKey: this.ephemeral.privateKey,
      mine: {
        pid: this.pid,
        commitment: await commitmentOf(4, this.pid, victimPid, this.ephemeral.publicKey),
        ephemeralPublicKey: this.ephemeral.publicKey,
      },
      peer: { pid: victimPid, commitment: victimCommitment, ephemeralPublicKey: victimEphemeral },
    });
    return this.secrets;
  }

  /** A CONFIRM under the derived keys, carrying any identity key and signature the test chooses. */
  async confirm(to: Uint8Array, identityPublicKey?: Uint8Array, signature?: Uint8Array): Promise<HandshakeRecord> {
    if (this.secrets === null) throw new Error('derive first');
    const input = signingInput(this.secrets.transcriptHash, this.pid);
    const contents = {
      identityPublicKey: identityPublicKey ?? this.identity.publicKey,
      signature: signature ?? (await this.identity.signRaw(signatureMessage(input))),
    };
    return { kind: 'confirm', to, sealed: await sealConfirm(this.secrets.myConfirmKey, this.pid, to, contents) };
  }
}
