/**
 * The refresher's fetch over the platform's `fetch` (the service worker's, or Node's in tests): no cookies or
 * credentials, no HTTP cache, and at most MAX_ENVELOPE_BYTES + 1 bytes read, so a huge or endless response costs
 * nothing and is then refused as malformed by openEnvelope. The response is read under CORS: the service must send
 * `Access-Control-Allow-Origin: *` (docs/admin.md §3.8).
 */
import { MAX_ENVELOPE_BYTES } from './envelope';
import type { FetchResult, PolicyFetch } from './refresher';

export const httpPolicyFetch: PolicyFetch = async (url, signal): Promise<FetchResult> => {
  const response = await fetch(url, {
    method: 'GET',
    cache: 'no-store',
    credentials: 'omit',
    headers: { Accept: 'application/json' },
    signal,
  });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    return { status: response.status, body: new Uint8Array() };
  }
  const limit = MAX_ENVELOPE_BYTES + 1;
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  while (length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  await reader.cancel();
  const body = new Uint8Array(Math.min(length, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, body.length - offset);
    body.set(part, offset);
    offset += part.length;
  }
  return { status: response.status, body };
};
