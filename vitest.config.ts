/**
 * Two test projects:
 * - unit: Node, real WebCrypto, no browser (`tests/unit`);
 * - e2e: the built extension (`dist/`, run `npm run build` first) in real Chromium driven by puppeteer
 *   (`tests/e2e`). Browser tests run one file at a time: each starts its own browsers and servers.
 */
import { defineConfig } from 'vitest/config';

const browserTests = {
  environment: 'node' as const,
  // A call through the relay decodes what the relay copied: on a busy two-core machine one took over 60 s.
  testTimeout: 90_000,
  hookTimeout: 60_000,
  fileParallelism: false,
  globalSetup: ['tests/e2e/support/global-setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/unit/setup-i18n.ts'],
          benchmark: { include: ['tests/bench/**/*.bench.ts'] },
        },
      },
      {
        test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], ...browserTests },
      },
    ],
  },
});
