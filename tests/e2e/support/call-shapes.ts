/**
 * A call page for the shapes real apps give their calls (issue 8 item 4): two browsers, one RTCPeerConnection, the
 * test carrying each offer and answer between them (loopback candidates, no trickle), and operations a call app does
 * mid-call — add a second video (a screen share, drawn on a canvas in a colour of its own), replace the camera
 * (`replaceTrack`), remove a track, restart ICE, and make and close hundreds of peer connections (renegotiation
 * churn). Each remote video track plays in its own `<video data-mid=…>`; `colors()` gives their average colours.
 */
import type { Page } from 'puppeteer';
import type { Rgb } from './fake-camera';
import type { Route } from './static-server';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body><div id="remotes"></div><script>
  const settled = async (pc) => {
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
    }
    return pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\\r\\n');
  };
  const canvases = [];
  setInterval(() => { for (const c of canvases) { const g = c.getContext('2d'); g.fillStyle = c.dataset.color; g.fillRect(0, 0, c.width, c.height); } }, 33);
  const canvasTrack = (color) => {
    const c = document.createElement('canvas');
    c.width = 320; c.height = 240; c.dataset.color = color;
    canvases.push(c);
    const g = c.getContext('2d'); g.fillStyle = color; g.fillRect(0, 0, 320, 240);
    return c.captureStream(30).getVideoTracks()[0];
  };
  const lab = (window.lab = {
    pc: null,
    camera: null,
    senders: {},
    async start(options = {}) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
      lab.camera = stream.getVideoTracks()[0];
      const pc = (lab.pc = new RTCPeerConnection(options.insertable ? { encodedInsertableStreams: true } : {}));
      if (options.app) pc.addEventListener('track', ({ receiver }) => lab.applyApp(receiver, options.app));
      lab.senders.audio = pc.addTrack(stream.getAudioTracks()[0], stream);
      lab.senders.camera = pc.addTrack(lab.camera, stream);
      pc.ontrack = ({ track, transceiver }) => {
        if (track.kind !== 'video') return;
        const video = document.createElement('video');
        video.muted = true; video.autoplay = true; video.playsInline = true;
        video.dataset.mid = transceiver.mid;
        video.srcObject = new MediaStream([track]);
        document.getElementById('remotes').append(video);
        video.play().catch(() => {});
      };
    },
    async offer() { await lab.pc.setLocalDescription(); return settled(lab.pc); },
    async answer(sdp) {
      await lab.pc.setRemoteDescription({ type: 'offer', sdp });
      await lab.pc.setLocalDescription();
      return settled(lab.pc);
    },
    accept(sdp) { return lab.pc.setRemoteDescription({ type: 'answer', sdp }); },
    addShare(color) { lab.senders.share = lab.pc.addTrack(canvasTrack(color)); },
    removeShare() { lab.pc.removeTrack(lab.senders.share); },
    replaceCamera(color) { return lab.senders.camera.replaceTrack(canvasTrack(color)); },
    restartIce() { lab.pc.restartIce(); },
    /** Makes and closes \`count\` connections, each with a sending transceiver (its send transform made with it). */
    churn(count) {
      for (let i = 0; i < count; i++) {
        const pc = new RTCPeerConnection();
        pc.addTransceiver(lab.camera, { direction: 'sendonly' });
        pc.addTransceiver('audio');
        pc.close();
      }
    },
    addExtra(color) { lab.senders.extra = lab.pc.addTrack(canvasTrack(color)); },
    connected() { return lab.pc.connectionState === 'connected'; },
    /** What an app with its own end-to-end encryption does (LiveKit, Jitsi, Chime): its own transform on each end. */
    app: { frames: 0, errors: [], readBack: [] },
    appWorker: null,
    applyApp(end, kind) {
      try {
        if (kind === 'script') {
          lab.appWorker ??= new Worker(URL.createObjectURL(new Blob([
            'let n = 0; onrtctransform = (e) => e.transformer.readable.pipeThrough(new TransformStream({ transform(f, c) { n++; c.enqueue(f); } })).pipeTo(e.transformer.writable); onmessage = () => postMessage(n);',
          ], { type: 'text/javascript' })));
          const own = new RTCRtpScriptTransform(lab.appWorker, {});
          end.transform = own;
          lab.app.readBack.push(end.transform === own);
        } else {
          const { readable, writable } = end.createEncodedStreams();
          readable.pipeThrough(new TransformStream({ transform(f, c) { lab.app.frames++; c.enqueue(f); } })).pipeTo(writable);
          lab.app.readBack.push(true);
        }
      } catch (error) {
        lab.app.errors.push(String(error));
      }
    },
    applyAppToSenders(kind) { for (const sender of lab.pc.getSenders()) lab.applyApp(sender, kind); },
    async appFrames() {
      const inWorker = lab.appWorker ? await new Promise((r) => { lab.appWorker.onmessage = (e) => r(e.data); lab.appWorker.postMessage(0); }) : 0;
      return { frames: lab.app.frames + inWorker, errors: lab.app.errors, readBack: lab.app.readBack };
    },
    colors() {
      return [...document.querySelectorAll('video[data-mid]')].map((video) => {
        if (!video.videoWidth || video.readyState < 2) return { mid: video.dataset.mid, color: null };
        const c = document.createElement('canvas');
        c.width = video.videoWidth; c.height = video.videoHeight;
        const g = c.getContext('2d', { willReadFrequently: true });
        g.drawImage(video, 0, 0);
        const { data } = g.getImageData(0, 0, c.width, c.height);
        const sum = [0, 0, 0]; let n = 0;
        for (let i = 0; i < data.length; i += 4 * 7) { sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2]; n++; }
        return { mid: video.dataset.mid, color: sum.map((s) => s / n) };
      });
    },
  });
</script></body></html>`;

export const CALL_SHAPES_ROUTES: Record<string, Route> = { '/': { body: PAGE } };

type Lab = Record<string, (...args: never[]) => unknown>;

/** Calls `lab[name](...args)` in the page. */
export function labCall<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    (n, a) => ((window as unknown as { lab: Lab }).lab[n] as (...x: unknown[]) => unknown)(...(a as unknown[])),
    name,
    args,
  ) as Promise<T>;
}

/** `offerer` offers, `answerer` answers, the offerer takes the answer. */
export async function negotiate(offerer: Page, answerer: Page): Promise<void> {
  const offer = await labCall<string>(offerer, 'offer');
  const answer = await labCall<string>(answerer, 'answer', offer);
  await labCall(offerer, 'accept', answer);
}

export interface RemoteColor {
  mid: string;
  color: Rgb | null;
}

export const remoteColors = (page: Page): Promise<RemoteColor[]> => labCall<RemoteColor[]>(page, 'colors');
