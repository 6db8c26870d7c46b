/**
 * What a session in group mode shows (protocol.md §11.9), and how its group records join a packet (§11.4).
 *
 * A participant is `encrypted` only when both directions hold: we have its sender key, and it acknowledged the key we
 * send under (so it can decrypt what we send now). A participant whose CallSeal does not speak group is `needs-update`
 * (§11.3); anyone else present is `connecting`. The session's state is `encrypted` only when every participant present
 * that speaks group is, never before our own switch (§11.5): the status never says encrypted while a member present
 * cannot decrypt us, or we it (a `needs-update` participant cannot, and is listed so). The group code (§11.7) is shown only for a
 * complete round whose roster is exactly ourselves and the participants listed; while none is, each participant whose
 * part is missing, or that is not in the round's roster, is marked `codePending`. Pure functions over the session's
 * pairs and its group mode.
 */
import { concatBytes, toHex } from './bytes';
import { MAX_PACKET_LENGTH } from './constants';
import { GROUP_PROTOCOL_VERSION } from './group-keys';
import type { GroupMode } from './group-mode';
import { encodeGroupRecord, type GroupRecord } from './group-records';
import type { Pair } from './pair';
import type { GroupParticipantStatus, SessionStatus } from './session-options';

/**
 * The session's status in group mode, one entry per confirmed participant present (sorted by pid); those whose CallSeal
 * does not speak group (§11.3) are listed as `needs-update` and count neither for the call's state nor for the group
 * code's roster.
 */
export function groupStatus(group: GroupMode | null, present: readonly Pair[], now: number, epoch: number, suite: number): SessionStatus {
  const views = new Map((group?.view(now) ?? []).map((v) => [toHex(v.pid), v]));
  const switched = group !== null && group.active && group.sending !== null;
  const participants = present
    .filter((pair) => pair.peerIdentity !== null && pair.secrets !== null)
    .map((pair): GroupParticipantStatus => {
      const member = pair.speaksGroup(GROUP_PROTOCOL_VERSION);
      const view = member ? views.get(toHex(pair.peerPid)) : undefined;
      const hearsYou = switched && view !== undefined && view.hearsUs;
      const holdsKey = view !== undefined && view.holdsKey;
      const out: GroupParticipantStatus = {
        pid: toHex(pair.peerPid),
        state: !member ? 'needs-update' : hearsYou && holdsKey ? 'encrypted' : 'connecting',
        securityCode: (pair.secrets as NonNullable<Pair['secrets']>).securityCode,
        peerIdentityPublicKey: (pair.peerIdentity as Uint8Array).slice(),
        hearsYou,
        youHear: holdsKey && view.mediaRecent,
      };
      const name = pair.peerDisplayName;
      if (name !== null) out.peerName = name;
      return out;
    })
    .sort((a, b) => (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0));
  const members = participants.filter((p) => p.state !== 'needs-update');
  const encrypted = members.length > 0 && members.every((p) => p.state === 'encrypted');
  const status: SessionStatus = { state: encrypted ? 'encrypted' : 'negotiating', epoch, suite, participants };
  const shown = group?.groupCode() ?? null;
  if (shown !== null && group !== null) {
    const listed = [toHex(group.myPid), ...members.map((p) => p.pid)].sort();
    const roster = [...shown.pids].sort();
    if (listed.length === roster.length && listed.every((pid, i) => pid === roster[i])) status.groupCode = shown.code;
  }
  if (status.groupCode === undefined) markCodePending(members, group?.codeProgress() ?? null);
  return status;
}

/** While no group code is shown (§11.7): the participants not in the round's roster, or whose part of it is missing. */
function markCodePending(participants: GroupParticipantStatus[], round: { pids: string[]; missing: string[] } | null): void {
  for (const p of participants) {
    if (round === null || !round.pids.includes(p.pid) || round.missing.includes(p.pid)) p.codePending = true;
  }
}

/** The packet with as many group records appended as fit in MAX_PACKET_LENGTH (the rest go in later packets). */
export function withGroupRecords(packet: Uint8Array<ArrayBuffer>, records: readonly GroupRecord[]): Uint8Array<ArrayBuffer> {
  if (records.length === 0) return packet;
  const parts: Uint8Array[] = [packet];
  let size = packet.length;
  for (const record of records) {
    const bytes = encodeGroupRecord(record);
    if (size + bytes.length > MAX_PACKET_LENGTH) continue;
    parts.push(bytes);
    size += bytes.length;
  }
  return concatBytes(...parts);
}
