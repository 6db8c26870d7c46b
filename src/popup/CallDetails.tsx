import type { TabCallStatus } from '../shared/call-status';
import { t, uiLanguage } from '../shared/i18n';
import { suiteName } from '../shared/status-text';
import { FrameCounters } from './FrameCounters';

function formatTime(time: number): string {
  try {
    return new Date(time).toLocaleTimeString(uiLanguage());
  } catch {
    return new Date(time).toTimeString();
  }
}

/**
 * The call's details, folded away (one glance is the headline): who the other side is and their identity key, the
 * codecs, the cipher suite, the key epoch and when the keys last changed, and the frame counters.
 */
export function CallDetails({ status }: { status: TabCallStatus }) {
  const none = t('popup_details_none');
  const peer = status.contact?.name
    ? status.contact.name
    : status.peerName !== undefined
      ? t('popup_claims', status.peerName)
      : status.securityCode
        ? t('popup_details_peer_unnamed')
        : none;
  const rows: Array<[string, string, string]> = [
    ['peer', t('popup_details_peer'), peer],
    ['identity', t('popup_details_identity'), status.peerIdentityFingerprint ?? none],
    ['codec', t('popup_details_codec'), status.codecs?.join(', ') || none],
    ['suite', t('popup_details_suite'), status.suite !== undefined ? suiteName(status.suite) : none],
    ['epoch', t('popup_details_epoch'), status.epoch > 0 ? String(status.epoch) : none],
    ['keys-changed', t('popup_details_keys_changed'), status.keysChangedAt ? formatTime(status.keysChangedAt) : none],
  ];
  return (
    <details class="details" data-testid="call-details">
      <summary>{t('popup_details')}</summary>
      <dl class="details-list">
        {rows.map(([id, label, value]) => (
          <div key={id} class="details-row">
            <dt>{label}</dt>
            <dd data-detail={id}>{value}</dd>
          </div>
        ))}
      </dl>
      <FrameCounters counters={status.counters} />
    </details>
  );
}
