/**
 * Who is on the other end of a runtime port (protocol.md §7.4). `chrome.runtime.onConnect` hears only this
 * extension's own contexts, but which one matters: a bridge must be our content script in a tab's frame of a web
 * page (or a frame that inherits a web origin: about:blank, srcdoc, blob:, data:), and the popup must be our own
 * extension page. The origin is what signing budgets are counted by, so it must agree with the frame's URL.
 */
export interface SenderLike {
  id?: string | undefined;
  url?: string | undefined;
  origin?: string | undefined;
  frameId?: number | undefined;
  tab?: { id?: number | undefined } | undefined;
}

export interface BridgeSender {
  tabId: number;
  frameId: number;
  /** The frame's origin, e.g. "https://call.example", or "null" for an opaque one (sandboxed, data:). */
  origin: string;
}

const WEB_ORIGIN = /^https?:\/\/[^/?#\s]+$/;
/** Frames that inherit their origin (or get an opaque one) instead of having one of their own URL. */
const INHERITING_URL = /^(about:(blank|srcdoc)|blob:|data:)/;

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function bridgeSenderOf(sender: SenderLike | undefined, extensionId: string): BridgeSender | undefined {
  if (!sender || sender.id !== extensionId) return undefined;
  const tabId = sender.tab?.id;
  const { frameId, url, origin } = sender;
  if (!isId(tabId) || !isId(frameId) || typeof url !== 'string' || typeof origin !== 'string') return undefined;
  if (/^https?:/.test(url)) {
    let own: string;
    try {
      own = new URL(url).origin;
    } catch {
      return undefined;
    }
    return own === origin && WEB_ORIGIN.test(origin) ? { tabId, frameId, origin } : undefined;
  }
  if (INHERITING_URL.test(url) && (origin === 'null' || WEB_ORIGIN.test(origin))) return { tabId, frameId, origin };
  return undefined;
}

/** The popup: one of this extension's own pages (in its popup, or opened in a tab with ?tabId=). */
export function isOwnExtensionPage(sender: SenderLike | undefined, extensionId: string, extensionUrl: string): boolean {
  return sender?.id === extensionId && typeof sender.url === 'string' && sender.url.startsWith(extensionUrl);
}
