/**
 * Build of the extension into dist/.
 *
 * Three bundles come out of one `vite build`:
 * - the service worker, the bridge content script and the popup, through @crxjs/vite-plugin;
 * - the MAIN-world hook as one self-contained IIFE (crxjs `standaloneFiles`), so Chromium runs it at document_start,
 *   before the page's first script;
 * - the transform worker as one IIFE file in the package, `transform-worker.js`, which the hook's `blob:` bootstrap
 *   worker loads on the page's first call (see `scripts/vite-plugin-transform-worker.ts`).
 */
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import manifest, { BRIDGE_ENTRY, MAIN_WORLD_ENTRY, MINIMUM_CHROME_VERSION } from './manifest.config.ts';
import { transformWorkerPlugin } from './scripts/vite-plugin-transform-worker.ts';

export default defineConfig({
  plugins: [
    transformWorkerPlugin(),
    preact(),
    crx({ manifest, contentScripts: { standaloneFiles: [BRIDGE_ENTRY, MAIN_WORLD_ENTRY] } }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: `chrome${MINIMUM_CHROME_VERSION}`,
    sourcemap: false,
    // Content scripts load in every frame of every page: shipped minified (the worker is minified by its own build).
    minify: true,
  },
});
