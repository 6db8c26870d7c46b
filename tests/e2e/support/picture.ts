/**
 * What a picture shows: the average colour of a playing `<video>`, and of VP8 frames decoded with WebCodecs.
 * Together with the solid-colour fake cameras (`fake-camera.ts`) this tells whose picture arrived, and whether a
 * relay's copy of the stream is plaintext (decodes to the sender's colour) or not.
 */
import type { Page } from 'puppeteer';
import type { Rgb } from './fake-camera';

/** Channels differ by at most `tolerance` (0–255). VP8 and colour conversion move solid colours by ~10. */
export function isColorNear(rgb: Rgb | null | undefined, expected: Rgb, tolerance = 60): boolean {
  if (!rgb) return false;
  return rgb.every((value, i) => Math.abs(value - (expected[i] ?? NaN)) <= tolerance);
}

export function formatColor(rgb: Rgb | null | undefined): string {
  return rgb ? `rgb(${rgb.map((c) => Math.round(c)).join(', ')})` : 'no picture';
}

/** Average colour of the current frame of the `<video>` at `selector`; null while it has no picture. */
export async function averageColor(page: Page, selector: string): Promise<Rgb | null> {
  return page.evaluate((sel): [number, number, number] | null => {
    const video = document.querySelector(sel);
    if (!(video instanceof HTMLVideoElement)) throw new Error(`${sel} is not a <video>`);
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return null;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2d canvas');
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    const sum = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < data.length; i += 4 * 7) {
      sum[0]! += data[i] ?? 0;
      sum[1]! += data[i + 1] ?? 0;
      sum[2]! += data[i + 2] ?? 0;
      n++;
    }
    return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
  }, selector);
}

export interface DecodeReport {
  /** Frames handed to the decoder (from the first keyframe on, at most `maxFrames`). */
  submitted: number;
  /** Frames that looked like VP8 keyframes (frame tag and start code in the clear). */
  keyframes: number;
  /** Frames the decoder produced. */
  decoded: number;
  /** Decoder errors, in order (the decoder is recreated after each and waits for the next keyframe). */
  errors: string[];
  /** Average colour over all decoded frames; null if none decoded. */
  average: Rgb | null;
  /** At least one frame decoded and the average is near the expected colour. */
  matches: boolean;
}

/** RFC 6386 9.1: a keyframe's frame tag has bit 0 clear and is followed by the start code 9d 01 2a. */
export function isVp8Keyframe(frame: Uint8Array): boolean {
  return frame.length >= 10 && ((frame[0] ?? 1) & 1) === 0 && frame[3] === 0x9d && frame[4] === 0x01 && frame[5] === 0x2a;
}

/**
 * Feeds whole VP8 frames (e.g. `relay.copies(name).video`) to a WebCodecs `VideoDecoder` in `page` — a page of a
 * browser WITHOUT the extension, on an http://127.0.0.1 origin (WebCodecs needs a secure context) — and reports
 * what came out. A plaintext copy decodes to the sender's colour; an encrypted one must not.
 */
export async function decodesToColor(
  page: Page,
  vp8Frames: readonly Uint8Array[],
  expected: Rgb,
  options: {
    tolerance?: number;
    maxFrames?: number;
    /** Start decoding at the first keyframe (default) or the last one, to see how a stream is now. */
    from?: 'first-keyframe' | 'last-keyframe';
  } = {},
): Promise<DecodeReport> {
  const { tolerance = 60, maxFrames = 120, from = 'first-keyframe' } = options;
  let frames = vp8Frames;
  if (from === 'last-keyframe') {
    let last = vp8Frames.length - 1;
    while (last >= 0 && !isVp8Keyframe(vp8Frames[last] ?? new Uint8Array())) last--;
    frames = last >= 0 ? vp8Frames.slice(last) : [];
  }
  const encoded = frames.map((frame) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'));
  const result = await page.evaluate(
    async (frames: string[], max: number) => {
      if (!isSecureContext || typeof VideoDecoder === 'undefined') {
        throw new Error('decodesToColor needs a page on a secure origin (http://127.0.0.1), where WebCodecs exists');
      }
      const bytes = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      // RFC 6386 9.1: frame tag bit 0 is 0 for keyframes, which also carry the start code 9d 01 2a.
      const isKey = (f: Uint8Array): boolean =>
        f.length >= 10 && ((f[0] ?? 1) & 1) === 0 && f[3] === 0x9d && f[4] === 0x01 && f[5] === 0x2a;
      const errors: string[] = [];
      const sum = [0, 0, 0];
      let decoded = 0;
      let submitted = 0;
      let keyframes = 0;
      const measure = (frame: VideoFrame): void => {
        const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
        const context = canvas.getContext('2d', { willReadFrequently: true });
        if (!context) throw new Error('no 2d canvas');
        context.drawImage(frame, 0, 0);
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        const frameSum = [0, 0, 0];
        let n = 0;
        for (let i = 0; i < data.length; i += 4 * 7) {
          frameSum[0]! += data[i] ?? 0;
          frameSum[1]! += data[i + 1] ?? 0;
          frameSum[2]! += data[i + 2] ?? 0;
          n++;
        }
        for (let c = 0; c < 3; c++) sum[c]! += frameSum[c]! / n;
        decoded++;
      };
      let decoder: VideoDecoder | undefined;
      let needKey = true;
      for (const [index, b64] of frames.entries()) {
        if (submitted >= max) break;
        const data = bytes(b64);
        const key = isKey(data);
        if (key) keyframes++;
        if (needKey && !key) continue;
        if (!decoder || decoder.state === 'closed') {
          decoder = new VideoDecoder({
            output: (frame) => {
              try {
                measure(frame);
              } finally {
                frame.close();
              }
            },
            error: (error) => errors.push(`${error.name}: ${error.message}`),
          });
          decoder.configure({ codec: 'vp8' });
        }
        submitted++;
        try {
          // No flush per frame: after a flush the decoder wants a keyframe again.
          decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: index * 33_333, data }));
          needKey = false;
        } catch (error) {
          // decode() throws once an earlier error has closed the decoder (reported through `error` above).
          if (decoder.state !== 'closed') errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          needKey = true;
        }
        const busy = decoder;
        if (busy.decodeQueueSize > 16) {
          await new Promise<void>((resolve) => {
            busy.addEventListener('dequeue', () => resolve(), { once: true });
            setTimeout(resolve, 100);
          });
        }
      }
      if (decoder && decoder.state !== 'closed') {
        const last = decoder;
        await last.flush().catch(() => {});
        if ((last.state as CodecState) !== 'closed') last.close();
      }
      const average: [number, number, number] | null = decoded ? [sum[0]! / decoded, sum[1]! / decoded, sum[2]! / decoded] : null;
      return { submitted, keyframes, decoded, errors, average };
    },
    encoded,
    maxFrames,
  );
  return { ...result, matches: result.decoded > 0 && isColorNear(result.average, expected, tolerance) };
}
