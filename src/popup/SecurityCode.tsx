import type { TabCallStatus } from '../shared/call-status';
import type { ShownCall } from '../shared/messages';
import { IDENTITY_CHANGED_INSTRUCTION, SECURITY_CODE_INSTRUCTION } from '../shared/status-text';
import { canConfirm } from './shown-call';

interface Props {
  status: TabCallStatus & { securityCode: string };
  /** Exactly what "Codes match" confirms; undefined when the view lacks part of it (the button is then disabled). */
  shown: ShownCall | undefined;
  /** "Codes match" was clicked and its view has not arrived yet. */
  pending: boolean;
  onVerified(shown: ShownCall): void;
}

/**
 * The 20-digit code both people compare, exactly as the background gave it, and "Codes match", which sends back
 * what is on screen. After a change of identity the box says the code is new and must be compared again.
 */
export function SecurityCode({ status, shown, pending, onVerified }: Props) {
  const verified = status.state === 'verified';
  const changed = status.state === 'identity-changed';
  return (
    <section class={changed ? 'code-box code-box-warning' : 'code-box'}>
      <h2>{changed ? 'New security code' : 'Security code'}</h2>
      <div class="security-code" data-testid="security-code">
        {status.securityCode}
      </div>
      <p class="instruction" data-testid={changed ? 'identity-warning' : undefined}>
        {changed ? IDENTITY_CHANGED_INSTRUCTION : SECURITY_CODE_INSTRUCTION}
      </p>
      {verified ? (
        <p class="verified-note" data-testid="verified-note">
          ✓ You confirmed that the codes match.
        </p>
      ) : (
        <button
          type="button"
          class="primary"
          data-testid="mark-verified"
          disabled={pending || !canConfirm(status) || shown === undefined}
          onClick={() => shown && onVerified(shown)}
        >
          Codes match
        </button>
      )}
      {status.peerIdentityFingerprint && (
        <p class="fingerprint" data-testid="peer-fingerprint">
          Their identity key: <code>{status.peerIdentityFingerprint}</code>
        </p>
      )}
    </section>
  );
}
