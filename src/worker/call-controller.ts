/**
 * The page's call as the transform worker sees it: the settings, the session, the keys, what happens to each frame,
 * and what is reported. One controller serves every transform of the page (all its peer connections).
 *
 * Outgoing frame, E2EE on (protocol.md §6.3):
 *   negotiating, blocked, error → handshake-only frame (clear prefix + packet), or dropped: nothing in clear
 *   encrypted, identity-changed → the codec's clear parts + SFrame(the rest, AAD = the clear parts) [+ packet while a
 *                                 record is pending]; where the bytes go is the codec's layout (frames.ts, §2, §2.1)
 *   unencrypted (fallback)      → unaltered, but one audio frame a second becomes a probe frame (§6.4)
 * Incoming frame, E2EE on:
 *   CallSeal frame → packet to the session; media decrypted under a confirmed pair (failures throw: dropped);
 *                    handshake-only frames never reach the decoder
 *   plain frame    → evidence (§6.4); passed only in `unencrypted`
 * Before the first settings every frame is dropped (E2EE may be on, even required); if the extension went away
 * before any settings came, frames pass unaltered; with E2EE off, everything passes unaltered and no session runs.
 *
 * Reports (§7.4): a random session id per E2EE session (new when E2EE goes on or the identity changes), `seq`
 * increasing, a heartbeat every second once a transform exists and a report on every change; reasons are codes.
 */
import { equalBytes } from '../e2ee/bytes';
import {
  encodeCallSealFrame,
  endsInMediaMarker,
  hasCallSealTrailer,
  parseCallSealFrame,
  trailerLength,
  writeTrailer,
} from '../e2ee/frame-container';
import { CallSession, type SessionStatus } from '../e2ee/session';
import { bytesToBase64 } from '../shared/base64';
import { toHex } from '../shared/bytes';
import {
  isPageSettings,
  MEDIA_CODECS,
  ZERO_COUNTERS,
  type CodecName,
  type DropReason,
  type FrameCounters,
  type MediaCodec,
  type MediaKind,
  type PageSettings,
  DEFAULT_FALLBACK_AFTER_MS,
} from '../shared/call-status';
import { isE2eeError } from '../e2ee/errors';
import { isSFrameError } from '../sframe';
import type { SessionReport } from '../shared/messages';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import { systemClock, type WorkerClock } from './clock';
import { KeyFrameRequests } from './key-frames';
import { KeyRing } from './key-ring';
import {
  clearPrefixLength,
  codecName,
  incomingLayout,
  isUnitCodec,
  isVideo,
  mediaCodecOf,
  outgoingLayout,
  probeFrame,
  type EncodedFrame,
} from './frames';
import { SenderIndexes, type SenderSlot } from './sender-indexes';
import { Signer } from './signer';

export type { EncodedFrame } from './frames';

export interface ControllerTiming {
  /** No frame in or out for this long means no call (audio sends frames even in silence). Default 5000. */
  idleAfterMs?: number;
  /** Heartbeat period. Default 1000. */
  reportIntervalMs?: number;
  /** How long a signature may take. Default 10 000. */
  signTimeoutMs?: number;
  /** Time and timers (tests pass a fake one). Default: performance.now() and the worker's timers. */
  clock?: WorkerClock;
}

const EMPTY = new Uint8Array(0);
/** The peer's media only in clear for this long, in an encrypted call: the user is told (§6.3). */
const PEER_SILENCE_MS = 2000;
/** An unsupported codec, or media not sent, is named while its frames were dropped this recently. */
const UNSUPPORTED_RECENT_MS = 2000;
/** The call's details name the codecs seen this recently; each stream kind is sampled at most this often. */
const CODEC_RECENT_MS = 5000;
const CODEC_SAMPLE_MS = 1000;

type SettingsState = 'pending' | 'known' | 'detached';

export class CallController {
  private settingsState: SettingsState = 'pending';
  private settings: PageSettings = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: DEFAULT_FALLBACK_AFTER_MS };
  private identity: Uint8Array | null = null;
  private session: CallSession | null = null;
  private readonly keys = new KeyRing();
  private readonly signer: Signer;
  private readonly keyFrames: KeyFrameRequests;
  private reportSession = randomSessionId();
  /** The highest epoch reported in `reportSession`: every report carries at least it (§7.4, epochs never go back). */
  private reportedEpoch = 0;
  private seq = 0;
  private lastReport = '';
  private counters: FrameCounters = { ...ZERO_COUNTERS };
  private transformSeen = false;
  private lastActivityAt = Number.NEGATIVE_INFINITY;
  private inCall = false;
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private lastDecryptedAt = Number.NEGATIVE_INFINITY;
  private unsupported: { codec: CodecName; media: MediaKind; at: number } | null = null;
  /** A local track's media frame that could not be encrypted, in an encrypted call (§6.3): it is not sent. */
  private notSent: { media: MediaKind; at: number } | null = null;
  private readonly indexes: SenderIndexes;
  /** When each codec was last seen, and when each direction and kind was last sampled (for the call's details). */
  private readonly codecsSeen = new Map<MediaCodec, number>();
  /** When the codec was last sampled, per direction and kind: [send audio, send video, receive audio, receive video]. */
  private readonly codecSampledAt = new Float64Array(4).fill(Number.NEGATIVE_INFINITY);
  private readonly timer: unknown;
  private readonly idleAfterMs: number;
  private readonly clock: WorkerClock;
  private readonly now: () => number;

  constructor(
    private readonly post: (message: WorkerToBridge) => void,
    timing: ControllerTiming = {},
  ) {
    this.idleAfterMs = timing.idleAfterMs ?? 5000;
    const clock = (this.clock = timing.clock ?? systemClock);
    this.now = () => clock.now();
    this.signer = new Signer(post, clock, timing.signTimeoutMs);
    this.keyFrames = new KeyFrameRequests(this.now);
    this.indexes = new SenderIndexes(this.now);
    this.timer = clock.setInterval(() => this.heartbeat(), timing.reportIntervalMs ?? 1000);
  }

  /** Stops the heartbeat and the session (the worker never needs this; tests do). */
  dispose(): void {
    this.clock.clearInterval(this.timer);
    this.session?.dispose();
    this.signer.detach();
  }

  handleBridgeMessage(message: BridgeToWorker): void {
    if (typeof message !== 'object' || message === null) return;
    switch (message.kind) {
      case 'settings':
        return this.applySettings(message.settings, message.identityPublicKey);
      case 'signed':
      case 'sign-refused':
        return this.signer.settle(message);
      case 'detached':
        // No settings will ever come: with none yet, frames pass (the extension is gone); else nothing changes.
        this.signer.detach();
        if (this.settingsState === 'pending') this.settingsState = 'detached';
        return this.report();
    }
  }

  /** A transform was attached: the page is setting up a call. */
  noteTransform(): void {
    this.transformSeen = true;
    this.touch();
    this.report();
  }

  /** A new local sender's claim on an index, hence its own KID and key (§5.3): taken on its first frame. */
  senderSlot(): SenderSlot {
    return this.indexes.slot();
  }

  /** An index held for good (tests); undefined when all 256 are held by active senders. */
  allocateSenderIndex(): number | undefined {
    return this.indexes.permanent();
  }

  /**
   * Video receivers and senders register here: when a pair becomes current, each receiver asks for a key frame and
   * each sender makes one (≤ 1 per 500 ms each, §6.5, §6.7).
   */
  onKeyFrameNeeded(request: () => void): () => void {
    return this.keyFrames.register(request);
  }

  /*
   * The two methods below run for every frame of every call (protocol.md §2, §3): one copy of the frame's bytes in
   * each direction (WebCrypto's output into the frame that goes on), no bigint work, no status object, no packet
   * built while there is nothing to say, and one await on WebCrypto once keys are made.
   */
  async outgoing(frame: EncodedFrame, senderIndex: number | undefined): Promise<EncodedFrame | null> {
    this.touch();
    this.sampleCodec(frame, 'send');
    const session = this.activeSession();
    if (session === 'drop') return this.drop('not-ready');
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    if (isUnitCodec(frame)) return this.unitOutgoing(session, frame, data, senderIndex);
    const prefixLength = clearPrefixLength(frame, data.length);
    if (prefixLength === null) return this.unsupportedCodec(frame);
    const mode = session.sendMode();
    if (mode === 'plain') {
      const probe = isVideo(frame) ? null : session.takeProbe();
      if (probe === null) return this.passPlain(frame);
      frame.data = probeFrame(data, probe).buffer;
      return frame;
    }
    const packet = session.outgoingPacket();
    const media = prefixLength < data.length;
    if (mode === 'encrypt' && senderIndex !== undefined && media && this.keys.current !== null) {
      const clearPrefix = data.subarray(0, prefixLength);
      const tail = trailerLength(packet);
      const out = await this.keys.seal(senderIndex, data.subarray(prefixLength), clearPrefix, prefixLength, tail);
      out.set(clearPrefix, 0);
      writeTrailer(out, out.length - tail, true, packet);
      frame.data = out.buffer;
      this.counters.encrypted++;
      return frame;
    }
    if (mode === 'encrypt' && senderIndex === undefined && media) {
      // A media frame of an encrypted call that cannot be encrypted (its sender holds no index) is not sent: said (§6.3).
      this.noteNotSent(frame);
      this.count('no-key');
      if (packet === null) return null;
    }
    if (packet === null) return this.drop('held-back');
    frame.data = encodeCallSealFrame({ clearPrefix: data.subarray(0, prefixLength), payload: EMPTY, handshake: packet }).buffer;
    return frame;
  }

  async incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    const now = this.touch();
    this.sampleCodec(frame, 'receive');
    const session = this.activeSession();
    if (session === 'drop') return this.drop('not-ready');
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    const withPacket = hasCallSealTrailer(data);
    if (!withPacket && !endsInMediaMarker(data)) return this.plainIncoming(session, frame, now);
    if (isUnitCodec(frame)) return this.unitIncoming(session, frame, data, withPacket, now);
    const prefixLength = clearPrefixLength(frame, data.length);
    if (prefixLength === null) return this.unsupportedCodec(frame);
    const parsed = parseCallSealFrame(data, prefixLength); // malformed: throws, the worker counts it dropped
    if (parsed === null) return withPacket ? this.drop('malformed') : this.plainIncoming(session, frame, now);
    if (withPacket) session.noteCallSealFrame();
    if (parsed.handshake !== undefined) await session.receivePacket(parsed.handshake);
    this.keyFrames.flush();
    if (!parsed.hasMedia) return null; // handshake-only: never to the decoder
    const prefix = parsed.clearPrefix;
    const start = prefix.length;
    let opened;
    try {
      opened = await this.keys.open(data, start, start + parsed.payload.length, prefix, start);
    } catch (error) {
      // A media-only frame is CallSeal's only if it decrypts (§2): one that does not is plain media to the session.
      if (parsed.candidate) return this.plainIncoming(session, frame, now);
      throw error;
    }
    const { pairId, frame: out } = opened;
    if (parsed.candidate) session.noteCallSealFrame();
    out.set(prefix, 0);
    session.noteMediaDecrypted(pairId);
    frame.data = out.buffer;
    this.counters.decrypted++;
    this.lastDecryptedAt = now;
    return frame;
  }

  /**
   * H264 and AV1 (§2.1, §2.2): the codec's clear heads stay in place, the bodies are encrypted as one SFrame cut into
   * per-unit segments. A frame its codec's layout cannot cut is never sent.
   */
  private async unitOutgoing(
    session: CallSession,
    frame: EncodedFrame,
    data: Uint8Array,
    senderIndex: number | undefined,
  ): Promise<EncodedFrame | null> {
    let layout: ReturnType<typeof outgoingLayout>;
    try {
      layout = outgoingLayout(frame, data);
    } catch {
      this.noteNotSent(frame); // a frame its codec's layout cannot cut (§2.1, §2.2): never sent
      return this.drop('malformed');
    }
    if (layout === null) return this.unsupportedCodec(frame);
    const mode = session.sendMode();
    if (mode === 'plain') return this.passPlain(frame);
    const packet = session.outgoingPacket();
    const media = layout.plaintext.length > 0;
    if (mode === 'encrypt' && senderIndex !== undefined && media && this.keys.current !== null) {
      const payload = await this.keys.encrypt(senderIndex, layout.plaintext, layout.aad);
      frame.data = layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload, handshake: packet }), true).buffer;
      this.counters.encrypted++;
      return frame;
    }
    if (mode === 'encrypt' && senderIndex === undefined && media) {
      this.noteNotSent(frame); // its sender holds no index (§5.3): not sent, and said (§6.3)
      this.count('no-key');
      if (packet === null) return null;
    }
    if (packet === null) return this.drop('held-back');
    frame.data = layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload: EMPTY, handshake: packet }), false).buffer;
    return frame;
  }

  /**
   * A received H264 or AV1 frame that ends in the magic or the media marker, cut as its sender cut it (§2.1, §2.2). A
   * media-only candidate that cannot be cut or does not decrypt is plain media to the session (§2).
   */
  private async unitIncoming(
    session: CallSession,
    frame: EncodedFrame,
    data: Uint8Array,
    withPacket: boolean,
    now: number,
  ): Promise<EncodedFrame | null> {
    let layout: ReturnType<typeof incomingLayout>;
    try {
      layout = incomingLayout(frame, data);
    } catch (error) {
      if (!withPacket) return this.plainIncoming(session, frame, now);
      throw error; // malformed: the worker counts it dropped
    }
    if (layout === null) return this.unsupportedCodec(frame);
    const { parsed } = layout;
    if (withPacket) session.noteCallSealFrame();
    if (parsed.handshake !== undefined) await session.receivePacket(parsed.handshake);
    this.keyFrames.flush();
    if (!parsed.hasMedia) return null; // handshake-only: never to the decoder
    let decrypted;
    try {
      decrypted = await this.keys.decrypt(parsed.payload, layout.aad);
    } catch (error) {
      if (parsed.candidate) return this.plainIncoming(session, frame, now);
      throw error;
    }
    const restored = layout.restore(decrypted.plaintext); // inconsistent lengths: throws, dropped as malformed
    if (parsed.candidate) session.noteCallSealFrame();
    session.noteMediaDecrypted(decrypted.pairId);
    frame.data = restored.buffer;
    this.counters.decrypted++;
    this.lastDecryptedAt = now;
    return frame;
  }

  /** A peer frame that is not CallSeal's: evidence (§6.4), passed only in `unencrypted`. */
  private plainIncoming(session: CallSession, frame: EncodedFrame, now: number): EncodedFrame | null {
    session.notePlainFrame();
    this.lastPlainAt = now;
    return session.sendMode() === 'plain' ? this.passPlain(frame) : this.drop('plain-refused');
  }

  /**
   * A frame whose handling threw (bad tag, replay, unknown key, malformed) is dropped and counted by reason; the
   * worker's streams never see the error.
   */
  frameFailed(error?: unknown): null {
    return this.drop(dropReasonOf(error));
  }

  /** The frame counters so far (a copy). */
  frameCounters(): FrameCounters {
    return { ...this.counters, drops: { ...this.counters.drops } };
  }

  // ---- settings and session ------------------------------------------------------------------------------------

  private applySettings(settings: PageSettings, identity: Uint8Array | null): void {
    if (!isPageSettings(settings) || !(identity === null || (identity instanceof Uint8Array && identity.length === 32))) {
      return; // not from our bridge: ignored (frames stay as they are)
    }
    const wasOn = this.settingsState === 'known' && this.settings.enabled;
    this.settings = { ...settings };
    this.settingsState = 'known';
    if (!settings.enabled || identity === null) {
      this.stopSession();
      this.identity = null;
    } else if (!wasOn || this.session === null || this.identity === null || !equalBytes(this.identity, identity)) {
      this.startSession(identity.slice());
    } else {
      this.session.updatePolicy(settings);
    }
    this.report();
  }

  private startSession(identity: Uint8Array): void {
    this.stopSession();
    this.identity = identity;
    this.reportSession = randomSessionId(); // §7.4: a new session replaces the frame's old one
    this.reportedEpoch = 0;
    this.session = new CallSession({
      identityPublicKey: identity,
      sign: (input) => this.signer.sign(input),
      now: this.now,
      fallbackAfterMs: this.settings.fallbackAfterMs,
      allowPlaintextFallback: this.settings.allowPlaintextFallback,
      onPairConfirmed: (keys) => {
        this.keys.install(keys);
        this.keyFrames.requestAll();
      },
      onPairRetired: (pairId) => this.keys.remove(pairId),
      onChange: () => this.report(),
    });
  }

  private stopSession(): void {
    this.session?.dispose();
    this.session = null;
    this.keys.clear();
  }

  /** The session frames go through; or 'drop' (settings pending, or E2EE on without a session); or 'pass'. */
  private activeSession(): CallSession | 'drop' | 'pass' {
    if (this.settingsState === 'pending') return 'drop';
    if (this.settingsState === 'detached' || !this.settings.enabled) return 'pass';
    return this.session ?? 'drop';
  }

  // ---- frames --------------------------------------------------------------------------------------------------

  private touch(): number {
    const now = this.now();
    this.lastActivityAt = now;
    if (!this.inCall) {
      this.inCall = true;
      this.report();
    }
    return now;
  }

  /** Notes the frame's codec for the call's details, at most once a second per direction and kind (cheap). */
  private sampleCodec(frame: EncodedFrame, side: 'send' | 'receive'): void {
    const slot = (side === 'send' ? 0 : 2) + (isVideo(frame) ? 1 : 0);
    const now = this.lastActivityAt;
    if (now - (this.codecSampledAt[slot] ?? Number.NEGATIVE_INFINITY) < CODEC_SAMPLE_MS) return;
    this.codecSampledAt[slot] = now;
    this.codecsSeen.set(mediaCodecOf(frame), now);
  }

  private passPlain(frame: EncodedFrame): EncodedFrame {
    this.counters.plaintext++;
    return frame;
  }

  private drop(reason: DropReason): null {
    this.count(reason);
    return null;
  }

  private count(reason: DropReason): void {
    this.counters.dropped++;
    const drops = (this.counters.drops ??= {});
    drops[reason] = (drops[reason] ?? 0) + 1;
  }

  /** Frames of a codec CallSeal cannot encrypt are never sent or played in clear while E2EE is on. */
  private unsupportedCodec(frame: EncodedFrame): null {
    const codec = codecName(frame);
    const media: MediaKind = isVideo(frame) ? 'video' : 'audio';
    const now = this.now();
    const last = this.unsupported;
    const changed = last === null || last.codec !== codec || last.media !== media || now - last.at >= UNSUPPORTED_RECENT_MS;
    this.unsupported = { codec, media, at: now };
    if (changed) this.report();
    return this.drop('unsupported-codec');
  }

  /** A local media frame that cannot be encrypted in this call is not sent: the user is told which media. */
  private noteNotSent(frame: EncodedFrame): void {
    const media: MediaKind = isVideo(frame) ? 'video' : 'audio';
    const now = this.now();
    const last = this.notSent;
    const changed = last === null || last.media !== media || now - last.at >= UNSUPPORTED_RECENT_MS;
    this.notSent = { media, at: now };
    if (changed) this.report();
  }

  // ---- reports -------------------------------------------------------------------------------------------------

  private heartbeat(): void {
    this.session?.tick();
    this.keyFrames.flush();
    const inCall = this.now() - this.lastActivityAt < this.idleAfterMs;
    if (this.inCall && !inCall) this.session?.noteCallEnded(); // the call ended: its warning ends too (§6.2)
    this.inCall = inCall;
    this.report(true);
  }

  private statusReport(): Omit<SessionReport, 'seq'> {
    const now = this.now();
    const status: SessionStatus | undefined = this.inCall && this.session !== null ? this.session.status() : undefined;
    let state: SessionReport['state'] = 'off';
    if (this.inCall && this.settingsState === 'pending') state = 'negotiating'; // frames held back
    else if (this.inCall && this.settingsState === 'known' && this.settings.enabled) state = status?.state ?? 'error';
    // Between calls (`off`) the session and its pairs stay (§6.3), and so does its epoch: a report of the same session
    // with a lower epoch is impossible to the background (§7.4), which would put the frame in error for good.
    const epoch = Math.max(this.reportedEpoch, status?.epoch ?? this.session?.status().epoch ?? 0);
    this.reportedEpoch = epoch;
    const report: Omit<SessionReport, 'seq'> = {
      session: this.reportSession,
      state,
      epoch,
      counters: { ...this.counters },
    };
    if ((state === 'encrypted' || state === 'identity-changed') && status?.peerIdentityPublicKey !== undefined) {
      report.securityCode = status.securityCode as string;
      report.peerIdentityPublicKey = bytesToBase64(status.peerIdentityPublicKey);
      if (status.peerName !== undefined) report.peerName = status.peerName;
      if (status.suite !== undefined) report.suite = status.suite;
    }
    if (state === 'off') return report;
    const codecs = MEDIA_CODECS.filter((codec) => now - (this.codecsSeen.get(codec) ?? Number.NEGATIVE_INFINITY) < CODEC_RECENT_MS);
    if (codecs.length > 0) report.codecs = codecs;
    const unsupported = this.unsupported !== null && now - this.unsupported.at < UNSUPPORTED_RECENT_MS;
    const peerStopped =
      (state === 'encrypted' || state === 'identity-changed') &&
      now - this.lastPlainAt < PEER_SILENCE_MS &&
      now - this.lastDecryptedAt >= PEER_SILENCE_MS;
    if (status?.detail !== undefined) report.detail = status.detail;
    else if (state === 'error') report.detail = 'internal-error';
    else if (unsupported && this.unsupported !== null) {
      report.detail = 'unsupported-codec';
      report.codec = this.unsupported.codec;
      report.media = this.unsupported.media;
    } else if (this.notSent !== null && now - this.notSent.at < UNSUPPORTED_RECENT_MS) {
      report.detail = 'media-not-sent';
      report.media = this.notSent.media;
    } else if (peerStopped) report.detail = 'peer-stopped-encrypting';
    return report;
  }

  /** Posts the status when it changed, or always (`heartbeat`); only once a transform exists (§7.4). */
  private report(heartbeat = false): void {
    if (!this.transformSeen) return;
    const report = this.statusReport();
    const text = JSON.stringify(report, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    if (!heartbeat && text === this.lastReport) return;
    this.lastReport = text;
    this.post({ kind: 'report', report: { ...report, seq: ++this.seq } });
  }
}

/** Why a frame's handling failed, as a drop reason. */
function dropReasonOf(error: unknown): DropReason {
  if (isSFrameError(error)) {
    switch (error.code) {
      case 'unknown-kid':
        return 'no-key';
      case 'authentication-failed':
        return 'auth-failed';
      case 'replay':
        return 'replay';
      case 'truncated-header':
      case 'truncated-ciphertext':
      case 'length-overflow':
        return 'malformed';
      default:
        return 'internal';
    }
  }
  if (isE2eeError(error, 'malformed-frame')) return 'malformed';
  return error === undefined ? 'not-ready' : 'internal';
}

function randomSessionId(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

