#!/usr/bin/env node
/**
 * `npm run screenshots [-- --out DIR]`: the popup of the built extension in its main states, light and dark, the
 * options page and the toolbar icons, into docs/screenshots/ — scripts/screenshots/capture.ts (TypeScript, through
 * vite's module runner) in real Chromium. Build first (`npm run build`).
 *
 * The blocked state writes a real managed policy file (as the e2e policy tests do). Where `isolated-policies` is on
 * the PATH and the policy folder is not already private, the script runs itself again under it, so other browsers on
 * the machine never see that policy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { CHROME_PATH } from '../demo/chromium.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const DIST_DIR = join(ROOT, 'dist');
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  console.log(`Usage: npm run screenshots [-- --out DIR]

Drives the built extension (dist/) in real Chromium through real calls in the demo app and saves the popup in each
state (light and dark), the options page and the toolbar icons as PNGs in DIR (default docs/screenshots), with a
README.md listing them. Build first: npm run build. CHROME_PATH overrides ${CHROME_PATH}.`);
  process.exit(0);
}
if (!existsSync(join(DIST_DIR, 'manifest.json'))) {
  console.error(`screenshots: no built extension in ${DIST_DIR}. Run \`npm run build\` first.`);
  process.exit(2);
}
if (!existsSync(CHROME_PATH)) {
  console.error(`screenshots: no Chromium at ${CHROME_PATH}. Install it (apt-get install -y chromium) or set CHROME_PATH.`);
  process.exit(2);
}

/** True when /etc/chromium/policies is a mount of its own (isolated-policies), or the tests' folder is moved. */
function policiesArePrivate() {
  if (process.env.CHROMIUM_POLICY_DIR) return true;
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[4] === '/etc/chromium/policies');
  } catch {
    return false;
  }
}

const isolator = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'isolated-policies'))
  .find((file) => existsSync(file));
if (!policiesArePrivate() && isolator && !process.env.CALLSEAL_SCREENSHOTS_ISOLATED) {
  console.log('Running under isolated-policies (the blocked state writes a managed policy file).');
  const result = spawnSync(isolator, [process.execPath, ...process.execArgv, import.meta.filename, ...args], {
    stdio: 'inherit',
    env: { ...process.env, CALLSEAL_SCREENSHOTS_ISOLATED: '1' },
  });
  process.exit(result.status ?? 1);
}

const { runnerImport } = await import('vite');
const entry = join(import.meta.dirname, 'screenshots/capture.ts');
try {
  const { module } = await runnerImport(entry, { configFile: false, logLevel: 'warn' });
  await module.main(args);
} catch (error) {
  console.error(`\nscreenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
