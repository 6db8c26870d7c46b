/**
 * The page's call as the transform worker sees it: the settings, the key-agreement session, the keys, and what
 * happens to each frame. One controller serves every transform of the page (all its peer connections).
 *
 * Outgoing frame, E2EE on:
 *   session not ready, or negotiating  → hello-only frame (clear prefix + hello), or dropped: nothing in clear
 *   encrypted                          → clear prefix + SFrame(body, AAD = clear prefix) [+ hello while needed]
 *   unencrypted (fallback allowed)     → unaltered
 *   blocked / error                    → hello-only frame or dropped
 * Incoming frame, E2EE on:
 *   CallSeal frame  → hello to the session; media decrypted (failures dropped); hello-only frames dropped
 *   plain frame     → evidence for the fallback; passed only in `unencrypted`, dropped otherwise
 * With E2EE off every frame passes unaltered.
 */
import { codecClearPrefixLength, encodeCallSealFrame, parseCallSealFrame } from '../e2ee/frame-container';
import { CallSession, type SessionStatus } from '../e2ee/session';
import { bytesToBase64 } from '../shared/base64';
import { ZERO_COUNTERS, type CodecName, type DetailCode, type FrameCounters, type PageSettings } from '../shared/call-status';
import type { SessionReport } from '../shared/messages';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import { HelloSigner } from './hello-signer';
import { KeyRing } from './key-ring';

export type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

const EMPTY = new Uint8Array(0);

/** The session's reason codes as the report's detail codes. */
const REASONS: Record<string, DetailCode> = {
  'peer-media-without-callseal': 'no-key-exchange',
  'epoch-install-failed': 'keys-failed',
  'sign-failed': 'sign-failed',
};
const REPORT_INTERVAL_MS = 1000;
/** How long without a decrypted frame, while plain ones arrive, before the user is told the peer stopped encrypting. */
const PEER_SILENCE_MS = 2000;
/** No frame in or out for this long means no call (audio sends frames even in silence, at least every 400 ms). */
const IDLE_AFTER_MS = 5000;
/** Wait before asking again for a hello signature that failed. */
const SESSION_RETRY_MS = 3000;

export class CallController {
  private settings: PageSettings = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 };
  /** Until the first settings arrive, frames are held back (dropped): E2EE may be on, even required. */
  private settingsKnown = false;
  private identityPublicKey: Uint8Array | undefined;
  private session: CallSession | undefined;
  /** Bumped whenever a session is dropped, so a late-finishing start does not install a stale one. */
  private generation = 0;
  private readonly keys = new KeyRing();
  private readonly signer: HelloSigner;
  private counters: FrameCounters = { ...ZERO_COUNTERS };
  private peerIdentityPublicKey: string | undefined;
  private detail: DetailCode | undefined;
  private codec: CodecName | undefined;
  /** The worker session (protocol.md §7.4): fresh whenever E2EE is switched on; reports count up within it. */
  private sessionId = randomSessionId();
  private seq = 0;
  /** When the peer last sent plain media, and when a frame of theirs last decrypted (performance.now()). */
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  /** When a frame last went through any transform, or a transform was attached: a call is on while this is recent. */
  private lastActivityAt = Number.NEGATIVE_INFINITY;
  private lastDecryptedAt = Number.NEGATIVE_INFINITY;
  private readonly keyFrameRequesters = new Set<() => void>();
  private nextSenderIndex = 0;

  private readonly timer: ReturnType<typeof setInterval>;

  private readonly idleAfterMs: number;
  private readonly sessionRetryMs: number;

  constructor(
    private readonly post: (message: WorkerToBridge) => void,
    timing: { idleAfterMs?: number; sessionRetryMs?: number } = {},
  ) {
    this.idleAfterMs = timing.idleAfterMs ?? IDLE_AFTER_MS;
    this.sessionRetryMs = timing.sessionRetryMs ?? SESSION_RETRY_MS;
    this.signer = new HelloSigner(post);
    this.timer = setInterval(() => {
      this.session?.tick();
      this.report(); // a heartbeat
    }, REPORT_INTERVAL_MS);
  }

  /** Stops the status timer (the worker never needs this; tests do). */
  dispose(): void {
    clearInterval(this.timer);
  }

  get helloSigner(): HelloSigner {
    return this.signer;
  }

  /** A message from the bridge (checked by the worker's entry point). */
  handleBridgeMessage(message: BridgeToWorker): void {
    switch (message.kind) {
      case 'settings':
        this.applySettings(message.settings, message.identityPublicKey);
        return;
      case 'signed':
      case 'sign-refused':
        this.signer.settle(message);
        return;
      case 'detached':
        // No settings will come any more; what is known stays in force (unknown settings: nothing is sent).
        return;
    }
  }

  applySettings(settings: PageSettings, identityPublicKey: Uint8Array | null): void {
    if (settings.enabled && !identityPublicKey) return; // E2EE on comes with the identity key
    if (settings.enabled && !this.settings.enabled) {
      this.sessionId = randomSessionId();
      this.seq = 0;
    }
    this.settings = settings;
    this.settingsKnown = true;
    const key = identityPublicKey ?? undefined;
    const identityChanged = !key || !this.identityPublicKey || bytesToBase64(this.identityPublicKey) !== bytesToBase64(key);
    this.identityPublicKey = key;
    if (!settings.enabled || identityChanged) this.dropSession();
    if (settings.enabled) this.ensureSession();
    this.report(true);
  }

  /** A transform was attached: the page is setting up a call. */
  noteTransform(): void {
    this.lastActivityAt = performance.now();
  }

  /** A new local sender: its own index, hence its own KID and key. Undefined once 256 were handed out. */
  allocateSenderIndex(): number | undefined {
    return this.nextSenderIndex <= 0xff ? this.nextSenderIndex++ : undefined;
  }

  /** Receivers of video register here: after new keys, each asks the peer for a key frame. */
  onKeyFrameNeeded(request: () => void): () => void {
    this.keyFrameRequesters.add(request);
    return () => void this.keyFrameRequesters.delete(request);
  }

  async outgoing(frame: EncodedFrame, senderIndex: number | undefined): Promise<EncodedFrame | null> {
    this.lastActivityAt = performance.now();
    if (!this.settings.enabled) return this.settingsPending() ? this.drop() : this.passPlain(frame);
    const state = this.session?.status().state;
    if (state === 'unencrypted') return this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    const prefixLength = clearPrefixLength(frame, data.length);
    if (prefixLength === null) {
      this.codec = codecName(mimeTypeOf(frame));
      return this.drop('unsupported-codec');
    }
    // A frame no longer than its clear prefix has nothing to encrypt; sent, it would be split differently on receipt.
    if (prefixLength >= data.length) return this.drop();
    const clearPrefix = data.subarray(0, prefixLength);
    const hello = this.session?.outgoingHello() ?? undefined;
    if (state === 'encrypted' && this.keys.hasKeys && senderIndex !== undefined) {
      const sender = await this.keys.sender(senderIndex);
      const payload = await sender.encrypt(data.subarray(prefixLength), clearPrefix);
      frame.data = encodeCallSealFrame(hello ? { clearPrefix, payload, hello } : { clearPrefix, payload }).buffer;
      this.counters.encrypted++;
      return frame;
    }
    if (!hello) return this.drop();
    frame.data = encodeCallSealFrame({ clearPrefix, payload: EMPTY, hello }).buffer;
    return frame;
  }

  async incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    this.lastActivityAt = performance.now();
    if (!this.settings.enabled) return this.settingsPending() ? this.drop() : this.passPlain(frame);
    const data = new Uint8Array(frame.data);
    const prefixLength = clearPrefixLength(frame, data.length);
    const parsed = prefixLength === null ? null : parseCallSealFrame(data, prefixLength);
    const session = this.session;
    if (!parsed) {
      session?.notePlainPeerMedia();
      this.lastPlainAt = performance.now();
      return session?.status().state === 'unencrypted' ? this.passPlain(frame) : this.drop();
    }
    if (parsed.hello && session) await session.receivePeerHello(parsed.hello);
    if (!parsed.hasMedia) return this.drop(undefined, false);
    const { plaintext } = await this.keys.decrypt(parsed.payload, parsed.clearPrefix);
    const out = new Uint8Array(parsed.clearPrefix.length + plaintext.length);
    out.set(parsed.clearPrefix);
    out.set(plaintext, parsed.clearPrefix.length);
    frame.data = out.buffer;
    this.counters.decrypted++;
    this.lastDecryptedAt = performance.now();
    return frame;
  }

  /**
   * The settings normally arrive before the first frame (the worker starts when the app asks for the camera). Until
   * they do, frames are held back rather than sent in clear: E2EE may be on, even required (protocol.md §7.3).
   */
  private settingsPending(): boolean {
    return !this.settingsKnown;
  }

  /** A frame that could not be handled (bad tag, replay, malformed, unsupported) is dropped and counted. */
  frameFailed(): null {
    this.counters.dropped++;
    return null;
  }

  private passPlain(frame: EncodedFrame): EncodedFrame {
    this.counters.plaintext++;
    return frame;
  }

  private drop(detail?: DetailCode, count = true): null {
    if (count) this.counters.dropped++;
    if (detail && detail !== this.detail) {
      this.detail = detail;
      this.report(true);
    }
    return null;
  }

  /** Starts a session unless one exists or is being made (each start costs a signature from the background). */
  private ensureSession(): void {
    if (this.session || this.starting) return;
    const starting = this.startSession().finally(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    this.starting = starting;
  }

  private dropSession(): void {
    this.generation++;
    this.session = undefined;
    this.starting = undefined; // a start still in flight is for the old generation and will be discarded
    this.keys.clear();
    this.peerIdentityPublicKey = undefined;
    this.detail = undefined;
  }

  private async startSession(): Promise<void> {
    const identityPublicKey = this.identityPublicKey;
    if (!identityPublicKey) return;
    const generation = ++this.generation;
    try {
      const session = await CallSession.create({
        identityPublicKey,
        signHello: (body) => this.signer.sign(body),
        now: () => performance.now(),
        fallbackAfterMs: this.settings.fallbackAfterMs,
        allowPlaintextFallback: this.settings.allowPlaintextFallback,
        onStatus: () => this.report(true),
        onEpoch: (secrets, epoch) => {
          if (generation !== this.generation) return;
          this.keys.install(secrets, epoch);
          this.peerIdentityPublicKey = bytesToBase64(secrets.peerIdentityPublicKey);
          for (const request of this.keyFrameRequesters) request();
        },
      });
      if (generation !== this.generation) return;
      this.session = session;
      this.sessionFailed = false;
      this.detail = undefined;
    } catch {
      if (generation !== this.generation) return;
      this.detail = 'sign-failed';
      this.sessionFailed = true;
      // Most causes pass (a service worker restart lost the request, the signing budget was spent): try again.
      setTimeout(() => {
        if (generation === this.generation) this.ensureSession();
      }, this.sessionRetryMs);
    }
    this.report(true);
  }

  private sessionFailed = false;
  private starting: Promise<void> | undefined;

  private statusReport(): SessionReport {
    const status: SessionStatus | undefined = this.session?.status();
    let state: SessionReport['state'] = 'off';
    // No frames for a while: the call has ended (or not begun), and the popup must not show one.
    const inCall = performance.now() - this.lastActivityAt < this.idleAfterMs;
    if (this.settings.enabled && inCall) state = status?.state ?? (this.sessionFailed ? 'error' : 'negotiating');
    const report: SessionReport = {
      session: this.sessionId,
      seq: this.seq,
      state,
      epoch: status?.epoch ?? 0,
      counters: { ...this.counters },
    };
    if (status?.securityCode && state === 'encrypted') report.securityCode = status.securityCode;
    if (this.peerIdentityPublicKey && state === 'encrypted') report.peerIdentityPublicKey = this.peerIdentityPublicKey;
    const detail = (status?.reason && REASONS[status.reason]) ?? this.peerStoppedEncrypting(state) ?? this.detail;
    if (detail && state !== 'off') report.detail = detail;
    if (detail === 'unsupported-codec' && this.codec && state !== 'off') report.codec = this.codec;
    return report;
  }

  /**
   * An encrypted call stays encrypted (a downgrade mid-call would be an attacker's dream), but if the peer's media
   * now arrives only in clear — they switched CallSeal off — the user is told why they no longer see them.
   */
  private peerStoppedEncrypting(state: SessionReport['state']): DetailCode | undefined {
    const now = performance.now();
    const plainLately = now - this.lastPlainAt < PEER_SILENCE_MS;
    const decryptedLately = now - this.lastDecryptedAt < PEER_SILENCE_MS;
    if (state !== 'encrypted' || !plainLately || decryptedLately) return undefined;
    return 'peer-stopped-encrypting';
  }

  /** Sends the status to the background: on every change (`_force`) and once a second as a heartbeat. */
  private report(_force = false): void {
    const report = this.statusReport();
    this.seq++;
    this.post({ kind: 'report', report });
  }
}

function randomSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function codecName(mimeType: string | undefined): CodecName {
  const subtype = (mimeType ?? '').split('/')[1]?.toUpperCase();
  return subtype === 'H264' || subtype === 'AV1' || subtype === 'H265' ? subtype : 'other';
}

function mimeTypeOf(frame: EncodedFrame): string | undefined {
  return (frame.getMetadata() as { mimeType?: string }).mimeType;
}

function clearPrefixLength(frame: EncodedFrame, length: number): number | null {
  const isVideo = 'type' in frame;
  // Audio frames that do not name their codec are Opus, WebRTC's mandatory audio codec.
  const mimeType = mimeTypeOf(frame) ?? (isVideo ? '' : 'audio/opus');
  return codecClearPrefixLength(mimeType, isVideo && frame.type === 'key', length);
}
