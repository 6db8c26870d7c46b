/**
 * What a page shows, over time: every frame its remote `<video>` presents, stamped with the machine's clock
 * (`performance.timeOrigin + performance.now()`, comparable with `reports.ts` and the relay's `Date.now()`), and the
 * round-trip time of its media path. For the recovery and hostile-network tests.
 */
import type { Page } from 'puppeteer';

/** Starts stamping every frame `#remote-video` presents (`requestVideoFrameCallback`). */
export async function stampPresentedFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { presentedAt?: number[] };
    if (w.presentedAt) return;
    const stamps: number[] = (w.presentedAt = []);
    const video = document.getElementById('remote-video') as HTMLVideoElement;
    const onFrame = (): void => {
      stamps.push(performance.timeOrigin + performance.now());
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

/** The stamps so far. */
export const presentedFrames = (page: Page): Promise<number[]> =>
  page.evaluate(() => (window as unknown as { presentedAt?: number[] }).presentedAt ?? []);

/** Keeps the page's peer connections reachable for `roundTripMs`; call before the page loads (`beforeCall`). */
export async function keepConnections(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = new Proxy(Native, {
      construct(target, args, newTarget) {
        const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
        ((window as unknown as { testPcs?: RTCPeerConnection[] }).testPcs ??= []).push(pc);
        return pc;
      },
    });
  });
}

/** The round-trip time of the page's media path now (ms, getStats' nominated candidate pair; 0 when unknown). */
export async function roundTripMs(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { testPcs?: RTCPeerConnection[] }).testPcs ?? [];
    let rtt = 0;
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      (await pc.getStats()).forEach((s: { type: string; state?: string; nominated?: boolean; currentRoundTripTime?: number }) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') rtt = Math.max(rtt, (s.currentRoundTripTime ?? 0) * 1000);
      });
    }
    return rtt;
  });
}
