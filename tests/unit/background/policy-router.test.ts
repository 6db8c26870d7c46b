/**
 * The policy as the page and the popup get it: the real policy controller behind the real router, with the browser
 * faked (policy-fakes.ts). Per-origin settings and call sites, onByDefault, refresh on demand and on the alarm,
 * changes pushed to calls in progress, holding every frame while a policy may be on its way, and what a new service
 * worker or a restarted browser does with the policy it remembered (docs/admin.md §2–4, protocol.md §10).
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_NONE_GRACE_MS, POLICY_GRACE_MS } from '../../../src/background/policy-delivery';
import { KNOWN_NONE_KEY, REMEMBERED_POLICY_KEY, SETTLED_KEY } from '../../../src/background/policy-controller';
import { bridgePort } from './fakes';
import { encrypted } from './report-fixtures';
import {
  lastView,
  makeWorld,
  restartBrowser,
  restartServiceWorker,
  settingsOf,
  startBackground,
  type World,
} from './policy-fakes';
import { EXAMPLE_NOW } from './tenant/support';

const MEET = 'https://meet.contoso.example/room/7';
const ELSEWHERE = 'https://chat.example/call';
const REQUIRED = { enabled: true, allowPlaintextFallback: false, fallbackAfterMs: 4000 };
const ON = { enabled: true, allowPlaintextFallback: true, fallbackAfterMs: 4000 };
const OFF = { enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 };

async function tenantWorld(extra: Record<string, unknown> = {}): Promise<World> {
  const world = await makeWorld();
  world.managed = world.tenantKeys(extra);
  await world.server.publish();
  return world;
}

describe('managed keys alone', () => {
  it('answers a user-installed CallSeal without policy at once: the user’s switch, off by default', async () => {
    const b = await startBackground(await makeWorld());
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([OFF]);
    const popup = await b.watch();
    expect(lastView(popup)).toMatchObject({ enabled: false, canToggle: true, policy: { decidedBy: 'user', lines: [], canRefresh: false } });

    // The user turns it on: pushed to the open bridge, with the identity.
    popup.send({ kind: 'set-enabled', enabled: true });
    await b.settle();
    expect(settingsOf(port)).toEqual([OFF, ON]);
    expect(port.ofKind('settings').at(-1)?.identityPublicKey).toEqual(expect.any(String));
  });

  it('onByDefault: on until the user turns it off, and their choice is kept', async () => {
    const world = await makeWorld();
    world.managed = { E2EEMode: 'onByDefault' };
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    const popup = await b.watch();
    expect(settingsOf(port)).toEqual([ON]);
    expect(lastView(popup)).toMatchObject({ enabled: true, canToggle: true });
    expect(lastView(popup).policy.lines).toEqual([
      'Your organization turns end-to-end encrypted calls on by default; you may turn them off.',
    ]);
    popup.send({ kind: 'set-enabled', enabled: false });
    await b.settle();
    expect(settingsOf(port)).toEqual([ON, OFF]);
    expect(world.local.items.get('e2eeEnabled')).toBe(false);
  });

  it('required locks the switch; the popup’s click is refused with the policy code', async () => {
    const world = await makeWorld();
    world.managed = { E2EEMode: 'required' };
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    const popup = await b.watch();
    popup.send({ kind: 'set-enabled', enabled: false });
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED]);
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['policy']);
  });
});

describe('tenant document: per origin, per group and user', () => {
  it('the Finance group gets Finance (required) on its call sites only; elsewhere settings say off', async () => {
    const b = await startBackground(await tenantWorld({ UserGroups: ['finance'] }));
    const meet = b.open(bridgePort({ url: MEET, tabId: 1 }));
    const chat = b.open(bridgePort({ url: ELSEWHERE, tabId: 2 }));
    // An about:blank frame inherits its creator's origin, which is what the browser reports as the sender's.
    const blank = b.open(bridgePort({ url: 'about:blank', origin: 'https://meet.contoso.example', tabId: 1, frameId: 4 }));
    const data = b.open(bridgePort({ url: 'data:text/html,x', origin: 'null', tabId: 1, frameId: 5 }));
    for (const port of [meet, chat, blank, data]) port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(meet)).toEqual([REQUIRED]);
    expect(settingsOf(blank)).toEqual([REQUIRED]);
    expect(settingsOf(chat)).toEqual([OFF]);
    expect(settingsOf(data)).toEqual([OFF]);
    expect(chat.ofKind('settings')[0]?.identityPublicKey).toBeNull();

    const [onMeet, onChat] = [await b.watch(1), await b.watch(2)];
    expect(lastView(onMeet)).toMatchObject({
      enabled: true,
      canToggle: false,
      policy: { decidedBy: 'organization', policyName: 'Finance', grantedBy: { kind: 'group', group: 'finance' }, canRefresh: true },
    });
    expect(lastView(onMeet).policy.lines[0]).toBe(
      'Your organization\'s policy “Finance” (assigned to your group finance) requires end-to-end encrypted calls: calls that cannot be encrypted are blocked.',
    );
    expect(lastView(onChat)).toMatchObject({ enabled: false, canToggle: false });
    expect(lastView(onChat).policy.lines[0]).toMatch(/limits CallSeal to its call sites; CallSeal is off on this site/);
  });

  it('a tab with no frame that spoke yet is described as on the call sites, and says where they are', async () => {
    const b = await startBackground(await tenantWorld({ UserPrincipal: 'CEO@contoso.example' }));
    const popup = await b.watch(9);
    expect(lastView(popup)).toMatchObject({ enabled: true, policy: { policyName: 'Finance', grantedBy: { kind: 'user' } } });
    expect(lastView(popup).policy.lines[1]).toBe(
      "It applies only on your organization's call sites (https://meet.contoso.example, https://*.calls.contoso.example); elsewhere CallSeal is off.",
    );
  });

  it('the tenant grant (Standard, onByDefault) applies to everyone else, and the user may turn it off', async () => {
    const b = await startBackground(await tenantWorld());
    const port = b.open(bridgePort({ url: ELSEWHERE }));
    port.send({ kind: 'attach' });
    const popup = await b.watch();
    expect(settingsOf(port)).toEqual([ON]);
    expect(lastView(popup)).toMatchObject({ canToggle: true, policy: { decidedBy: 'organization', policyName: 'Standard' } });
    popup.send({ kind: 'set-enabled', enabled: false });
    await b.settle();
    expect(settingsOf(port)).toEqual([ON, OFF]);
  });

  it('before the first document arrives (server down), fails closed: required everywhere, and says why', async () => {
    const world = await tenantWorld();
    world.server.respond = 'down';
    const b = await startBackground(world);
    const port = b.open(bridgePort({ url: ELSEWHERE }));
    port.send({ kind: 'attach' });
    const popup = await b.watch();
    expect(settingsOf(port)).toEqual([REQUIRED]);
    expect(lastView(popup).policy).toMatchObject({ decidedBy: 'organization', canRefresh: true, failingSince: EXAMPLE_NOW });
    expect(lastView(popup).policy.lines).toEqual([
      "Waiting for your organization's policy: calls are encrypted, and blocked where they cannot be.",
      "Could not refresh your organization's policy since T+0min (the server could not be reached).",
    ]);
    // Retried soon (1 minute after the first failure), not at the hourly interval.
    expect(world.alarms.scheduled.at(-1)).toBe(1);
  });
});

describe('refresh', () => {
  it('on demand from the popup: fetches now, pushes what changed to the open call, and answers with a view', async () => {
    const world = await tenantWorld({ UserGroups: ['finance'] });
    const b = await startBackground(world);
    const port = b.open(bridgePort({ url: MEET }));
    port.send({ kind: 'attach' });
    port.send({ kind: 'session', report: encrypted() });
    const popup = await b.watch();
    const requests = world.server.requests;
    expect(settingsOf(port)).toEqual([REQUIRED]);

    // Nothing changed: a view still comes back, and the call is not disturbed with a repeat of its settings.
    const views = popup.ofKind('view').length;
    popup.send({ kind: 'refresh-policy' });
    await b.settle();
    expect(world.server.requests).toBe(requests + 1);
    expect(popup.ofKind('view').length).toBeGreaterThan(views);
    // Exactly one view is marked as the answer (the popup's "Refreshing…" waits for it), and it is the last one.
    const answers = popup.ofKind('view').slice(views).filter((m) => m.answers === 'refresh-policy');
    expect(answers).toHaveLength(1);
    expect(popup.ofKind('view').at(-1)).toBe(answers[0]);
    expect(popup.ofKind('view').slice(0, views).some((m) => m.answers !== undefined)).toBe(false);
    expect(settingsOf(port)).toEqual([REQUIRED]);

    // The admin moves finance to Recorded (disabled): the open call gets it at once, without a reload.
    await world.server.publish({ serial: 13, grants: { tenant: 'Standard', groups: [{ group: 'finance', policy: 'Recorded' }] } });
    popup.send({ kind: 'refresh-policy' });
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED, OFF]);
    expect(lastView(popup)).toMatchObject({ enabled: false, canToggle: false, policy: { policyName: 'Recorded' } });
    expect(lastView(popup).status.state).toBe('off');
  });

  it('the first fetch at start counts as work in progress: settled() waits for a document that is slow to come', async () => {
    const world = await tenantWorld();
    const respond = world.server.respond;
    if (respond === 'down') throw new Error('published');
    // A slow network: the answer comes after several turns of the event loop (the harness's settle takes 5).
    world.server.respond = async () => {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      return respond();
    };
    const b = await startBackground(world);
    expect(world.server.requests).toBe(1);
    const port = b.open(bridgePort({ url: MEET }));
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([ON]);
  });

  it('on the alarm: a change mid-call is pushed; a rejected document keeps the policy in force and says why', async () => {
    const world = await tenantWorld();
    const b = await startBackground(world);
    const port = b.open(bridgePort({ url: MEET }));
    port.send({ kind: 'attach' });
    const popup = await b.watch();
    expect(settingsOf(port)).toEqual([ON]);
    expect(world.alarms.scheduled.at(-1)).toBe(60);

    await world.server.publish({ serial: 13, grants: { tenant: 'Finance' } });
    await b.alarm();
    expect(settingsOf(port)).toEqual([ON, REQUIRED]);

    // A rollback and a tampered envelope: refused, named, and nothing changes for the call.
    b.h.clock.advance(60_000);
    await world.server.publish({ serial: 12 });
    await b.alarm();
    const tampered = await world.signer.envelope(Buffer.from('{"tampered":true}'));
    world.server.serveBytes(tampered.map((byte, i) => (i === tampered.length - 10 ? byte ^ 1 : byte)));
    await b.alarm();
    expect(settingsOf(port)).toEqual([ON, REQUIRED]);
    const lines = lastView(popup).policy.lines;
    expect(lines[1]).toMatch(/^Could not refresh your organization's policy since T\+1min: the server's document was refused because /);
    // issuedAt of serial 13 is the example's, 12 hours before EXAMPLE_NOW.
    expect(lines[2]).toBe('The policy of T+-720min (serial 13) stays in force.');
  });

  it('at the document’s notAfter, without a newer one, fails closed for the open call', async () => {
    const world = await tenantWorld();
    const b = await startBackground(world);
    const port = b.open(bridgePort({ url: MEET }));
    port.send({ kind: 'attach' });
    await b.settle();
    const notAfter = Date.parse('2027-12-01T00:00:00Z');
    world.server.respond = 'down';
    b.h.clock.advance(notAfter - EXAMPLE_NOW);
    await b.settle();
    expect(settingsOf(port)).toEqual([ON, REQUIRED]);
  });

  it('a service worker that starts when no refresh is due does not fetch; it sets the alarm for when one is', async () => {
    const world = await tenantWorld();
    await startBackground(world);
    expect(world.server.requests).toBe(1);
    const b = await restartServiceWorker(world, EXAMPLE_NOW + 20 * 60_000);
    expect(world.server.requests).toBe(1);
    expect(world.alarms.scheduled.at(-1)).toBe(40);
    expect(b.policy).toBeDefined();
  });

  it('a new pinned key replaces the refresher (and its cached document); removing the tenant keys stops refreshes', async () => {
    const world = await tenantWorld();
    const b = await startBackground(world);
    const other = await makeWorld();
    await b.deliver({ ...world.tenantKeys(), TenantPolicyKey: other.tenantKeys().TenantPolicyKey });
    // The server still signs with the old key: refused, and nothing is in force for the new key.
    const popup = await b.watch();
    expect(lastView(popup).policy.lines[0]).toMatch(/^Waiting for your organization's policy/);
    await b.deliver({});
    expect(world.alarms.cancelled).toBeGreaterThan(0);
    expect(lastView(popup).policy).toMatchObject({ decidedBy: 'user', canRefresh: false });
  });
});

describe('holding every frame while a policy may be on its way', () => {
  it('installed by the admin, nothing delivered yet: no settings, the popup says CallSeal waits; the policy then arrives', async () => {
    const world = await makeWorld();
    world.installType = 'admin';
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    port.send({ kind: 'sign', requestId: 1, input: Buffer.alloc(40, 7).toString('base64') });
    const popup = await b.watch();
    expect(settingsOf(port)).toEqual([]);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'disabled' }]);
    expect(lastView(popup)).toMatchObject({ enabled: false, canToggle: false, policy: { waiting: true, lines: ["Waiting for your organization's policy: CallSeal holds the media of calls (nothing is sent or played) until it arrives."] } });

    await b.deliver({ E2EEMode: 'required' });
    expect(settingsOf(port)).toEqual([REQUIRED]);
    expect(lastView(popup).policy.waiting).toBeUndefined();
    expect(world.local.items.get(REMEMBERED_POLICY_KEY)).toEqual({ E2EEMode: 'required' });
    expect(world.session.items.get(SETTLED_KEY)).toBe(true);
  });

  it('installed by the admin with no policy at all: held until the grace ends, then the user’s switch', async () => {
    const world = await makeWorld();
    world.installType = 'admin';
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    b.h.clock.advance(POLICY_GRACE_MS - 1);
    await b.settle();
    expect(settingsOf(port)).toEqual([]);
    b.h.clock.advance(1);
    await b.settle();
    expect(settingsOf(port)).toEqual([OFF]);

    // The browser had its chance: a later service worker in the same browser session does not hold again.
    const again = await restartServiceWorker(world);
    const next = again.open(bridgePort());
    next.send({ kind: 'attach' });
    await again.settle();
    expect(settingsOf(next)).toEqual([OFF]);

    // The next browser session holds only briefly: this profile is known to have no policy.
    restartBrowser(world);
    const later = await startBackground(world);
    const third = later.open(bridgePort());
    third.send({ kind: 'attach' });
    await later.settle();
    expect(settingsOf(third)).toEqual([]);
    later.h.clock.advance(KNOWN_NONE_GRACE_MS);
    await later.settle();
    expect(settingsOf(third)).toEqual([OFF]);

    // Once a policy is delivered, the profile is no longer known to have none.
    await later.deliver({ E2EEMode: 'required' });
    expect(world.local.items.has(KNOWN_NONE_KEY)).toBe(false);
  });

  it('a cached tenant document is evidence too', async () => {
    const world = await tenantWorld();
    await startBackground(world);
    expect(world.tenantStore.record?.envelope).toBeDefined();
    restartBrowser(world);
    world.local.items.delete(REMEMBERED_POLICY_KEY); // as if storage.local had been cleared
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([]);
  });

  it('a user-installed CallSeal that never saw a policy is not held', async () => {
    const b = await startBackground(await makeWorld());
    expect((await b.policy.snapshot()).held).toBe(false);
  });
});

describe('restarts', () => {
  it('a service-worker restart applies the policy at once, with no hold and no fetch needed', async () => {
    const world = await makeWorld();
    world.installType = 'admin';
    world.managed = { E2EEMode: 'required' };
    await startBackground(world);
    const b = await restartServiceWorker(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED]);
  });

  it('after a browser restart the remembered policy applies before the browser delivers it again', async () => {
    const world = await tenantWorld({ UserGroups: ['finance'] });
    await startBackground(world);
    restartBrowser(world);
    world.server.respond = 'down';
    const b = await startBackground(world);
    const port = b.open(bridgePort({ url: MEET }));
    port.send({ kind: 'attach' });
    await b.settle();
    // The remembered tenant keys and the cached document: Finance, required, from the first answer.
    expect(settingsOf(port)).toEqual([REQUIRED]);
    const popup = await b.watch();
    expect(lastView(popup).policy.policyName).toBe('Finance');
  });

  it('a remembered policy the browser does not deliver again is dropped when the grace ends', async () => {
    const world = await makeWorld();
    world.managed = { E2EEMode: 'required' };
    await startBackground(world);
    restartBrowser(world);
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED]);
    b.h.clock.advance(POLICY_GRACE_MS);
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED, OFF]);
    expect(world.local.items.has(REMEMBERED_POLICY_KEY)).toBe(false);
  });

  it('reads the policy remembered by the previous version (E2EEMode only) once', async () => {
    const world = await makeWorld();
    world.local.items.set('lastE2EEModePolicy', 'required');
    const b = await startBackground(world);
    const port = b.open(bridgePort());
    port.send({ kind: 'attach' });
    await b.settle();
    expect(settingsOf(port)).toEqual([REQUIRED]);
    expect(world.local.items.has('lastE2EEModePolicy')).toBe(false);
  });
});
