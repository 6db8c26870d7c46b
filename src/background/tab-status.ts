/**
 * Which of a tab's frames the toolbar and the popup show, and what they show for it (protocol.md §7.4).
 *
 * A tab may hold several frames with CallSeal's hook, some hidden or cross-origin, and each reports on its own. The
 * shown frame is chosen on purpose, never by who spoke last: the top frame if it has a call, else the frame with the
 * most media through its transforms; a frame that only has an error never hides a frame with a call. The others are
 * counted in `otherCalls` so the popup can say so. `verified` is the background's own conclusion: for `encrypted`
 * when the peer key is one the user verified, for `identity-changed` only when the user confirmed exactly this
 * report's pair (or an earlier pair of the same identity in the same session). Only fields from fixed lists are copied: no text from a page reaches the status.
 */
import {
  MEDIA_DROPPED_DETAILS,
  NO_CALL,
  type ContactSummary,
  type FrameCounters,
  type ParticipantStatus,
  type TabCallStatus,
  type WarningCode,
} from '../shared/call-status';
import type { FrameEntry } from './frame-entry';
import { hasPair } from './report-rules';

export interface StatusContext {
  /** The effective switch: with E2EE off there is nothing to report, whatever a page claims. */
  enabled: boolean;
  /** Policy requires E2EE (no plaintext fallback): a frame where encryption cannot run carries no media. */
  failClosed: boolean;
  /** The user verified this peer identity key (base64) in an earlier call. */
  isVerifiedPeer(key: string): boolean;
  /** The contact with this identity key (base64), if any. */
  contactOf?(key: string): KnownContact | undefined;
  /** The contact whose name (or claimed name when verified) is `name`, if any (names compare loosely). */
  contactNamed?(name: string): KnownContact | undefined;
}

interface KnownContact extends ContactSummary {
  identityPublicKey: string;
}

interface Candidate {
  entry: FrameEntry;
  hasCall: boolean;
  media: number;
}

const mediaFrames = (c: FrameCounters): number => c.encrypted + c.decrypted + c.dropped + c.plaintext;

/** Calls first; among them the top frame, then the most media; ties go to the lower frame id. */
function compare(a: Candidate, b: Candidate): number {
  if (a.hasCall !== b.hasCall) return a.hasCall ? -1 : 1;
  const aTop = a.entry.frameId === 0;
  const bTop = b.entry.frameId === 0;
  if (aTop !== bTop) return aTop ? -1 : 1;
  if (a.media !== b.media) return b.media - a.media;
  return a.entry.frameId - b.entry.frameId;
}

export function tabStatus(
  frames: readonly FrameEntry[],
  context: StatusContext,
  isFresh: (entry: FrameEntry) => boolean,
): TabCallStatus {
  if (!context.enabled) return { ...NO_CALL };
  const candidates: Candidate[] = [];
  for (const entry of frames) {
    const report = isFresh(entry) ? entry.report : undefined;
    const hasCall = report !== undefined && report.state !== 'off';
    if (!hasCall && !entry.error) continue;
    candidates.push({ entry, hasCall, media: report ? mediaFrames(report.counters) : 0 });
  }
  const [shown] = candidates.sort(compare);
  if (!shown) return { ...NO_CALL };
  const status = frameStatus(shown.entry, context, isFresh(shown.entry));
  if (candidates.length > 1) status.otherCalls = candidates.length - 1;
  return status;
}

function frameStatus(entry: FrameEntry, context: StatusContext, fresh: boolean): TabCallStatus {
  const report = fresh ? entry.report : undefined;
  const counters = report ? { ...report.counters } : { ...NO_CALL.counters };
  if (entry.error) {
    const status: TabCallStatus = {
      state: entry.error.failsClosed && context.failClosed ? 'blocked' : 'error',
      epoch: report?.epoch ?? 0,
      counters,
      detail: entry.error.detail,
      frameId: entry.frameId,
    };
    if (report) status.session = report.session;
    return status;
  }
  if (!report) return { ...NO_CALL };
  const status: TabCallStatus = {
    state: report.state,
    epoch: report.epoch,
    counters,
    frameId: entry.frameId,
    session: report.session,
  };
  if (report.detail) status.detail = report.detail;
  if (report.detail === 'unsupported-codec' && report.codec) status.codec = report.codec;
  if (report.withoutCallSeal !== undefined) status.withoutCallSeal = report.withoutCallSeal; // an encrypted call's (§11.9)
  if (report.detail && MEDIA_DROPPED_DETAILS.includes(report.detail) && report.media) status.media = report.media;
  if (entry.appTransform) status.appTransform = true;
  if (report.codecs && report.codecs.length > 0) status.codecs = [...report.codecs];
  const mark = entry.confirmed;
  // Encryption lost during the call: warned until the user confirms a code again, after it was lost.
  const lostUnconfirmed =
    entry.lostAtSeq !== undefined && !(mark?.session === report.session && mark.seq >= entry.lostAtSeq);
  let warning: { code: WarningCode; name?: string } | undefined = lostUnconfirmed ? { code: 'encryption-lost' } : undefined;
  const listsParticipants = report.state === 'encrypted' || report.state === 'negotiating';
  if (report.participants !== undefined && listsParticipants) {
    // A group call (protocol.md §11.9): each participant on its own; the tab shows the weakest, so `verified` only
    // when every one of them is. While it is negotiating (someone's pair or keys pending) the list says whom it waits
    // for, and who hears whom.
    status.participants = report.participants.map((p) => {
      const out: ParticipantStatus = {
        state: p.state,
        securityCode: p.securityCode,
        peerIdentityPublicKey: p.peerIdentityPublicKey,
        hearsYou: p.hearsYou,
        youHear: p.youHear,
      };
      if (p.peerName !== undefined) out.peerName = p.peerName;
      if (p.codePending === true && report.groupCode === undefined) out.codePending = true; // whom the code waits for (§11.7)
      const contact = context.contactOf?.(p.peerIdentityPublicKey);
      if (contact) out.contact = { name: contact.name, verifiedAt: contact.verifiedAt };
      if (p.state === 'encrypted' && context.isVerifiedPeer(p.peerIdentityPublicKey)) out.state = 'verified';
      // A contact's name claimed with another key (§11.9): loud, as in a call of two, whatever its keys' state.
      const namesake = !contact && p.peerName !== undefined ? context.contactNamed?.(p.peerName) : undefined;
      if (namesake && namesake.identityPublicKey !== p.peerIdentityPublicKey) {
        out.state = 'identity-changed';
        if (warning?.code !== 'contact-key-changed') warning = { code: 'contact-key-changed', name: namesake.name };
      }
      return out;
    });
    // Encryption lost, then back: compared again with every participant present since (§7.4).
    const lostAt = entry.lostAtSeq;
    const comparedSince = (key: string): boolean => (entry.participantsConfirmed?.get(key) ?? -1) >= (lostAt ?? 0);
    // (A participant needing an update has no "Codes match": there is no encryption with it to vouch for, §11.9.)
    const comparable = status.participants.filter((p) => p.state !== 'needs-update');
    if (warning?.code === 'encryption-lost' && comparable.every((p) => comparedSince(p.peerIdentityPublicKey))) warning = undefined;
    if (warning?.code === 'contact-key-changed') status.state = 'identity-changed';
    if (report.suite !== undefined) status.suite = report.suite;
    if (report.groupCode !== undefined) status.groupCode = report.groupCode; // a complete round of these people (§11.7)
    const allVerified = status.participants.every((p) => p.state === 'verified');
    if (report.state === 'encrypted' && allVerified && warning === undefined) status.state = 'verified';
  } else if (hasPair(report.state) && report.securityCode && report.peerIdentityPublicKey) {
    const key = report.peerIdentityPublicKey;
    status.securityCode = report.securityCode;
    status.peerIdentityPublicKey = key;
    if (entry.fingerprint) status.peerIdentityFingerprint = entry.fingerprint;
    if (report.suite !== undefined) status.suite = report.suite;
    if (entry.epochAt !== undefined) status.keysChangedAt = entry.epochAt;
    if (report.peerName !== undefined) status.peerName = report.peerName;
    const contact = context.contactOf?.(key);
    if (contact) status.contact = { name: contact.name, verifiedAt: contact.verifiedAt };
    // A contact's key changed: the peer claims a contact's name with another key, or the worker saw the identity
    // change away from a contact's (protocol.md §7.4). Shown as `identity-changed` whatever the worker says.
    const namesake = !contact && report.peerName !== undefined ? context.contactNamed?.(report.peerName) : undefined;
    const reference = entry.callKey !== undefined && entry.callKey !== key ? context.contactOf?.(entry.callKey) : undefined;
    if (namesake && namesake.identityPublicKey !== key) warning = { code: 'contact-key-changed', name: namesake.name };
    else if (report.state === 'identity-changed') {
      warning = reference ? { code: 'contact-key-changed', name: reference.name } : { code: 'identity-changed' };
    }
    if (warning?.code === 'contact-key-changed') status.state = 'identity-changed';
    // The user confirmed this identity's code in this session: that epoch, and the later ones of the same identity
    // (a re-key of the same identity is vouched for by its signature, protocol.md §6.2), stay confirmed.
    const confirmed =
      mark?.session === report.session &&
      mark.peerIdentityPublicKey === key &&
      (report.epoch > mark.epoch || (report.epoch === mark.epoch && mark.securityCode === report.securityCode));
    if (confirmed && warning?.code !== 'encryption-lost') warning = undefined;
    const verified =
      confirmed || (status.state === 'encrypted' && warning === undefined && context.isVerifiedPeer(key));
    if (verified && warning === undefined) status.state = 'verified';
  }
  if (warning) {
    status.warning = warning.code;
    if (warning.name !== undefined) status.warningName = warning.name;
  }
  return status;
}
