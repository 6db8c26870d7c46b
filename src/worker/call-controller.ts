/**
 * The page's call as the transform worker sees it: the settings, the session, the keys, what happens to each frame,
 * and what is reported. One controller serves every transform of the page (all its peer connections).
 *
 * Outgoing frame, E2EE on (protocol.md §6.3):
 *   negotiating, blocked, error → handshake-only frame (clear prefix + packet), or dropped: nothing in clear
 *   encrypted, identity-changed → clear prefix + SFrame(rest, AAD = prefix) [+ packet while a record is pending]
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
  type FrameCounters,
  type MediaCodec,
  type PageSettings,
} from '../shared/call-status';
import type { SessionReport } from '../shared/messages';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import { KeyFrameRequests } from './key-frames';
import { KeyRing } from './key-ring';
import { clearPrefixLength, codecName, isVideo, mediaCodecOf, probeFrame, type EncodedFrame } from './frames';
import { Signer } from './signer';

export type { EncodedFrame } from './frames';

export interface ControllerTiming {
  /** No frame in or out for this long means no call (audio sends frames even in silence). Default 5000. */
  idleAfterMs?: number;
  /** Heartbeat period. Default 1000. */
  reportIntervalMs?: number;
  /** How long a signature may take. Default 10 000. */
  signTimeoutMs?: number;
  /** Monotonic milliseconds. Default performance.now(). */
  now?: () => number;
}

const EMPTY = new Uint8Array(0);
/** The peer's media only in clear for this long, in an encrypted call: the user is told (§6.3). */
const PEER_SILENCE_MS = 2000;
/** An unsupported codec is named while its frames were dropped this recently. */
const UNSUPPORTED_RECENT_MS = 2000;
/** The call's details name the codecs seen this recently; each stream kind is sampled at most this often. */
const CODEC_RECENT_MS = 5000;
const CODEC_SAMPLE_MS = 1000;

type SettingsState = 'pending' | 'known' | 'detached';

export class CallController {
  private settingsState: SettingsState = 'pending';
  private settings: PageSettings = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 };
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
  private unsupported: { codec: CodecName; at: number } | null = null;
  /** When each codec was last seen, and when each direction and kind was last sampled (for the call's details). */
  private readonly codecsSeen = new Map<MediaCodec, number>();
  /** When the codec was last sampled, per direction and kind: [send audio, send video, receive audio, receive video]. */
  private readonly codecSampledAt = new Float64Array(4).fill(Number.NEGATIVE_INFINITY);
  private nextSenderIndex = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly idleAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly post: (message: WorkerToBridge) => void,
    timing: ControllerTiming = {},
  ) {
    this.idleAfterMs = timing.idleAfterMs ?? 5000;
    this.now = timing.now ?? (() => performance.now());
    this.signer = new Signer(post, timing.signTimeoutMs);
    this.keyFrames = new KeyFrameRequests(this.now);
    this.timer = setInterval(() => this.heartbeat(), timing.reportIntervalMs ?? 1000);
  }

  /** Stops the heartbeat and the session (the worker never needs this; tests do). */
  dispose(): void {
    clearInterval(this.timer);
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

  /** A new local sender: its own index, hence its own KID and key (§5.3). Undefined once 256 were handed out. */
  allocateSenderIndex(): number | undefined {
    return this.nextSenderIndex <= 0xff ? this.nextSenderIndex++ : undefined;
  }

  /** Video receivers register here: when a pair becomes current, each asks for a key frame (≤ 1 per 500 ms, §6.5). */
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
    if (session === 'drop') return this.drop();
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
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
    if (mode === 'encrypt' && senderIndex !== undefined && prefixLength < data.length && this.keys.current !== null) {
      const clearPrefix = data.subarray(0, prefixLength);
      const tail = trailerLength(packet);
      const out = await this.keys.seal(senderIndex, data.subarray(prefixLength), clearPrefix, prefixLength, tail);
      out.set(clearPrefix, 0);
      writeTrailer(out, out.length - tail, true, packet);
      frame.data = out.buffer;
      this.counters.encrypted++;
      return frame;
    }
    if (packet === null) return this.drop();
    frame.data = encodeCallSealFrame({ clearPrefix: data.subarray(0, prefixLength), payload: EMPTY, handshake: packet }).buffer;
    return frame;
  }

  async incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    const now = this.touch();
    this.sampleCodec(frame, 'receive');
    const session = this.activeSession();
    if (session === 'drop') return this.drop();
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    const withPacket = hasCallSealTrailer(data);
    if (!withPacket && !endsInMediaMarker(data)) return this.plainIncoming(session, frame, now);
    const prefixLength = clearPrefixLength(frame, data.length);
    if (prefixLength === null) return this.unsupportedCodec(frame);
    const parsed = parseCallSealFrame(data, prefixLength); // malformed: throws, the worker counts it dropped
    if (parsed === null) return withPacket ? this.drop() : this.plainIncoming(session, frame, now);
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

  /** A peer frame that is not CallSeal's: evidence (§6.4), passed only in `unencrypted`. */
  private plainIncoming(session: CallSession, frame: EncodedFrame, now: number): EncodedFrame | null {
    session.notePlainFrame();
    this.lastPlainAt = now;
    return session.sendMode() === 'plain' ? this.passPlain(frame) : this.drop();
  }

  /** A frame that could not be handled (bad tag, replay, malformed) is dropped and counted. */
  frameFailed(): null {
    this.counters.dropped++;
    return null;
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

  private drop(): null {
    this.counters.dropped++;
    return null;
  }

  /** Frames of a codec CallSeal cannot encrypt are never sent or played in clear while E2EE is on. */
  private unsupportedCodec(frame: EncodedFrame): null {
    const codec = codecName(frame);
    const changed = this.unsupported?.codec !== codec;
    this.unsupported = { codec, at: this.now() };
    if (changed) this.report();
    return this.drop();
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

function randomSessionId(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

