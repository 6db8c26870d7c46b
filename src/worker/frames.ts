/**
 * What the controller needs to know about Chromium's encoded frames: their codec, their clear prefix (protocol.md
 * §2), and how a probe frame looks (§6.4). No keys here.
 */
import { codecClearPrefixLength, encodeCallSealFrame } from '../e2ee/frame-container';
import type { CodecName, MediaCodec } from '../shared/call-status';
import { av1Incoming, av1Outgoing } from './codecs/av1';
import { h264Incoming, h264Outgoing } from './codecs/h264';
import { prefixIncoming, prefixOutgoing, type IncomingLayout, type OutgoingLayout } from './codecs/layout';

export type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

export function isVideo(frame: EncodedFrame): frame is RTCEncodedVideoFrame {
  return 'type' in frame;
}

function mimeTypeOf(frame: EncodedFrame): string | undefined {
  const mimeType = (frame.getMetadata() as { mimeType?: unknown }).mimeType;
  return typeof mimeType === 'string' ? mimeType : undefined;
}

/** The RTP synchronization source the frame came on (one per sender's stream through an SFU); -1 when not given. */
export function synchronizationSourceOf(frame: EncodedFrame): number {
  const ssrc = (frame.getMetadata() as { synchronizationSource?: unknown }).synchronizationSource;
  return typeof ssrc === 'number' ? ssrc : -1;
}

function mimeOf(frame: EncodedFrame): string {
  return (mimeTypeOf(frame) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** H264 and AV1 frames are cut into units (§2.1, §2.2); every other codec keeps a clear prefix (§2). */
export function isUnitCodec(frame: EncodedFrame): boolean {
  if (!isVideo(frame)) return false;
  const mime = mimeOf(frame);
  return mime === 'video/h264' || mime === 'video/av1';
}

/**
 * How an outgoing frame is cut (§2): what stays in clear (the AAD), what is encrypted, and where the container goes.
 * Null for a codec CallSeal does not support; throws 'malformed-frame' for a frame of a supported codec that cannot
 * be cut (never sent then).
 */
export function outgoingLayout(frame: EncodedFrame, data: Uint8Array): OutgoingLayout | null {
  if (isVideo(frame) && mimeOf(frame) === 'video/h264') return h264Outgoing(data);
  if (isVideo(frame) && mimeOf(frame) === 'video/av1') return av1Outgoing(data);
  const prefixLength = clearPrefixLength(frame, data.length);
  return prefixLength === null ? null : prefixOutgoing(data, prefixLength);
}

/**
 * How a received CallSeal frame (it ends in the magic) was cut by its sender, with its container parsed. Null for a
 * codec CallSeal does not support; throws 'malformed-frame' when the frame is inconsistent.
 */
export function incomingLayout(frame: EncodedFrame, data: Uint8Array): IncomingLayout | null {
  if (isVideo(frame) && mimeOf(frame) === 'video/h264') return h264Incoming(data);
  if (isVideo(frame) && mimeOf(frame) === 'video/av1') return av1Incoming(data);
  const prefixLength = clearPrefixLength(frame, data.length);
  return prefixLength === null ? null : prefixIncoming(data, prefixLength);
}

/** The clear-prefix length (§2) of a prefix codec, or null for a codec without one (H264, AV1) or not supported. */
export function clearPrefixLength(frame: EncodedFrame, length: number): number | null {
  // Audio frames that do not name their codec are Opus, WebRTC's mandatory audio codec.
  const mimeType = mimeTypeOf(frame) ?? (isVideo(frame) ? '' : 'audio/opus');
  return codecClearPrefixLength(mimeType, isVideo(frame) && frame.type === 'key', length);
}

/** The name a report may carry for an unsupported codec (a fixed list: the page never chooses the words). */
export function codecName(frame: EncodedFrame): CodecName {
  const mime = mimeOf(frame);
  if (mime === 'video/h264') return 'H264';
  if (mime === 'video/av1') return 'AV1';
  if (mime === 'video/h265' || mime === 'video/hevc') return 'H265';
  return 'other';
}

/** The codec a frame carries, for the call's details (a fixed list: the page never chooses the words). */
export function mediaCodecOf(frame: EncodedFrame): MediaCodec {
  const mime = (mimeTypeOf(frame) ?? (isVideo(frame) ? '' : 'audio/opus')).split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime === 'audio/opus') return 'opus';
  if (mime === 'video/vp8') return 'VP8';
  if (mime === 'video/vp9') return 'VP9';
  const name = codecName(frame);
  return name === 'other' ? 'other' : name;
}

/**
 * A probe frame (§6.4): handshake-only, with the clear prefix `TOC | 0x03, 0x00` — Opus code 3 with a frame count of
 * zero, an invalid packet that an Opus decoder without CallSeal treats as lost. The 0x00 sits where receivers with
 * CallSeal ignore bytes (§2).
 */
export function probeFrame(opusFrame: Uint8Array, packet: Uint8Array): Uint8Array<ArrayBuffer> {
  const toc = opusFrame.length > 0 ? (opusFrame[0] ?? 0) : 0;
  return encodeCallSealFrame({
    clearPrefix: Uint8Array.of(toc | 0x03),
    payload: new Uint8Array(0),
    filler: Uint8Array.of(0x00),
    handshake: packet,
  });
}
