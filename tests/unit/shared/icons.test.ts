import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CALL_STATES } from '../../../src/shared/call-status';
import { ICON_SIZES, iconPath } from '../../../src/shared/status-text';

const PUBLIC = new URL('../../../public/', import.meta.url);

function readPng(path: string) {
  const bytes = readFileSync(fileURLToPath(new URL(path, PUBLIC)));
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colourType = bytes[25];
  // Concatenate IDAT chunks and inflate them: a broken file would throw here.
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return { width, height, colourType, raw };
}

describe('checked-in icons', () => {
  // One icon per state.
  for (const variant of CALL_STATES) {
    for (const size of ICON_SIZES) {
      it(`${iconPath(variant, size)} is a ${size} px RGBA PNG with something drawn`, () => {
        const { width, height, colourType, raw } = readPng(iconPath(variant, size));
        expect([width, height, colourType]).toEqual([size, size, 6]);
        expect(raw.length).toBe(size * (size * 4 + 1));
        let opaque = 0;
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) if (raw[y * (size * 4 + 1) + 1 + x * 4 + 3] === 255) opaque++;
        }
        expect(opaque / (size * size)).toBeGreaterThan(0.4);
      });
    }
  }
});
