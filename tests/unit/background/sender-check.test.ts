/**
 * Who is on the other end of a runtime port (src/background/sender-check.ts, protocol.md §7.4): the rules every
 * bridge and every extension page is admitted by, checked directly, field by field. The router's tests check that a
 * refused port is disconnected; these check what is refused, and what the admitted bridge is counted as.
 */
import { describe, expect, it } from 'vitest';
import { bridgeSenderOf, isOwnExtensionPage, type SenderLike } from '../../../src/background/sender-check';
import { EXTENSION_ID, EXTENSION_URL } from './fakes';

const web = (overrides: Partial<SenderLike> = {}): SenderLike => ({
  id: EXTENSION_ID,
  url: 'https://call.example/room/1?x=1#y',
  origin: 'https://call.example',
  frameId: 0,
  tab: { id: 7 },
  ...overrides,
});

describe('bridgeSenderOf', () => {
  it('admits our content script in a web page, counted by tab, frame and the origin of its URL', () => {
    expect(bridgeSenderOf(web(), EXTENSION_ID)).toEqual({ tabId: 7, frameId: 0, origin: 'https://call.example' });
    const local = web({ url: 'http://127.0.0.1:8080/a', origin: 'http://127.0.0.1:8080', frameId: 12 });
    expect(bridgeSenderOf(local, EXTENSION_ID)).toEqual({ tabId: 7, frameId: 12, origin: 'http://127.0.0.1:8080' });
  });

  it.each<[string, Partial<SenderLike> | undefined]>([
    ['no sender at all', undefined],
    ['another extension', { id: 'x'.repeat(32) }],
    ['no extension id', { id: undefined }],
    ['no tab (a service worker, another extension page)', { tab: undefined }],
    ['a tab without id', { tab: {} }],
    ['a negative tab id (TAB_ID_NONE)', { tab: { id: -1 } }],
    ['a fractional frame id', { frameId: 1.5 }],
    ['a negative frame id', { frameId: -1 }],
    ['no frame id', { frameId: undefined }],
    ['no URL', { url: undefined }],
    ['no origin', { origin: undefined }],
    ['an origin that is not the URL’s', { origin: 'https://other.example' }],
    ['the right host on another scheme', { origin: 'http://call.example' }],
    ['an origin with a path', { url: 'https://call.example/', origin: 'https://call.example/' }],
    ['an opaque origin on a web URL', { origin: 'null' }],
    ['a URL that does not parse', { url: 'https://exa mple/', origin: 'https://exa mple' }],
    ['a chrome: page', { url: 'chrome://settings/', origin: 'chrome://settings' }],
    ['an extension page', { url: `${EXTENSION_URL}x.html`, origin: EXTENSION_URL.slice(0, -1) }],
    ['a file: page', { url: 'file:///tmp/a.html', origin: 'null' }],
    ['a javascript: frame', { url: 'javascript:void 0', origin: 'https://call.example' }],
    ['about:blank inheriting an extension origin', { url: 'about:blank', origin: EXTENSION_URL.slice(0, -1) }],
    ['data: with an origin that is no origin', { url: 'data:text/html,x', origin: 'javascript:x' }],
    ['about:srcdoc with a web origin and a path', { url: 'about:srcdoc', origin: 'https://call.example/a' }],
  ])('refuses %s', (_name, overrides) => {
    expect(bridgeSenderOf(overrides === undefined ? undefined : web(overrides), EXTENSION_ID)).toBeUndefined();
  });

  it.each([
    ['about:blank', 'https://call.example'],
    ['about:srcdoc', 'https://call.example'],
    ['blob:https://call.example/0f0f', 'https://call.example'],
    ['data:text/html,x', 'null'],
    ['about:blank', 'null'],
  ])('admits a frame that inherits its origin: %s with %s, counted by that origin', (url, origin) => {
    expect(bridgeSenderOf(web({ url, origin, frameId: 3 }), EXTENSION_ID)).toEqual({ tabId: 7, frameId: 3, origin });
  });

  it('takes only tab, frame and origin: nothing else the sender carries', () => {
    const sender = { ...web(), documentId: 'x', extra: 'y' } as SenderLike;
    expect(Object.keys(bridgeSenderOf(sender, EXTENSION_ID) ?? {}).sort()).toEqual(['frameId', 'origin', 'tabId']);
  });
});

describe('isOwnExtensionPage', () => {
  const page = (url: string | undefined, id: string | undefined = EXTENSION_ID): SenderLike => ({ id, url });

  it('admits this extension’s own pages, in the popup or in a tab', () => {
    expect(isOwnExtensionPage(page(`${EXTENSION_URL}src/popup/index.html`), EXTENSION_ID, EXTENSION_URL)).toBe(true);
    const inTab = page(`${EXTENSION_URL}src/popup/index.html?tabId=3`);
    expect(isOwnExtensionPage(inTab, EXTENSION_ID, EXTENSION_URL)).toBe(true);
  });

  it.each<[string, SenderLike | undefined]>([
    ['no sender', undefined],
    ['a web page', page('https://call.example/')],
    ['another extension id', page(`${EXTENSION_URL}x.html`, 'x'.repeat(32))],
    ['another extension’s page', page('chrome-extension://abcdefghijklmnopabcdefghijklmnop/x.html')],
    ['a host that only starts with our id', page(`chrome-extension://${EXTENSION_ID}evil/x.html`)],
    ['no URL', page(undefined)],
    ['our content script in a web page', { ...page('https://call.example/'), tab: { id: 1 }, frameId: 0 }],
  ])('refuses %s', (_name, sender) => {
    expect(isOwnExtensionPage(sender, EXTENSION_ID, EXTENSION_URL)).toBe(false);
  });
});
