/**
 * The hot path: what happens to each encoded frame of every transform of the page, in each direction
 * (protocol.md §2 frames on the wire, §2.1 H264, §2.2 AV1, §3 SFrame, §6.3 states, §6.4 fallback and probing).
 *
 * Outgoing frame, E2EE on (§6.3):
 *   negotiating, blocked, error → handshake-only frame (clear prefix + packet), or dropped: nothing in clear
 *   encrypted, identity-changed → the codec's clear parts + SFrame(the rest, AAD = the clear parts) [+ packet while a
 *                                 record is pending]; where the bytes go is the codec's layout (frames.ts, §2, §2.1)
 *   unencrypted (fallback)      → unaltered, but one audio frame a second becomes a probe frame (§6.4)
 * Incoming frame, E2EE on:
 *   CallSeal frame → packet to the session; media decrypted under a confirmed pair (failures throw: dropped);
 *                    handshake-only frames never reach the decoder
 *   plain frame    → evidence (§6.4); passed only in `unencrypted`
 * Which session frames go through (or whether they are dropped or passed unaltered) is the controller's to say
 * (call-controller.ts); what the path observes goes to the reporter (call-report.ts).
 *
 * One copy of the frame's bytes in each direction (WebCrypto's output into the frame that goes on), no bigint work,
 * no status object, no packet built while there is nothing to say, and one await on WebCrypto once keys are made.
 */
import {
  encodeCallSealFrame,
  endsInMediaMarker,
  hasCallSealTrailer,
  parseCallSealFrame,
  trailerLength,
  writeTrailer,
} from '../e2ee/frame-container';
import { isE2eeError } from '../e2ee/errors';
import type { CallSession } from '../e2ee/session';
import { isSFrameError } from '../sframe';
import type { DropReason } from '../shared/call-status';
import type { CallReporter } from './call-report';
import {
  clearPrefixLength,
  incomingLayout,
  isUnitCodec,
  isVideo,
  outgoingLayout,
  probeFrame,
  type EncodedFrame,
} from './frames';
import type { KeyFrameRequests } from './key-frames';
import type { MediaKeys } from './group-frame-keys';

const EMPTY = new Uint8Array(0);

/** The session frames go through; or 'drop' (settings pending, or E2EE on without a session); or 'pass' (E2EE off). */
export type ActiveSession = CallSession | 'drop' | 'pass';

/** What the frame path works with: the session of the moment, the SFrame keys, key-frame requests, the reporter. */
interface FramePathParts {
  activeSession(): ActiveSession;
  keys: MediaKeys;
  keyFrames: KeyFrameRequests;
  reporter: CallReporter;
}

export class FramePath {
  private readonly keys: MediaKeys;
  private readonly keyFrames: KeyFrameRequests;
  private readonly reporter: CallReporter;
  private readonly activeSession: () => ActiveSession;

  constructor(parts: FramePathParts) {
    this.keys = parts.keys;
    this.keyFrames = parts.keyFrames;
    this.reporter = parts.reporter;
    this.activeSession = () => parts.activeSession();
  }

  async outgoing(frame: EncodedFrame, senderIndex: number | undefined): Promise<EncodedFrame | null> {
    this.reporter.touch();
    this.reporter.sampleCodec(frame, 'send');
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
      this.reporter.countEncrypted();
      return frame;
    }
    if (mode === 'encrypt' && senderIndex === undefined && media) {
      // A media frame of an encrypted call that cannot be encrypted (its sender holds no index) is not sent: said (§6.3).
      this.reporter.noteNotSent(frame);
      this.reporter.countDropped('no-key');
      if (packet === null) return null;
    }
    if (packet === null) return this.drop('held-back');
    frame.data = encodeCallSealFrame({ clearPrefix: data.subarray(0, prefixLength), payload: EMPTY, handshake: packet }).buffer;
    return frame;
  }

  async incoming(frame: EncodedFrame): Promise<EncodedFrame | null> {
    const now = this.reporter.touch();
    this.reporter.sampleCodec(frame, 'receive');
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
    if (withPacket) this.noteCallSealFrame(session, frame);
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
      if (parsed.candidate) return this.plainIncoming(session, frame, now, error);
      throw error;
    }
    const { pairId, frame: out } = opened;
    if (parsed.candidate) session.noteCallSealFrame();
    out.set(prefix, 0);
    session.noteMediaDecrypted(pairId);
    frame.data = out.buffer;
    this.reporter.countDecrypted(now);
    return frame;
  }

  /**
   * A frame whose handling threw (bad tag, replay, unknown key, malformed) is dropped and counted by reason; the
   * worker's streams never see the error.
   */
  failed(error?: unknown): null {
    return this.drop(dropReasonOf(error));
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
      this.reporter.noteNotSent(frame); // a frame its codec's layout cannot cut (§2.1, §2.2): never sent
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
      this.reporter.countEncrypted();
      return frame;
    }
    if (mode === 'encrypt' && senderIndex === undefined && media) {
      this.reporter.noteNotSent(frame); // its sender holds no index (§5.3): not sent, and said (§6.3)
      this.reporter.countDropped('no-key');
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
    if (withPacket) this.noteCallSealFrame(session, frame);
    if (parsed.handshake !== undefined) await session.receivePacket(parsed.handshake);
    this.keyFrames.flush();
    if (!parsed.hasMedia) return null; // handshake-only: never to the decoder
    let decrypted;
    try {
      decrypted = await this.keys.decrypt(parsed.payload, layout.aad);
    } catch (error) {
      if (parsed.candidate) return this.plainIncoming(session, frame, now, error);
      throw error;
    }
    const restored = layout.restore(decrypted.plaintext); // inconsistent lengths: throws, dropped as malformed
    if (parsed.candidate) session.noteCallSealFrame();
    session.noteMediaDecrypted(decrypted.pairId);
    frame.data = restored.buffer;
    this.reporter.countDecrypted(now);
    return frame;
  }

  /**
   * A peer frame that is not CallSeal's: evidence (§6.4), passed only in `unencrypted`. `undecrypted`: why a frame
   * that ended in the media marker did not decrypt — plain for the session, but likely CallSeal media under keys this
   * side does not hold (a group member's before its switch, §11.5), so it never makes a participant without
   * CallSeal, and when refused it is counted under that reason, not as plain media (§7.4).
   */
  private plainIncoming(session: CallSession, frame: EncodedFrame, now: number, undecrypted?: unknown): EncodedFrame | null {
    const marked = undecrypted !== undefined;
    session.notePlainFrame();
    this.reporter.notePlainReceived(now);
    if (session.sendMode() === 'plain') return this.passPlain(frame);
    if (!marked) this.reporter.notePlainStream(frame, now);
    return this.drop(marked ? dropReasonOf(undecrypted) : 'plain-refused');
  }

  /** A frame that carried a CallSeal packet: for the session (§6.4) and for the stream it came on (§11.9). */
  private noteCallSealFrame(session: CallSession, frame: EncodedFrame): void {
    session.noteCallSealFrame();
    this.reporter.noteCallSealSource(frame);
  }

  private passPlain(frame: EncodedFrame): EncodedFrame {
    this.reporter.countPlain();
    return frame;
  }

  private drop(reason: DropReason): null {
    this.reporter.countDropped(reason);
    return null;
  }

  /** Frames of a codec CallSeal cannot encrypt are never sent or played in clear while E2EE is on. */
  private unsupportedCodec(frame: EncodedFrame): null {
    this.reporter.noteUnsupported(frame);
    return this.drop('unsupported-codec');
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
