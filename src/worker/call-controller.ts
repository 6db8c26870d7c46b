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
import { ZERO_COUNTERS, type FrameCounters, type PageSettings } from '../shared/call-status';
import type { SessionReport } from '../shared/messages';
import type { WorkerToMain } from '../shared/worker-messages';
import { HelloSigner } from './hello-signer';
import { KeyRing } from './key-ring';

export type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

const EMPTY = new Uint8Array(0);

/** What the session's reason codes mean to the user. */
const REASONS: Record<string, string> = {
  'peer-media-without-callseal': 'The other side is sending media without CallSeal.',
  'epoch-install-failed': 'New keys could not be installed.',
  'sign-failed': 'The extension could not sign the key exchange.',
};
const REPORT_INTERVAL_MS = 1000;
/** How long without a decrypted frame, while plain ones arrive, before the user is told the peer stopped encrypting. */
const PEER_SILENCE_MS = 2000;
/** No frame in or out for this long means no call (audio sends frames even in silence, at least every 400 ms). */
const IDLE_AFTER_MS = 5000;
/** The longest frames are held back waiting for the first settings. */
const SETTINGS_WAIT_MS = 2000;
/** Wait before asking again for a hello signature that failed. */
const SESSION_RETRY_MS = 3000;

export class CallController {
  private settings: PageSettings = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 };
  /** Until the first settings arrive, frames are held back (dropped): E2EE may be on, even required. */
  private settingsKnown = false;
  private readonly startedAt = performance.now();
  private identityPublicKey: Uint8Array | undefined;
  private session: CallSession | undefined;
  /** Bumped whenever a session is dropped, so a late-finishing start does not install a stale one. */
  private generation = 0;
  private readonly keys = new KeyRing();
  private readonly signer: HelloSigner;
  private counters: FrameCounters = { ...ZERO_COUNTERS };
  private peerIdentityPublicKey: string | undefined;
  private detail: string | undefined;
  private lastReport = '';
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
    private readonly post: (message: WorkerToMain) => void,
    timing: { idleAfterMs?: number; sessionRetryMs?: number } = {},
  ) {
    this.idleAfterMs = timing.idleAfterMs ?? IDLE_AFTER_MS;
    this.sessionRetryMs = timing.sessionRetryMs ?? SESSION_RETRY_MS;
    this.signer = new HelloSigner(post);
    this.timer = setInterval(() => {
      this.session?.tick();
      this.report();
    }, REPORT_INTERVAL_MS);
  }

  /** Stops the status timer (the worker never needs this; tests do). */
  dispose(): void {
    clearInterval(this.timer);
  }

  get helloSigner(): HelloSigner {
    return this.signer;
  }

  applySettings(settings: PageSettings, identityPublicKey: Uint8Array): void {
    this.settings = settings;
    this.settingsKnown = true;
    const identityChanged = !this.identityPublicKey || bytesToBase64(this.identityPublicKey) !== bytesToBase64(identityPublicKey);
    this.identityPublicKey = identityPublicKey;
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
    if (prefixLength === null) return this.drop(`Unsupported codec ${mimeTypeOf(frame) ?? '(unknown)'}: not sent.`);
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
   * The settings normally arrive before the first frame (the worker starts when the app asks for the camera). If
   * they are late, frames are held back rather than sent in clear — for at most SETTINGS_WAIT_MS: an extension
   * that cannot answer at all (it was just updated, say) must not leave the call dead.
   */
  private settingsPending(): boolean {
    return !this.settingsKnown && performance.now() - this.startedAt < SETTINGS_WAIT_MS;
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

  private drop(detail?: string, count = true): null {
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
    } catch (error) {
      if (generation !== this.generation) return;
      this.detail = `Encryption could not start: ${(error as Error).message}`;
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
    const report: SessionReport = { state, epoch: status?.epoch ?? 0, counters: { ...this.counters } };
    if (status?.securityCode && state === 'encrypted') report.securityCode = status.securityCode;
    if (this.peerIdentityPublicKey && state === 'encrypted') report.peerIdentityPublicKey = this.peerIdentityPublicKey;
    const detail = (status?.reason && REASONS[status.reason]) ?? this.peerStoppedEncrypting(state) ?? this.detail;
    if (detail && state !== 'off') report.detail = detail;
    return report;
  }

  /**
   * An encrypted call stays encrypted (a downgrade mid-call would be an attacker's dream), but if the peer's media
   * now arrives only in clear — they switched CallSeal off — the user is told why they no longer see them.
   */
  private peerStoppedEncrypting(state: SessionReport['state']): string | undefined {
    const now = performance.now();
    const plainLately = now - this.lastPlainAt < PEER_SILENCE_MS;
    const decryptedLately = now - this.lastDecryptedAt < PEER_SILENCE_MS;
    if (state !== 'encrypted' || !plainLately || decryptedLately) return undefined;
    return 'The other side is now sending unencrypted media; CallSeal does not play it.';
  }

  /** Sends the status to the background when it changed (or always, when `force`). */
  private report(force = false): void {
    const report = this.statusReport();
    const text = JSON.stringify(report);
    if (!force && text === this.lastReport) return;
    this.lastReport = text;
    this.post({ kind: 'session', report });
  }
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
