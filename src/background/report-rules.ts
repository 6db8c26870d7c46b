/**
 * Which session reports are possible (protocol.md §7.4). A report is a claim by the page's transform worker, which
 * runs in a realm the page can starve or break; the background believes only claims that are well-formed and can
 * follow the frame's previous one. Pure functions, so the rules are tested on their own.
 */
import type { CallState } from '../shared/call-status';
import { isIdentityKeyBase64, isSecurityCode } from '../shared/formats';
import type { SessionReport } from '../shared/messages';
import { isSessionReport } from '../shared/message-checks';

/** Workers report once a second; a frame silent this long has no call (its page hung, navigated or lost the worker). */
export const HEARTBEAT_TIMEOUT_MS = 4000;

/** How many replaced sessions a frame remembers, so that none of them can come back. */
export const RETIRED_SESSIONS_KEPT = 16;

/** The states in which a current pair exists, so a code and a peer key are shown. */
type PairState = 'encrypted' | 'identity-changed';

export function hasPair(state: CallState): state is PairState {
  return state === 'encrypted' || state === 'identity-changed';
}

/** What became of a report. */
export type ReportVerdict =
  /** Believed: it is now the frame's current report. */
  | 'accepted'
  /** Old news (a lower or repeated seq, or a session the frame has left): ignored, and no heartbeat. */
  | 'stale'
  /** Impossible: the frame's session shows an internal error until the frame's next session. */
  | 'rejected';

/**
 * True when `report` can stand on its own: the exact shape (message-checks.ts) and, in a state with a current pair, a
 * pair to show — an epoch of at least 1, a well-formed code and a 32-byte peer key — or, in a group call, the
 * participants (each checked by the shape). A group code comes only with the participants it is over (§11.7), and a
 * count of participants without CallSeal only in an encrypted call (§11.9).
 */
export function isPossibleReport(report: unknown): report is SessionReport {
  if (!isSessionReport(report)) return false;
  if (report.groupCode !== undefined && report.participants === undefined) return false;
  // Participants without CallSeal are counted only in an encrypted call (§11.9).
  if (report.withoutCallSeal !== undefined && report.state !== 'encrypted') return false;
  if (!hasPair(report.state)) return true;
  // A group call (protocol.md §11.9) shows its participants, each with its own pair's code and key.
  if (report.participants !== undefined) return report.epoch >= 1 && report.state === 'encrypted';
  return report.epoch >= 1 && isSecurityCode(report.securityCode) && isIdentityKeyBase64(report.peerIdentityPublicKey);
}

/**
 * Within one session: `next` must be newer than the last report taken (seq), and epochs never go back (a session's
 * pairs are numbered in order and never return, protocol.md §6.2).
 */
export function followsInSession(
  last: { seq: number; epoch: number } | undefined,
  next: SessionReport,
): 'ok' | 'stale' | 'impossible' {
  if (!last) return 'ok';
  if (next.seq <= last.seq) return 'stale';
  if (next.epoch < last.epoch) return 'impossible';
  return 'ok';
}
