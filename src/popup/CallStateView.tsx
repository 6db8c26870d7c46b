import type { TabCallStatus } from '../shared/call-status';
import { offHint, statusWords } from '../shared/status-text';

/** The current tab's call in one sentence, with the background's explanation when it gave one. */
export function CallStateView({ status, enabled }: { status: TabCallStatus; enabled: boolean }) {
  const words = statusWords(status.state);
  return (
    <section class={`call tone-${words.tone}`}>
      <div class="call-state" data-testid="call-state" data-state={status.state} role="status">
        {words.sentence}
      </div>
      {status.detail && (
        <p class="call-detail" data-testid="call-detail">
          {status.detail}
        </p>
      )}
      {status.state === 'off' && <p class="hint">{offHint(enabled)}</p>}
    </section>
  );
}
