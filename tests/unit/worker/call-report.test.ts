/**
 * The worker's status reports on their own (src/worker/call-report.ts, protocol.md §7.4), on a fake clock: when a
 * report is posted, what state and detail code it carries, that epochs never go back within a report session, and
 * that only codes are sent (the sentences are made in src/shared/status-text.ts).
 */
import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../../src/e2ee/session';
import { DETAIL_CODES } from '../../../src/shared/call-status';
import type { SessionReport } from '../../../src/shared/messages';
import type { WorkerToBridge } from '../../../src/shared/worker-messages';
import { CallReporter } from '../../../src/worker/call-report';
import { FakeClock } from '../support/fake-clock';
import type { EncodedFrame } from '../../../src/worker/frames';
import { encodedFrame } from './support/call-harness';

interface Fixture {
  clock: FakeClock;
  reporter: CallReporter;
  reports: SessionReport[];
  view: { settings: 'pending' | 'on' | 'off'; status: SessionStatus | undefined };
}

function fixture(idleAfterMs = 5000): Fixture {
  const clock = new FakeClock();
  const reports: SessionReport[] = [];
  const view: Fixture['view'] = { settings: 'pending', status: undefined };
  const post = (message: WorkerToBridge): void => {
    if (message.kind === 'report') reports.push(message.report);
  };
  const reporter = new CallReporter(post, () => clock.now(), () => ({ settings: view.settings, status: () => view.status }), idleAfterMs);
  return { clock, reporter, reports, view };
}

const encrypted = (epoch: number, detail?: SessionStatus['detail']): SessionStatus =>
  ({ state: 'encrypted', epoch, securityCode: '12345 12345 12345 12345', peerIdentityPublicKey: new Uint8Array(32).fill(7), detail }) as SessionStatus;

/** A video frame of a codec CallSeal does not encrypt. */
function h265Frame(): EncodedFrame {
  const frame = encodedFrame(new Uint8Array(4), 'video') as unknown as Record<string, unknown>;
  frame.getMetadata = () => ({ mimeType: 'video/H265' });
  return frame as unknown as EncodedFrame;
}

describe('CallReporter', () => {
  it('posts nothing before a transform exists, then a report per change and one per heartbeat', () => {
    const { reporter, reports, view } = fixture();
    reporter.touch();
    reporter.report();
    expect(reports).toEqual([]);
    reporter.noteTransform();
    reporter.report();
    expect(reports.map((r) => r.state)).toEqual(['negotiating']); // in a call, settings pending: held back
    reporter.report();
    expect(reports).toHaveLength(1); // unchanged: not posted again
    reporter.heartbeat(() => undefined);
    expect(reports).toHaveLength(2); // the heartbeat always is
    view.settings = 'on';
    view.status = encrypted(1);
    reporter.report();
    expect(reports.at(-1)).toMatchObject({ state: 'encrypted', epoch: 1, securityCode: '12345 12345 12345 12345' });
    expect(reports.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('ends the call after idleAfterMs without a frame: onCallEnded runs once, and the state goes off', () => {
    const { clock, reporter, reports, view } = fixture(5000);
    view.settings = 'on';
    view.status = encrypted(2);
    reporter.noteTransform();
    reporter.touch();
    let ended = 0;
    clock.advance(4999);
    reporter.heartbeat(() => ended++);
    expect(ended).toBe(0);
    clock.advance(1);
    reporter.heartbeat(() => ended++);
    reporter.heartbeat(() => ended++);
    expect(ended).toBe(1);
    expect(reports.at(-1)).toMatchObject({ state: 'off', epoch: 2 }); // between calls the epoch stays (§7.4)
  });

  it('never reports a lower epoch within a report session, and starts again with a new one', () => {
    const { reporter, reports, view } = fixture();
    view.settings = 'on';
    reporter.noteTransform();
    reporter.touch();
    view.status = encrypted(3);
    reporter.report();
    view.status = { ...encrypted(1) };
    reporter.report(true);
    expect(reports.at(-1)?.epoch).toBe(3);
    const before = reports.at(-1)?.session;
    reporter.newSession();
    reporter.report(true);
    expect(reports.at(-1)?.epoch).toBe(1);
    expect(reports.at(-1)?.session).not.toBe(before);
    expect(reports.at(-1)?.session).toMatch(/^[0-9a-f]{32}$/);
  });

  it('names an unsupported codec, then media not sent, then the peer sending in clear, each for a while, as codes', () => {
    const { clock, reporter, reports, view } = fixture();
    view.settings = 'on';
    view.status = encrypted(1);
    reporter.noteTransform();
    const now = reporter.touch();
    reporter.noteUnsupported(h265Frame());
    expect(reports.at(-1)).toMatchObject({ detail: 'unsupported-codec', codec: 'H265', media: 'video' });
    clock.advance(2000);
    reporter.noteNotSent(encodedFrame(new Uint8Array(4), 'audio'));
    expect(reports.at(-1)).toMatchObject({ detail: 'media-not-sent', media: 'audio' });
    clock.advance(2000);
    reporter.touch();
    reporter.notePlainReceived(clock.now());
    reporter.report();
    expect(reports.at(-1)?.detail).toBe('peer-stopped-encrypting');
    reporter.countDecrypted(clock.now()); // the peer's media decrypts again: the warning goes
    reporter.report();
    expect(reports.at(-1)?.detail).toBeUndefined();
    expect(now).toBeLessThan(clock.now());
    for (const report of reports) if (report.detail !== undefined) expect(DETAIL_CODES).toContain(report.detail);
  });

  it('reports an E2EE call without a session status as an internal error, and the session detail first', () => {
    const { reporter, reports, view } = fixture();
    view.settings = 'on';
    reporter.noteTransform();
    reporter.touch();
    reporter.report();
    expect(reports.at(-1)).toMatchObject({ state: 'error', detail: 'internal-error' });
    view.status = encrypted(1, 'sign-failed');
    reporter.report();
    expect(reports.at(-1)?.detail).toBe('sign-failed');
  });

  it('counts frames and drops by reason, and hands out copies', () => {
    const { reporter } = fixture();
    reporter.countEncrypted();
    reporter.countDecrypted(0);
    reporter.countPlain();
    reporter.countDropped('replay');
    reporter.countDropped('replay');
    reporter.countDropped('no-key');
    const counters = reporter.frameCounters();
    expect(counters).toMatchObject({ encrypted: 1, decrypted: 1, plaintext: 1, dropped: 3, drops: { replay: 2, 'no-key': 1 } });
    counters.drops!.replay = 99;
    expect(reporter.frameCounters().drops?.replay).toBe(2);
  });

  it('names the codecs seen in the last five seconds', () => {
    const { clock, reporter, reports, view } = fixture();
    view.settings = 'on';
    view.status = encrypted(1);
    reporter.noteTransform();
    reporter.touch();
    reporter.sampleCodec(encodedFrame(new Uint8Array(4), 'audio'), 'send');
    reporter.sampleCodec(encodedFrame(new Uint8Array(4), 'video'), 'receive');
    reporter.report();
    expect(reports.at(-1)?.codecs).toEqual(expect.arrayContaining(['opus', 'VP8']));
    clock.advance(5000);
    reporter.touch();
    reporter.report();
    expect(reports.at(-1)?.codecs).toBeUndefined();
  });

  it('counts participants without CallSeal from their plain streams (§11.9): a lower bound, never a CallSeal peer', () => {
    const { clock, reporter, reports, view } = fixture();
    view.settings = 'on';
    view.status = encrypted(1);
    reporter.noteTransform();
    const last = (): SessionReport | undefined => reports.at(-1);
    /** `n` frames 20 ms apart, in clear on each of `sources`, while the members' media keeps decrypting. */
    const plain = (sources: readonly [number, 'audio' | 'video'][], n: number, unmarked = true): void => {
      for (let i = 0; i < n; i++) {
        clock.advance(20);
        const now = reporter.touch();
        reporter.countDecrypted(now);
        for (const [ssrc, kind] of sources) {
          reporter.notePlainReceived(now);
          if (unmarked) reporter.notePlainStream(encodedFrame(new Uint8Array(4), kind, ssrc), now);
        }
      }
      reporter.report();
    };
    plain([[1, 'audio']], 49);
    expect(last()?.withoutCallSeal).toBeUndefined(); // not yet sustained
    expect(last()?.detail).toBeUndefined();
    plain([[1, 'audio']], 1);
    expect(last()).toMatchObject({ withoutCallSeal: 1, detail: 'participant-without-callseal' });
    // Its video is the same person: a count per kind, the larger one.
    plain([[1, 'audio'], [2, 'video']], 50);
    expect(last()?.withoutCallSeal).toBe(1);
    plain([[1, 'audio'], [2, 'video'], [3, 'audio'], [4, 'video'], [5, 'video']], 50);
    expect(last()?.withoutCallSeal).toBe(3);
    // A stream that carried a CallSeal packet is a CallSeal peer sending in clear (a 1:1-only one in a group, §11.3):
    // neither its audio nor one video stream counts as someone without CallSeal.
    reporter.noteCallSealSource(encodedFrame(new Uint8Array(4), 'audio', 6));
    plain([[1, 'audio'], [2, 'video'], [3, 'audio'], [4, 'video'], [5, 'video'], [6, 'audio'], [7, 'video']], 50);
    expect(last()?.withoutCallSeal).toBe(3);
    // Two seconds without their frames: nobody is counted, and the detail goes.
    plain([], 100);
    expect(last()?.withoutCallSeal).toBeUndefined();
    expect(last()?.detail).toBeUndefined();
    // Frames that end in CallSeal's media marker but did not decrypt are not plain media (§11.5's early frames).
    plain([[8, 'audio']], 60, false);
    expect(last()?.withoutCallSeal).toBeUndefined();
    // Not while the call is not encrypted: then the fallback's own words say it (§6.4).
    view.status = { state: 'negotiating', epoch: 1 } as SessionStatus;
    plain([[9, 'audio']], 60);
    expect(last()?.withoutCallSeal).toBeUndefined();
    for (const report of reports) if (report.withoutCallSeal !== undefined) expect(report.withoutCallSeal).toBeLessThanOrEqual(32);
  });

  it('keeps at most 64 streams, the first heard, and forgets those unheard for 10 s', () => {
    const { clock, reporter, reports, view } = fixture();
    view.settings = 'on';
    view.status = encrypted(1);
    reporter.noteTransform();
    const plain = (from: number, to: number, n = 60): void => {
      for (let i = 0; i < n; i++) {
        clock.advance(20);
        const now = reporter.touch();
        reporter.countDecrypted(now);
        for (let ssrc = from; ssrc < to; ssrc++) reporter.notePlainStream(encodedFrame(new Uint8Array(4), 'audio', ssrc), now);
      }
      reporter.report();
    };
    // 200 streams in clear at once: the first 64 are kept (a flood of new ones does not push them out), 32 are said.
    plain(100, 300);
    expect(reports.at(-1)?.withoutCallSeal).toBe(32);
    plain(300, 400, 120);
    expect(reports.at(-1)?.withoutCallSeal).toBeUndefined(); // the kept ones went quiet; the new ones were not kept
    // Ten seconds after the first ones were last heard, they are forgotten and new streams are counted again.
    plain(0, 0, 500);
    plain(500, 503);
    expect(reports.at(-1)?.withoutCallSeal).toBe(3);
  });
});
