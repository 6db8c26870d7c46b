import type { TabCallStatus } from '../shared/call-status';
import { t, uiLanguage } from '../shared/i18n';
import type { ShownCall } from '../shared/messages';
import { identityChangedInstruction, securityCodeInstruction } from '../shared/status-text';
import { canConfirm } from './shown-call';

interface Props {
  status: TabCallStatus & { securityCode: string };
  /** Exactly what "Codes match" confirms; undefined when the view lacks part of it (the button is then disabled). */
  shown: ShownCall | undefined;
  /** "Codes match" was clicked and its view has not arrived yet. */
  pending: boolean;
  /** The code was just copied. */
  copied: boolean;
  onVerified(shown: ShownCall, contactName: string): void;
  onCopy(code: string): void;
}

/** The contact name typed next to a "Codes match" (read at the click, from the button's form: the screen keeps no state). */
export function typedContactName(event: Event | undefined): string {
  const form = (event?.currentTarget as HTMLButtonElement | null | undefined)?.form;
  const field = form?.elements.namedItem('contact-name');
  return typeof (field as { value?: unknown } | null)?.value === 'string' ? (field as HTMLInputElement).value : '';
}

function formatDate(time: number): string {
  try {
    return new Date(time).toLocaleDateString(uiLanguage(), { dateStyle: 'medium' } as Intl.DateTimeFormatOptions);
  } catch {
    return new Date(time).toDateString();
  }
}

/**
 * The 20-digit code both people compare, as four groups of five with a copy button, exactly as the background gave
 * it; who the other side says they are (a claim) or which contact they are; and the verify flow: the name to save
 * the contact under, and "Codes match", which sends back what is on screen. After a change of identity the box says
 * the code is new and must be compared again.
 */
export function SecurityCode({ status, shown, pending, copied, onVerified, onCopy }: Props) {
  const verified = status.state === 'verified';
  const changed = status.state === 'identity-changed';
  const groups = status.securityCode.split(' ');
  const contact = status.contact;
  const claim = status.peerName;
  return (
    <section class={changed ? 'code-box code-box-warning' : 'code-box'} aria-labelledby="code-heading">
      <div class="code-head">
        <h2 id="code-heading">{changed ? t('popup_code_heading_new') : t('popup_code_heading')}</h2>
        <button
          type="button"
          class="small-button"
          data-testid="copy-code"
          aria-label={t('popup_copy_label')}
          onClick={() => onCopy(status.securityCode)}
        >
          {copied ? t('popup_copied') : t('popup_copy')}
        </button>
      </div>
      <div class="security-code" data-testid="security-code">
        {groups.map((group, i) => (
          <>
            {i > 0 && ' '}
            <span class="code-group">{group}</span>
          </>
        ))}
      </div>
      {claim !== undefined && !(verified && contact) && (
        <p class="claim" data-testid="peer-claim">
          <span>{t('popup_claims', claim)}</span>
          <span class="claim-note">{t('popup_claim_note')}</span>
        </p>
      )}
      <p class="instruction" data-testid={changed ? 'identity-warning' : undefined}>
        {changed ? identityChangedInstruction() : securityCodeInstruction()}
      </p>
      {verified ? (
        <p class="verified-note" data-testid="verified-note">
          {contact?.name && contact.verifiedAt > 0
            ? t('popup_verified_contact', contact.name, formatDate(contact.verifiedAt))
            : t('popup_verified_note')}
        </p>
      ) : (
        <form class="verify-form" onSubmit={(event) => event.preventDefault()}>
          <label class="field-label" for="contact-name">
            {t('popup_contact_name')}
          </label>
          <input
            key={status.peerIdentityPublicKey}
            id="contact-name"
            name="contact-name"
            class="text-input"
            data-testid="contact-name"
            type="text"
            autocomplete="off"
            maxLength={64}
            defaultValue={contact?.name || claim || ''}
            aria-describedby="contact-name-hint"
          />
          <p id="contact-name-hint" class="field-hint">
            {t('popup_contact_name_hint')}
          </p>
          <button
            type="submit"
            class="primary"
            data-testid="mark-verified"
            disabled={pending || !canConfirm(status) || shown === undefined}
            onClick={(event?: Event) => shown && onVerified(shown, typedContactName(event))}
          >
            {t('popup_codes_match')}
          </button>
        </form>
      )}
      {status.peerIdentityFingerprint && (
        <p class="fingerprint" data-testid="peer-fingerprint">
          {t('popup_fingerprint')} <code>{status.peerIdentityFingerprint}</code>
        </p>
      )}
    </section>
  );
}
