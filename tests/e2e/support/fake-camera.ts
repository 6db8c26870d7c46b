/**
 * Fake cameras for `--use-file-for-fake-video-capture=FILE`: Y4M files of one solid colour each, so every
 * participant's picture is easy to trace through a call (red for Alice, blue for Bob) and a decoded copy of the
 * stream can be checked for it. Chromium loops the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Rgb = readonly [r: number, g: number, b: number];

export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];
export const GREEN: Rgb = [0, 255, 0];

export interface Y4mOptions {
  width?: number;
  height?: number;
  frames?: number;
  fps?: number;
}

/** BT.601 limited range, what Chromium assumes for a Y4M camera. */
export function rgbToYuv([r, g, b]: Rgb): [y: number, u: number, v: number] {
  const clamp = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));
  return [
    clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255),
    clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255),
    clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255),
  ];
}

/** A Y4M (4:2:0) clip of one solid colour. */
export function solidY4m(color: Rgb, options: Y4mOptions = {}): Uint8Array {
  const { width = 320, height = 240, frames = 3, fps = 30 } = options;
  if (width % 2 || height % 2) throw new Error('Y4M 4:2:0 needs an even width and height');
  const [y, u, v] = rgbToYuv(color);
  const header = new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = new TextEncoder().encode('FRAME\n');
  const lumaSize = width * height;
  const chromaSize = lumaSize / 4;
  const frameSize = frameHeader.length + lumaSize + 2 * chromaSize;
  const out = new Uint8Array(header.length + frames * frameSize);
  out.set(header, 0);
  for (let i = 0; i < frames; i++) {
    let at = header.length + i * frameSize;
    out.set(frameHeader, at);
    at += frameHeader.length;
    out.fill(y, at, at + lumaSize);
    out.fill(u, at + lumaSize, at + lumaSize + chromaSize);
    out.fill(v, at + lumaSize + chromaSize, at + lumaSize + 2 * chromaSize);
  }
  return out;
}

export interface FakeCameras {
  /** The Y4M file for `name`, written on first use (of the size and rate `fakeCameras` was given). */
  file(name: string, color: Rgb): Promise<string>;
  /** The Chromium flag that makes `name`'s browser film `color`. */
  flag(name: string, color: Rgb): Promise<string>;
  /** Removes every file. */
  cleanup(): Promise<void>;
}

/**
 * A temporary folder of camera files, each `options`' size and rate (default 320×240 at 30 frames a second); call
 * `cleanup()` when the browsers using them have closed.
 */
export async function fakeCameras(options: Y4mOptions = {}): Promise<FakeCameras> {
  const dir = await mkdtemp(join(tmpdir(), 'callseal-camera-'));
  const written = new Map<string, string>();
  const file = async (name: string, color: Rgb): Promise<string> => {
    const key = `${name}-${color.join('-')}`;
    const existing = written.get(key);
    if (existing) return existing;
    const path = join(dir, `${key.replace(/[^A-Za-z0-9_-]/g, '_')}.y4m`);
    await writeFile(path, solidY4m(color, options));
    written.set(key, path);
    return path;
  };
  return {
    file,
    flag: async (name, color) => `--use-file-for-fake-video-capture=${await file(name, color)}`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
