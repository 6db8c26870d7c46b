import type { FrameCounters as Counters } from '../shared/call-status';

const LABELS: ReadonlyArray<[keyof Counters, string]> = [
  ['encrypted', 'Encrypted'],
  ['decrypted', 'Decrypted'],
  ['dropped', 'Dropped'],
  ['plaintext', 'Plaintext'],
];

/** Media frames since the call started on the page. */
export function FrameCounters({ counters }: { counters: Counters }) {
  return (
    <section class="counters-box">
      <h2>Frames</h2>
      <dl class="counters" data-testid="counters">
        {LABELS.map(([key, label]) => (
          <div key={key} class={`counter counter-${key}`}>
            <dt>{label}</dt>
            <dd data-counter={key}>{counters[key]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
