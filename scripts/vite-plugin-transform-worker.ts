/**
 * Builds the transform worker (src/worker/index.ts) as one IIFE file, build/transform-worker.js, before the main
 * build starts. The MAIN-world hook imports that file's text (`callseal:transform-worker-source`, an alias to
 * `?raw`) and starts the worker from a `blob:` URL: a worker in the page must come from the page's own origin.
 */
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';
import { MINIMUM_CHROME_VERSION } from '../manifest.config.ts';

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
          // The source ships as a string inside the MAIN-world script, which every frame of every page loads.
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
  };
}
