/**
 * What the transform worker tells the bridge about the page's call (protocol.md §7.4): a random session id per E2EE
 * session (new when E2EE goes on or the identity changes), `seq` increasing, a heartbeat every second once a transform
 * exists and a report on every change. Reasons are codes (`DetailCode`, `DropReason`): the sentences a user reads are
 * made in one place, src/shared/status-text.ts, never here.
 *
 * The reporter also keeps the facts the frame path observes for the report: frame counters and drop reasons, the
 * call's activity (§6.2: a call ends when no frame went in or out for a while), the codecs seen, an unsupported codec
 * or media not sent (§6.3), and the peer's media arriving in clear in an encrypted call (§6.3).
 */
import type { SessionStatus } from '../e2ee/session';
import { bytesToBase64 } from '../shared/base64';
import { toHex } from '../shared/bytes';
import {
  MEDIA_CODECS,
  ZERO_COUNTERS,
  type CodecName,
  type DropReason,
  type FrameCounters,
  type MediaCodec,
  type MediaKind,
} from '../shared/call-status';
import type { ReportParticipant, SessionReport } from '../shared/messages';
import type { WorkerToBridge } from '../shared/worker-messages';
import { codecName, isVideo, mediaCodecOf, synchronizationSourceOf, type EncodedFrame } from './frames';

/** The peer's media only in clear for this long, in an encrypted call: the user is told (§6.3). */
const PEER_SILENCE_MS = 2000;
/** Plain frames in a row on one stream, in an encrypted call, that make it a plain stream (§11.9). */
const PLAIN_STREAM_FRAMES = 50;
/** A stream unheard this long is forgotten; at most this many are kept; at most this many people are counted (§11.9). */
const STREAM_FORGET_MS = 10_000;
const MAX_STREAMS = 64;
const MAX_COUNTED = 32;
/** An unsupported codec, or media not sent, is named while its frames were dropped this recently. */
const UNSUPPORTED_RECENT_MS = 2000;
/** The call's details name the codecs seen this recently; each stream kind is sampled at most this often. */
const CODEC_RECENT_MS = 5000;
const CODEC_SAMPLE_MS = 1000;

/**
 * The session as the report sees it, asked on every report: `pending` before the first settings, `on` with E2EE on,
 * `off` with E2EE off or the extension gone; and the session's status when one runs.
 */
interface ReportedSession {
  settings: 'pending' | 'on' | 'off';
  status(): SessionStatus | undefined;
}

/** A synchronization source that sent frames that are not CallSeal's, or carried a CallSeal packet (§11.9). */
interface Stream {
  video: boolean;
  /** Plain frames since its last gap of PEER_SILENCE_MS. */
  run: number;
  lastPlainAt: number;
  lastSeenAt: number;
  /** A frame of it carried a CallSeal packet: a CallSeal peer sending in clear (a probe, §6.4), not someone without. */
  callSeal: boolean;
}

export class CallReporter {
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
  /** The streams that sent plain frames or carried a CallSeal packet, by synchronization source (§11.9). */
  private readonly streams = new Map<number, Stream>();
  private lastDecryptedAt = Number.NEGATIVE_INFINITY;
  private unsupported: { codec: CodecName; media: MediaKind; at: number } | null = null;
  /** A local track's media frame that could not be encrypted, in an encrypted call (§6.3): it is not sent. */
  private notSent: { media: MediaKind; at: number } | null = null;
  /** When each codec was last seen (for the call's details). */
  private readonly codecsSeen = new Map<MediaCodec, number>();
  /** When the codec was last sampled, per direction and kind: [send audio, send video, receive audio, receive video]. */
  private readonly codecSampledAt = new Float64Array(4).fill(Number.NEGATIVE_INFINITY);

  constructor(
    private readonly post: (message: WorkerToBridge) => void,
    private readonly now: () => number,
    private readonly session: () => ReportedSession,
    /** No frame in or out for this long means no call (audio sends frames even in silence). */
    private readonly idleAfterMs: number,
  ) {}

  /** A new E2EE session: a new report session, whose epochs start again (§7.4). */
  newSession(): void {
    this.reportSession = randomSessionId();
    this.reportedEpoch = 0;
  }

  /** A transform was attached: reports start (§7.4). */
  noteTransform(): void {
    this.transformSeen = true;
  }

  /** A frame went in or out: the call is running. Returns the time. */
  touch(): number {
    const now = this.now();
    this.lastActivityAt = now;
    if (!this.inCall) {
      this.inCall = true;
      this.report();
    }
    return now;
  }

  /**
   * The heartbeat's report. When no frame went in or out for `idleAfterMs`, the call has ended: `onCallEnded` runs
   * before the call is reported over (the session's warning ends with it, §6.2).
   */
  heartbeat(onCallEnded: () => void): void {
    const inCall = this.now() - this.lastActivityAt < this.idleAfterMs;
    if (this.inCall && !inCall) onCallEnded();
    this.inCall = inCall;
    this.report(true);
  }

  // ---- what the frame path observed ----------------------------------------------------------------------------

  /** Notes the frame's codec for the call's details, at most once a second per direction and kind (cheap). */
  sampleCodec(frame: EncodedFrame, side: 'send' | 'receive'): void {
    const slot = (side === 'send' ? 0 : 2) + (isVideo(frame) ? 1 : 0);
    const now = this.lastActivityAt;
    if (now - (this.codecSampledAt[slot] ?? Number.NEGATIVE_INFINITY) < CODEC_SAMPLE_MS) return;
    this.codecSampledAt[slot] = now;
    this.codecsSeen.set(mediaCodecOf(frame), now);
  }

  countEncrypted(): void {
    this.counters.encrypted++;
  }

  countDecrypted(now: number): void {
    this.counters.decrypted++;
    this.lastDecryptedAt = now;
  }

  countPlain(): void {
    this.counters.plaintext++;
  }

  countDropped(reason: DropReason): void {
    this.counters.dropped++;
    const drops = (this.counters.drops ??= {});
    drops[reason] = (drops[reason] ?? 0) + 1;
  }

  /** A peer frame that is not CallSeal's arrived (§6.4). */
  notePlainReceived(now: number): void {
    this.lastPlainAt = now;
  }

  /**
   * A peer frame without CallSeal's trailer or media marker that is not played (the call is encrypted, or being
   * set up): counted on its stream, for the participants without CallSeal (§11.9). Frames played in clear (§6.4's
   * fallback) are not: the count is reported only in an encrypted call.
   */
  notePlainStream(frame: EncodedFrame, now: number): void {
    const stream = this.streamOf(frame, now);
    if (stream === null) return;
    if (now - stream.lastPlainAt >= PEER_SILENCE_MS) stream.run = 0;
    stream.run++;
    stream.lastPlainAt = now;
  }

  /** A frame that carried a CallSeal packet: its stream is a CallSeal peer's, whatever else it sends (§11.9). */
  noteCallSealSource(frame: EncodedFrame): void {
    const stream = this.streamOf(frame, this.lastActivityAt);
    if (stream !== null) stream.callSeal = true;
  }

  /**
   * The frame's stream, by synchronization source; null when MAX_STREAMS others were heard within STREAM_FORGET_MS
   * (those kept are the first heard: a flood of new sources cannot push the others out).
   */
  private streamOf(frame: EncodedFrame, now: number): Stream | null {
    const key = synchronizationSourceOf(frame);
    let stream = this.streams.get(key);
    if (stream === undefined) {
      if (this.streams.size >= MAX_STREAMS) this.forgetStreams(now);
      if (this.streams.size >= MAX_STREAMS) return null;
      stream = { video: isVideo(frame), run: 0, lastPlainAt: Number.NEGATIVE_INFINITY, lastSeenAt: now, callSeal: false };
      this.streams.set(key, stream);
    }
    stream.lastSeenAt = now;
    return stream;
  }

  private forgetStreams(now: number): void {
    for (const [key, stream] of this.streams) if (now - stream.lastSeenAt >= STREAM_FORGET_MS) this.streams.delete(key);
  }

  /**
   * How many participants without CallSeal send now (§11.9): the larger of the plain audio streams and the plain video
   * streams less those of CallSeal peers sending in clear (one video each, at most). A lower bound.
   */
  private withoutCallSeal(now: number): number {
    let audio = 0;
    let video = 0;
    let callSealInClear = 0;
    this.forgetStreams(now);
    for (const stream of this.streams.values()) {
      if (stream.run < PLAIN_STREAM_FRAMES || now - stream.lastPlainAt >= PEER_SILENCE_MS) continue;
      if (stream.callSeal) callSealInClear += stream.video ? 0 : 1;
      else if (stream.video) video++;
      else audio++;
    }
    return Math.min(MAX_COUNTED, Math.max(audio, video - callSealInClear));
  }

  /** A frame of a codec CallSeal cannot encrypt: named in the report while such frames keep coming. */
  noteUnsupported(frame: EncodedFrame): void {
    const codec = codecName(frame);
    const media: MediaKind = isVideo(frame) ? 'video' : 'audio';
    const now = this.now();
    const last = this.unsupported;
    const changed = last === null || last.codec !== codec || last.media !== media || now - last.at >= UNSUPPORTED_RECENT_MS;
    this.unsupported = { codec, media, at: now };
    if (changed) this.report();
  }

  /** A local media frame that cannot be encrypted in this call is not sent: the user is told which media. */
  noteNotSent(frame: EncodedFrame): void {
    const media: MediaKind = isVideo(frame) ? 'video' : 'audio';
    const now = this.now();
    const last = this.notSent;
    const changed = last === null || last.media !== media || now - last.at >= UNSUPPORTED_RECENT_MS;
    this.notSent = { media, at: now };
    if (changed) this.report();
  }

  /** The frame counters so far (a copy). */
  frameCounters(): FrameCounters {
    return { ...this.counters, drops: { ...this.counters.drops } };
  }

  // ---- reports -------------------------------------------------------------------------------------------------

  private statusReport(): Omit<SessionReport, 'seq'> {
    const now = this.now();
    const session = this.session();
    const status: SessionStatus | undefined = this.inCall ? session.status() : undefined;
    let state: SessionReport['state'] = 'off';
    if (this.inCall && session.settings === 'pending') state = 'negotiating'; // frames held back
    else if (this.inCall && session.settings === 'on') state = status?.state ?? 'error';
    // Between calls (`off`) the session and its pairs stay (§6.3), and so does its epoch: a report of the same session
    // with a lower epoch is impossible to the background (§7.4), which would put the frame in error for good.
    const epoch = Math.max(this.reportedEpoch, status?.epoch ?? session.status()?.epoch ?? 0);
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
    if (state !== 'off' && status?.participants !== undefined && status.participants.length > 0) {
      report.participants = status.participants.map((p) => {
        const out: ReportParticipant = {
          state: p.state,
          securityCode: p.securityCode,
          peerIdentityPublicKey: bytesToBase64(p.peerIdentityPublicKey),
          hearsYou: p.hearsYou,
          youHear: p.youHear,
        };
        if (p.peerName !== undefined) out.peerName = p.peerName;
        if (p.codePending === true) out.codePending = true;
        return out;
      });
      if (status.suite !== undefined) report.suite = status.suite;
      if (status.groupCode !== undefined) report.groupCode = status.groupCode; // a complete round only (§11.7)
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
    const withoutCallSeal = state === 'encrypted' ? this.withoutCallSeal(now) : 0;
    if (withoutCallSeal > 0) report.withoutCallSeal = withoutCallSeal;
    if (report.detail === undefined && withoutCallSeal > 0) {
      // Media decrypts, and someone's arrives in clear all along: participants without CallSeal (§11.3, §11.9).
      report.detail = 'participant-without-callseal';
    }
    return report;
  }

  /** Posts the status when it changed, or always (`heartbeat`); only once a transform exists (§7.4). */
  report(heartbeat = false): void {
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
