/**
 * The bench's dedicated worker (`npm run bench`, tests/bench/browser/run.ts): the extension's own frame code —
 * `CallController` from src/worker, bundled by vite with the transform worker's build settings — side by side with
 * its baselines, on the same synthetic frames, in one worker:
 *
 * - `floor`: a fresh frame, one bare WebCrypto AES-128-GCM encrypt of its bytes and one decrypt of the result;
 * - `livekit`: livekit-client's `FrameCryptor` (its published TypeScript source), `encodeFunction` on one cryptor and
 *   `decodeFunction` on another, with a shared key, exactly as its transform stream calls them;
 * - `callseal`: two `CallController`s after the in-band handshake (version-2 commit, reveal, confirm with real
 *   Ed25519 signatures), `outgoing` on one and `incoming` on the other.
 *
 * Every iteration starts from a fresh frame (a new ArrayBuffer copied from the case's template, as Chromium hands a
 * new frame to a transform), and the same frame object goes out and comes back in. The page sends `{ id, op, ... }`
 * and gets `{ id, result }` or `{ id, error }`.
 */
import { CallController, type EncodedFrame } from '../../../src/worker/call-controller';
import { signatureMessage } from '../../../src/e2ee/signing';
import type { SessionReport } from '../../../src/shared/messages';
import type { WorkerToBridge } from '../../../src/shared/worker-messages';
import { FrameCryptor, encryptionEnabledMap } from 'livekit-e2ee/worker/FrameCryptor';
import { ParticipantKeyHandler } from 'livekit-e2ee/worker/ParticipantKeyHandler';
import { KEY_PROVIDER_DEFAULTS } from 'livekit-e2ee/constants';
import { createKeyMaterialFromString } from 'livekit-e2ee/utils';

declare const self: { onmessage: ((event: MessageEvent) => void) | null; postMessage(message: unknown): void };

/** The implementations of the table, and an experiment (the floor plus one frame copy each way). */
export type TableImpl = 'floor' | 'livekit' | 'callseal';
export type Impl = TableImpl | 'floor-copy' | 'floor-copy-free' | 'floor-free';
export type Kind = 'audio' | 'video';

export interface BenchCase {
  label: string;
  size: number;
  kind: Kind;
}

/** The frames of the table: an Opus packet, then VP8 delta frames from 1 KB to 100 KB. */
export const CASES: readonly BenchCase[] = [
  { label: '100 B (Opus)', size: 100, kind: 'audio' },
  { label: '1 KB', size: 1_000, kind: 'video' },
  { label: '10 KB', size: 10_000, kind: 'video' },
  { label: '50 KB', size: 50_000, kind: 'video' },
  { label: '100 KB', size: 100_000, kind: 'video' },
];

// ---- synthetic encoded frames ----------------------------------------------------------------------------------

const SSRC = { audio: 0x1234_5678, video: 0x2345_6789 };
let timestamp = 0;

/** Shaped like Chromium's RTCEncodedAudioFrame: `data`, `timestamp`, `getMetadata()` (a new dictionary per call). */
class AudioFrame {
  constructor(
    public data: ArrayBuffer,
    readonly timestamp: number,
  ) {}
  getMetadata(): Record<string, unknown> {
    return { synchronizationSource: SSRC.audio, payloadType: 111, mimeType: 'audio/opus', rtpTimestamp: this.timestamp };
  }
}

/** Shaped like Chromium's RTCEncodedVideoFrame: the same, and `type`. */
class VideoFrame {
  readonly type = 'delta';
  constructor(
    public data: ArrayBuffer,
    readonly timestamp: number,
  ) {}
  getMetadata(): Record<string, unknown> {
    return { synchronizationSource: SSRC.video, payloadType: 96, mimeType: 'video/VP8', rtpTimestamp: this.timestamp };
  }
}

const templates = new Map<number, Uint8Array<ArrayBuffer>>();

function template(c: BenchCase): Uint8Array<ArrayBuffer> {
  let bytes = templates.get(c.size);
  if (bytes === undefined) {
    bytes = new Uint8Array(c.size);
    for (let i = 0; i < c.size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(c.size, i + 65_536)));
    // Opus TOC (SILK 20 ms, code 0); a VP8 delta frame's tag has the key-frame bit (bit 0) set to 1.
    bytes[0] = c.kind === 'audio' ? 0x78 : (bytes[0] ?? 0) | 0x01;
    templates.set(c.size, bytes);
  }
  return bytes;
}

function fresh(c: BenchCase): EncodedFrame {
  const data = template(c).slice().buffer;
  timestamp += c.kind === 'audio' ? 960 : 3000;
  return (c.kind === 'audio' ? new AudioFrame(data, timestamp) : new VideoFrame(data, timestamp)) as unknown as EncodedFrame;
}

// ---- the floor -------------------------------------------------------------------------------------------------

let floorKey: CryptoKey | undefined;
let floorCounter = 0;

async function floorOnce(frame: EncodedFrame): Promise<{ wire: number; out: ArrayBuffer }> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, ++floorCounter);
  const key = floorKey as CryptoKey;
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, frame.data);
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
  return { wire: sealed.byteLength, out: opened };
}

// ---- experiments (not in the table) ----------------------------------------------------------------------------

/** The floor plus one zero-filled allocation and copy in each direction. */
async function floorCopyOnce(frame: EncodedFrame): Promise<{ wire: number; out: ArrayBuffer }> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, ++floorCounter);
  const key = floorKey as CryptoKey;
  const data = new Uint8Array(frame.data);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, data.subarray(1));
  const wire = new Uint8Array(sealed.byteLength + 3);
  wire.set(new Uint8Array(sealed), 2);
  wire[0] = data[0] as number;
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, wire.subarray(2, wire.length - 1));
  const out = new Uint8Array(opened.byteLength + 1);
  out.set(new Uint8Array(opened), 1);
  out[0] = wire[0] as number;
  return { wire: wire.length, out: out.buffer };
}

/** ArrayBuffer.prototype.transfer (ES2024): `free(buffer)` detaches it, so its memory goes back at once, not at a GC. */
const free = (buffer: ArrayBuffer): void => void (buffer as ArrayBuffer & { transfer(length?: number): ArrayBuffer }).transfer(0);

/** floor-copy, freeing every dead frame-sized buffer at once (detached) instead of leaving it to the GC. */
async function floorCopyFreeOnce(frame: EncodedFrame): Promise<{ wire: number; out: ArrayBuffer }> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, ++floorCounter);
  const key = floorKey as CryptoKey;
  const data = new Uint8Array(frame.data);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, data.subarray(1));
  const wire = new Uint8Array(sealed.byteLength + 3);
  wire.set(new Uint8Array(sealed), 2);
  wire[0] = data[0] as number;
  free(sealed);
  free(frame.data);
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, wire.subarray(2, wire.length - 1));
  const out = new Uint8Array(opened.byteLength + 1);
  out.set(new Uint8Array(opened), 1);
  out[0] = wire[0] as number;
  free(opened);
  const length = wire.length;
  free(wire.buffer);
  return { wire: length, out: out.buffer };
}

/** The floor, freeing its dead buffers at once. */
async function floorFreeOnce(frame: EncodedFrame): Promise<{ wire: number; out: ArrayBuffer }> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, ++floorCounter);
  const key = floorKey as CryptoKey;
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, frame.data);
  free(frame.data);
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
  const length = sealed.byteLength;
  free(sealed);
  return { wire: length, out: opened };
}

// ---- LiveKit ---------------------------------------------------------------------------------------------------

interface Cryptor {
  encodeFunction(frame: EncodedFrame, controller: { enqueue(frame: EncodedFrame): void }): Promise<void>;
  decodeFunction(frame: EncodedFrame, controller: { enqueue(frame: EncodedFrame): void }): Promise<void>;
}
let lkSender: Cryptor | undefined;
let lkReceiver: Cryptor | undefined;

async function livekitSetup(): Promise<void> {
  const material = await createKeyMaterialFromString('callseal bench shared key');
  const make = async (identity: string): Promise<Cryptor> => {
    const keys = new ParticipantKeyHandler(identity, { ...KEY_PROVIDER_DEFAULTS });
    await keys.setKey(material, 0);
    encryptionEnabledMap.set(identity, true);
    return new FrameCryptor({ keys, participantIdentity: identity, keyProviderOptions: { ...KEY_PROVIDER_DEFAULTS } }) as unknown as Cryptor;
  };
  lkSender = await make('alice');
  lkReceiver = await make('alice'); // the receiver's cryptor for alice's track, with alice's key
}

async function livekitOnce(frame: EncodedFrame): Promise<{ wire: number; out: ArrayBuffer }> {
  let sent: EncodedFrame | undefined;
  await (lkSender as Cryptor).encodeFunction(frame, { enqueue: (f) => void (sent = f) });
  if (sent === undefined) throw new Error('LiveKit dropped an outgoing frame');
  const wire = sent.data.byteLength;
  let received: EncodedFrame | undefined;
  await (lkReceiver as Cryptor).decodeFunction(sent, { enqueue: (f) => void (received = f) });
  if (received === undefined) throw new Error('LiveKit dropped an incoming frame');
  return { wire, out: received.data };
}

// ---- CallSeal --------------------------------------------------------------------------------------------------

interface Party {
  controller: CallController;
  audio: number;
  video: number;
  state(): string | undefined;
}

async function party(onSign?: (kind: 'sign' | 'signed') => void): Promise<Party> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  let last: SessionReport | undefined;
  const box: { controller?: CallController } = {};
  const post = (message: WorkerToBridge): void => {
    if (message.kind === 'report') last = message.report;
    if (message.kind !== 'sign') return;
    onSign?.('sign');
    // The background's part: label || th || pid, signed with the identity key (protocol.md §4.3).
    void crypto.subtle
      .sign({ name: 'Ed25519' }, pair.privateKey, signatureMessage(message.input))
      .then((signature) => {
        onSign?.('signed');
        box.controller?.handleBridgeMessage({
          kind: 'signed',
          requestId: message.requestId,
          signature: new Uint8Array(signature),
          extensions: new Uint8Array(0),
        });
      });
  };
  const controller = new CallController(post);
  box.controller = controller;
  controller.noteTransform();
  const audio = controller.allocateSenderIndex() as number;
  const video = controller.allocateSenderIndex() as number;
  controller.handleBridgeMessage({
    kind: 'settings',
    settings: { enabled: true, allowPlaintextFallback: false, fallbackAfterMs: 4000 },
    identityPublicKey: publicKey,
  });
  return { controller, audio, video, state: () => last?.state };
}

let alice: Party | undefined;
let bob: Party | undefined;

async function oneWay(from: Party, to: Party, c: BenchCase): Promise<{ wire: number; out: ArrayBuffer } | null> {
  const frame = fresh(c);
  const sent = await from.controller.outgoing(frame, c.kind === 'audio' ? from.audio : from.video).catch(() => null);
  if (sent === null) return null;
  const wire = sent.data.byteLength;
  const received = await to.controller.incoming(sent).catch(() => null);
  return received === null ? null : { wire, out: received.data };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function callsealSetup(): Promise<void> {
  alice = await party();
  bob = await party();
  const audio = CASES[0] as BenchCase;
  const video = CASES[1] as BenchCase;
  const a = alice;
  const b = bob;
  const exchange = async (): Promise<void> => {
    for (const c of [audio, video]) {
      await oneWay(a, b, c);
      await oneWay(b, a, c);
    }
  };
  for (let i = 0; i < 2000 && !(a.state() === 'encrypted' && b.state() === 'encrypted'); i++) {
    await exchange();
    await sleep(2);
  }
  if (a.state() !== 'encrypted' || b.state() !== 'encrypted') {
    throw new Error(`the handshake did not finish: ${a.state()} / ${b.state()}`);
  }
  // Media both ways until neither side has a record left to repeat (§6.1: CONFIRM stops once media decrypts).
  for (let i = 0; i < 20; i++) await exchange();
  await sleep(600);
  for (let i = 0; i < 5; i++) await exchange();
}

async function callsealOnce(frame: EncodedFrame, c: BenchCase): Promise<{ wire: number; out: ArrayBuffer }> {
  const a = alice as Party;
  const sent = await a.controller.outgoing(frame, c.kind === 'audio' ? a.audio : a.video);
  if (sent === null) throw new Error('CallSeal dropped an outgoing frame');
  const wire = sent.data.byteLength;
  const received = await (bob as Party).controller.incoming(sent);
  if (received === null) throw new Error('CallSeal dropped an incoming frame');
  return { wire, out: received.data };
}

const IMPLS: Record<Impl, (frame: EncodedFrame, c: BenchCase) => Promise<{ wire: number; out: ArrayBuffer }>> = {
  floor: floorOnce,
  'floor-copy': floorCopyOnce,
  'floor-copy-free': floorCopyFreeOnce,
  'floor-free': floorFreeOnce,
  livekit: livekitOnce,
  callseal: callsealOnce,
};

// ---- operations ------------------------------------------------------------------------------------------------

function equal(a: ArrayBuffer, b: Uint8Array): boolean {
  if (a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  for (let i = 0; i < x.length; i++) if (x[i] !== b[i]) return false;
  return true;
}

export interface VerifyResult {
  /** Per implementation and case: bytes on the wire minus the frame's own bytes (the floor: the GCM tag). */
  bytesAdded: Record<Impl, number[]>;
}

async function verify(frames: number): Promise<VerifyResult> {
  const bytesAdded = { floor: [], livekit: [], callseal: [], 'floor-copy': [], 'floor-copy-free': [], 'floor-free': [] } as Record<Impl, number[]>;
  for (const impl of Object.keys(IMPLS) as Impl[]) {
    for (const c of CASES) {
      let added = -1;
      for (let i = 0; i < frames; i++) {
        const { wire, out } = await IMPLS[impl](fresh(c), c);
        if (!equal(out, template(c))) throw new Error(`${impl} did not give back the ${c.label} frame it was given`);
        added = Math.max(added, wire - c.size);
      }
      bytesAdded[impl].push(added);
    }
  }
  return { bytesAdded };
}

/**
 * Frames timed together, per case: the worker's clock has 5 µs resolution, coarser than a small frame's cost, so
 * small frames are timed in batches (µs per frame = the batch's time / its frames) and the median batch is taken.
 */
const BATCH = [20, 10, 4, 1, 1];

/** µs per frame, wall clock, over at most `frames` frames of case `index` through `impl` and about `budgetMs`. */
async function run(impl: Impl, index: number, frames: number, budgetMs: number): Promise<{ frames: number; us: number }> {
  const c = CASES[index] as BenchCase;
  const once = IMPLS[impl];
  const batch = BATCH[index] ?? 1;
  const start = performance.now();
  const end = start + budgetMs;
  const times: number[] = [];
  let done = 0;
  while (done < frames && (times.length < 15 || performance.now() < end)) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) await once(fresh(c), c);
    times.push((performance.now() - t) / batch);
    done += batch;
  }
  // The median batch, not the mean: on a shared machine a batch preempted by another process is not our cost.
  times.sort((a, b) => a - b);
  return { frames: done, us: (times[times.length >> 1] as number) * 1000 };
}

// ---- the handshake alone, for where the time to encrypted goes ---------------------------------------------------

/**
 * Two fresh controllers (fresh sessions, pids and ephemeral keys; the identity keys made beforehand, as the
 * background's exist before a call) exchange audio frames, one each way every `cadenceMs` (0: as fast as the
 * worker can), until both report `encrypted`: the time CallSeal's handshake takes with no network at all — its
 * WebCrypto work (X25519, HKDF, AES-GCM, Ed25519 sign and verify), its records' round trips, its reports.
 */
async function handshakeOnce(cadenceMs: number): Promise<{ ms: number; exchanges: number; signAt: number[]; signedAt: number[] }> {
  const signAt: number[] = [];
  const signedAt: number[] = [];
  let t0 = 0;
  const a = await party((kind) => (kind === 'sign' ? signAt : signedAt).push(performance.now() - t0));
  const b = await party((kind) => (kind === 'sign' ? signAt : signedAt).push(performance.now() - t0));
  const audio = CASES[0] as BenchCase;
  t0 = performance.now();
  let exchanges = 0;
  while (!(a.state() === 'encrypted' && b.state() === 'encrypted') && exchanges < 5000) {
    const tick = performance.now();
    await Promise.all([oneWay(a, b, audio), oneWay(b, a, audio)]);
    exchanges++;
    await sleep(Math.max(0, cadenceMs - (performance.now() - tick)));
  }
  const ms = performance.now() - t0;
  a.controller.dispose();
  b.controller.dispose();
  if (exchanges >= 5000) throw new Error('the handshake did not finish');
  return { ms, exchanges, signAt, signedAt };
}

// ---- a long call, for the memory figure ------------------------------------------------------------------------

let pacing = false;
let paced = { audio: 0, video: 0, failed: 0 };

/** Alice → Bob at a call's rates: 50 Opus frames a second and 30 VP8 frames (10 KB, a 50 KB key-size one every 3 s). */
async function pace(): Promise<void> {
  const audio = CASES[0] as BenchCase;
  const small = CASES[2] as BenchCase;
  const large = CASES[3] as BenchCase;
  const start = performance.now();
  let tick = 0;
  while (pacing) {
    tick++; // every 10 ms
    const jobs: Promise<unknown>[] = [];
    if (tick % 2 === 0) jobs.push(oneWay(alice as Party, bob as Party, audio).then((r) => (r ? paced.audio++ : paced.failed++)));
    if (tick % 3 === 0) {
      const c = tick % 300 === 0 ? large : small;
      jobs.push(oneWay(alice as Party, bob as Party, c).then((r) => (r ? paced.video++ : paced.failed++)));
    }
    await Promise.all(jobs);
    const due = start + tick * 10;
    await sleep(Math.max(0, due - performance.now()));
  }
}

async function handle(message: { op: string; [key: string]: unknown }): Promise<unknown> {
  switch (message.op) {
    case 'setup': {
      floorKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(16)), 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      await livekitSetup();
      await callsealSetup();
      return { cases: CASES };
    }
    case 'verify':
      return verify(Number(message.frames ?? 3));
    case 'run':
      return run(message.impl as Impl, Number(message.index), Number(message.frames), Number(message.budgetMs ?? 150));
    case 'handshake':
      return handshakeOnce(Number(message.cadenceMs ?? 0));
    case 'pace-start':
      pacing = true;
      paced = { audio: 0, video: 0, failed: 0 };
      void pace();
      return true;
    case 'pace-stop':
      pacing = false;
      return paced;
    case 'pace-count':
      return paced;
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

self.onmessage = (event: MessageEvent) => {
  const message = event.data as { id: number; op: string };
  handle(message).then(
    (result) => self.postMessage({ id: message.id, result }),
    (error: unknown) => self.postMessage({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
};
