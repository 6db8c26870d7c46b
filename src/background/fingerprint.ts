/**
 * The short fingerprint (protocol.md §7.4) the popup shows under the security code ("whose key is this?"): hex of the first 16 bytes of
 * SHA-256 over the raw identity key, in groups of four. For display only — the call is authenticated by the code.
 * Computed here, by the background, from the key it checked, rather than taken from a report.
 */
const FINGERPRINT_BYTES = 16;

export async function identityFingerprint(identityPublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(identityPublicKey)));
  let hex = '';
  for (const byte of digest.subarray(0, FINGERPRINT_BYTES)) hex += byte.toString(16).padStart(2, '0');
  return (hex.match(/.{4}/g) ?? []).join(' ');
}
