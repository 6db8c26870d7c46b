// Lint: ESLint's and typescript-eslint's recommended rules, the few that keep secrets and media out of logs,
// type-aware rules for a codebase that is async everywhere, and the boundaries between the places CallSeal runs
// (the folder layout of README.md and docs/protocol.md §7): what each folder may import, and which globals it may
// touch. Import cycles and unused exports are checked by scripts/check-modules.mjs (`npm run lint` runs both).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Globals of the extension API, of pages, of workers and of Node, that the pure core must never reach for. */
const NOT_IN_THE_PURE_CORE = [
  'chrome',
  'browser',
  'window',
  'document',
  'self',
  'navigator',
  'location',
  'fetch',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'postMessage',
  'importScripts',
  'process',
  'Buffer',
  'require',
].map((name) => ({ name, message: 'The pure core runs in the worker and in Node: take it as a parameter instead.' }));

/**
 * Every global of a page realm (ES built-ins included): MAIN-world code runs beside the page's scripts, which can
 * replace any of them. It uses only what intrinsics.ts captured at document_start (protocol.md §7.1).
 */
const PAGE_GLOBALS = [...new Set([...Object.keys(globals.builtin), ...Object.keys(globals.browser)])]
  .filter((name) => !['undefined', 'NaN', 'Infinity'].includes(name))
  .map((name) => ({
    name,
    message: 'The page can replace any global: use the built-in captured in main-world/intrinsics.ts (`I.…`).',
  }));

const CORE_IMPORTS = {
  patterns: [
    {
      group: ['webextension-polyfill', 'idb', 'idb/*', 'preact', 'preact/*'],
      message: 'The pure core (src/sframe, src/e2ee, src/shared) uses no extension API, storage or UI library.',
    },
    {
      regex: '(^|/)(background|content|popup|options|worker)(/|$)',
      message: 'The pure core depends on no context: the contexts depend on it.',
    },
    {
      regex: '(^|/)(i18n|status-text)$',
      message: 'Sentences need chrome.i18n: only the background and the extension pages make them.',
    },
    { regex: '^node:', message: 'Extension code runs in a browser: no Node modules.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      // Never log keys or media bytes: the extension's own code reports through typed status messages instead.
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },

  // ---- Type-aware rules ----------------------------------------------------------------------------------------
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or catches loses its error, and its order: await it, or `void` it on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise where a boolean or a void callback is expected (an `if (promise)`, an async event listener).
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A switch over a message kind or a state handles every member: a new kind is a compile-time to-do list.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    // The worker's entry declares its DedicatedWorkerGlobalScope `self`: typed by the worker's own config.
    files: ['src/worker/index.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: './tsconfig.worker.json', tsconfigRootDir: import.meta.dirname },
    },
  },

  // ---- Boundaries between the places CallSeal runs ------------------------------------------------------------
  {
    files: ['src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^node:', message: 'Extension code runs in a browser: no Node modules.' }] },
      ],
    },
  },
  {
    // The pure core: functions over bytes and WebCrypto, run in the transform worker and tested in Node.
    files: ['src/sframe/**', 'src/e2ee/**', 'src/shared/**'],
    ignores: ['src/shared/i18n.ts', 'src/shared/status-text.ts'],
    rules: {
      'no-restricted-imports': ['error', CORE_IMPORTS],
      'no-restricted-globals': ['error', ...NOT_IN_THE_PURE_CORE],
    },
  },
  {
    // The transform worker: loaded into a blob: worker in the page's origin. It sends codes; sentences are made elsewhere.
    files: ['src/worker/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(background|content|popup|options)(/|$)',
              message: 'The transform worker talks to the other contexts by messages only (shared/worker-messages.ts).',
            },
            ...CORE_IMPORTS.patterns.filter((p) => p.regex !== '(^|/)(background|content|popup|options|worker)(/|$)'),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['chrome', 'browser', 'window', 'document', 'indexedDB', 'localStorage', 'process', 'Buffer', 'require'].map(
          (name) => ({ name, message: 'The transform worker has no extension API, DOM or Node.' }),
        ),
      ],
    },
  },
  {
    // MAIN-world code shares the page's realm: it imports only its own folder, the channel names, and types.
    files: ['src/content/main-world.ts', 'src/content/main-world/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[\\w-]+$|\\./main-world/[\\w-]+$|\\.\\./page-channel$)',
              message:
                'MAIN-world code runs in the page realm: it imports only main-world/* and ../page-channel (types may come from anywhere).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/content/main-world.ts', 'src/content/main-world/**'],
    // intrinsics.ts is where the built-ins are captured, at document_start, before any page script.
    ignores: ['src/content/main-world/intrinsics.ts'],
    rules: {
      'no-restricted-globals': ['error', ...PAGE_GLOBALS],
    },
  },

  // ---- Outside the extension ---------------------------------------------------------------------------------
  {
    // Tests, scripts and the demo print progress for people.
    files: ['tests/**', 'scripts/**', 'demo/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Popups are pages in the background (the call page stays in front so its video renders), where puppeteer's
    // default requestAnimationFrame polling never runs: wait on mutations instead (tests/e2e/support/wait.ts).
    files: ['tests/e2e/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='waitForSelector']",
          message: 'Use waitForElement (tests/e2e/support/wait.ts): waitForSelector polls on animation frames, which background pages never run.',
        },
        {
          selector: "CallExpression[callee.property.name='waitForFunction']:not(:has(Property[key.name='polling']))",
          message: "Pass { polling: 'mutation' } or an interval: the default polls on animation frames, which background pages never run.",
        },
      ],
    },
  },
);
