import type { TabCallStatus } from '../shared/call-status';
import { SECURITY_CODE_INSTRUCTION } from '../shared/status-text';

interface Props {
  status: TabCallStatus & { securityCode: string };
  /** "Codes match" was clicked and its view has not arrived yet. */
  pending: boolean;
  onVerified(): void;
}

/** The 20-digit code both people compare, exactly as the background gave it, and "Codes match". */
export function SecurityCode({ status, pending, onVerified }: Props) {
  const verified = status.state === 'verified';
  return (
    <section class="code-box">
      <h2>Security code</h2>
      <div class="security-code" data-testid="security-code">
        {status.securityCode}
      </div>
      <p class="instruction">{SECURITY_CODE_INSTRUCTION}</p>
      {verified ? (
        <p class="verified-note" data-testid="verified-note">
          ✓ You confirmed that the codes match.
        </p>
      ) : (
        <button
          type="button"
          class="primary"
          data-testid="mark-verified"
          disabled={pending || status.state !== 'encrypted'}
          onClick={onVerified}
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
