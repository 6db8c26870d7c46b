/**
 * The page's call as the transform worker sees it; one controller serves every transform of the page (all its peer
 * connections). It owns the session's life (protocol.md §6 the session, §6.3 states, §7.2 the bridge's settings):
 * settings in, a session started when E2EE goes on or the identity changes, stopped when it goes off, signatures
 * through the bridge (signer.ts), confirmed pairs' keys into the key ring (§5.3), key frames asked for (§6.5). The two
 * other jobs are its parts: what happens to each frame (frame-path.ts, §2, §3, §6.4) and what is reported to the
 * bridge, as codes (call-report.ts, §7.4).
 *
 * Before the first settings every frame is dropped (E2EE may be on, even required); if the extension went away
 * before any settings came, frames pass unaltered; with E2EE off, everything passes unaltered and no session runs.
 * Time comes from an injected clock (clock.ts), so tests run on fake time.
 */
import { equalBytes } from '../shared/bytes';
import { CallSession, RESTART_INTERVAL_MS } from '../e2ee/session';
import { isPageSettings, type FrameCounters, type PageSettings, DEFAULT_FALLBACK_AFTER_MS } from '../shared/call-status';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import { CallReporter } from './call-report';
import { systemClock, type WorkerClock } from './clock';
import { FramePath, type ActiveSession } from './frame-path';
import type { EncodedFrame } from './frames';
import { KeyFrameRequests } from './key-frames';
import { MediaKeys } from './group-frame-keys';
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

type SettingsState = 'pending' | 'known' | 'detached';

export class CallController {
  private settingsState: SettingsState = 'pending';
  private settings: PageSettings = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: DEFAULT_FALLBACK_AFTER_MS };
  private identity: Uint8Array | null = null;
  private session: CallSession | null = null;
  /** The pairs' keys and the group's (§5.3, §11.2): the KID of each received frame says which. */
  private readonly keys = new MediaKeys(
    () => this.session?.groupKeys() ?? null,
    () => this.now(),
  );
  private readonly signer: Signer;
  private readonly keyFrames: KeyFrameRequests;
  /** Local video encoders: a key frame at a group key switch, and when a newcomer holds our key (§11.5). */
  private readonly encoderKeyFrames: KeyFrameRequests;
  private readonly indexes: SenderIndexes;
  private readonly reporter: CallReporter;
  private readonly frames: FramePath;
  private readonly timer: unknown;
  private readonly clock: WorkerClock;
  private readonly now: () => number;
  /** When a session last asked to be replaced because a pair failed in a group (§6.5): at most once a minute. */
  private lastRestartAt = Number.NEGATIVE_INFINITY;

  constructor(post: (message: WorkerToBridge) => void, timing: ControllerTiming = {}) {
    const clock = (this.clock = timing.clock ?? systemClock);
    this.now = () => clock.now();
    this.signer = new Signer(post, clock, timing.signTimeoutMs);
    this.keyFrames = new KeyFrameRequests(this.now);
    this.encoderKeyFrames = new KeyFrameRequests(this.now);
    this.indexes = new SenderIndexes(this.now);
    this.reporter = new CallReporter(
      post,
      this.now,
      () => ({
        settings: this.settingsState === 'pending' ? 'pending' : this.settingsState === 'known' && this.settings.enabled ? 'on' : 'off',
        status: () => this.session?.status(),
      }),
      timing.idleAfterMs ?? 5000,
    );
    this.frames = new FramePath({
      activeSession: () => this.activeSession(),
      keys: this.keys,
      keyFrames: this.keyFrames,
      reporter: this.reporter,
    });
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
        return this.reporter.report();
    }
  }

  /** A transform was attached: the page is setting up a call. */
  noteTransform(): void {
    this.reporter.noteTransform();
    this.reporter.touch();
    this.reporter.report();
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

  /** Video senders register here: at a group key switch each encoder makes a key frame (≤ 1 per 500 ms, §11.5). */
  onEncoderKeyFrameNeeded(request: () => void): () => void {
    return this.encoderKeyFrames.register(request);
  }

  /** One frame of a send transform (frame-path.ts): what goes on the wire, or null (dropped). */
  outgoing(frame: EncodedFrame, senderIndex: number | undefined): Promise<EncodedFrame | null> {
    return this.frames.outgoing(frame, senderIndex);
  }

  /** One frame of a receive transform (frame-path.ts): what reaches the decoder, or null (dropped). */
  incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    return this.frames.incoming(frame);
  }

  /**
   * A frame whose handling threw (bad tag, replay, unknown key, malformed) is dropped and counted by reason; the
   * worker's streams never see the error.
   */
  frameFailed(error?: unknown): null {
    return this.frames.failed(error);
  }

  /** The frame counters so far (a copy). */
  frameCounters(): FrameCounters {
    return this.reporter.frameCounters();
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
    this.reporter.report();
  }

  private startSession(identity: Uint8Array): void {
    this.stopSession();
    this.identity = identity;
    this.reporter.newSession(); // §7.4: a new session replaces the frame's old one
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
      onChange: () => this.reporter.report(),
      onKeyFrame: (side) => (side === 'encoder' ? this.encoderKeyFrames : this.keyFrames).requestAll(),
      onRestart: () => this.restartSession(),
    });
  }

  /**
   * §6.5: the session's pair with someone still in the call failed, and this side is to try again: a new session (a
   * fresh pid), as E2EE switched off and on would make, at most once per RESTART_INTERVAL_MS. After the session's tick.
   */
  private restartSession(): void {
    const now = this.now();
    if (now - this.lastRestartAt < RESTART_INTERVAL_MS) return;
    this.lastRestartAt = now;
    const session = this.session;
    const identity = this.identity;
    queueMicrotask(() => {
      if (this.session !== session || identity === null || !this.settings.enabled) return;
      this.startSession(identity);
      this.reporter.report();
    });
  }

  private stopSession(): void {
    this.session?.dispose();
    this.session = null;
    this.keys.clear();
  }

  /** The session frames go through; or 'drop' (settings pending, or E2EE on without a session); or 'pass'. */
  private activeSession(): ActiveSession {
    if (this.settingsState === 'pending') return 'drop';
    if (this.settingsState === 'detached' || !this.settings.enabled) return 'pass';
    return this.session ?? 'drop';
  }

  private heartbeat(): void {
    this.session?.tick();
    this.keyFrames.flush();
    this.encoderKeyFrames.flush();
    this.reporter.heartbeat(() => this.session?.noteCallEnded()); // the call ended: its warning ends too (§6.2)
  }
}
