/**
 * What the background keeps of one frame's call (protocol.md §7.4): written by the call registry
 * (call-registry.ts), read by what the tab shows (tab-status.ts).
 */
import type { DetailCode } from '../shared/call-status';
import type { SessionReport } from '../shared/messages';

/** An error of one frame, and the session it belongs to (undefined: the frame had none yet). */
interface FrameError {
  detail: DetailCode;
  /** Under a policy that requires E2EE this error means no media at all: shown as `blocked`. */
  failsClosed: boolean;
  session: string | undefined;
}

/** A confirmation by the user ("Codes match") of one report's pair, and the seq of the report it confirmed. */
type Confirmation = Pick<SessionReport, 'session' | 'epoch' | 'securityCode' | 'peerIdentityPublicKey' | 'seq'>;

export interface FrameEntry {
  frameId: number;
  /** The frame's current worker session. */
  session?: string;
  /** seq and epoch of the last report of `session` that was not stale (accepted or rejected). */
  last?: { seq: number; epoch: number };
  /** The current session's last believed report, and when it arrived. */
  report?: SessionReport;
  receivedAt: number;
  /** Display fingerprint of `report`'s peer key, computed by the background. */
  fingerprint?: string;
  retired: string[];
  error?: FrameError;
  confirmed?: Confirmation;
  /** Group participants the user confirmed ("Codes match") in this session: identity key → seq of the report. */
  participantsConfirmed?: Map<string, number>;
  /** The page assigned its own transform, or took encoded streams, on an end CallSeal covers (protocol.md §7.3). */
  appTransform?: boolean;
  /** When the current pair's keys were agreed (the first report of its epoch). */
  epochAt?: number;
  /** The call's reference identity: the first peer key of the frame's current call (until it reports `off`). */
  callKey?: string;
  /** The current call had a pair (was encrypted) at some point. */
  hadPair?: boolean;
  /** The seq of the report at which the current call lost its encryption (protocol.md §7.4). */
  lostAtSeq?: number;
}
