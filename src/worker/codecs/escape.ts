/**
 * Emulation prevention for the encrypted segments of H264 NAL units (protocol.md §2.1).
 *
 * Ciphertext is random, so it would now and then form a start code (`00 00 01`, or `00 00 00` that starts a 4-byte
 * one), and Chromium's packetizer would cut the NAL unit in two there. As H.264 §7.4.1 does for its own payloads,
 * `escapeSegment` writes `03` before any byte ≤ `03` that follows two `00` bytes (the zeros that end the unit's clear
 * head count, `zerosBefore`), and then appends a final `03` if the result ends in `00` or `03`: so a unit never
 * contains `00 00 00`, `00 00 01` or `00 00 02`, never ends in `00`, and its end is unambiguous. `unescapeSegment`
 * undoes both. Pure functions over bytes.
 */

const EPB = 0x03;

/** How many `00` bytes end `head` (at most 2: all the escaping rule looks at). */
export function trailingZeros(head: Uint8Array): number {
  const n = head.length;
  if (n === 0 || head[n - 1] !== 0) return 0;
  return n >= 2 && head[n - 2] === 0 ? 2 : 1;
}

/** The escaped form of `segment`, following `zerosBefore` (0–2) zero bytes. */
export function escapeSegment(segment: Uint8Array, zerosBefore = 0): Uint8Array<ArrayBuffer> {
  const n = segment.length;
  if (n === 0) return new Uint8Array(0);
  // Worst case: one 03 per two input bytes, plus the final one.
  const out = new Uint8Array(n + (n >> 1) + 2);
  let w = 0;
  let zeros = Math.min(Math.max(zerosBefore | 0, 0), 2);
  for (let i = 0; i < n; i++) {
    const byte = segment[i] as number;
    if (zeros >= 2 && byte <= EPB) {
      out[w++] = EPB;
      zeros = 0;
    }
    out[w++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  const last = out[w - 1];
  if (last === 0 || last === EPB) out[w++] = EPB;
  return out.slice(0, w);
}

/** The segment `escapeSegment` was given; `zerosBefore` as there. Never throws: any bytes unescape to something. */
export function unescapeSegment(escaped: Uint8Array, zerosBefore = 0): Uint8Array<ArrayBuffer> {
  let n = escaped.length;
  if (n > 0 && escaped[n - 1] === EPB) n--; // the final 03 (always added after a 00 or a 03, never else)
  const out = new Uint8Array(n);
  let w = 0;
  let zeros = Math.min(Math.max(zerosBefore | 0, 0), 2);
  for (let i = 0; i < n; i++) {
    const byte = escaped[i] as number;
    if (zeros >= 2 && byte === EPB) {
      zeros = 0;
      continue;
    }
    out[w++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return w === n ? out : out.slice(0, w);
}
