/**
 * Files of the extension package that code finds by name at run time.
 *
 * TRANSFORM_WORKER_FILE: the transform worker's code (built by scripts/vite-plugin-transform-worker.ts), declared
 * web-accessible with a dynamic URL in manifest.config.ts. The bridge gives its URL to the page's bootstrap worker on
 * port B, which loads it with `importScripts` (protocol.md §7.2).
 */
export const TRANSFORM_WORKER_FILE = 'transform-worker.js';
