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
import { encodeCallSealFrame, hasCallSealTrailer } from '../e2ee/frame-container';
import { CallSession, type SessionStatus } from '../e2ee/session';
import { bytesToBase64 } from '../shared/base64';
import { toHex } from '../shared/bytes';
import {
  isPageSettings,
  ZERO_COUNTERS,
  type CodecName,
  type DropReason,
  type FrameCounters,
  type MediaKind,
  type PageSettings,
} from '../shared/call-status';
import { isE2eeError } from '../e2ee/errors';
import { isSFrameError } from '../sframe';
import type { SessionReport } from '../shared/messages';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import { KeyFrameRequests } from './key-frames';
import { KeyRing } from './key-ring';
import { codecName, incomingLayout, isVideo, outgoingLayout, probeFrame, type EncodedFrame } from './frames';
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
  /** Monotonic milliseconds. Default performance.now(). */
  now?: () => number;
}

const EMPTY = new Uint8Array(0);
/** The peer's media only in clear for this long, in an encrypted call: the user is told (§6.3). */
const PEER_SILENCE_MS = 2000;
/** An unsupported codec, or media not sent, is named while its frames were dropped this recently. */
const UNSUPPORTED_RECENT_MS = 2000;

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
    this.indexes = new SenderIndexes(this.now);
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

  /** A new local sender's claim on an index, hence its own KID and key (§5.3): taken on its first frame. */
  senderSlot(): SenderSlot {
    return this.indexes.slot();
  }

  /** An index held for good (tests); undefined when all 256 are held by active senders. */
  allocateSenderIndex(): number | undefined {
    return this.indexes.permanent();
  }

  /** Video receivers register here: when a pair becomes current, each asks for a key frame (≤ 1 per 500 ms, §6.5). */
  onKeyFrameNeeded(request: () => void): () => void {
    return this.keyFrames.register(request);
  }

  async outgoing(frame: EncodedFrame, senderIndex: number | undefined): Promise<EncodedFrame | null> {
    this.touch();
    const session = this.activeSession();
    if (session === 'drop') return this.drop('not-ready');
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    let layout: ReturnType<typeof outgoingLayout>;
    try {
      layout = outgoingLayout(frame, data);
    } catch {
      this.noteNotSent(frame); // a frame its codec's layout cannot cut (§2.1, §2.2): never sent
      return this.drop('malformed');
    }
    if (layout === null) return this.unsupportedCodec(frame);
    const { state } = session.status();
    if (state === 'unencrypted') {
      const probe = isVideo(frame) ? null : session.takeProbe();
      if (probe === null) return this.passPlain(frame);
      frame.data = probeFrame(data, probe).buffer;
      return frame;
    }
    const packet = session.outgoingPacket();
    const canEncrypt = senderIndex !== undefined && layout.plaintext.length > 0 && this.keys.current !== null;
    if ((state === 'encrypted' || state === 'identity-changed') && canEncrypt) {
      const payload = await this.keys.encrypt(senderIndex, layout.plaintext, layout.aad);
      frame.data = layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload, handshake: packet }), true).buffer;
      this.counters.encrypted++;
      return frame;
    }
    // A media frame of an encrypted call that cannot be encrypted (its sender has no key) is not sent: said (§6.3).
    if ((state === 'encrypted' || state === 'identity-changed') && senderIndex === undefined && layout.plaintext.length > 0) {
      this.noteNotSent(frame);
      this.count('no-key');
      if (packet === null) return null;
    }
    if (packet === null) return this.drop('held-back');
    frame.data = layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload: EMPTY, handshake: packet }), false).buffer;
    return frame;
  }

  async incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    this.touch();
    const session = this.activeSession();
    if (session === 'drop') return this.drop('not-ready');
    if (session === 'pass') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    if (!hasCallSealTrailer(data)) {
      session.notePlainFrame();
      this.lastPlainAt = this.now();
      return session.status().state === 'unencrypted' ? this.passPlain(frame) : this.drop('plain-refused');
    }
    session.noteCallSealFrame();
    const layout = incomingLayout(frame, data); // malformed: throws, the worker counts it dropped
    if (layout === null) return this.unsupportedCodec(frame);
    const { parsed } = layout;
    if (parsed.handshake !== undefined) await session.receivePacket(parsed.handshake);
    this.keyFrames.flush();
    if (!parsed.hasMedia) return null; // handshake-only: never to the decoder
    const { pairId, plaintext } = await this.keys.decrypt(parsed.payload, layout.aad);
    session.noteMediaDecrypted(pairId);
    frame.data = layout.restore(plaintext).buffer;
    this.counters.decrypted++;
    this.lastDecryptedAt = this.now();
    return frame;
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

  private touch(): void {
    this.lastActivityAt = this.now();
    if (!this.inCall) {
      this.inCall = true;
      this.report();
    }
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
    const report: Omit<SessionReport, 'seq'> = {
      session: this.reportSession,
      state,
      epoch: status?.epoch ?? 0,
      counters: { ...this.counters },
    };
    if ((state === 'encrypted' || state === 'identity-changed') && status?.peerIdentityPublicKey !== undefined) {
      report.securityCode = status.securityCode as string;
      report.peerIdentityPublicKey = bytesToBase64(status.peerIdentityPublicKey);
    }
    if (state === 'off') return report;
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

