/**
 * Builds the transform worker (src/worker/index.ts) as one IIFE file, build/transform-worker.js, before the main
 * build starts, and ships it in the package as `transform-worker.js` (TRANSFORM_WORKER_FILE), a web-accessible
 * resource with a dynamic URL (manifest.config.ts). The MAIN-world hook no longer carries it: it starts a tiny
 * bootstrap worker from a `blob:` URL (a worker in the page must come from the page's origin), and the bootstrap
 * loads this file with `importScripts` from the URL the bridge gives it on port B (protocol.md §7.2).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';
import { MINIMUM_CHROME_VERSION } from '../manifest.config.ts';
import { TRANSFORM_WORKER_FILE } from '../src/shared/package-files.ts';

export const TRANSFORM_WORKER_ENTRY = 'src/worker/index.ts';
export const TRANSFORM_WORKER_OUT = 'build/transform-worker.js';

export function transformWorkerPlugin(): Plugin {
  let root = process.cwd();
  return {
    name: 'callseal:transform-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    async buildStart() {
      await build({
        configFile: false,
        root,
        logLevel: 'warn',
        publicDir: false,
        build: {
          outDir: resolve(root, 'build'),
          emptyOutDir: false,
          target: `chrome${MINIMUM_CHROME_VERSION}`,
          // Loaded once per page that makes a call; minified like every script CallSeal puts into a page.
          minify: true,
          lib: {
            entry: resolve(root, TRANSFORM_WORKER_ENTRY),
            formats: ['iife'],
            name: 'CallSealTransformWorker',
            fileName: () => 'transform-worker.js',
          },
        },
      });
    },
    async generateBundle() {
      const source = await readFile(resolve(root, TRANSFORM_WORKER_OUT), 'utf8');
      this.emitFile({ type: 'asset', fileName: TRANSFORM_WORKER_FILE, source });
    },
  };
}
