/**
 * Issue 8, item 8: the receive path under bad frames. A real CallController (with its real KeyRing and session), in
 * an encrypted call, is fed 100,000 generated frames of every codec — genuine ones, replays, truncations, bit flips,
 * wrong KIDs, oversize and odd length fields, codec confusion, splices, random bytes, plain media — through the same
 * wrapper the transform worker uses. Checked for every frame:
 * - nothing escapes: the wrapper never throws, and no failure is of an unknown kind (`internal` stays 0);
 * - nothing that failed authentication reaches the decoder: every frame passed on is byte for byte the plaintext of a
 *   genuine frame, passed on once;
 * - every frame is accounted for: passed on (decrypted + 1), dropped (dropped + 1, under one reason), or a frame that
 *   carries only a handshake (no media: nothing counted); at the end the reasons add up to `dropped`.
 * The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_FRAMES=<n> changes its length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, type DropReason, type FrameCounters } from '../../../src/shared/call-status';
import type { EncodedFrame } from '../../../src/worker/call-controller';
import { av1Frame, av1ThroughRtp } from './codecs/support/av1-frames';
import { h264Frame, throughRtp } from './codecs/support/h264-frames';
import { party, untilBothEncrypted, type Party } from './support/call-harness';

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Codec = 'opus' | 'vp8' | 'vp9' | 'h264' | 'av1' | 'h265';
const MIME: Record<Codec, string> = {
  opus: 'audio/opus',
  vp8: 'video/VP8',
  vp9: 'video/VP9',
  h264: 'video/H264',
  av1: 'video/AV1',
  h265: 'video/H265', // not supported: frames labelled so are dropped as such
};
const CODECS: Codec[] = ['opus', 'vp8', 'vp9', 'h264', 'av1'];

function encodedFrame(data: Uint8Array, codec: Codec, key: boolean): EncodedFrame {
  const frame: Record<string, unknown> = { data: data.slice().buffer, getMetadata: () => ({ mimeType: MIME[codec] }) };
  if (codec !== 'opus') frame.type = key ? 'key' : 'delta';
  return frame as unknown as EncodedFrame;
}

interface Genuine {
  codec: Codec;
  key: boolean;
  /** The frame as the sending encoder made it. */
  original: Uint8Array;
  /** As it arrives at the receiving transform (after Chromium's RTP path). */
  wire: Uint8Array;
  /** What the receiver must pass to its decoder. */
  expected: Uint8Array;
  /** The SFrame header's offset in `wire` (prefix codecs), for wrong-KID frames. */
  headerAt: number | undefined;
  played: boolean;
}

async function makeCorpus(alice: Party, random: () => number, perCodec: number): Promise<Genuine[]> {
  const index: Record<Exclude<Codec, 'h265'>, number | undefined> = {
    opus: alice.controller.allocateSenderIndex(),
    vp8: alice.controller.allocateSenderIndex(),
    vp9: alice.controller.allocateSenderIndex(),
    h264: alice.controller.allocateSenderIndex(),
    av1: alice.controller.allocateSenderIndex(),
  };
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const h264 = fc.sample(h264Frame, { numRuns: perCodec, seed: SEED });
  const av1 = fc.sample(av1Frame, { numRuns: perCodec, seed: SEED });
  const corpus: Genuine[] = [];
  for (let i = 0; i < perCodec; i++) {
    const samples: [Exclude<Codec, 'h265'>, Uint8Array, boolean][] = [
      ['opus', bytes(1 + Math.floor(random() * 160)), false],
      ['vp8', i % 10 === 0 ? Uint8Array.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...bytes(4 + Math.floor(random() * 600))]) : bytes(3 + Math.floor(random() * 300)), i % 10 === 0],
      ['vp9', bytes(1 + Math.floor(random() * 400)), i % 10 === 0],
      ['h264', h264[i]!.data, h264[i]!.key],
      ['av1', av1[i]!.data, i % 10 === 0],
    ];
    for (const [codec, original, key] of samples) {
      const out = await alice.controller.outgoing(encodedFrame(original, codec, key), index[codec]);
      if (!out) continue; // nothing to encrypt in it (an AV1 frame whose OBUs are all empty): not a media frame
      const sent = new Uint8Array(out.data);
      const rtp = codec === 'h264' ? throughRtp : codec === 'av1' ? av1ThroughRtp : (b: Uint8Array) => b.slice();
      const prefix = codec === 'opus' ? 1 : codec === 'vp8' ? (key ? 10 : 3) : codec === 'vp9' ? 0 : undefined;
      corpus.push({
        codec,
        key,
        original,
        wire: rtp(sent),
        expected: rtp(original),
        headerAt: prefix === undefined ? undefined : Math.min(prefix, original.length),
        played: false,
      });
    }
  }
  for (const codec of CODECS) if (corpus.filter((g) => g.codec === codec).length < perCodec / 2) throw new Error(`too few ${codec} frames`);
  return corpus;
}

type Mutation =
  | 'genuine'
  | 'replay'
  | 'truncated'
  | 'bit-flips'
  | 'wrong-kid'
  | 'odd-lengths'
  | 'codec-confusion'
  | 'splice'
  | 'random'
  | 'random-with-magic'
  | 'plain';
const MUTATIONS: Mutation[] = [
  'genuine',
  'replay',
  'truncated',
  'bit-flips',
  'wrong-kid',
  'odd-lengths',
  'codec-confusion',
  'splice',
  'random',
  'random-with-magic',
  'plain',
];
const MAGIC = [0xca, 0x11, 0x5e, 0xa1];

describe('the receive path under bad frames', () => {
  it(`drops every bad frame, counted by reason, and plays only genuine ones (${FRAMES} frames, seed ${SEED})`, async () => {
    const random = prng(SEED);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const corpus = await makeCorpus(alice, random, 400);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));

    const bobCounters = (): FrameCounters => bob.controller.frameCounters();
    const made: Record<Mutation, number> = Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>;
    let played = 0;
    let handshakeOnly = 0;
    let unplayed = corpus.filter((g) => !g.played);
    const playedOnes: Genuine[] = [];
    const nextOf = (codec: Codec): Genuine => unplayed.find((g) => g.codec === codec) as Genuine;

    for (let n = 0; n < FRAMES; n++) {
      // Mostly bad frames, some genuine ones (while the corpus lasts) so that the good path runs among the bad.
      const mutation: Mutation = random() < 0.02 && unplayed.length > 0 ? 'genuine' : pick(MUTATIONS.slice(1));
      made[mutation]++;
      // Genuine frames arrive in each sender's order (a receiver keeps a window of 128 counters, §3): the next unplayed
      // frame of a random codec.
      // Bad frames are made from frames played already, or from the next genuine frame of a sender (whose counter is
      // still fresh: the case where a tampered frame could slip through); a replay is of a frame played already.
      const fresh = unplayed.length > 0 && (mutation === 'genuine' || (mutation !== 'replay' && random() < 0.5));
      const source = fresh || playedOnes.length === 0 ? nextOf(pick(unplayed).codec) : pick(playedOnes);
      let data = source.wire;
      let codec = source.codec;
      switch (mutation) {
        case 'genuine':
        case 'replay':
          break;
        case 'truncated':
          data = data.slice(0, Math.floor(random() * data.length));
          break;
        case 'bit-flips': {
          data = data.slice();
          for (let i = 1 + Math.floor(random() * 4); i > 0; i--) data[Math.floor(random() * data.length)]! ^= 1 << Math.floor(random() * 8);
          break;
        }
        case 'wrong-kid': {
          data = data.slice();
          const at = source.headerAt ?? 0;
          // Extended KID bytes follow the config byte: change one (a tag no pair has, or an index with no sender).
          data[Math.min(at + 1 + Math.floor(random() * 3), data.length - 1)]! ^= 1 + Math.floor(random() * 255);
          break;
        }
        case 'odd-lengths': {
          data = data.slice();
          const end = data.length - 5; // flags byte, then the magic
          const choice = Math.floor(random() * 3);
          if (choice === 0 && end >= 2) [data[end - 2], data[end - 1]] = [0xff, 0xff]; // a handshake longer than the frame
          else if (choice === 1 && end >= 0) data[end] = Math.floor(random() * 256); // any flags
          else if (end >= 2) [data[end - 2], data[end - 1]] = [0, Math.floor(random() * 4)]; // zero or tiny lengths
          break;
        }
        case 'codec-confusion':
          codec = pick([...CODECS, 'h265'].filter((c) => c !== source.codec) as Codec[]);
          break;
        case 'splice': {
          const other = pick(playedOnes.length > 0 ? playedOnes : [source]).wire;
          const cut = Math.floor(random() * data.length);
          data = Uint8Array.from([...data.subarray(0, cut), ...other.subarray(Math.floor(random() * other.length))]);
          break;
        }
        case 'random':
          data = bytes(Math.floor(random() * 1500));
          break;
        case 'random-with-magic':
          data = Uint8Array.from([...bytes(Math.floor(random() * 600)), Math.floor(random() * 4), ...MAGIC]);
          break;
        case 'plain':
          data = source.expected;
          break;
      }

      const before = bobCounters();
      // What the worker does with every frame (src/worker/index.ts): a throw is a counted drop, never an error.
      let out: EncodedFrame | null;
      try {
        out = await bob.controller.incoming(encodedFrame(data, codec, source.key)).catch((e: unknown) => bob.controller.frameFailed(e));
      } catch (error) {
        throw new Error(`frame ${n} (${mutation}) escaped the worker's handling: ${String(error)}`);
      }
      const after = bobCounters();
      const decrypted = after.decrypted - before.decrypted;
      const dropped = after.dropped - before.dropped;
      if (out !== null) {
        // Only a genuine frame's plaintext, once: a mutation that leaves the frame genuine (e.g. an AV1 size field
        // rewritten to the same OBUs) is that genuine frame, and uses up its counter.
        const output = Buffer.from(new Uint8Array(out.data));
        expect(decrypted, `frame ${n} (${mutation}) passed on without being decrypted`).toBe(1);
        // A changed frame that still authenticates (a change the receiver ignores, like an AV1 size field written
        // differently) must be a genuine frame: the very bytes of one not passed on before.
        const genuine = unplayed.find((g) => output.equals(Buffer.from(g.expected)));
        expect(genuine, `frame ${n} (${mutation}) passed on bytes that are no genuine frame's, or one's a second time`).toBeDefined();
        genuine!.played = true;
        unplayed = unplayed.filter((g) => g !== genuine);
        playedOnes.push(genuine!);
        played++;
      } else if (dropped === 0) {
        // Nothing counted: it must have been a CallSeal frame without media (a handshake-only frame).
        expect(data.length >= 5 && MAGIC.every((b, i) => data[data.length - 4 + i] === b), `frame ${n} (${mutation}) vanished`).toBe(true);
        expect((data[data.length - 5] ?? 0) & 1, `frame ${n} (${mutation}) with media vanished uncounted`).toBe(0);
        handshakeOnly++;
      } else {
        expect(dropped, `frame ${n} (${mutation}) counted twice`).toBe(1);
        expect(decrypted).toBe(0);
      }
      if (mutation === 'genuine') expect(out, `genuine frame ${n} (${source.codec}) was not played`).not.toBeNull();
    }

    const counters = bobCounters();
    const drops = counters.drops ?? {};
    const sum = Object.values(drops).reduce((a, b) => a + (b ?? 0), 0);
    expect(sum).toBe(counters.dropped);
    expect(drops.internal ?? 0, 'failures of an unknown kind').toBe(0);
    for (const reason of ['plain-refused', 'malformed', 'no-key', 'auth-failed', 'replay', 'unsupported-codec'] as DropReason[]) {
      expect(drops[reason] ?? 0, `no frame was dropped as ${reason}`).toBeGreaterThan(0);
    }
    expect(bob.state()).toBe('encrypted');
    console.log(
      `fuzz seed ${SEED}: ${FRAMES} frames (${JSON.stringify(made)}); played ${played} genuine, ` +
        `${handshakeOnly} handshake-only, dropped ${counters.dropped}: ` +
        DROP_REASONS.filter((r) => drops[r]).map((r) => `${r} ${drops[r]}`).join(', '),
    );
  }, 600_000);
});
