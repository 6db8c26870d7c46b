import type { TabCallStatus } from '../shared/call-status';
import { t } from '../shared/i18n';
import { appTransformSentence, callWords, detailSentence, offHint, otherCallsSentence, warningWords } from '../shared/status-text';

/**
 * The current tab's call in one sentence — "Verified: Bob", "Bob's security code has changed", "Not encrypted: …" —
 * with the background's reason in the extension's own words (the status carries codes, never text), a warning box
 * when something must be compared again, a note when other frames of the page run calls too, and what encryption
 * costs (the call service cannot record, transcribe, caption or add bots).
 */
export function CallStateView({ status, enabled }: { status: TabCallStatus; enabled: boolean }) {
  const words = callWords(status);
  const warning = warningWords(status);
  const encrypted = status.state === 'encrypted' || status.state === 'verified' || status.state === 'identity-changed';
  return (
    <section class={`call tone-${words.tone}`} aria-labelledby="call-state">
      <div id="call-state" class="call-state" data-testid="call-state" data-state={status.state} role="status">
        {words.sentence}
      </div>
      {warning && (
        <div class="warning" role="alert" data-testid="call-warning" data-warning={status.warning}>
          <p class="warning-heading">{warning.heading}</p>
          <p>{warning.body}</p>
        </div>
      )}
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
          {appTransformSentence()}
        </p>
      )}
      {status.state === 'off' && <p class="hint">{offHint(enabled)}</p>}
      {(encrypted || (status.state === 'off' && enabled)) && (
        <p class="cost" data-testid="encryption-cost">
          {t('popup_cost')}
        </p>
      )}
    </section>
  );
}
