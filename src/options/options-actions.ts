/**
 * The options page's side of OPTIONS_PORT: a live view of contacts, own identity and display name, and the changes
 * the user can ask for. The browser API is passed in (main.tsx passes webextension-polyfill's `browser`), so tests
 * can drive it with fakes.
 */
import {
  isBackgroundToOptions,
  OPTIONS_PORT,
  type OptionsToBackground,
  type OptionsView,
} from '../shared/options-messages';
import type { PortLike } from '../popup/actions';

export interface OptionsActions {
  /** Streams views and failures; returns a function that stops. */
  watch(onView: (view: OptionsView) => void, onFailure: (code: string, message: string) => void): () => void;
  send(message: Exclude<OptionsToBackground, { kind: 'options-watch' }>): void;
}

export function createOptionsActions(api: { runtime: { connect(info: { name: string }): PortLike } }): OptionsActions {
  let port: PortLike | undefined;
  return {
    watch(onView, onFailure) {
      const current = api.runtime.connect({ name: OPTIONS_PORT });
      port = current;
      current.onMessage.addListener((message) => {
        if (!isBackgroundToOptions(message)) return;
        if (message.kind === 'options') onView(message.view);
        else onFailure(message.code, message.message);
      });
      current.postMessage({ kind: 'options-watch' } satisfies OptionsToBackground);
      return () => {
        port = undefined;
        current.disconnect();
      };
    },
    send(message) {
      port?.postMessage(message);
    },
  };
}
