/**
 * What "Codes match" sends: exactly the call the popup shows — its frame, worker session, epoch, code and peer key
 * (protocol.md §7.4) — so the background verifies only what the user compared, and refuses if the call moved on
 * meanwhile. Undefined when the view lacks any of it (then the button is not offered).
 */
import type { ParticipantStatus, TabCallStatus } from '../shared/call-status';
import type { ShownCall, ShownParticipant } from '../shared/messages';

/** States in which the user can confirm the code. */
export function canConfirm(status: TabCallStatus): boolean {
  return status.state === 'encrypted' || status.state === 'identity-changed';
}

export function shownCallOf(tabId: number, status: TabCallStatus): ShownCall | undefined {
  const { frameId, session, epoch, securityCode, peerIdentityPublicKey } = status;
  if (!canConfirm(status)) return undefined;
  if (frameId === undefined || session === undefined || securityCode === undefined) return undefined;
  if (peerIdentityPublicKey === undefined) return undefined;
  return { tabId, frameId, session, epoch, securityCode, peerIdentityPublicKey };
}

/**
 * What "Codes match" sends for one participant of a group call (§7.4, §11.9): the frame and session of the call shown,
 * and that participant's code and identity key as listed. Undefined once it is verified, while it or the call is
 * still being set up (`connecting`, `negotiating`: the background would refuse it), or without the frame.
 */
export function shownParticipantOf(tabId: number, status: TabCallStatus, p: ParticipantStatus): ShownParticipant | undefined {
  const { frameId, session } = status;
  if (p.state === 'verified' || p.state === 'connecting' || status.state === 'negotiating') return undefined; // §11.9
  if (frameId === undefined || session === undefined) return undefined;
  return { tabId, frameId, session, securityCode: p.securityCode, peerIdentityPublicKey: p.peerIdentityPublicKey };
}
