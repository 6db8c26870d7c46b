#!/usr/bin/env node
/**
 * `npm run check-deployment -- --id <extension id>`: what a fresh Chromium profile on this machine makes of the
 * deployed policy (docs/admin.md §6, step 6), for machines without a display. Starts headless Chromium with a
 * temporary profile, waits until the force-installed extension is installed, and prints chrome://policy's view of
 * the extension's keys and chrome://extensions-internals' view of the extension. Nothing is changed; the profile is
 * removed. CHROME_PATH overrides /usr/bin/chromium.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer';

const { values } = parseArgs({ options: { id: { type: 'string' }, wait: { type: 'string', default: '60' } } });
if (!values.id || !/^[a-p]{32}$/.test(values.id)) {
  process.stderr.write('usage: node scripts/check-deployment.mjs --id <32-letter extension id> [--wait <seconds>]\n');
  process.exit(2);
}
const profile = await mkdtemp(join(tmpdir(), 'callseal-check-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--no-first-run'],
  enableExtensions: true,
  ignoreDefaultArgs: ['--disable-background-networking'],
});
let status = 1;
try {
  const page = await browser.newPage();
  const deadline = Date.now() + Number(values.wait) * 1000;
  let extension;
  while (Date.now() < deadline) {
    await page.goto('chrome://extensions-internals');
    const all = JSON.parse(await page.evaluate(() => document.body.innerText));
    extension = all.find((e) => e.id === values.id);
    if (extension) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!extension) {
    process.stdout.write(`Extension ${values.id}: not installed after ${values.wait} s (check ExtensionInstallForcelist and the update URL).\n`);
  } else {
    process.stdout.write(`Extension ${values.id}: ${extension.name} ${extension.version}, ${extension.location}, ${extension.registry_status}\n`);
    status = 0;
  }
  // The extension's own keys appear once Chromium has loaded its schema, some seconds after the install.
  const readPolicyPage = () =>
    page.evaluate(() => {
      // The page draws its tables inside shadow roots: collect the text of every one.
      const parts = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) walk(el.shadowRoot);
          if (el.children.length === 0 && el.textContent.trim() && !el.closest('[hidden]')) parts.push(el.textContent.trim());
        }
      };
      walk(document);
      return parts.join('\n');
    });
  await page.goto('chrome://policy');
  const started = Date.now();
  let text = '';
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    text = await readPolicyPage();
    const values_ = text.split(`\n${values.id}\n`)[1]?.split('\n').filter((line, i, all) => line !== 'Not set.' && all[i + 1] !== 'Not set.');
    if (values_ && values_[0] !== 'No policies set') break;
    await page.reload();
  }
  process.stdout.write(`(chrome://policy read ${Math.round((Date.now() - started) / 1000)} s after the install was seen)\n`);
  // Keep the policies that are set (a name followed by "Not set." is dropped), from the first table on.
  const lines = text.split('\n');
  const shown = [];
  for (let i = Math.max(0, lines.indexOf('Chrome Policies')); i < lines.length; i++) {
    if (lines[i + 1] === 'Not set.') i++;
    else shown.push(lines[i]);
  }
  process.stdout.write(`\nchrome://policy (set policies; each with its source, scope, level and status):\n${shown.join('\n')}\n`);
} finally {
  await browser.close();
  await rm(profile, { recursive: true, force: true });
}
process.exit(status);
