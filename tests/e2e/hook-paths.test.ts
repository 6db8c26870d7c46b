/**
 * The hook's hardest path: a sender that `setRemoteDescription` creates without any `track` event (the remote
 * offer is recvonly) and that the app then reuses with `addTrack`. The hook attaches its transform in the
 * `signalingstatechange` sweep of the task that creates it (and sweeps again in addTrack); without a transform the
 * media would leave in clear — removing both sweeps makes this test fail. Bob has CallSeal on and answers Alice (no
 * CallSeal), who offers to receive only: with nobody to agree keys with, nothing Bob sends may show Alice his
 * picture. The control, with Bob's switch off, shows that the same path delivers the picture when CallSeal stays
 * out of the way.
 */
import type { Page } from 'puppeteer';
import { afterEach, beforeAll, afterAll, expect, it } from 'vitest';
import { BLUE, fakeCameras, type FakeCameras } from './support/fake-camera';
import { averageColor, isColorNear } from './support/picture';
import { launchBrowser, type TestBrowser } from './support/browser';
import { startStaticServer, type StaticServer } from './support/static-server';
import { waitFor } from './support/wait';

const PAGE = `<!doctype html><html><body><video id="remote" autoplay muted playsinline></video><script>
  // Loopback candidates only, and the whole SDP at once (no trickle): the test carries it between the browsers.
  window.settled = async (pc) => {
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
    }
    return pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\\r\\n');
  };
  window.offerToReceive = async () => {
    const pc = (window.pc = new RTCPeerConnection());
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (e) => { document.getElementById('remote').srcObject = new MediaStream([e.track]); };
    await pc.setLocalDescription();
    return window.settled(pc);
  };
  window.answerBySending = async (offer) => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const pc = (window.pc = new RTCPeerConnection());
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    pc.addTrack(stream.getVideoTracks()[0], stream); // reuses the transceiver setRemoteDescription made
    await pc.setLocalDescription();
    return window.settled(pc);
  };
  window.accept = (answer) => window.pc.setRemoteDescription({ type: 'answer', sdp: answer });
  window.framesReceived = async () => {
    let frames = 0;
    (await window.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') frames = s.framesReceived ?? 0; });
    return frames;
  };
</script></body></html>`;

let server: StaticServer;
let cameras: FakeCameras;
const browsers: TestBrowser[] = [];

beforeAll(async () => {
  server = await startStaticServer({ '/': { body: PAGE } });
  cameras = await fakeCameras();
});
afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await server?.close();
  await cameras?.cleanup();
});

async function callFromReceiveOnlyOffer(bobE2ee: boolean): Promise<Page> {
  const alice = await launchBrowser({ withExtension: false });
  browsers.push(alice);
  const bob = await launchBrowser({ args: [await cameras.flag('bob', BLUE)] });
  browsers.push(bob);
  const worker = await bob.serviceWorker();
  await worker.evaluate((on) => chrome.storage.local.set({ e2eeEnabled: on }), bobE2ee);
  const [alicePage, bobPage] = await Promise.all([alice.newPage(), bob.newPage()]);
  await Promise.all([alicePage.goto(server.url('/')), bobPage.goto(server.url('/'))]);
  const offer = await alicePage.evaluate(() => (window as unknown as { offerToReceive(): Promise<string> }).offerToReceive());
  const answer = await bobPage.evaluate(
    (sdp) => (window as unknown as { answerBySending(o: string): Promise<string> }).answerBySending(sdp),
    offer,
  );
  await alicePage.evaluate((sdp) => (window as unknown as { accept(a: string): Promise<void> }).accept(sdp), answer);
  // Bob's frames are arriving at Alice (whatever they contain).
  await waitFor(
    () => alicePage.evaluate(async () => (await (window as unknown as { framesReceived(): Promise<number> }).framesReceived()) > 0),
    { timeout: 15_000, message: "Alice's connection to receive Bob's frames" },
  );
  return alicePage;
}

it('control: with the switch off, the reused SRD sender delivers Bob\'s picture in clear', async () => {
  const alicePage = await callFromReceiveOnlyOffer(false);
  await waitFor(async () => isColorNear(await averageColor(alicePage, '#remote'), BLUE), {
    timeout: 15_000,
    message: "Alice to see Bob's blue",
  });
}, 45_000);

it("with the switch on, the reused SRD sender is encrypted: Bob's picture never shows at Alice", async () => {
  const alicePage = await callFromReceiveOnlyOffer(true);
  // Frames keep arriving; none of them may decode to Bob's picture.
  const received = async () =>
    alicePage.evaluate(() => (window as unknown as { framesReceived(): Promise<number> }).framesReceived());
  const start = await received();
  await waitFor(async () => (await received()) >= start + 30, { timeout: 15_000, message: '30 more frames at Alice' });
  expect(isColorNear(await averageColor(alicePage, '#remote'), BLUE)).toBe(false);
  const decoded = await alicePage.evaluate(async () => {
    let n = 0;
    (await (window as unknown as { pc: RTCPeerConnection }).pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp') n = (s as { framesDecoded?: number }).framesDecoded ?? 0;
    });
    return n;
  });
  expect(decoded).toBe(0);
}, 45_000);
