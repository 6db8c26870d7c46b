/**
 * Driving the background's router in tests (router-*.test.ts): a router over the fakes of fakes.ts, a popup watching
 * a tab, the popup's last view, and sign inputs.
 */
import { createRouter, type BackgroundRouter } from '../../../src/background/router';
import type { PopupView } from '../../../src/shared/messages';
import { harness, popupPort, type FakePort, type Harness } from './fakes';

export const input = (fill = 7, length = 40): string => Buffer.alloc(length, fill).toString('base64');

export function start(h: Harness = harness()): { h: Harness; bg: BackgroundRouter; open(port: FakePort): FakePort } {
  const bg = createRouter(h.deps);
  return {
    h,
    bg,
    open(port) {
      bg.connect(port);
      return port;
    },
  };
}

export async function watch(bg: BackgroundRouter, tabId = 1): Promise<FakePort> {
  const popup = popupPort();
  bg.connect(popup);
  popup.send({ kind: 'watch', tabId });
  await bg.settled();
  return popup;
}

export const lastView = (popup: FakePort): PopupView => {
  const views = popup.ofKind('view');
  const view = views.at(-1)?.view as PopupView | undefined;
  if (!view) throw new Error('no view');
  return view;
};
