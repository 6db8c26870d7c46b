/**
 * The background's router, driven through fake ports (router-helpers.ts): who may connect to it, and which
 * connection of a frame counts once a new one took it over (protocol.md §7).
 */
import { describe, expect, it } from 'vitest';
import { bridgePort, EXTENSION_URL, popupPort } from './fakes';
import { encrypted } from './report-fixtures';
import { lastView, start, watch } from './router-helpers';

describe('who may connect', () => {
  it.each([
    ['another extension', { id: 'x'.repeat(32) }],
    ['no tab', { tabId: -1 }],
    ['a chrome: page', { url: 'chrome://settings/', origin: 'chrome://settings' }],
    ['an extension page posing as a bridge', { url: `${EXTENSION_URL}x.html`, origin: EXTENSION_URL.slice(0, -1) }],
    ['an origin that does not match the url', { url: 'https://a.example/', origin: 'https://b.example' }],
    ['an opaque frame claiming a web origin oddly', { url: 'data:text/html,x', origin: 'javascript:x' }],
  ])('refuses a bridge port from %s', async (_name, options) => {
    const { bg, open } = start();
    const port = open(bridgePort(options));
    expect(port.disconnected).toBe(true);
    port.send({ kind: 'attach' });
    await bg.settled();
    expect(port.posted).toEqual([]);
  });

  it('accepts bridges in about:blank, data: and blob: frames with a web or opaque origin', async () => {
    const { bg, open } = start();
    for (const [url, origin] of [
      ['about:blank', 'https://call.example'],
      ['data:text/html,x', 'null'],
      ['blob:https://call.example/0f0f', 'https://call.example'],
    ] as const) {
      const port = open(bridgePort({ url, origin, frameId: 3 }));
      port.send({ kind: 'attach' });
      await bg.settled();
      expect(port.disconnected).toBe(false);
      expect(port.ofKind('settings')).toHaveLength(1);
    }
  });

  it('refuses a popup port that is not an extension page, and unknown port names', () => {
    const { open } = start();
    expect(open(popupPort('https://call.example/')).disconnected).toBe(true);
    const other = bridgePort();
    expect(open(Object.assign(other, { name: 'something-else' })).disconnected).toBe(true);
  });
});


describe('connections replaced', () => {
  it('drops what an old connection sent but was not yet handled when a new one took the frame over', async () => {
    const { bg, open } = start();
    const popup = await watch(bg);
    const first = open(bridgePort());
    first.send({ kind: 'session', report: encrypted() });
    first.send({ kind: 'session', report: encrypted() });
    open(bridgePort());
    await bg.settled();
    expect(lastView(popup).status.state).toBe('off');
  });
});
