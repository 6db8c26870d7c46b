/**
 * The `bare` configuration of the whole-call CPU bench (issue 11, goal 4): no extension, and the page itself attaches
 * an empty `RTCRtpScriptTransform` — one dedicated worker that pipes every frame back unchanged — to every sender and
 * receiver, in the task that creates it, as CallSeal's hook does (protocol.md §7.3: addTrack / addTransceiver, and
 * `signalingstatechange` for receivers made by setRemoteDescription). What a call costs with it, against no transform
 * at all, is what Chromium's transform path costs any extension or app, before CallSeal's worker does anything.
 *
 * Injected with `evaluateOnNewDocument`, so it runs before the demo app's scripts. `window.__bareEnds` counts the
 * ends it attached a transform to and `window.__bareFrames()` asks the worker how many frames it passed, so the bench
 * can check the configuration really ran.
 */
export const BARE_TRANSFORM_SCRIPT = `(() => {
  const source = 'let frames = 0; onmessage = (e) => e.data.port.postMessage(frames);' +
    'onrtctransform = (e) => { const t = e.transformer; t.readable.pipeThrough(new TransformStream({ transform(f, c) { frames++; c.enqueue(f); } })).pipeTo(t.writable); };';
  let worker;
  const transform = () => new RTCRtpScriptTransform((worker ??= new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))), {});
  const done = new WeakSet();
  window.__bareEnds = 0;
  window.__bareFrames = () => new Promise((resolve) => {
    if (!worker) return resolve(0);
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    worker.postMessage({ port: channel.port2 }, [channel.port2]);
  });
  const sweep = (pc) => {
    for (const t of pc.getTransceivers()) {
      for (const end of [t.sender, t.receiver]) {
        if (done.has(end)) continue;
        done.add(end);
        end.transform = transform();
        window.__bareEnds++;
      }
    }
  };
  const Original = RTCPeerConnection;
  const proto = Original.prototype;
  for (const name of ['addTrack', 'addTransceiver']) {
    const original = proto[name];
    proto[name] = function (...args) {
      const result = original.apply(this, args);
      sweep(this);
      return result;
    };
  }
  function Hooked(...args) {
    const pc = new Original(...args);
    pc.addEventListener('signalingstatechange', () => sweep(pc));
    return pc;
  }
  Hooked.prototype = proto;
  Object.setPrototypeOf(Hooked, Original);
  window.RTCPeerConnection = Hooked;
})();`;
