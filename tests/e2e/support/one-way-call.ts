/**
 * One-way video calls between two browsers for the page-boundary tests: Bob (CallSeal loaded) sends his camera
 * through some path of the WebRTC API — a legacy method, a child frame, a popup — and Alice (no CallSeal) receives it.
 * The test carries the SDP between them (loopback candidates only, no trickle). With CallSeal on and nobody to agree
 * keys with, nothing Bob sends may ever show Alice his picture; with CallSeal off, the same path must deliver it
 * (the control that shows the check can fail).
 *
 * `SEND_PATHS` names every path; the page's `send(path)` makes the peer connection in the realm the path names, in
 * one task after getUserMedia (the task that creates a sender is where its transform must be attached).
 */
import type { Frame, Page } from 'puppeteer';
import type { Rgb } from './fake-camera';
import { averageColor, formatColor, isColorNear } from './picture';
import type { Route } from './static-server';
import { waitFor } from './wait';

export const SEND_PATHS = [
  /** addTrack on a peer connection of the top frame: the plain path. */
  'add-track',
  /** Legacy `pc.addStream(stream)`. */
  'add-stream',
  /** `sender.transform = null` (and through the prototype's setter) in the creating task. */
  'transform-null',
  /** The app's own pass-through RTCRtpScriptTransform assigned in the creating task. */
  'own-transform',
  /** `encodedInsertableStreams: true`, and the app pipes `createEncodedStreams()` through. */
  'encoded-insertable-streams',
  /** The RTCPeerConnection of an iframe whose `src` (same origin) never commits: its initial about:blank. */
  'iframe-src',
  /** The RTCPeerConnection of a `javascript:void 0` iframe, through `contentWindow`. */
  'iframe-javascript',
  /** The same frame reached through `frames[i]` right after insertion (no `contentWindow`). */
  'frames-index',
  /** The RTCPeerConnection of `window.open(url)` before the URL commits (it never does here). */
  'open-url',
  /** The RTCPeerConnection of `window.open('')`. */
  'open-blank',
  /** Legacy `createOffer({ offerToReceiveVideo: true })` makes a transceiver; addTrack then reuses its sender. */
  'offer-to-receive',
] as const;
export type SendPath = (typeof SEND_PATHS)[number];

/** Flags Bob's browser needs for the popup paths (puppeteer's evaluate is not a user gesture). */
export const ONE_WAY_FLAGS = ['--disable-popup-blocking'];

/** A same-origin URL whose navigation never commits (204): frames and popups that load it stay on about:blank. */
export const NO_CONTENT_PATH = '/no-content';

/** The call page; `firstScript` (a whole <script> element) runs before anything else the page does. */
export const oneWayPage = (firstScript = ''): string => `<!doctype html><html><head>${firstScript}</head><body><video id="remote" autoplay muted playsinline></video><script>
  // Loopback candidates only, and the whole SDP at once (no trickle): the test carries it between the browsers.
  const settled = async (pc) => {
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
    }
    return pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\\r\\n');
  };
  const frame = (src) => {
    const f = document.createElement('iframe');
    f.src = src;
    document.body.append(f);
    return f;
  };
  window.realmFor = (path) => {
    switch (path) {
      case 'iframe-src': return frame(${JSON.stringify(NO_CONTENT_PATH)}).contentWindow;
      case 'iframe-javascript': return frame('javascript:void 0').contentWindow;
      case 'frames-index': frame('javascript:void 0'); return frames[frames.length - 1];
      case 'open-url': return (window.popup = window.open(${JSON.stringify(NO_CONTENT_PATH)}));
      case 'open-blank': return (window.popup = window.open(''));
      default: return window;
    }
  };
  window.send = async (path) => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const track = stream.getVideoTracks()[0];
    // From here on, one task: the realm, the connection, the sender and whatever the path does to it.
    const W = window.realmFor(path);
    const pc = (window.pc = new W.RTCPeerConnection(path === 'encoded-insertable-streams' ? { encodedInsertableStreams: true } : {}));
    let sender;
    const saw = { path };
    if (path === 'add-stream') {
      pc.addStream(stream);
      sender = pc.getSenders()[0];
    } else if (path === 'offer-to-receive') {
      await pc.createOffer({ offerToReceiveVideo: true });
      sender = pc.addTrack(track, stream);
      saw.reused = pc.getTransceivers().length === 1;
    } else {
      sender = pc.addTrack(track, stream);
    }
    if (path === 'transform-null') {
      Object.getOwnPropertyDescriptor(RTCRtpSender.prototype, 'transform').set.call(sender, null);
      sender.transform = null;
      saw.readBack = sender.transform === null;
    }
    if (path === 'own-transform') {
      const source = 'onrtctransform = (e) => e.transformer.readable.pipeTo(e.transformer.writable);';
      const own = new RTCRtpScriptTransform(new Worker(URL.createObjectURL(new Blob([source]))), {});
      sender.transform = own;
      saw.readBack = sender.transform === own;
    }
    if (path === 'encoded-insertable-streams') {
      try {
        const streams = sender.createEncodedStreams();
        streams.readable.pipeTo(streams.writable);
        saw.encodedStreams = 'piped';
      } catch (error) {
        saw.encodedStreams = String(error);
      }
    }
    window.saw = saw;
    await pc.setLocalDescription();
    return settled(pc);
  };
  window.receive = async (offer, sendBack) => {
    const pc = (window.pc = new RTCPeerConnection());
    if (sendBack) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      pc.addTrack(stream.getVideoTracks()[0], stream);
    }
    pc.ontrack = (e) => { document.getElementById('remote').srcObject = new MediaStream([e.track]); };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription();
    return settled(pc);
  };
  window.accept = (answer) => window.pc.setRemoteDescription({ type: 'answer', sdp: answer });
  window.rtp = async () => {
    const out = { connection: window.pc.connectionState, encoded: 0, received: 0, decoded: 0 };
    (await window.pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.encoded = s.framesEncoded ?? 0;
      if (s.type === 'inbound-rtp' && s.kind === 'video') { out.received = s.framesReceived ?? 0; out.decoded = s.framesDecoded ?? 0; }
    });
    return out;
  };
</script></body></html>`;

/** Routes for a static server: the call page at `/` and the never-committing URL. */
export const ONE_WAY_ROUTES: Record<string, Route> = { '/': { body: oneWayPage() } };

/** A handler for `startStaticServer` that answers NO_CONTENT_PATH with 204 (the navigation never commits). */
export function noContentHandler(req: { url?: string | undefined }, res: { writeHead(status: number): { end(): void } }): boolean {
  if (!req.url?.startsWith(NO_CONTENT_PATH)) return false;
  res.writeHead(204).end();
  return true;
}

export interface RtpCounts {
  connection: string;
  /** Bob: video frames his encoder produced (before any transform). */
  encoded: number;
  /** Alice: video frames that arrived, and that her decoder produced. */
  received: number;
  decoded: number;
}

/** Bob's side may be a frame of a page (a child realm that has its own document). */
export type Side = Page | Frame;

export const rtp = (page: Side): Promise<RtpCounts> => page.evaluate(() => (window as unknown as { rtp(): Promise<RtpCounts> }).rtp());

/** What Bob's page saw on the path (read-back of its transform, createEncodedStreams' outcome). */
export const sawOnPath = (page: Side): Promise<Record<string, unknown>> =>
  page.evaluate(() => (window as unknown as { saw: Record<string, unknown> }).saw);

/**
 * Bob offers through `path`, Alice answers (sending her own camera back if `aliceSendsBack`); resolves once Bob's
 * connection is up. Both pages must show a `oneWayPage()` already.
 */
export async function connectOneWay(bob: Side, alice: Page, path: SendPath, aliceSendsBack = false): Promise<void> {
  const offer = await bob.evaluate((p) => (window as unknown as { send(p: string): Promise<string> }).send(p), path);
  const answer = await alice.evaluate(
    (sdp, back) => (window as unknown as { receive(o: string, b: boolean): Promise<string> }).receive(sdp, back),
    offer,
    aliceSendsBack,
  );
  await bob.evaluate((sdp) => (window as unknown as { accept(a: string): Promise<void> }).accept(sdp), answer);
  await waitFor(async () => (await rtp(bob)).connection === 'connected', { timeout: 15_000, message: "Bob's connection to Alice" });
}

/** Waits until Alice's remote video shows `color`. */
export async function waitForPicture(alice: Page, color: Rgb, timeout = 15_000): Promise<void> {
  let last: Rgb | null = null;
  await waitFor(
    async () => {
      last = await averageColor(alice, '#remote');
      return isColorNear(last, color);
    },
    { timeout, interval: 200, message: `Alice to see ${formatColor(color)}` },
  ).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; she sees ${formatColor(last)}; rtp ${JSON.stringify(await rtp(alice))}`);
  });
}

/**
 * Watches Alice's picture while Bob's encoder produces `frames` more frames over the live connection, and returns
 * every colour she showed (none may be Bob's). Bob's frames went into his transforms whatever became of them.
 */
export async function picturesWhileBobSends(bob: Side, alice: Page, frames = 90): Promise<(Rgb | null)[]> {
  const seen: (Rgb | null)[] = [];
  const start = (await rtp(bob)).encoded;
  await waitFor(
    async () => {
      seen.push(await averageColor(alice, '#remote'));
      return (await rtp(bob)).encoded >= start + frames;
    },
    { timeout: 20_000, interval: 200, message: `Bob's encoder to produce ${frames} more frames` },
  );
  seen.push(await averageColor(alice, '#remote'));
  return seen;
}
