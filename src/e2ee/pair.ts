/**
 * One pair of participants (me, peer): commit, reveal, confirm (protocol.md §6.1).
 *
 *   made (fresh ephemeral, my commitment) ──peer COMMIT──▶ may reveal ──peer REVEAL (opens the COMMIT)──▶ derived
 *   derived ──background signs th || my pid || its extensions (the user's name, §4.5)──▶ my CONFIRM made
 *   derived ──peer CONFIRM (decrypts, identity not ours and not weak, signature verifies)──▶ peer confirmed
 *   confirmed = peer confirmed and my CONFIRM made: only then does the session use the pair
 *
 * Why it is strict about order: the code is hard to fool only because each side reveals its ephemeral key after it
 * holds the peer's commitment, and accepts exactly the ephemeral that commitment names (§8.1). So the pair sends no
 * REVEAL before a COMMIT arrived, keeps the first COMMIT and ignores any other, and accepts a REVEAL only if it opens
 * that COMMIT. Everything the peer sends is taken at most once; a repeat of the same bytes is a cheap 'duplicate'.
 *
 * The pair never throws at the session for what the peer sent: every record yields an outcome, and failed checks are
 * reasons the session counts. Time is passed in (`now`), the pair holds no timers.
 */
import { equalBytes } from '../shared/bytes';
import { requireBytes } from './bytes';
import { checkPeerConfirm, openConfirm, sealConfirm } from './confirm';
import { ED25519_PUBLIC_KEY_LENGTH, MAX_PACKET_LENGTH, PACKET_HEADER_LENGTH, PID_LENGTH } from './constants';
import { isSendableExtensions } from './display-name';
import { peerGroupVersion } from './group-keys';
import { E2eeError, isE2eeError } from './errors';
import { encodedRecordLength } from './handshake-packet';
import type { CommitRecord, ConfirmRecord, HandshakeRecord, RevealRecord } from './handshake-packet';
import { commitmentOf, derivePairSecrets, generateEphemeral, type EphemeralKeyPair, type PairSecrets } from './key-schedule';
import { signingInput, verifyIdentitySignature } from './signing';

/** How often a CONFIRM repeats once the peer's has been verified and until the peer's media decrypts (§6.1). */
const CONFIRM_REPEAT_MS = 500;
/**
 * For this long after its first send, a CONFIRM goes in every packet whatever the peer has shown (§6.1): one lost
 * or undelivered frame would otherwise cost the peer a whole CONFIRM_REPEAT_MS before it is encrypted.
 */
const CONFIRM_BURST_MS = 250;

/** Why a record was ignored (§4: "records that fail a check are ignored and counted"). */
type RecordRejection =
  | 'unsupported-suite'
  | 'second-commit'
  | 'reveal-before-commit'
  | 'second-reveal'
  | 'bad-commitment'
  | 'weak-key'
  | 'confirm-before-keys'
  | 'second-confirm'
  | 'bad-confirm'
  | 'own-identity'
  | 'bad-signature';

type RecordOutcome = 'accepted' | 'duplicate' | RecordRejection;

interface PairContext {
  suite: number;
  myPid: Uint8Array;
  /** Our identity public key: refused as a peer's, and used to check our own signatures. */
  identityPublicKey: Uint8Array;
}

const REJECTIONS_FROM_ERRORS: readonly string[] = ['weak-key', 'bad-confirm', 'own-identity', 'bad-signature'];

/** Maps a check's E2eeError to the reason it is counted under; anything else is a bug and propagates. */
function rejection(error: unknown): RecordRejection {
  if (isE2eeError(error) && REJECTIONS_FROM_ERRORS.includes(error.code)) return error.code as RecordRejection;
  throw error;
}

export class Pair {
  /** The peer's pieces, each taken once. */
  private peerCommitment: Uint8Array | null = null;
  private peerEphemeral: Uint8Array | null = null;
  private peerConfirmSealed: Uint8Array | null = null;
  private peerIdentityKey: Uint8Array | null = null;
  private peerName: string | null = null;
  private peerNameWasDropped = false;
  private peerGroup: number | null = null;
  private myGroup: number | null = null;
  private pairSecrets: PairSecrets | null = null;
  private myConfirm: Uint8Array | null = null;
  /** What the peer has shown it holds: our COMMIT (it revealed), our REVEAL (it confirmed), our CONFIRM (media). */
  private peerHasMyCommit = false;
  private peerHasMyReveal = false;
  private peerHasMyConfirm = false;
  private lastConfirmAt = Number.NEGATIVE_INFINITY;
  private firstConfirmAt = Number.NaN;

  private constructor(
    readonly id: number,
    private readonly context: PairContext,
    readonly peerPid: Uint8Array,
    readonly createdAt: number,
    private readonly ephemeral: EphemeralKeyPair,
    readonly myCommitment: Uint8Array,
  ) {}

  /** A new pair with a fresh ephemeral key used for this pair only (§6.1). */
  static async create(id: number, context: PairContext, peerPid: Uint8Array, now: number): Promise<Pair> {
    if (!Number.isSafeInteger(id)) throw new E2eeError('invalid-argument', 'pair id must be an integer');
    if (typeof context !== 'object' || context === null) throw new E2eeError('invalid-argument', 'context missing');
    requireBytes(context.myPid, 'my pid', PID_LENGTH);
    requireBytes(context.identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
    requireBytes(peerPid, 'peer pid', PID_LENGTH);
    if (equalBytes(peerPid, context.myPid)) throw new E2eeError('invalid-argument', 'a pair with ourselves');
    if (!Number.isFinite(now)) throw new E2eeError('invalid-argument', 'now must be a number');
    const ephemeral = await generateEphemeral();
    const commitment = await commitmentOf(context.suite, context.myPid, peerPid, ephemeral.publicKey);
    return new Pair(id, { ...context }, peerPid.slice(), now, ephemeral, commitment);
  }

  /** Keys, th and code once both ephemerals are known. */
  get secrets(): PairSecrets | null {
    return this.pairSecrets;
  }

  /** The peer's identity key, once its CONFIRM passed every check. */
  get peerIdentity(): Uint8Array | null {
    return this.peerIdentityKey;
  }

  /** The peer's claimed display name from its verified CONFIRM (§4.5), or null (none, or dropped). */
  get peerDisplayName(): string | null {
    return this.peerName;
  }

  /** The group protocol the peer's verified CONFIRM announced (§11.3), or null (a 1:1-only peer, or not confirmed). */
  get peerGroupVersion(): number | null {
    return this.peerGroup;
  }

  /** The group protocol our own CONFIRM announces (the background's extension 0x02, §11.3), or null. */
  get myGroupVersion(): number | null {
    return this.myGroup;
  }

  /** Both sides of the pair announced group protocol `version` in their signed CONFIRMs (§11.3). */
  speaksGroup(version: number): boolean {
    return this.peerGroup === version && this.myGroup === version;
  }

  /** The peer's CONFIRM carried a name that broke §4.5 (dropped; the CONFIRM counted). */
  get peerNameDropped(): boolean {
    return this.peerNameWasDropped;
  }

  /** Usable: the peer's CONFIRM verified and ours is made (§6.1). */
  get confirmed(): boolean {
    return this.peerIdentityKey !== null && this.myConfirm !== null;
  }

  /** Keys are derived and our CONFIRM is not made yet: the background must sign th || my pid. */
  get needsSignature(): boolean {
    return this.pairSecrets !== null && this.myConfirm === null;
  }

  /** th || my pid, the 40 bytes to sign (§4.3). */
  signingInput(): Uint8Array {
    if (this.pairSecrets === null) throw new E2eeError('invalid-argument', 'no keys yet');
    return signingInput(this.pairSecrets.transcriptHash, this.context.myPid);
  }

  async handle(record: HandshakeRecord): Promise<RecordOutcome> {
    switch (record.kind) {
      case 'commit':
        return this.onCommit(record);
      case 'reveal':
        return this.onReveal(record);
      case 'confirm':
        return this.onConfirm(record);
    }
  }

  private onCommit(record: CommitRecord): RecordOutcome {
    if (record.suite !== this.context.suite) return 'unsupported-suite';
    if (this.peerCommitment !== null) {
      return equalBytes(this.peerCommitment, record.commitment) ? 'duplicate' : 'second-commit';
    }
    this.peerCommitment = record.commitment.slice();
    return 'accepted';
  }

  private async onReveal(record: RevealRecord): Promise<RecordOutcome> {
    if (this.peerCommitment === null) return 'reveal-before-commit';
    if (this.peerEphemeral !== null) {
      if (!equalBytes(this.peerEphemeral, record.ephemeralPublicKey)) return 'second-reveal';
      this.peerHasMyCommit = true;
      return 'duplicate';
    }
    const opened = await commitmentOf(this.context.suite, this.peerPid, this.context.myPid, record.ephemeralPublicKey);
    if (!equalBytes(opened, this.peerCommitment)) return 'bad-commitment';
    try {
      this.pairSecrets = await derivePairSecrets({
        suite: this.context.suite,
        myPrivateKey: this.ephemeral.privateKey,
        mine: { pid: this.context.myPid, commitment: this.myCommitment, ephemeralPublicKey: this.ephemeral.publicKey },
        peer: { pid: this.peerPid, commitment: this.peerCommitment, ephemeralPublicKey: record.ephemeralPublicKey },
      });
    } catch (error) {
      return rejection(error);
    }
    this.peerEphemeral = record.ephemeralPublicKey.slice();
    this.peerHasMyCommit = true; // the peer reveals only once it holds our COMMIT
    return 'accepted';
  }

  private async onConfirm(record: ConfirmRecord): Promise<RecordOutcome> {
    const secrets = this.pairSecrets;
    if (secrets === null) return 'confirm-before-keys';
    if (this.peerConfirmSealed !== null) {
      return equalBytes(this.peerConfirmSealed, record.sealed) ? 'duplicate' : 'second-confirm';
    }
    try {
      const contents = await openConfirm(secrets.peerConfirmKey, this.peerPid, this.context.myPid, record.sealed);
      const peer = await checkPeerConfirm(contents, secrets.transcriptHash, this.peerPid, this.context.identityPublicKey);
      this.peerIdentityKey = peer.identityPublicKey;
      this.peerName = peer.displayName;
      this.peerNameWasDropped = peer.nameDropped;
      this.peerGroup = peer.groupVersion;
    } catch (error) {
      return rejection(error);
    }
    this.peerConfirmSealed = record.sealed.slice();
    this.peerHasMyCommit = true;
    this.peerHasMyReveal = true;
    return 'accepted';
  }

  /**
   * The background's signature over th || my pid || the extensions it chose (§4.3): checked against our own identity
   * key like a peer's (a broken or confused background must not make us send a CONFIRM the peer refuses), then
   * sealed with those exact extension bytes into our CONFIRM, once. Throws 'sign-failed' when the signature does not
   * verify or the extensions are not ones a sender may write.
   */
  async setSignature(signature: Uint8Array, extensions: Uint8Array = new Uint8Array(0)): Promise<void> {
    const secrets = this.pairSecrets;
    if (secrets === null || this.myConfirm !== null) return;
    requireBytes(signature, 'signature');
    requireBytes(extensions, 'extensions');
    if (!isSendableExtensions(extensions)) throw new E2eeError('sign-failed', 'the background sent bad extensions');
    try {
      await verifyIdentitySignature(
        this.context.identityPublicKey,
        signature,
        secrets.transcriptHash,
        this.context.myPid,
        extensions,
      );
    } catch (error) {
      throw new E2eeError('sign-failed', 'the signature does not verify under our identity key', { cause: error });
    }
    const sealed = await sealConfirm(secrets.myConfirmKey, this.context.myPid, this.peerPid, {
      identityPublicKey: this.context.identityPublicKey,
      signature,
      extensions,
    });
    if (this.myConfirm === null) {
      this.myConfirm = sealed;
      this.myGroup = peerGroupVersion(extensions);
    }
  }

  /** A media frame of the peer decrypted under this pair: the peer has our CONFIRM (it sends only to confirmed pairs). */
  noteMediaDecrypted(): void {
    this.peerHasMyConfirm = true;
  }

  /** What this pair has to say now (§6.1 repetition rules). */
  /** Nothing left to send for this pair, ever: the peer has shown it holds our COMMIT, REVEAL and CONFIRM. */
  get settled(): boolean {
    return this.peerHasMyCommit && this.peerHasMyReveal && this.peerHasMyConfirm;
  }

  records(now: number): HandshakeRecord[] {
    const to = this.peerPid;
    const out: HandshakeRecord[] = [];
    if (!this.peerHasMyCommit) {
      out.push({ kind: 'commit', to, suite: this.context.suite, commitment: this.myCommitment });
    }
    if (this.peerCommitment !== null && !this.peerHasMyReveal) {
      out.push({ kind: 'reveal', to, ephemeralPublicKey: this.ephemeral.publicKey });
    }
    if (this.myConfirm !== null && !this.peerHasMyConfirm) {
      const due =
        this.peerIdentityKey === null ||
        now - this.firstConfirmAt < CONFIRM_BURST_MS ||
        now - this.lastConfirmAt >= CONFIRM_REPEAT_MS;
      if (due) out.push({ kind: 'confirm', to, sealed: this.myConfirm });
    }
    return out;
  }

  /** The packet that went out carried this pair's CONFIRM. */
  noteConfirmSent(now: number): void {
    if (Number.isNaN(this.firstConfirmAt)) this.firstConfirmAt = now;
    this.lastConfirmAt = now;
  }
}

/**
 * The records of several pairs that fit one packet (§4.2: at most 1024 bytes), starting with pair `start` (mod the
 * count) so that, with many pairs, each gets its turn. Marks the CONFIRMs that went out.
 */
export function packRecords(pairs: readonly Pair[], start: number, now: number): HandshakeRecord[] {
  const records: HandshakeRecord[] = [];
  let size = PACKET_HEADER_LENGTH;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[(start + i) % pairs.length] as Pair;
    for (const record of pair.records(now)) {
      const length = encodedRecordLength(record);
      if (size + length > MAX_PACKET_LENGTH) continue; // rotated in by a later packet
      records.push(record);
      size += length;
      if (record.kind === 'confirm') pair.noteConfirmSent(now);
    }
  }
  return records;
}
