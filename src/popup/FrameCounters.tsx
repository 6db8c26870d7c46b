import type { FrameCounters as Counters } from '../shared/call-status';
import { t, type MessageKey } from '../shared/i18n';

const LABELS: ReadonlyArray<[keyof Counters, MessageKey]> = [
  ['encrypted', 'popup_counter_encrypted'],
  ['decrypted', 'popup_counter_decrypted'],
  ['dropped', 'popup_counter_dropped'],
  ['plaintext', 'popup_counter_plaintext'],
];

/** Media frames since the call started on the page. */
export function FrameCounters({ counters }: { counters: Counters }) {
  return (
    <section class="counters-box" aria-labelledby="counters-heading">
      <h3 id="counters-heading">{t('popup_frames')}</h3>
      <dl class="counters" data-testid="counters">
        {LABELS.map(([key, label]) => (
          <div key={key} class={`counter counter-${key}`}>
            <dt>{t(label)}</dt>
            <dd data-counter={key}>{counters[key]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
