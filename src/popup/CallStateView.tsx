import type { TabCallStatus } from '../shared/call-status';
import { APP_TRANSFORM_SENTENCE, detailSentence, offHint, otherCallsSentence, statusWordsFor } from '../shared/status-text';

/**
 * The current tab's call in one sentence, with the background's reason turned into the extension's own words
 * (the status carries codes, never text), and a note when other frames of the page run calls too.
 */
export function CallStateView({ status, enabled }: { status: TabCallStatus; enabled: boolean }) {
  const words = statusWordsFor(status);
  return (
    <section class={`call tone-${words.tone}`}>
      <div class="call-state" data-testid="call-state" data-state={status.state} role="status">
        {words.sentence}
      </div>
      {status.detail && (
        <p class="call-detail" data-testid="call-detail">
          {detailSentence(status.detail, status.codec, status.media)}
        </p>
      )}
      {status.otherCalls !== undefined && status.otherCalls > 0 && (
        <p class="call-detail" data-testid="other-calls">
          {otherCallsSentence(status.otherCalls)}
        </p>
      )}
      {status.appTransform && status.state !== 'off' && (
        <p class="call-detail" data-testid="app-transform">
          {APP_TRANSFORM_SENTENCE}
        </p>
      )}
      {status.state === 'off' && <p class="hint">{offHint(enabled)}</p>}
    </section>
  );
}
