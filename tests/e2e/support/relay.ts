/**
 * A media relay for the tests: an SFU-like server built on werift (a WebRTC stack for Node) that plugs into the demo
 * server as its `mediaServer` (`startDemoServer({ mediaServer: relay })`) for the `single` and `split` topologies.
 *
 * What it does
 * - Answers every RTCPeerConnection a participant offers (`demo/public/app.js`: one sendrecv connection for `single`,
 *   a sendonly "publish" and a recvonly "subscribe" connection for `split`; for `group`, a "publish" connection and
 *   one recvonly `sub:<name>` connection per other participant, which carries that participant's media only). Each offered m-line is mirrored: what the
 *   client sends, the relay receives; what the client receives, the relay sends. Codecs: Opus, and VP8, H264 (any
 *   profile and packetization mode the client offers) and AV1 for video — the client chooses (`setCodecPreferences`);
 *   packets are forwarded whatever the codec.
 *   ICE: UDP host candidates on 127.0.0.1 only, no STUN/TURN (werift's built-in fallback to a public STUN server is
 *   switched off, so the relay never touches the network); the relay is ICE-lite, as SFUs are, so ICE-controlled,
 *   and answers vanilla (its answer carries its candidates): the browser runs the checks and consent freshness.
 * - Terminates DTLS-SRTP, so it sees the RTP payloads any SFU sees, and forwards every RTP packet from participant
 *   A's audio/video to participant B's audio/video in the same room, payload unchanged. The header is rewritten as
 *   any SFU must: B's SSRC and payload type, B's header extensions (only `mid`), sequence numbers and timestamps kept
 *   continuous (werift's sender) when A's stream is replaced after a reload. Padding is kept.
 * - Answers keyframe requests: a PLI or FIR from B (read off B's DTLS transport, see `answer()`) is forwarded
 *   upstream to A as a PLI, at most one per 100 ms; when B's connection comes up, a PLI is sent to A too, so video
 *   recovers after reloads and after a plaintext fallback without waiting for a timeout.
 * - Keeps a copy of what each participant sent, as received (before the `mitm` hook): VP8 RTP depacketized into
 *   whole frames (RFC 7741 payload descriptor removed, packets of one timestamp joined from the start-of-partition
 *   packet to the marker; incomplete frames are left out), H264 RTP depacketized into Annex B frames (RFC 6184 single
 *   NAL units, STAP-A and FU-A; each unit behind 00 00 00 01, as Chromium's depacketizer writes them), and Opus RTP
 *   payloads (one packet = one frame), and AV1 RTP joined into frames of OBUs, each with a size field.
 *   `copies(name)` returns them in order, across that participant's reloads.
 * - `mitm` can rewrite or drop a frame's payload before it is forwarded: every Opus packet, VP8 frames that fit in
 *   one RTP packet (which is what CallSeal's hello-only frames are), and the LAST packet of a multi-packet VP8 frame
 *   (`part: 'tail'`: the frame's end, where CallSeal's trailer is). Other packets, and other video codecs, pass
 *   unchanged.
 *   Dropping a packet leaves a sequence-number gap the receiver will NACK; the relay does not retransmit it.
 *
 * - Simulcast: a participant's video layers (RFC 8853, rids) arrive as separate streams; the relay forwards one, the
 *   one `simulcastLayer` names, as an SFU chooses a layer for each receiver.
 *
 * What it does not do
 * - No SVC, RTX, FEC, RED or congestion control of its own (no REMB/TWCC towards senders); no
 *   transcoding; no renegotiation of a live connection: clients offer new connections instead (the demo tears
 *   the call down and calls again when the other participant leaves or comes back), and the relay replaces the
 *   connection of the same name. A packet goes to every other participant of the room: on its `sub:<sender>`
 *   connection, or else on its only one (rooms of two).
 * - It does not answer NACKs for packets it dropped through `mitm` or `network`. Unless `network` says otherwise,
 *   packets are forwarded in arrival order (loopback rarely reorders).
 *
 * A hostile network (`network`): per stream (sender, receiver, kind), whole frames — the packets of one RTP timestamp
 * — are dropped at random (`dropRate`), and held back in a window of `reorderWindow` frames from which a random one
 * is released each time a new frame comes in (so frames overtake each other by up to the window; a frame held for
 * 100 ms goes out anyway). Sequence numbers travel with the packets (werift adds a constant offset), so the receiver
 * sees the gaps and the reordering as on a real network, and NACKs what is missing: werift's sender answers NACKs
 * only for packets it sent, so a dropped frame is lost for good and the receiver must ask for a key frame.
 */
import {
  PictureLossIndication,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  RTCRtpCodecParameters,
  Vp8RtpPayload,
  useFIR,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useVP8,
  type MediaStreamTrack,
  type RTCRtpReceiver,
  type RTCRtpSender,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import type { MediaServer, Participant } from '../../../demo/server.mjs';

export type MediaKind = 'audio' | 'video';

export interface RelayFrame {
  kind: MediaKind;
  /** Opus: the RTP payload. VP8: the frame (payload descriptor removed), or its last packet's part of it. */
  payload: Uint8Array;
  /** `whole`: the payload is the whole frame; `tail`: the end of a VP8 frame that spans several packets. */
  part: 'whole' | 'tail';
  /** The sending participant's name. */
  from: string;
  /** The receiving participant's name. */
  to: string;
}

export interface RelayOptions {
  /**
   * Simulcast: which layer (rid) of a participant's video to forward, asked for every packet, so a test can switch
   * layers mid-call as an SFU does; default the first layer seen. On a switch the relay asks the new layer for a key
   * frame.
   */
  simulcastLayer?: (from: string) => string | undefined;
  /**
   * Rewrites (return new bytes) or drops (return null) a frame before it is forwarded; return `frame.payload` to pass
   * it unchanged. Called for every Opus packet, for VP8 frames that fit in one RTP packet, and for the last packet
   * of every other VP8 frame (`part: 'tail'`).
   */
  mitm?: (frame: RelayFrame) => Uint8Array | null;
  /**
   * A hostile network between the relay and `to` (see the header), asked for every packet so a test can switch it on
   * and off mid-call; undefined: packets go out as they come.
   */
  network?: (from: string, to: string, kind: MediaKind) => NetworkImpairment | undefined;
}

export interface NetworkImpairment {
  /** Frames held back and released in random order (0 or 1: no reordering). */
  reorderWindow: number;
  /** Probability that a frame (all its packets) is dropped, in [0, 1]. */
  dropRate: number;
  /** Random numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface RelayCopies {
  /** Whole VP8 frames, H264 Annex B frames or AV1 OBU sequences (see `videoCodec`), in the order they completed. */
  video: Uint8Array[];
  /** The codec of the copied video frames (lower case, e.g. `video/vp8`, `video/h264`), once one arrived. */
  videoCodec?: string;
  /** Opus packets, in arrival order. */
  audio: Uint8Array[];
}

export interface RelayStats {
  /** Packets received from each participant, by kind. */
  received: Record<string, Record<MediaKind, number>>;
  /** Packets forwarded to each participant, by kind. */
  forwarded: Record<string, Record<MediaKind, number>>;
  /** Keyframe requests sent upstream to each participant. */
  keyframeRequests: Record<string, number>;
  /** When each of those was sent (Date.now()), in order. */
  keyframeRequestsAt: Record<string, number[]>;
  /**
   * When the first packet of a VP8 key frame went out to each participant (Date.now(), after `network`: a key frame it
   * dropped is not here), in order. The key-frame bit is in clear in CallSeal's frames too (VP8's payload header,
   * protocol.md §2).
   */
  keyframesForwardedAt: Record<string, number[]>;
  /** `network`, per receiving participant and kind: frames dropped, and frames released out of order. */
  impaired: Record<string, Record<MediaKind, { dropped: number; reordered: number }>>;
}

export interface Relay extends MediaServer {
  /** What `name` sent, as received (see the header). */
  copies(name: string): RelayCopies;
  /** Forgets every copy so far. */
  clearCopies(): void;
  stats(): RelayStats;
  close(): Promise<void>;
}

interface Inbound {
  receiver: RTCRtpReceiver;
  ssrc: number;
  assembler: { push(packet: RtpPacket): Uint8Array | undefined } | undefined;
  /** The codecs negotiated on the transceiver, to name a packet's payload type. */
  codecs: readonly RTCRtpCodecParameters[];
  /** Lower-case mime type of the video codec, from the first packet's payload type. */
  codec: string | undefined;
}

interface Outbound {
  sender: RTCRtpSender;
  link: Link;
  /** VP8 picture numbering kept continuous across upstream streams (simulcast layer switches, reloads). */
  vp8Ids: Vp8IdRewriter;
  /** For a `sub:<name>` connection: the participant whose media it carries. */
  source: string | undefined;
  /** SSRC of the upstream stream last forwarded here, to re-base sequence numbers when it changes. */
  sourceSsrc: number | undefined;
  /** `network`'s hold-back window for this stream. */
  shaper: Shaper;
}

interface Link {
  name: string;
  call: number;
  pc: RTCPeerConnection;
  closed: boolean;
}

interface Member {
  room: string;
  peer: string;
  session: string;
  send: (data: unknown) => void;
  links: Map<string, Link>;
  inbound: Map<MediaKind, Inbound>;
  /** By kind, or by `kind:source` for the `sub:<source>` connections of a group. */
  outbound: Map<string, Outbound>;
  queue: Promise<void>;
  lastKeyframeRequest: number;
  /** The simulcast layer forwarded when the test does not choose. */
  layer?: string;
}

interface ClientMessage {
  call: number;
  type: 'offer' | 'candidate' | 'hangup';
  pc?: string;
  sdp?: string;
  candidate?: { candidate?: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null;
}

const LOOPBACK = '127.0.0.1';
export const KEYFRAME_REQUEST_INTERVAL_MS = 100;
/** RTCP payload-specific feedback format of a Full Intra Request (RFC 5104). */
const FIR_COUNT = 4;
const GATHERING_TIMEOUT_MS = 5_000;

function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(v.call) &&
    (v.type === 'offer' || v.type === 'candidate' || v.type === 'hangup') &&
    (v.pc === undefined || (typeof v.pc === 'string' && v.pc.length <= 32))
  );
}

/** The kinds and directions of an SDP's audio/video m-lines, in order. */
function offeredMedia(sdp: string): { kind: MediaKind; direction: string }[] {
  return sdp
    .split(/\r?\nm=/)
    .slice(1)
    .flatMap((section) => {
      const kind = section.split(' ', 1)[0];
      if (kind !== 'audio' && kind !== 'video') return [];
      const direction = /\r?\na=(sendrecv|sendonly|recvonly|inactive)/.exec(section)?.[1] ?? 'sendrecv';
      return [{ kind, direction }];
    });
}

const MIRROR: Record<string, 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/** Keeps only loopback candidates in an SDP the relay sends (it listens on 127.0.0.1 only). */
function loopbackCandidatesOnly(sdp: string): string {
  return sdp
    .split(/\r\n/)
    .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === LOOPBACK)
    .join('\r\n');
}

const uint16Diff = (a: number, b: number): number => ((a - b + 0x10000) & 0xffff) as number;

/**
 * Joins VP8 RTP packets into frames (RFC 7741): the packets of one RTP timestamp, from the one that starts
 * partition 0 (S=1, PID=0) to the one with the marker bit, with no sequence number missing.
 */
export class Vp8Assembler {
  private timestamp: number | undefined;
  private packets = new Map<number, { start: boolean; marker: boolean; data: Buffer }>();
  private lastEmitted: number | undefined;
  /** Frames left out because packets were missing. */
  incomplete = 0;

  push(packet: RtpPacket): Uint8Array | undefined {
    if (packet.payload.length === 0) return undefined;
    const { timestamp, sequenceNumber, marker } = packet.header;
    if (timestamp === this.lastEmitted) return undefined; // a late duplicate of a finished frame
    if (timestamp !== this.timestamp) {
      if (this.packets.size > 0) this.incomplete++;
      this.timestamp = timestamp;
      this.packets.clear();
    }
    const vp8 = Vp8RtpPayload.deSerialize(packet.payload);
    this.packets.set(sequenceNumber, { start: vp8.sBit === 1 && vp8.pid === 0, marker, data: vp8.payload });
    const last = [...this.packets].find(([, p]) => p.marker)?.[0];
    const first = [...this.packets].find(([, p]) => p.start)?.[0];
    if (last === undefined || first === undefined) return undefined;
    const count = uint16Diff(last, first) + 1;
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const part = this.packets.get((first + i) & 0xffff);
      if (!part) return undefined;
      parts.push(part.data);
    }
    this.lastEmitted = timestamp;
    this.packets.clear();
    return new Uint8Array(Buffer.concat(parts));
  }
}

/**
 * Joins H264 RTP packets into Annex B frames (RFC 6184, packetization modes 0 and 1): the packets of one RTP timestamp
 * up to the one with the marker bit, with no sequence number missing; single NAL unit packets, STAP-A and FU-A, each
 * unit written behind `00 00 00 01` as Chromium's depacketizer writes it.
 */
export class H264Assembler {
  private timestamp: number | undefined;
  private packets = new Map<number, Buffer>();
  /** Frames left out because packets were missing or malformed. */
  incomplete = 0;

  push(packet: RtpPacket): Uint8Array | undefined {
    if (packet.payload.length === 0) return undefined;
    const { timestamp, sequenceNumber, marker } = packet.header;
    if (timestamp !== this.timestamp) {
      if (this.packets.size > 0) this.incomplete++;
      this.timestamp = timestamp;
      this.packets.clear();
    }
    this.packets.set(sequenceNumber, packet.payload);
    if (!marker) return undefined;
    const sequence = [...this.packets.keys()];
    const first = sequence.reduce((a, b) => (uint16Diff(sequenceNumber, b) > uint16Diff(sequenceNumber, a) ? b : a));
    const count = uint16Diff(sequenceNumber, first) + 1;
    const units: Buffer[] = [];
    let fragment: Buffer[] | undefined;
    for (let i = 0; i < count; i++) {
      const payload = this.packets.get((first + i) & 0xffff);
      if (!payload) return this.fail();
      const type = (payload[0] ?? 0) & 0x1f;
      if (type >= 1 && type <= 23) units.push(payload);
      else if (type === 24) {
        for (let at = 1; at + 2 <= payload.length; ) {
          const size = payload.readUInt16BE(at);
          if (at + 2 + size > payload.length) return this.fail();
          units.push(payload.subarray(at + 2, at + 2 + size));
          at += 2 + size;
        }
      } else if (type === 28 && payload.length >= 2) {
        const fuHeader = payload[1] ?? 0;
        if (fuHeader & 0x80) fragment = [Buffer.of(((payload[0] ?? 0) & 0xe0) | (fuHeader & 0x1f))];
        if (!fragment) return this.fail();
        fragment.push(payload.subarray(2));
        if (fuHeader & 0x40) {
          units.push(Buffer.concat(fragment));
          fragment = undefined;
        }
      } else return this.fail();
    }
    this.packets.clear();
    this.timestamp = undefined;
    return new Uint8Array(Buffer.concat(units.flatMap((unit) => [Buffer.of(0, 0, 0, 1), unit])));
  }

  private fail(): undefined {
    this.incomplete++;
    this.packets.clear();
    return undefined;
  }
}

/**
 * Joins AV1 RTP packets into frames (the AV1 RTP payload format: aggregation header Z Y W N, OBU elements with leb128
 * lengths, fragments joined across packets), up to the packet with the marker bit, with no sequence number missing;
 * every OBU written back with a size field, as Chromium's depacketizer writes them.
 */
export class Av1Assembler {
  private timestamp: number | undefined;
  private packets = new Map<number, Buffer>();
  incomplete = 0;

  push(packet: RtpPacket): Uint8Array | undefined {
    if (packet.payload.length === 0) return undefined;
    const { timestamp, sequenceNumber, marker } = packet.header;
    if (timestamp !== this.timestamp) {
      if (this.packets.size > 0) this.incomplete++;
      this.timestamp = timestamp;
      this.packets.clear();
    }
    this.packets.set(sequenceNumber, packet.payload);
    if (!marker) return undefined;
    const first = [...this.packets.keys()].reduce((a, b) =>
      uint16Diff(sequenceNumber, b) > uint16Diff(sequenceNumber, a) ? b : a,
    );
    const count = uint16Diff(sequenceNumber, first) + 1;
    const obus: Buffer[] = [];
    let pending: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const payload = this.packets.get((first + i) & 0xffff);
      if (!payload) return this.fail();
      const aggregation = payload[0] ?? 0;
      const z = (aggregation & 0x80) !== 0;
      const y = (aggregation & 0x40) !== 0;
      const w = (aggregation >> 4) & 0x03;
      const elements: Buffer[] = [];
      let at = 1;
      while (at < payload.length) {
        const last = w !== 0 && elements.length === w - 1;
        let size = payload.length - at;
        if (!last) {
          let value = 0;
          let shift = 0;
          for (;;) {
            const byte = payload[at++];
            if (byte === undefined) return this.fail();
            value += (byte & 0x7f) * 2 ** shift;
            shift += 7;
            if (!(byte & 0x80)) break;
          }
          size = value;
        }
        if (at + size > payload.length) return this.fail();
        elements.push(payload.subarray(at, at + size));
        at += size;
      }
      elements.forEach((element, index) => {
        const continues = index === 0 && z;
        if (!continues && pending.length > 0) {
          obus.push(Buffer.concat(pending));
          pending = [];
        }
        pending.push(element);
        const ends = !(index === elements.length - 1 && y);
        if (ends) {
          obus.push(Buffer.concat(pending));
          pending = [];
        }
      });
    }
    if (pending.length > 0) obus.push(Buffer.concat(pending));
    this.packets.clear();
    this.timestamp = undefined;
    const parts: Buffer[] = [];
    for (const obu of obus) {
      if (obu.length === 0) continue;
      const header = obu[0] ?? 0;
      const extension = (header & 0x04) !== 0;
      const headerLength = extension ? 2 : 1;
      let body = obu.subarray(headerLength); // Chromium's packetizer removes the size field; another may keep it
      if (header & 0x02) {
        let value = 0;
        let at = 0;
        for (let shift = 0; at < body.length; shift += 7) {
          const byte = body[at++] ?? 0;
          value += (byte & 0x7f) * 2 ** shift;
          if (!(byte & 0x80)) break;
        }
        body = body.subarray(at, at + value);
      }
      const size: number[] = [];
      let value = body.length;
      do {
        let byte = value & 0x7f;
        value = Math.floor(value / 128);
        if (value > 0) byte |= 0x80;
        size.push(byte);
      } while (value > 0);
      parts.push(Buffer.of(header | 0x02), extension ? obu.subarray(1, 2) : Buffer.alloc(0), Buffer.from(size), body);
    }
    return new Uint8Array(Buffer.concat(parts));
  }

  private fail(): undefined {
    this.incomplete++;
    this.packets.clear();
    return undefined;
  }
}

/**
 * What an SFU rewrites in VP8's RTP payload descriptor (RFC 7741 §4.2) when it switches simulcast layers: each layer
 * numbers its pictures (PictureID) and base-layer pictures (TL0PICIDX) on its own, and a receiver takes a jump back
 * as old pictures. The forwarded numbers continue from the last ones sent. Only the descriptor is touched — it is RTP
 * framing, not the encoded frame — so a frame CallSeal encrypted passes unchanged.
 */
export class Vp8IdRewriter {
  private source: number | undefined;
  private pictureOffset = 0;
  private tl0Offset = 0;
  private lastPicture: number | undefined;
  private lastTl0: number | undefined;

  rewrite(payload: Buffer, ssrc: number): Buffer {
    const first = payload[0] ?? 0;
    if (!(first & 0x80)) return payload; // no extension: no IDs
    const ext = payload[1] ?? 0;
    let at = 2;
    const out = Buffer.from(payload);
    let picture: number | undefined;
    let pictureAt = -1;
    let wide = false;
    if (ext & 0x80) {
      wide = ((payload[at] ?? 0) & 0x80) !== 0;
      picture = wide ? (((payload[at] ?? 0) & 0x7f) << 8) | (payload[at + 1] ?? 0) : (payload[at] ?? 0) & 0x7f;
      pictureAt = at;
      at += wide ? 2 : 1;
    }
    const tl0At = ext & 0x40 ? at : -1;
    const tl0 = tl0At >= 0 ? (payload[tl0At] ?? 0) : undefined;
    if (ssrc !== this.source) {
      this.source = ssrc;
      if (picture !== undefined && this.lastPicture !== undefined) this.pictureOffset = this.lastPicture + 1 - picture;
      if (tl0 !== undefined && this.lastTl0 !== undefined) this.tl0Offset = this.lastTl0 + 1 - tl0;
    }
    if (picture !== undefined) {
      const mask = wide ? 0x7fff : 0x7f;
      const value = (picture + this.pictureOffset + 0x10000) & mask;
      this.lastPicture = value;
      if (wide) {
        out[pictureAt] = 0x80 | (value >> 8);
        out[pictureAt + 1] = value & 0xff;
      } else out[pictureAt] = value;
    }
    if (tl0 !== undefined) {
      const value = (tl0 + this.tl0Offset + 0x100) & 0xff;
      this.lastTl0 = value;
      out[tl0At] = value;
    }
    return out;
  }
}

/** How long `network` may hold a frame back. */
export const MAX_HOLD_MS = 100;

/**
 * `network` for one outgoing stream (see the header): frames, by RTP timestamp, dropped at random or held back in a
 * small window and released in random order.
 */
export class Shaper {
  private held: { timestamp: number; since: number; packets: RtpPacket[] }[] = [];
  /** Timestamps already dropped or released, newest last (late packets of those frames follow their frame). */
  private done: { timestamp: number; dropped: boolean }[] = [];
  dropped = 0;
  reordered = 0;

  constructor(private readonly send: (packet: RtpPacket) => void) {}

  push(packet: RtpPacket, network: NetworkImpairment | undefined): void {
    const { timestamp } = packet.header;
    const random = network?.random ?? Math.random;
    const held = this.held.find((unit) => unit.timestamp === timestamp);
    if (held) {
      held.packets.push(packet);
      return;
    }
    const done = this.done.find((unit) => unit.timestamp === timestamp);
    if (done) {
      if (!done.dropped) this.send(packet);
      return;
    }
    if (!network || (network.dropRate <= 0 && network.reorderWindow <= 1)) {
      this.flush();
      this.finish(timestamp, false);
      this.send(packet);
      return;
    }
    if (random() < network.dropRate) {
      this.dropped++;
      this.finish(timestamp, true);
      return;
    }
    this.held.push({ timestamp, since: Date.now(), packets: [packet] });
    // Release frames that came before the newest, in random order, until the window has room again.
    while (this.held.length > Math.max(1, network.reorderWindow)) {
      this.release(Math.floor(random() * (this.held.length - 1)));
    }
  }

  /** Releases what was held for MAX_HOLD_MS (called by the relay's timer), or everything. */
  flush(all = true): void {
    const now = Date.now();
    while (this.held.length > 0 && (all || now - (this.held[0]?.since ?? now) >= MAX_HOLD_MS)) this.release(0);
  }

  private release(index: number): void {
    const [unit] = this.held.splice(index, 1);
    if (!unit) return;
    if (index > 0) this.reordered++;
    this.finish(unit.timestamp, false);
    for (const packet of unit.packets) this.send(packet);
  }

  private finish(timestamp: number, dropped: boolean): void {
    this.done.push({ timestamp, dropped });
    if (this.done.length > 64) this.done.shift();
  }
}

/**
 * Whether a VP8 `packet` begins a key frame: the first packet of partition 0 (the one with the payload header) whose
 * header says key frame (RFC 7741 §4.3, RFC 6386 §9.1).
 */
function startsVp8Keyframe(packet: RtpPacket): boolean {
  if (packet.payload.length === 0) return false;
  const vp8 = Vp8RtpPayload.deSerialize(packet.payload);
  return vp8.payloadHeaderExist && vp8.isKeyframe;
}

/** AV1 as Chromium names it (werift only knows the old `video/AV1X`). */
const useAV1 = (): RTCRtpCodecParameters =>
  new RTCRtpCodecParameters({
    mimeType: 'video/AV1',
    clockRate: 90000,
    rtcpFeedback: [useNACK(), usePLI(), useFIR()],
  });

export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const rooms = new Map<string, Map<string, Member>>();
  const copies = new Map<string, RelayCopies>();
  const stats: Omit<RelayStats, 'impaired'> = {
    received: {},
    forwarded: {},
    keyframeRequests: {},
    keyframeRequestsAt: {},
    keyframesForwardedAt: {},
  };
  let closed = false;
  // Frames `network` held back too long go out anyway.
  const holdTimer = setInterval(() => {
    for (const members of rooms.values()) {
      for (const member of members.values()) for (const out of member.outbound.values()) out.shaper.flush(false);
    }
  }, MAX_HOLD_MS / 2);
  holdTimer.unref();

  const copiesOf = (peer: string): RelayCopies => {
    let entry = copies.get(peer);
    if (!entry) copies.set(peer, (entry = { video: [], audio: [] }));
    return entry;
  };
  const count = (table: Record<string, Record<MediaKind, number>>, peer: string, kind: MediaKind): void => {
    const row = (table[peer] ??= { audio: 0, video: 0 });
    row[kind]++;
  };
  const otherIn = (member: Member): Member | undefined =>
    [...(rooms.get(member.room)?.values() ?? [])].find((m) => m !== member);
  const othersIn = (member: Member): Member[] => [...(rooms.get(member.room)?.values() ?? [])].filter((m) => m !== member);
  /** Whose media an outbound stream of `member` carries. */
  const sourceOf = (member: Member, out: Outbound): Member | undefined =>
    out.source !== undefined ? rooms.get(member.room)?.get(out.source) : otherIn(member);
  const current = (member: Member): boolean => rooms.get(member.room)?.get(member.peer) === member;

  const requestKeyframe = (source: Member | undefined): void => {
    const video = source?.inbound.get('video');
    if (!source || !video) return;
    const now = Date.now();
    if (now - source.lastKeyframeRequest < KEYFRAME_REQUEST_INTERVAL_MS) return;
    source.lastKeyframeRequest = now;
    stats.keyframeRequests[source.peer] = (stats.keyframeRequests[source.peer] ?? 0) + 1;
    (stats.keyframeRequestsAt[source.peer] ??= []).push(now);
    void video.receiver.sendRtcpPLI(video.ssrc);
  };

  const closeLink = (link: Link): void => {
    if (link.closed) return;
    link.closed = true;
    void link.pc.close().catch(() => {});
  };

  const dropMember = (member: Member): void => {
    for (const link of member.links.values()) closeLink(link);
    member.links.clear();
    member.inbound.clear();
    member.outbound.clear();
  };

  /** Applies `mitm` to one packet; returns the packet to forward, or undefined to drop it. */
  const intercept = (kind: MediaKind, packet: RtpPacket, from: Member, to: Member): RtpPacket | undefined => {
    const { mitm } = options;
    if (!mitm || packet.payload.length === 0) return packet;
    if (kind === 'audio') {
      const replaced = mitm({ kind, payload: new Uint8Array(packet.payload), part: 'whole', from: from.peer, to: to.peer });
      if (replaced === null) return undefined;
      const copy = packet.clone();
      copy.payload = Buffer.from(replaced);
      return copy;
    }
    if (from.inbound.get('video')?.codec !== 'video/vp8') return packet;
    const vp8 = Vp8RtpPayload.deSerialize(packet.payload);
    if (!packet.header.marker) return packet;
    const part = vp8.sBit === 1 && vp8.pid === 0 ? 'whole' : 'tail';
    const replaced = mitm({ kind, payload: new Uint8Array(vp8.payload), part, from: from.peer, to: to.peer });
    if (replaced === null) return undefined;
    const descriptor = packet.payload.subarray(0, packet.payload.length - vp8.payload.length);
    const copy = packet.clone();
    copy.payload = Buffer.concat([descriptor, Buffer.from(replaced)]);
    return copy;
  };

  const forward = (from: Member, kind: MediaKind, packet: RtpPacket): void => {
    count(stats.received, from.peer, kind);
    if (packet.payload.length > 0) {
      if (kind === 'audio') copiesOf(from.peer).audio.push(new Uint8Array(packet.payload));
      else {
        const inbound = from.inbound.get('video');
        if (inbound && inbound.codec === undefined) {
          inbound.codec = inbound.codecs.find((c) => c.payloadType === packet.header.payloadType)?.mimeType.toLowerCase();
          if (inbound.codec === 'video/vp8') inbound.assembler = new Vp8Assembler();
          else if (inbound.codec === 'video/h264') inbound.assembler = new H264Assembler();
          else if (inbound.codec === 'video/av1') inbound.assembler = new Av1Assembler();
          if (inbound.codec) copiesOf(from.peer).videoCodec = inbound.codec;
        }
        const frame = inbound?.assembler?.push(packet);
        if (frame) copiesOf(from.peer).video.push(frame);
      }
    }
    for (const to of othersIn(from)) {
      const out = to.outbound.get(`${kind}:${from.peer}`) ?? to.outbound.get(kind);
      if (out && !out.link.closed) forwardTo(from, to, out, kind, packet);
    }
  };

  const forwardTo = (from: Member, to: Member, out: Outbound, kind: MediaKind, packet: RtpPacket): void => {
    const passed = intercept(kind, packet, from, to);
    if (!passed) return;
    const outgoing = passed === packet ? packet.clone() : passed;
    const { header } = outgoing;
    if (out.sourceSsrc !== header.ssrc) {
      // A new upstream stream (the sender reloaded): keep B's sequence numbers and timestamps continuous.
      if (out.sourceSsrc !== undefined) {
        out.sender.replaceRTP({ sequenceNumber: header.sequenceNumber, timestamp: header.timestamp }, true);
      }
      out.sourceSsrc = header.ssrc;
    }
    header.extensions = [];
    header.extension = false;
    if (kind === 'video' && from.inbound.get('video')?.codec === 'video/vp8') {
      outgoing.payload = out.vp8Ids.rewrite(outgoing.payload, header.ssrc);
    }
    if (header.padding) {
      // werift keeps padding out of `payload`; put it back so the packet stays well formed.
      const padding = Buffer.alloc(header.paddingSize);
      padding[header.paddingSize - 1] = header.paddingSize;
      outgoing.payload = Buffer.concat([outgoing.payload, padding]);
    }
    out.shaper.push(outgoing, options.network?.(from.peer, to.peer, kind));
  };

  const answer = async (member: Member, message: ClientMessage & { pc: string; sdp: string }): Promise<void> => {
    const previous = member.links.get(message.pc);
    if (previous) closeLink(previous);
    const pc = new RTCPeerConnection({
      // ICE-lite, as SFUs are (Janus, mediasoup, Jitsi's videobridge): the browser, a full agent, runs the checks and
      // the consent to send. A full werift agent expired its own consent on busy publish connections: it waits at
      // most 500 ms (twice the first RTT) for each consent response, and a relay busy with incoming RTP reads them
      // later than that, so after 30 s it stopped sending on them — key-frame requests and NACKs to the sender
      // included (seen: every participant's video frozen from the first loss on, with three browsers and CallSeal).
      iceLite: true,
      iceServers: [],
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: LOOPBACK },
      iceAdditionalHostAddresses: [LOOPBACK],
      iceFilterCandidatePair: (pair) => pair.protocol.localCandidate?.host === LOOPBACK,
      codecs: {
        audio: [useOPUS()],
        video: [
          useVP8({ rtcpFeedback: [useNACK(), usePLI(), useFIR()] }),
          useH264({ rtcpFeedback: [useNACK(), usePLI(), useFIR()] }),
          useAV1(),
        ],
      },
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId()] },
    });
    const link: Link = { name: message.pc, call: message.call, pc, closed: false };
    member.links.set(message.pc, link);

    const wanted = offeredMedia(message.sdp);
    for (const { kind, direction } of wanted) {
      const transceiver = pc.addTransceiver(kind, { direction: MIRROR[direction] ?? 'inactive' });
      // Simulcast layers come as tracks of their own, one per rid.
      transceiver.onTrack.subscribe((track: MediaStreamTrack) => {
        if (!track.rid || kind !== 'video') return;
        const rid = track.rid;
        track.onReceiveRtp.subscribe((packet: RtpPacket) => {
          if (link.closed || !current(member)) return;
          const chosen = options.simulcastLayer?.(member.peer) ?? (member.layer ??= rid);
          if (rid !== chosen) return;
          let inbound = member.inbound.get('video');
          if (!inbound || inbound.receiver !== transceiver.receiver) {
            inbound = { receiver: transceiver.receiver, ssrc: packet.header.ssrc, assembler: undefined, codecs: transceiver.codecs, codec: undefined };
            member.inbound.set('video', inbound);
          }
          if (inbound.ssrc !== packet.header.ssrc) {
            // Another layer from now on: its decoder needs a key frame of it.
            inbound.ssrc = packet.header.ssrc;
            member.lastKeyframeRequest = 0;
            requestKeyframe(member);
          }
          forward(member, 'video', packet);
        });
      });
    }

    pc.onTrack.subscribe((track: MediaStreamTrack) => {
      const transceiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
      const kind = track.kind as MediaKind;
      if (!transceiver || link.closed) return;
      member.inbound.set(kind, {
        receiver: transceiver.receiver,
        ssrc: track.ssrc ?? 0,
        assembler: undefined,
        codecs: transceiver.codecs,
        codec: undefined,
      });
      track.onReceiveRtp.subscribe((packet: RtpPacket) => {
        if (!link.closed && current(member)) forward(member, kind, packet);
      });
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state !== 'connected') return;
      for (const out of member.outbound.values()) if (out.link === link) requestKeyframe(sourceOf(member, out));
    });

    await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
    // werift's ICE falls back to stun.l.google.com when no STUN server is configured (iceServers: [] is not
    // enough): clear it before gathering, so the relay never reaches for the network (offline, that query stalls
    // gathering for its 5 s timeout now and then).
    for (const transport of pc.iceTransports) delete transport.connection.stunServer;
    const source = message.pc.startsWith('sub:') ? message.pc.slice('sub:'.length) : undefined;
    const sending: Outbound[] = [];
    for (const transceiver of pc.getTransceivers()) {
      if (transceiver.direction !== 'sendonly' && transceiver.direction !== 'sendrecv') continue;
      const sender = transceiver.sender;
      const kind = transceiver.kind as MediaKind;
      const shaper = new Shaper((packet) => {
        if (link.closed) return;
        count(stats.forwarded, member.peer, kind);
        if (kind === 'video' && sourceOf(member, outbound)?.inbound.get('video')?.codec === 'video/vp8' && startsVp8Keyframe(packet)) {
          (stats.keyframesForwardedAt[member.peer] ??= []).push(Date.now());
        }
        void sender.sendRtp(packet);
      });
      const outbound: Outbound = { sender, link, source, sourceSsrc: undefined, vp8Ids: new Vp8IdRewriter(), shaper };
      member.outbound.set(source === undefined ? transceiver.kind : `${transceiver.kind}:${source}`, outbound);
      sending.push(outbound);
    }
    // Keyframe requests from the participant, read off the transport: werift routes a PLI by its sender SSRC first,
    // which on a sendrecv connection is the participant's own stream, so the RTCRtpSender never hears of it.
    const ours = (ssrc: number): Outbound | undefined =>
      sending.find((o) => o.sender.ssrc === ssrc && [...member.outbound.values()].includes(o));
    for (const transport of new Set(pc.getTransceivers().map((t) => t.dtlsTransport))) {
      transport.onRtcp.subscribe((packet: RtcpPacket) => {
        if (link.closed || !(packet instanceof RtcpPayloadSpecificFeedback)) return;
        const { feedback } = packet;
        const asked =
          feedback instanceof PictureLossIndication
            ? ours(feedback.mediaSsrc)
            : feedback.count === FIR_COUNT && 'fir' in feedback
              ? feedback.fir.map((entry) => ours(entry.ssrc)).find((o) => o !== undefined)
              : undefined;
        if (asked) requestKeyframe(sourceOf(member, asked));
      });
    }
    const gathered = new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      });
      setTimeout(resolve, GATHERING_TIMEOUT_MS).unref();
    });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered;
    const sdp = pc.localDescription?.sdp;
    if (!sdp || link.closed) return;
    member.send({ call: message.call, pc: message.pc, type: 'answer', sdp: loopbackCandidatesOnly(sdp) });
  };

  const handle = async (member: Member, message: ClientMessage): Promise<void> => {
    if (message.type === 'hangup') {
      for (const [name, link] of member.links) {
        if (link.call <= message.call && (message.pc === undefined || message.pc === name)) {
          closeLink(link);
          member.links.delete(name);
        }
      }
      for (const [kind, out] of member.outbound) if (out.link.closed) member.outbound.delete(kind);
      return;
    }
    if (message.pc === undefined) return;
    if (message.type === 'offer') {
      if (typeof message.sdp !== 'string') throw new Error('an offer without SDP');
      await answer(member, { ...message, pc: message.pc, sdp: message.sdp });
      return;
    }
    const link = member.links.get(message.pc);
    const candidate = message.candidate;
    if (!link || link.closed || link.call !== message.call || !candidate?.candidate) return;
    if (candidate.candidate.split(' ')[4] !== LOOPBACK) return;
    await link.pc.addIceCandidate({
      candidate: candidate.candidate,
      ...(candidate.sdpMid != null ? { sdpMid: candidate.sdpMid } : {}),
      ...(candidate.sdpMLineIndex != null ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
    });
  };

  return {
    join(participant: Participant, send: (data: unknown) => void) {
      if (closed) return;
      let members = rooms.get(participant.room);
      if (!members) rooms.set(participant.room, (members = new Map()));
      const previous = members.get(participant.peer);
      if (previous) dropMember(previous);
      members.set(participant.peer, {
        ...participant,
        send,
        links: new Map(),
        inbound: new Map(),
        outbound: new Map(),
        queue: Promise.resolve(),
        lastKeyframeRequest: 0,
      });
    },
    leave(participant: Participant) {
      const members = rooms.get(participant.room);
      const member = members?.get(participant.peer);
      if (!members || !member || member.session !== participant.session) return;
      dropMember(member);
      members.delete(participant.peer);
      if (members.size === 0) rooms.delete(participant.room);
    },
    message(participant: Participant, data: unknown) {
      const member = rooms.get(participant.room)?.get(participant.peer);
      if (closed || !member || member.session !== participant.session || !isClientMessage(data)) return;
      member.queue = member.queue
        .then(() => handle(member, data))
        .catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          member.send({ call: data.call, pc: data.pc, type: 'error', message: reason });
        });
    },
    copies(name: string): RelayCopies {
      const entry = copiesOf(name);
      const copy: RelayCopies = { video: [...entry.video], audio: [...entry.audio] };
      if (entry.videoCodec !== undefined) copy.videoCodec = entry.videoCodec;
      return copy;
    },
    clearCopies() {
      copies.clear();
    },
    stats() {
      const impaired: RelayStats['impaired'] = {};
      for (const members of rooms.values()) {
        for (const member of members.values()) {
          for (const [key, out] of member.outbound) {
            const kind: MediaKind = key.startsWith('audio') ? 'audio' : 'video';
            const row = (impaired[member.peer] ??= { audio: { dropped: 0, reordered: 0 }, video: { dropped: 0, reordered: 0 } });
            row[kind].dropped += out.shaper.dropped;
            row[kind].reordered += out.shaper.reordered;
          }
        }
      }
      return { ...structuredClone(stats), impaired };
    },
    async close() {
      closed = true;
      clearInterval(holdTimer);
      const pcs: Promise<void>[] = [];
      for (const members of rooms.values()) {
        for (const member of members.values()) {
          for (const link of member.links.values()) {
            link.closed = true;
            pcs.push(link.pc.close().catch(() => {}));
          }
        }
      }
      rooms.clear();
      await Promise.all(pcs);
    },
  };
}
