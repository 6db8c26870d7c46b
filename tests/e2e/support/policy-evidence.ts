/**
 * What a browser knows about a force-installed CallSeal's managed policy, for the failure message of a test that
 * waited for it in vain (docs/admin.md §3.9): what `storage.managed` and `management.getSelf()` say in the service
 * worker and what CallSeal made of it (storage.local, storage.session), CallSeal's section of chrome://policy (the values the browser has loaded for it, if any), the browser's own
 * policy log (chrome://policy/logs: loads, refreshes, when each policy domain was initialized), how long ago the
 * browser was launched (Chromium defers the reload that delivers an extension's policy until its startup is complete:
 * the first visible page loaded and idle, or 3 minutes), and the policy file as it is on disk now.
 *
 * Every part is best effort: a part that cannot be read says why, and the rest is still reported.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Page } from 'puppeteer';
import { KNOWN_NONE_KEY, REMEMBERED_POLICY_KEY, SETTLED_KEY } from '../../../src/background/policy-controller';
import type { TestBrowser } from './browser';

const MAX_PART = 4_000;

const clip = (text: string): string => (text.length > MAX_PART ? `…${text.slice(-MAX_PART)}` : text);

/**
 * The visible text of a WebUI page, shadow roots included (chrome://policy is built of custom elements); with `tag`,
 * the text of each element of that name, wherever it sits, separated by '¶'.
 */
function deepText(page: Page, tag?: string): Promise<string[]> {
  return page.evaluate((name) => {
    const out: string[] = [];
    const walk = (node: Node, collect: boolean): void => {
      const element = node as Element;
      if (name && !collect && element.localName === name) {
        walk(node, true);
        out.push('¶');
        return;
      }
      if (collect && node.nodeType === Node.TEXT_NODE) {
        const text = node.textContent?.trim();
        if (text) out.push(text);
      }
      if (element.shadowRoot) walk(element.shadowRoot, collect);
      node.childNodes.forEach((child) => walk(child, collect));
    };
    walk(document.body, !name);
    return out;
  }, tag);
}

async function part(name: string, read: () => Promise<string>): Promise<string> {
  try {
    return `${name}: ${clip(await read())}`;
  } catch (error) {
    return `${name}: (could not read: ${(error as Error).message})`;
  }
}

/** One report per browser; `policyFile` is the managed policy file the test wrote. */
export async function policyEvidence(test: TestBrowser, policyFile?: string): Promise<string> {
  const id = test.extensionId ?? '';
  const parts = [
    `launched ${((Date.now() - test.launchedAt) / 1000).toFixed(1)} s ago`,
    await part('service worker', async () => {
      const worker = await test.serviceWorker();
      return JSON.stringify(
        await worker.evaluate(
          async (localKeys, sessionKeys) => ({
            managed: await chrome.storage.managed.get(null),
            installType: (await chrome.management.getSelf()).installType,
            // What CallSeal made of it (policy-controller.ts): the policy it applied and remembered, whether an
            // earlier session waited in vain, whether the browser settled in this session.
            local: await chrome.storage.local.get(localKeys),
            session: await chrome.storage.session.get(sessionKeys),
          }),
          [REMEMBERED_POLICY_KEY, KNOWN_NONE_KEY],
          [SETTLED_KEY],
        ),
      );
    }),
  ];
  const page = await test.newPage();
  try {
    parts.push(
      await part('chrome://policy, CallSeal', async () => {
        await page.goto('chrome://policy');
        await page.waitForFunction(
          () => (window as unknown as { getAllPolicyTables?: () => NodeList }).getAllPolicyTables?.().length,
          { polling: 200, timeout: 10_000 },
        );
        const tables = (await deepText(page, 'policy-table')).join(' | ').split('¶');
        // The Chrome policies' table names the ID too (in ExtensionInstallForcelist): CallSeal's own is the other.
        const mine = tables.filter((table) => table.includes(id) && !table.includes('ExtensionInstallForcelist'));
        if (mine.length) return mine.join(' ');
        const headings = tables.map((table) => table.slice(0, 80)).join(' ¦ ');
        return `no table names ${id} (its schema is not registered); tables: ${headings}`;
      }),
      await part('chrome://policy/logs', async () => {
        await page.goto('chrome://policy/logs');
        // The log is rendered inside shadow roots once the page has fetched it: poll until it shows.
        await page.waitForFunction(
          () => {
            const shows = (node: Node): boolean =>
              (node.nodeType === Node.TEXT_NODE && node.textContent?.trim() === 'Logs') ||
              ((node as Element).shadowRoot ? shows((node as Element).shadowRoot as Node) : false) ||
              [...node.childNodes].some(shows);
            return shows(document.body);
          },
          { polling: 200, timeout: 10_000 },
        );
        const text = (await deepText(page)).join(' | ');
        const start = text.indexOf('Logs |');
        const end = text.indexOf('Active Variations');
        return text.slice(start < 0 ? 0 : start, end < 0 ? undefined : end);
      }),
    );
  } finally {
    await page.close().catch(() => undefined);
  }
  if (policyFile) {
    parts.push(
      await part('policy file', async () => {
        const [info, content] = await Promise.all([stat(policyFile), readFile(policyFile, 'utf8')]);
        return `${policyFile}, modified ${((Date.now() - info.mtimeMs) / 1000).toFixed(1)} s ago: ${content.replace(/\s+/g, ' ')}`;
      }),
    );
  }
  return parts.join('\n  ');
}

/**
 * Resolves with the managed keys once the browser has delivered them to CallSeal (`storage.managed` not empty: read
 * now, then on each `storage.onChanged` of the managed area). After `timeout` ms it fails with `policyEvidence()`.
 */
export async function waitForManagedPolicy(
  test: TestBrowser,
  { timeout, policyFile }: { timeout: number; policyFile?: string },
): Promise<Record<string, unknown>> {
  const worker = await test.serviceWorker();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeout)));
  const delivered = worker.evaluate(
    () =>
      new Promise<Record<string, unknown>>((resolve) => {
        const check = async (): Promise<void> => {
          const managed = await chrome.storage.managed.get(null);
          if (Object.keys(managed).length > 0) resolve(managed);
        };
        chrome.storage.onChanged.addListener((_changes, area) => void (area === 'managed' && check()));
        void check();
      }),
  );
  try {
    const managed = await Promise.race([delivered, expired]);
    if (managed) return managed;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(
    `the browser did not deliver CallSeal's managed policy within ${timeout} ms:\n  ${await policyEvidence(test, policyFile)}`,
  );
}
