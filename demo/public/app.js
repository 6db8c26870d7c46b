// @ts-check
/**
 * The demo call client: an ordinary WebRTC call app, written the way any web call app would be. It knows nothing
 * about CallSeal; CallSeal (when installed and switched on) hooks RTCPeerConnection underneath it.
 *
 * URL parameters: `room`, `peer` (your name), `topology`:
 *   p2p    (default) one RTCPeerConnection between the two browsers, tracks added with addTrack, perfect negotiation
 *          (the "polite" side is the one whose name sorts first) over the server's signalling;
 *   single one sendrecv RTCPeerConnection per participant to the server's media relay (addTransceiver);
 *   split  SFU style: a sendonly RTCPeerConnection publishing to the relay and a separate recvonly one subscribing;
 *   group  SFU style for rooms of more than two (the server's `roomSize`): one sendonly connection publishing, and one
 *          recvonly connection per other participant (`sub:<name>`), each shown in its own `#remote-<name>` video.
 * In single/split the client offers and the relay answers. ICE uses host candidates only (no STUN/TURN servers);
 * video is VP8 and audio Opus (setCodecPreferences), so runs are deterministic; `codec` chooses another video codec:
 * `h264` (packetization mode 1), `h264-mode0`, `vp9` or `av1`; `simulcast=1` publishes the camera in three layers;
 * `audio=0` joins without a microphone. `loopback=1` (set by the tests and `npm start`, whose browsers run with
 * --allow-loopback-in-peer-connection) offers only 127.0.0.1 candidates in p2p, so the media never leaves the
 * loopback interface.
 *
 * When the other participant leaves or reloads, the call is torn down and placed again when it comes back.
 *
 * Read-only debug state for tests: `window.demo` (see `debugView` below).
 */

const params = new URLSearchParams(location.search);
const room = params.get('room');
const peer = params.get('peer');
const topology = params.get('topology') ?? 'p2p';
const loopbackOnly = params.get('loopback') === '1';
const videoCodec = params.get('codec') ?? 'vp8';
/** `simulcast=1`: the camera is published in three layers (rids h, m, l) for the relay to choose from. */
const simulcast = params.get('simulcast') === '1';
/** @param {MediaStreamTrack} track */
const sendEncodings = (track) =>
  simulcast && track.kind === 'video'
    ? { sendEncodings: [{ rid: 'h' }, { rid: 'm', scaleResolutionDownBy: 2 }, { rid: 'l', scaleResolutionDownBy: 4 }] }
    : {};
/** The video codec each `codec` value asks for: a mime type and, for H264, the packetization mode. */
const VIDEO_CODECS = {
  vp8: { mimeType: 'video/vp8' },
  vp9: { mimeType: 'video/vp9' },
  av1: { mimeType: 'video/av1' },
  h264: { mimeType: 'video/h264', fmtp: 'packetization-mode=1' },
  'h264-mode0': { mimeType: 'video/h264', fmtp: 'packetization-mode=0' },
};

/** @param {RTCIceCandidate | null} candidate */
const shareable = (candidate) => !loopbackOnly || !candidate || candidate.address === '127.0.0.1';
const TOPOLOGIES = ['p2p', 'single', 'split', 'group'];

/** @param {string} id */
const element = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found;
};

/**
 * @typedef {{ peer: string, session: string }} Remote
 * @typedef {{
 *   id: number,
 *   other: Remote,
 *   pcs: Map<string, RTCPeerConnection>,
 *   remoteTracks: MediaStreamTrack[],
 *   polite: boolean,
 *   makingOffer: boolean,
 *   ignoreOffer: boolean,
 *   inbox: Promise<void>,
 *   closed: boolean,
 *   connectPeer?: () => RTCPeerConnection,
 * }} Call
 */

/** @type {Call | undefined} */
let call;
let callCount = 0;
/**
 * group topology: the publishing connection and one subscription per other participant.
 * @typedef {{ pc: RTCPeerConnection, session: string, lastFrameAt: number }} Subscription
 * @typedef {{ id: number, publish: RTCPeerConnection, subs: Map<string, Subscription>, inbox: Promise<void> }} Group
 * @type {Group | undefined}
 */
let group;
/** @type {string | undefined} */
let session;
let status = 'starting';
let remoteFrames = 0;
let lastRemoteFrameAt = -Infinity;
/** @type {string[]} */
const errors = [];
/** @type {string[]} */
const history = [];
/** @param {string} entry */
const note = (entry) => {
  history.push(`${Math.round(performance.now())} ${entry}`);
  if (history.length > 100) history.shift();
};

const debugView = Object.freeze({
  get room() {
    return room;
  },
  get peer() {
    return peer;
  },
  get topology() {
    return topology;
  },
  /** The other participant's name while a call is placed. */
  get other() {
    return call?.other.peer ?? null;
  },
  /** Increments each time a call is placed (the first call is 1). */
  get callId() {
    return call?.id ?? 0;
  },
  /** Every RTCPeerConnection of the current call is connected. */
  get connected() {
    if (!call || call.pcs.size === 0) return false;
    return [...call.pcs.values()].every((pc) => pc.connectionState === 'connected');
  },
  /** Each connection of the current call: its name (p2p, main, publish, subscribe) and states. */
  get connections() {
    return [...(call?.pcs ?? [])].map(([name, pc]) => ({
      name,
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
    }));
  },
  /** The remote video presented a frame within the last second. */
  get remoteVideoPlaying() {
    const video = /** @type {HTMLVideoElement} */ (element('remote-video'));
    return !video.paused && video.videoWidth > 0 && performance.now() - lastRemoteFrameAt < 1000;
  },
  get remoteFrames() {
    return remoteFrames;
  },
  get status() {
    return status;
  },
  get errors() {
    return [...errors];
  },
  /** group: each other participant's subscription — its connection state and whether its video plays. */
  get remotes() {
    return [...(group?.subs ?? [])].map(([name, sub]) => {
      const video = /** @type {HTMLVideoElement | null} */ (document.getElementById(`remote-${name}`));
      return {
        peer: name,
        connectionState: sub.pc.connectionState,
        playing: Boolean(video && !video.paused && video.videoWidth > 0 && performance.now() - sub.lastFrameAt < 1000),
      };
    });
  },
  /** The video codecs in use (from getStats): what each connection sends and receives. */
  async videoCodecs() {
    /** @type {{ connection: string, direction: string, mimeType: string, sdpFmtpLine: string, rid: string, frames: number }[]} */
    const found = [];
    const pcs = group ? [['publish', group.publish], ...[...group.subs].map(([n, sub]) => [`sub:${n}`, sub.pc])] : [...(call?.pcs ?? [])];
    for (const [name, pc] of /** @type {[string, RTCPeerConnection][]} */ (pcs)) {
      const stats = await pc.getStats();
      stats.forEach((report) => {
        if ((report.type !== 'outbound-rtp' && report.type !== 'inbound-rtp') || report.kind !== 'video') return;
        const codec = report.codecId ? stats.get(report.codecId) : undefined;
        if (!codec) return;
        found.push({
          connection: name,
          direction: report.type === 'outbound-rtp' ? 'send' : 'receive',
          mimeType: codec.mimeType,
          sdpFmtpLine: codec.sdpFmtpLine ?? '',
          rid: report.rid ?? '',
          frames: report.type === 'outbound-rtp' ? (report.framesEncoded ?? 0) : (report.framesDecoded ?? 0),
        });
      });
    }
    return found;
  },
  /**
   * group: what each subscription's receivers got and decoded, and what the publishing connection encoded and sent
   * (getStats), for diagnosing a test: a stream whose packets arrive but whose frames never come out of the receive
   * transform (`framesReceived` 0) next to the sender's `keyFramesEncoded` says whether key frames were made at all;
   * the audio counts say whether the same sender's audio decrypts (concealed samples are frames the transform dropped).
   */
  async receivedVideo() {
    /** @type {Record<string, unknown>} */
    const found = {};
    for (const [name, sub] of group?.subs ?? []) {
      const stats = await sub.pc.getStats();
      /** @type {Record<string, unknown>} */
      const entry = {};
      stats.forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') {
          Object.assign(entry, {
            packets: r.packetsReceived,
            framesReceived: r.framesReceived,
            framesDecoded: r.framesDecoded,
            keyFramesDecoded: r.keyFramesDecoded,
            framesDropped: r.framesDropped,
            pli: r.pliCount,
            fir: r.firCount,
            nack: r.nackCount,
          });
        } else if (r.kind === 'audio') {
          entry.audio = {
            packets: r.packetsReceived,
            samples: r.totalSamplesReceived,
            concealed: r.concealedSamples,
            concealmentEvents: r.concealmentEvents,
          };
        }
      });
      found[name] = entry;
    }
    if (group) {
      const stats = await group.publish.getStats();
      stats.forEach((r) => {
        if (r.type !== 'outbound-rtp' || r.kind !== 'video') return;
        found.sent = {
          framesEncoded: r.framesEncoded,
          keyFramesEncoded: r.keyFramesEncoded,
          framesSent: r.framesSent,
          pli: r.pliCount,
          fir: r.firCount,
          nack: r.nackCount,
        };
      });
    }
    return found;
  },
  /** The last 100 signalling events, for diagnosing a test. */
  get history() {
    return [...history];
  },
});
Object.defineProperty(window, 'demo', { value: debugView, enumerable: true });

/** @param {string} text */
function setStatus(text) {
  note(`status: ${text}`);
  status = text;
  element('status').textContent = text;
}

/** @param {string} where @param {unknown} error */
function fail(where, error) {
  const message = `${where}: ${error instanceof Error ? error.message : String(error)}`;
  errors.push(message);
  console.error(message);
}

if (!room || !peer) {
  showJoinForm();
} else if (!TOPOLOGIES.includes(topology)) {
  document.body.append(`Unknown topology "${topology}": use one of ${TOPOLOGIES.join(', ')}.`);
} else {
  start(room, peer).catch((error) => {
    fail('start', error);
    setStatus(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  });
}

function showJoinForm() {
  const form = /** @type {HTMLFormElement} */ (element('join-form'));
  form.hidden = false;
  const name = /** @type {HTMLInputElement} */ (form.elements.namedItem('peer'));
  name.focus();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const key of ['room', 'peer', 'topology']) next.set(key, String(data.get(key) ?? ''));
    location.search = next.toString();
  });
}

/** @param {string} roomName @param {string} self */
async function start(roomName, self) {
  element('call').hidden = false;
  element('local-name').textContent = `${self} (you)`;
  setStatus('Starting the camera and microphone…');
  // `video=WxH` (default 320x240) asks the camera for another size (the CPU bench: 640x480), `fps=N` for another
  // frame rate (default 30; the tests with four and more browsers ask for less).
  const [width = 320, height = 240] = (params.get('video') ?? '320x240').split('x').map(Number);
  const asked = Number(params.get('fps'));
  const frameRate = Number.isFinite(asked) && asked > 0 ? asked : 30;
  // `audio=0` joins with the camera only (the test with eight browsers on one small machine: their microphones and
  // speakers took most of each renderer's CPU).
  const localStream = await navigator.mediaDevices.getUserMedia({
    audio: params.get('audio') !== '0',
    video: { width, height, frameRate },
  });
  const localVideo = /** @type {HTMLVideoElement} */ (element('local-video'));
  localVideo.srcObject = localStream;
  localVideo.play().catch(() => {});
  watchRemoteVideo();

  // Outgoing signalling, strictly in order (an offer before its candidates).
  let outbox = Promise.resolve();
  /** @param {'peer' | 'server'} to @param {unknown} data */
  const send = (to, data) => {
    const mySession = session;
    note(`send to ${to} ${JSON.stringify(data).slice(0, 60)}`);
    outbox = outbox.then(async () => {
      const response = await fetch('/signal/send', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ room: roomName, peer: self, session: mySession, to, data }),
      }).catch((error) => fail('signalling', error));
      if (response && !response.ok && response.status !== 409) fail('signalling', `HTTP ${response.status}`);
    });
  };

  const events = new EventSource(`/signal/events?${new URLSearchParams({ room: roomName, peer: self })}`);
  addEventListener('pagehide', () => {
    events.close();
    endCall(send);
    endGroup(send);
  });
  /** @param {string} type @param {(data: any) => void} handler */
  const on = (type, handler) =>
    events.addEventListener(type, (event) => {
      note(`event ${type} ${String(/** @type {MessageEvent<string>} */ (event).data).slice(0, 60)}`);
      try {
        handler(JSON.parse(/** @type {MessageEvent<string>} */ (event).data));
      } catch (error) {
        fail(type, error);
      }
    });

  on('welcome', (/** @type {{ session: string, peers: Remote[], mediaServer: boolean }} */ welcome) => {
    session = welcome.session;
    if (topology === 'group') {
      startGroup(welcome.peers, localStream, send);
      return;
    }
    endCall(send);
    if (topology !== 'p2p' && !welcome.mediaServer) {
      setStatus(`This server has no media relay: topology "${topology}" cannot work here; use p2p.`);
      return;
    }
    const other = welcome.peers[0];
    if (other) startCall(other, self, localStream, send);
    else setStatus(`In room "${roomName}". Waiting for the other participant…`);
  });
  on('peer-joined', (/** @type {Remote} */ other) => {
    if (topology === 'group') subscribe(other, send);
    else startCall(other, self, localStream, send);
  });
  on('peer-left', (/** @type {Remote} */ other) => {
    if (topology === 'group') {
      unsubscribe(other, send);
      return;
    }
    if (call?.other.session !== other.session) return;
    endCall(send);
    setStatus(`${other.peer} left. Waiting for them to come back…`);
  });
  on('signal', (/** @type {{ session: string, data: any }} */ message) => {
    const current = call;
    if (!current || current.other.session !== message.session || topology !== 'p2p') return;
    current.inbox = current.inbox
      .then(() => onPeerSignal(current, message.data, send))
      .catch((error) => fail('p2p signalling', error));
  });
  on('media', (/** @type {{ data: any }} */ message) => {
    if (group) {
      onGroupMessage(message.data).catch((error) => fail('relay signalling', error));
      return;
    }
    const current = call;
    if (!current || message.data?.call !== current.id) return;
    current.inbox = current.inbox
      .then(() => onServerMessage(current, message.data))
      .catch((error) => fail('relay signalling', error));
  });
  on('room-full', () => {
    events.close();
    setStatus(`Room "${roomName}" already has two participants.`);
  });
  on('replaced', () => {
    events.close();
    endCall(send);
    setStatus(`"${self}" joined this room from somewhere else; this page has left the call.`);
  });
  events.addEventListener('error', () => {
    if (events.readyState !== EventSource.CLOSED) setStatus('Lost the connection to the server; reconnecting…');
  });
}

/**
 * @param {Remote} other @param {string} self @param {MediaStream} localStream
 * @param {(to: 'peer' | 'server', data: unknown) => void} send
 */
function startCall(other, self, localStream, send) {
  endCall(send);
  call = {
    id: ++callCount,
    other,
    pcs: new Map(),
    remoteTracks: [],
    polite: self < other.peer,
    makingOffer: false,
    ignoreOffer: false,
    inbox: Promise.resolve(),
    closed: false,
  };
  element('remote-name').textContent = other.peer;
  setStatus(`Calling ${other.peer}…`);
  const current = call;
  const placing = topology === 'p2p' ? callPeer(current, localStream, send) : callRelay(current, localStream, send);
  placing.catch((error) => {
    fail('call', error);
    if (!current.closed) setStatus(`The call failed: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** @param {(to: 'peer' | 'server', data: unknown) => void} send */
function endCall(send) {
  const current = call;
  if (!current) return;
  call = undefined;
  current.closed = true;
  for (const pc of current.pcs.values()) pc.close();
  if (topology !== 'p2p') send('server', { call: current.id, type: 'hangup' });
  const remoteVideo = /** @type {HTMLVideoElement} */ (element('remote-video'));
  remoteVideo.srcObject = null;
  element('remote-name').textContent = 'Waiting for the other participant';
}

/** @param {Call} current @param {string} name */
function newPeerConnection(current, name) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  current.pcs.set(name, pc);
  pc.addEventListener('track', ({ track }) => {
    if (current.closed) return;
    current.remoteTracks.push(track);
    const remoteVideo = /** @type {HTMLVideoElement} */ (element('remote-video'));
    remoteVideo.srcObject = new MediaStream(current.remoteTracks);
    remoteVideo.play().catch(() => {});
  });
  pc.addEventListener('connectionstatechange', () => {
    if (current.closed) return;
    const states = [...current.pcs.values()].map((p) => p.connectionState);
    if (states.every((s) => s === 'connected')) setStatus(`In a call with ${current.other.peer}.`);
    else if (states.includes('failed')) setStatus(`The connection to ${current.other.peer} failed.`);
    else setStatus(`Connecting to ${current.other.peer}… (${states.join(', ')})`);
  });
  return pc;
}

/**
 * Only the chosen video codec (VP8 unless `codec` says otherwise) and Opus for audio, so every run negotiates the
 * same codecs. @param {RTCPeerConnection} pc
 */
function preferCodecs(pc) {
  const video = VIDEO_CODECS[/** @type {keyof typeof VIDEO_CODECS} */ (videoCodec)] ?? VIDEO_CODECS.vp8;
  for (const transceiver of pc.getTransceivers()) {
    const kind = transceiver.receiver.track.kind;
    const wanted = kind === 'video' ? video : { mimeType: 'audio/opus' };
    const fmtp = 'fmtp' in wanted ? wanted.fmtp : undefined;
    const codecs = (RTCRtpReceiver.getCapabilities(kind)?.codecs ?? []).filter(
      (codec) => codec.mimeType.toLowerCase() === wanted.mimeType && (!fmtp || (codec.sdpFmtpLine ?? '').includes(fmtp)),
    );
    if (codecs.length > 0) transceiver.setCodecPreferences(codecs);
  }
}

/**
 * p2p: one connection between the two browsers, perfect negotiation. The impolite side calls at once; the polite
 * side sets its connection up when the offer arrives. Both sides could call at once and let the perfect-negotiation
 * code below resolve the glare by rollback, but on Chromium 156 such calls now and then stalled after the rollback
 * (both sides stable, no ICE candidates sent by the polite side), and a demo call must connect every time.
 * @param {Call} current @param {MediaStream} localStream @param {(to: 'peer' | 'server', data: unknown) => void} send
 */
async function callPeer(current, localStream, send) {
  current.connectPeer = () => {
    const pc = newPeerConnection(current, 'p2p');
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    preferCodecs(pc);
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (!current.closed && shareable(candidate)) send('peer', { candidate: candidate?.toJSON() ?? null });
    });
    pc.addEventListener('negotiationneeded', async () => {
      try {
        current.makingOffer = true;
        await pc.setLocalDescription();
        if (!current.closed) send('peer', { description: pc.localDescription?.toJSON() });
      } catch (error) {
        fail('offer', error);
      } finally {
        current.makingOffer = false;
      }
    });
    return pc;
  };
  if (!current.polite) current.connectPeer();
}

/**
 * @param {Call} current @param {{ description?: RTCSessionDescriptionInit, candidate?: RTCIceCandidateInit | null }} data
 * @param {(to: 'peer' | 'server', data: unknown) => void} send
 */
async function onPeerSignal(current, data, send) {
  if (current.closed) return;
  const pc =
    current.pcs.get('p2p') ?? (data.description?.type === 'offer' ? current.connectPeer?.() : undefined);
  if (!pc) return;
  if (data.description) {
    const description = data.description;
    const collision = description.type === 'offer' && (current.makingOffer || pc.signalingState !== 'stable');
    current.ignoreOffer = !current.polite && collision;
    if (current.ignoreOffer) return;
    await pc.setRemoteDescription(description);
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      if (!current.closed) send('peer', { description: pc.localDescription?.toJSON() });
    }
  } else if (data.candidate !== undefined) {
    try {
      await pc.addIceCandidate(data.candidate ?? undefined);
    } catch (error) {
      if (!current.ignoreOffer) throw error;
    }
  }
}

/**
 * single / split: the client offers each connection to the media relay, which answers.
 * @param {Call} current @param {MediaStream} localStream @param {(to: 'peer' | 'server', data: unknown) => void} send
 */
async function callRelay(current, localStream, send) {
  /** @param {string} name @param {RTCPeerConnection} pc */
  const offer = async (name, pc) => {
    preferCodecs(pc);
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (!current.closed && shareable(candidate)) send('server', { call: current.id, pc: name, type: 'candidate', candidate: candidate?.toJSON() ?? null });
    });
    await pc.setLocalDescription(await pc.createOffer());
    if (!current.closed) send('server', { call: current.id, pc: name, type: 'offer', sdp: pc.localDescription?.sdp });
  };
  if (topology === 'single') {
    const pc = newPeerConnection(current, 'main');
    for (const track of localStream.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendrecv', streams: [localStream], ...sendEncodings(track) });
    }
    await offer('main', pc);
  } else {
    const publish = newPeerConnection(current, 'publish');
    for (const track of localStream.getTracks()) {
      publish.addTransceiver(track, { direction: 'sendonly', streams: [localStream], ...sendEncodings(track) });
    }
    const subscribe = newPeerConnection(current, 'subscribe');
    subscribe.addTransceiver('audio', { direction: 'recvonly' });
    subscribe.addTransceiver('video', { direction: 'recvonly' });
    await Promise.all([offer('publish', publish), offer('subscribe', subscribe)]);
  }
}

/** @param {Call} current @param {{ pc?: string, type?: string, sdp?: string, message?: string }} data */
async function onServerMessage(current, data) {
  const pc = data.pc === undefined ? undefined : current.pcs.get(data.pc);
  if (current.closed) return;
  if (data.type === 'answer' && pc && typeof data.sdp === 'string') {
    await pc.setRemoteDescription({ type: 'answer', sdp: data.sdp });
  } else if (data.type === 'error') {
    throw new Error(`the media relay refused ${data.pc ?? 'the call'}: ${data.message ?? 'no reason given'}`);
  }
}

/**
 * group: publishes once, then subscribes to every other participant (now and as they join).
 * @param {Remote[]} others @param {MediaStream} localStream @param {(to: 'peer' | 'server', data: unknown) => void} send
 */
function startGroup(others, localStream, send) {
  endGroup(send);
  const publish = new RTCPeerConnection({ iceServers: [] });
  group = { id: ++callCount, publish, subs: new Map(), inbox: Promise.resolve() };
  for (const track of localStream.getTracks()) publish.addTransceiver(track, { direction: 'sendonly', streams: [localStream] });
  setStatus(`In the room with ${others.length} others.`);
  offerTo(group, 'publish', publish, send).catch((error) => fail('publish', error));
  for (const other of others) subscribe(other, send);
}

/** @param {Group} current @param {string} name @param {RTCPeerConnection} pc @param {(to: 'peer' | 'server', data: unknown) => void} send */
async function offerTo(current, name, pc, send) {
  preferCodecs(pc);
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (group === current && shareable(candidate)) {
      send('server', { call: current.id, pc: name, type: 'candidate', candidate: candidate?.toJSON() ?? null });
    }
  });
  await pc.setLocalDescription(await pc.createOffer());
  if (group === current) send('server', { call: current.id, pc: name, type: 'offer', sdp: pc.localDescription?.sdp });
}

/** @param {Remote} other @param {(to: 'peer' | 'server', data: unknown) => void} send */
function subscribe(other, send) {
  const current = group;
  if (!current) return;
  const previous = current.subs.get(other.peer);
  if (previous) previous.pc.close();
  const pc = new RTCPeerConnection({ iceServers: [] });
  /** @type {Subscription} */
  const sub = { pc, session: other.session, lastFrameAt: -Infinity };
  current.subs.set(other.peer, sub);
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addTransceiver('video', { direction: 'recvonly' });
  const video = remoteVideoFor(other.peer);
  /** @type {MediaStreamTrack[]} */
  const tracks = [];
  pc.addEventListener('track', ({ track }) => {
    tracks.push(track);
    video.srcObject = new MediaStream(tracks);
    video.play().catch(() => {});
  });
  /** @type {VideoFrameRequestCallback} */
  const onFrame = () => {
    sub.lastFrameAt = performance.now();
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  offerTo(current, `sub:${other.peer}`, pc, send).catch((error) => fail('subscribe', error));
}

/** @param {Remote} other @param {(to: 'peer' | 'server', data: unknown) => void} send */
function unsubscribe(other, send) {
  const sub = group?.subs.get(other.peer);
  if (!group || !sub || sub.session !== other.session) return;
  sub.pc.close();
  group.subs.delete(other.peer);
  send('server', { call: group.id, pc: `sub:${other.peer}`, type: 'hangup' });
  document.getElementById(`figure-${other.peer}`)?.remove();
}

/** @param {(to: 'peer' | 'server', data: unknown) => void} send */
function endGroup(send) {
  const current = group;
  if (!current) return;
  group = undefined;
  current.publish.close();
  for (const sub of current.subs.values()) sub.pc.close();
  send('server', { call: current.id, type: 'hangup' });
}

/** @param {string} name */
function remoteVideoFor(name) {
  const existing = document.getElementById(`remote-${name}`);
  if (existing instanceof HTMLVideoElement) return existing;
  const figure = document.createElement('figure');
  figure.id = `figure-${name}`;
  const video = document.createElement('video');
  video.id = `remote-${name}`;
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  const caption = document.createElement('figcaption');
  caption.textContent = name;
  figure.append(video, caption);
  element('remote-video').closest('.videos')?.append(figure);
  return video;
}

/** @param {{ call?: number, pc?: string, type?: string, sdp?: string, message?: string }} data */
async function onGroupMessage(data) {
  const current = group;
  if (!current || data.call !== current.id) return;
  const pc = data.pc === 'publish' ? current.publish : current.subs.get(String(data.pc).slice('sub:'.length))?.pc;
  if (data.type === 'answer' && pc && typeof data.sdp === 'string') {
    current.inbox = current.inbox.then(() => pc.setRemoteDescription({ type: 'answer', sdp: /** @type {string} */ (data.sdp) }));
    await current.inbox;
  } else if (data.type === 'error') {
    throw new Error(`the media relay refused ${data.pc ?? 'the call'}: ${data.message ?? 'no reason given'}`);
  }
}

/** Counts the frames the remote video presents. */
function watchRemoteVideo() {
  const video = /** @type {HTMLVideoElement} */ (element('remote-video'));
  /** @type {VideoFrameRequestCallback} */
  const onFrame = () => {
    remoteFrames += 1;
    lastRemoteFrameAt = performance.now();
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}
