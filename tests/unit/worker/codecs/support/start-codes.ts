/** What H264's emulation prevention (src/worker/codecs/escape.ts) must rule out, checked by the codec tests. */

/** True when `bytes` contain `00 00 00`, `00 00 01` or `00 00 02` (what escaping rules out). */
export function hasStartCodeEmulation(bytes: Uint8Array): boolean {
  for (let i = 2; i < bytes.length; i++) {
    if (bytes[i - 2] === 0 && bytes[i - 1] === 0 && (bytes[i] as number) <= 2) return true;
  }
  return false;
}
