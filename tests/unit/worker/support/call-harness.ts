/**
 * Transform-worker controllers wired as browsers in a call would be: frames shaped like Chromium's encoded frames,
 * signatures made the way the background makes them (label || th || pid), and a fake clock they are given. Tests move the wire
 * bytes themselves, so they can play the call infrastructure: drop, record, replay, rewrite or inject frames.
 *
 * The finding tests of issue 7 use only this surface (send, receive, state, code, …), so the same test files also
 * ran against the version-1 code (74ad5d2) through an adapter of that version's controller API.
 */
import { afterEach } from 'vitest';
import { CallController, type ControllerTiming, type EncodedFrame } from '../../../../src/worker/call-controller';
import type { SessionReport } from '../../../../src/shared/messages';
import type { WorkerToBridge } from '../../../../src/shared/worker-messages';
import { groupCapabilityExtension } from '../../../../src/e2ee/group-keys';
import { signatureMessage } from '../../../../src/e2ee/signing';
import { makeIdentity, type TestIdentity } from '../../e2ee/helpers';
import { FakeClock } from '../../support/fake-clock';

export { makeIdentity, type TestIdentity };

/**
 * The fake clock all parties of a test share, handed to each controller (src/worker/clock.ts): `clock.advance(ms)`
 * runs every heartbeat and signer timeout due meanwhile, as a browser would. Promise jobs (WebCrypto) and
 * `setImmediate` stay real. A new one for each test.
 */
export let clock = new FakeClock();

const live: Party[] = [];
let nextSsrc = 1000;
afterEach(() => {
  live.splice(0).forEach((p) => p.dispose());
  clock = new FakeClock();
});

export interface PartyOptions {
  identity?: TestIdentity;
  enabled?: boolean;
  allowPlaintextFallback?: boolean;
  fallbackAfterMs?: number;
  timing?: ControllerTiming;
  /** The background refuses this many signature requests first (a spent budget, a restart). */
  refuseFirstSignatures?: number;
  /** Leave out the settings message: the test sends it. */
  noSettings?: boolean;
  /**
   * The background signs the group capability (protocol.md §11.3) with every CONFIRM, as the real one does; false
   * plays a 1:1-only CallSeal (before §11).
   */
  group?: boolean;
}

export interface Party {
  identity: TestIdentity;
  controller: CallController;
  reports: SessionReport[];
  /** Signatures the worker asked the background for, and their inputs. */
  signRequests: number;
  signInputs: Uint8Array[];
  /** Resolves once every sign request made so far is answered (the background is quick next to a frame's 20 ms). */
  signed(): Promise<void>;
  /** Key frames the (one) video receiver was asked to request. */
  keyFrameRequests: number;
  /** Key frames the (one) video encoder was asked to make (group key switches, §11.5). */
  encoderKeyFrames: number;
  /** One outgoing frame through the send transform: the bytes that go on the wire, or null (dropped). */
  send(media?: Uint8Array, kind?: 'audio' | 'video'): Promise<Uint8Array | null>;
  /**
   * One wire frame through the receive transform: what reaches the decoder, or null (dropped). `ssrc`: the RTP
   * synchronization source it came on (an SFU forwards each sender's audio and video on their own); none by default.
   */
  receive(wire: Uint8Array, kind?: 'audio' | 'video', ssrc?: number): Promise<Uint8Array | null>;
  /** The synchronization sources this party's audio and video go out on (distinct per party). */
  ssrc: { audio: number; video: number };
  state(): string | undefined;
  code(): string | undefined;
  epoch(): number;
  peerKey(): string | undefined;
  detail(): string | undefined;
  dispose(): void;
}

/** What Alice says into her microphone: an Opus TOC byte and some bytes. */
export const MEDIA = new TextEncoder().encode('\x78 this is what alice said, in clear');

/**
 * An encoded frame as Chromium hands it to a transform: mutable `data`, `getMetadata()` (its codec, and its RTP
 * synchronization source when given), `type` for video.
 */
export function encodedFrame(payload: Uint8Array, kind: 'audio' | 'video' = 'audio', ssrc?: number): EncodedFrame {
  const metadata: Record<string, unknown> = { mimeType: kind === 'audio' ? 'audio/opus' : 'video/VP8' };
  if (ssrc !== undefined) metadata.synchronizationSource = ssrc;
  const frame: Record<string, unknown> = {
    data: payload.slice().buffer,
    getMetadata: () => ({ ...metadata }),
  };
  if (kind === 'video') frame.type = 'delta';
  return frame as unknown as EncodedFrame;
}

export async function party(options: PartyOptions = {}): Promise<Party> {
  const identity = options.identity ?? (await makeIdentity());
  const reports: SessionReport[] = [];
  const box: { controller?: CallController } = {};
  const counters = { signRequests: 0, keyFrameRequests: 0, encoderKeyFrames: 0 };
  const extensions = options.group === false ? new Uint8Array(0) : groupCapabilityExtension();
  let refusals = options.refuseFirstSignatures ?? 0;
  const signInputs: Uint8Array[] = [];
  /** Sign requests the background has not answered yet (its WebCrypto work runs on real time). */
  const signing = new Set<Promise<unknown>>();
  const post = (message: WorkerToBridge): void => {
    if (message.kind === 'report') reports.push(message.report);
    if (message.kind !== 'sign') return;
    counters.signRequests++;
    signInputs.push(message.input);
    const refuse = refusals-- > 0;
    // The background's part, answered asynchronously as over the real bridge.
    const signed = refuse ? Promise.reject(new Error('refused')) : identity.signRaw(signatureMessage(message.input, extensions));
    const answered = signed.then(
      (signature) => box.controller?.handleBridgeMessage({
        kind: 'signed',
        requestId: message.requestId,
        signature,
        extensions: extensions.slice(),
      }),
      () => box.controller?.handleBridgeMessage({ kind: 'sign-refused', requestId: message.requestId, code: 'refused' }),
    );
    signing.add(answered);
    void answered.finally(() => signing.delete(answered));
  };
  const controller = new CallController(post, { clock, ...options.timing });
  box.controller = controller;
  controller.noteTransform();
  const senderIndex = controller.allocateSenderIndex();
  controller.onKeyFrameNeeded(() => void counters.keyFrameRequests++);
  controller.onEncoderKeyFrameNeeded(() => void counters.encoderKeyFrames++);
  if (!options.noSettings) {
    controller.handleBridgeMessage({
      kind: 'settings',
      settings: {
        enabled: options.enabled ?? true,
        allowPlaintextFallback: options.allowPlaintextFallback ?? true,
        fallbackAfterMs: options.fallbackAfterMs ?? 4000,
      },
      identityPublicKey: options.enabled === false ? null : identity.publicKey,
    });
  }
  const last = (): SessionReport | undefined => reports.at(-1);
  const p: Party = {
    identity,
    controller,
    reports,
    signInputs,
    async signed() {
      while (signing.size > 0) await Promise.allSettled([...signing]);
    },
    get signRequests() {
      return counters.signRequests;
    },
    get keyFrameRequests() {
      return counters.keyFrameRequests;
    },
    get encoderKeyFrames() {
      return counters.encoderKeyFrames;
    },
    async send(media = MEDIA, kind = 'audio') {
      const out = await controller.outgoing(encodedFrame(media, kind), senderIndex).catch((e: unknown) => controller.frameFailed(e));
      return out ? new Uint8Array(out.data).slice() : null;
    },
    async receive(wire, kind = 'audio', ssrc) {
      const out = await controller.incoming(encodedFrame(wire, kind, ssrc)).catch((e: unknown) => controller.frameFailed(e));
      return out ? new Uint8Array(out.data).slice() : null;
    },
    state: () => last()?.state,
    code: () => last()?.securityCode,
    epoch: () => last()?.epoch ?? 0,
    peerKey: () => last()?.peerIdentityPublicKey,
    detail: () => last()?.detail,
    dispose: () => controller.dispose(),
    ssrc: { audio: nextSsrc++, video: nextSsrc++ },
  } as Party;
  live.push(p);
  return p;
}

/** Lets pending promise chains (WebCrypto, the bridge's answers) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One frame each way, `ms` of fake time apart (a live call sends audio every 20 ms). */
export async function exchange(a: Party, b: Party, ms = 20): Promise<void> {
  const fromA = await a.send();
  if (fromA) await b.receive(fromA);
  const fromB = await b.send();
  if (fromB) await a.receive(fromB);
  // Fake time moves on only once the background answered what was asked of it: its signing runs on real time, and a
  // loaded machine would otherwise let the session's fake-time retry ask again before the answer came.
  await Promise.all([a.signed(), b.signed()]);
  clock.advance(ms);
  await settle();
}

/** Repeats `step` until `condition` holds; fails after `maxSteps`. */
export async function until(condition: () => boolean, step: () => Promise<unknown>, maxSteps = 400): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (condition()) return;
    await step();
    await settle();
  }
  if (!condition()) throw new Error('condition not reached');
}

/** Sends until the party puts a frame on the wire (its session is running), dropping what it sends. */
export async function ready(p: Party): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await p.send()) return;
    await settle();
  }
  throw new Error('the party never sent a frame');
}

/** Frames both ways until both report `encrypted`. */
export const untilBothEncrypted = (a: Party, b: Party): Promise<void> =>
  until(
    () => a.state() === 'encrypted' && b.state() === 'encrypted',
    () => exchange(a, b),
  );

/** True when `needle` occurs in `haystack`. */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}
