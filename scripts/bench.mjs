#!/usr/bin/env node
/**
 * `npm run bench [-- flags]`: runs tests/bench/browser/run.ts (TypeScript, through vite's module runner) in real
 * Chromium. See that file for the flags.
 */
import { runnerImport } from 'vite';

const entry = new URL(`../tests/bench/browser/${process.env.CALLSEAL_BENCH_ENTRY ?? 'run'}.ts`, import.meta.url).pathname;
const { module } = await runnerImport(entry, { configFile: false, logLevel: 'warn' });
await module.main(process.argv.slice(2));
