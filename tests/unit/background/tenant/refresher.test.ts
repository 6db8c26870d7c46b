/**
 * The refresher (docs/admin.md §3.5, §3.7) against a fake server, store and clock: a good document replaces the
 * one in force; everything else — server down, bad signature, malformed, rollback, a reused serial, another
 * tenant, an expired document — keeps it and records what happened and since when.
 */
import { describe, expect, it } from 'vitest';
import { parseTenantPolicyDocument } from '../../../../src/background/tenant/document';
import type { PinnedPolicyKey } from '../../../../src/background/tenant/policy-key';
import {
  nextRefreshMinutes,
  TenantPolicyRefresher,
  type FetchResult,
  type StoredTenantPolicy,
  type TenantPolicyState,
} from '../../../../src/background/tenant/refresher';
import { documentWith, EXAMPLE_NOW, makeSigner, memoryStore, utf8, type TestSigner } from './support';

const URL_ = 'https://policy.contoso.example/tenant-policy.json';

interface FakeServer {
  respond: (() => Promise<FetchResult>) | undefined;
  requests: number;
}

async function harness(options: { tenantId?: string; store?: StoredTenantPolicy; signer?: TestSigner } = {}) {
  const signer = options.signer ?? (await makeSigner());
  const server: FakeServer = { respond: undefined, requests: 0 };
  const store = memoryStore(options.store);
  const clock = { now: EXAMPLE_NOW };
  const make = (key: PinnedPolicyKey = signer.pinned, tenantId: string | undefined = options.tenantId) =>
    new TenantPolicyRefresher(
      { url: URL_, key, tenantId },
      {
        store,
        now: () => clock.now,
        timeoutMs: 50,
        fetch: async (url, signal) => {
          expect(url).toBe(URL_);
          server.requests++;
          if (!server.respond) throw new TypeError('Failed to fetch');
          const response = server.respond();
          return await Promise.race([
            response,
            new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
          ]);
        },
      },
    );
  const serve = async (doc: unknown) => {
    const body = await signer.envelope(doc);
    server.respond = async () => ({ status: 200, body });
  };
  return { signer, server, store, clock, refresher: make(), make, serve };
}

const serialInForce = (state: TenantPolicyState) => state.inForce?.verified.document.serial;

describe('TenantPolicyRefresher', () => {
  it('takes a good document, stores it, and says so', async () => {
    const h = await harness();
    const changes: TenantPolicyState[] = [];
    h.refresher.onChange((s) => changes.push(s));
    await h.serve(documentWith({}));
    const state = await h.refresher.refresh('start');
    expect(serialInForce(state)).toBe(12);
    expect(state).toMatchObject({ lastSuccessAt: EXAMPLE_NOW, consecutiveFailures: 0, inForce: { acceptedAt: EXAMPLE_NOW } });
    expect(state.problem).toBeUndefined();
    expect(h.store.record).toMatchObject({ keyId: h.signer.pinned.keyId, acceptedAt: EXAMPLE_NOW, consecutiveFailures: 0 });
    expect(changes.at(-1)).toBe(state);
  });

  it('with the server down from the first start: nothing in force, the failure recorded', async () => {
    const h = await harness();
    const state = await h.refresher.refresh('start');
    expect(state.inForce).toBeUndefined();
    expect(state).toMatchObject({ failingSince: EXAMPLE_NOW, consecutiveFailures: 1, problem: { code: 'unreachable', message: 'the server could not be reached' } });
  });

  it('keeps the cached document while the server is down, since the first failure, until it is back', async () => {
    const h = await harness();
    await h.serve(documentWith({}));
    await h.refresher.refresh('start');
    h.server.respond = undefined;
    h.clock.now += 60_000;
    await h.refresher.refresh('schedule');
    h.clock.now += 120_000;
    let state = await h.refresher.refresh('user');
    expect(serialInForce(state)).toBe(12);
    expect(state).toMatchObject({ failingSince: EXAMPLE_NOW + 60_000, consecutiveFailures: 2, lastSuccessAt: EXAMPLE_NOW });
    await h.serve(documentWith({ serial: 13 }));
    state = await h.refresher.refresh('schedule');
    expect(serialInForce(state)).toBe(13);
    expect(state.failingSince).toBeUndefined();
    expect(state.problem).toBeUndefined();
  });

  it.each([
    ['HTTP 404', async (h: Awaited<ReturnType<typeof harness>>) => (h.server.respond = async () => ({ status: 404, body: utf8('nope') })), 'unreachable', /HTTP 404/],
    ['a timeout', async (h: Awaited<ReturnType<typeof harness>>) => (h.server.respond = () => new Promise<never>(() => {})), 'unreachable', /in time/],
    ['a tampered signature', async (h: Awaited<ReturnType<typeof harness>>) => {
      const body = new TextDecoder().decode(await h.signer.envelope(documentWith({ serial: 13 })));
      const tampered = body.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`);
      h.server.respond = async () => ({ status: 200, body: utf8(tampered) });
    }, 'bad-signature', /does not verify/],
    ['another signing key', async (h: Awaited<ReturnType<typeof harness>>) => {
      const body = await (await makeSigner()).envelope(documentWith({ serial: 13 }));
      h.server.respond = async () => ({ status: 200, body });
    }, 'bad-signature', /not the pinned key/],
    ['a malformed document', (h: Awaited<ReturnType<typeof harness>>) => h.serve(documentWith({ serial: 13, policies: [] })), 'malformed', /policies/],
    ['an HTML error page', async (h: Awaited<ReturnType<typeof harness>>) => (h.server.respond = async () => ({ status: 200, body: utf8('<html>') })), 'malformed', /not JSON/],
    ['a rollback', (h: Awaited<ReturnType<typeof harness>>) => h.serve(documentWith({ serial: 11 })), 'rollback', /serial 11 is older than serial 12/],
    ['the same serial with other bytes', (h: Awaited<ReturnType<typeof harness>>) => h.serve(documentWith({ grants: { tenant: 'Recorded' } })), 'serial-reused', /serial 12/],
    ['another tenant', (h: Awaited<ReturnType<typeof harness>>) => h.serve(documentWith({ serial: 13, tenantId: 'fabrikam.example' })), 'wrong-tenant', /fabrikam/],
    ['an expired document', (h: Awaited<ReturnType<typeof harness>>) => h.serve(documentWith({ serial: 13, notAfter: '2025-11-30T23:59:59Z' })), 'expired', /expired/],
  ])('refuses %s and keeps the document in force', async (_what, arrange, code, message) => {
    const h = await harness({ tenantId: 'CONTOSO.example' }); // TenantId is compared case-insensitively
    await h.serve(documentWith({}));
    await h.refresher.refresh('start');
    const before = h.refresher.state.inForce;
    await arrange(h);
    h.clock.now += 1000;
    const state = await h.refresher.refresh('schedule');
    expect(state.inForce).toBe(before);
    expect(state.problem).toMatchObject({ code, at: EXAMPLE_NOW + 1000 });
    expect(state.problem?.message).toMatch(message);
    // What the popup's sentence needs, measured by CallSeal (policy-view.ts says it in the user's language).
    if (_what === 'HTTP 404') expect(state.problem).toMatchObject({ httpStatus: 404 });
    if (_what === 'a timeout') expect(state.problem).toMatchObject({ timedOut: true });
    expect(state.failingSince).toBe(EXAMPLE_NOW + 1000);
    expect(h.store.record?.envelope).toEqual(before?.verified.envelope);
  });

  it('counts the same document again as a success, keeping when it was first accepted', async () => {
    const h = await harness();
    await h.serve(documentWith({}));
    await h.refresher.refresh('start');
    h.clock.now += 5000;
    const state = await h.refresher.refresh('schedule');
    expect(state).toMatchObject({ lastSuccessAt: EXAMPLE_NOW + 5000, inForce: { acceptedAt: EXAMPLE_NOW } });
  });

  it('shares one fetch between concurrent refreshes', async () => {
    const h = await harness();
    await h.serve(documentWith({}));
    const [a, b] = await Promise.all([h.refresher.refresh('start'), h.refresher.refresh('user')]);
    expect(a).toBe(b);
    expect(h.server.requests).toBe(1);
  });

  it('loads the stored document after a restart, verified again; another key or TenantId drops it', async () => {
    const h = await harness({ tenantId: 'contoso.example' });
    await h.serve(documentWith({}));
    await h.refresher.refresh('start');
    const restarted = h.make();
    await restarted.load();
    expect(serialInForce(restarted.state)).toBe(12);

    const rotated = h.make((await makeSigner()).pinned);
    await rotated.load();
    expect(rotated.state.inForce).toBeUndefined();
    const otherTenant = h.make(h.signer.pinned, 'fabrikam.example');
    await otherTenant.load();
    expect(otherTenant.state.inForce).toBeUndefined();
  });

  it('after a restart, rollback is still measured against the stored document', async () => {
    const h = await harness();
    await h.serve(documentWith({ serial: 20 }));
    await h.refresher.refresh('start');
    const restarted = h.make();
    await h.serve(documentWith({ serial: 19 }));
    const state = await restarted.refresh('start');
    expect(serialInForce(state)).toBe(20);
    expect(state.problem?.code).toBe('rollback');
  });

  it('treats a damaged or unreadable store as empty, and survives a store that cannot save', async () => {
    const signer = await makeSigner();
    const damaged = await harness({ signer, store: { keyId: signer.pinned.keyId, tenantId: undefined, envelope: utf8('{}'), consecutiveFailures: 0 } });
    await damaged.refresher.load();
    expect(damaged.refresher.state.inForce).toBeUndefined();

    const h = await harness();
    h.store.load = async () => Promise.reject(new Error('IndexedDB gone'));
    h.store.save = async () => Promise.reject(new Error('quota'));
    await h.serve(documentWith({}));
    expect(serialInForce(await h.refresher.refresh('start'))).toBe(12);
  });
});

describe('nextRefreshMinutes', () => {
  const inForce = (refreshMinutes: number) => ({
    verified: { document: parseTenantPolicyDocument(documentWith({ refreshMinutes })), payload: new Uint8Array(), envelope: new Uint8Array() },
    acceptedAt: 0,
  });
  it('waits the document interval after a success; 1, 2, 4… minutes after failures, capped', () => {
    expect(nextRefreshMinutes({ consecutiveFailures: 0 })).toBe(0);
    expect(nextRefreshMinutes({ consecutiveFailures: 0, inForce: inForce(30) })).toBe(30);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => nextRefreshMinutes({ consecutiveFailures: n, inForce: inForce(30) }))).toEqual([1, 2, 4, 8, 16, 30, 30]);
    expect([1, 3, 4, 50].map((n) => nextRefreshMinutes({ consecutiveFailures: n }))).toEqual([1, 4, 5, 5]);
  });
});
