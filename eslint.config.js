// Lint: ESLint's and typescript-eslint's recommended rules, plus the few that keep secrets and media out of logs.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
  {
    // Tests, scripts and the demo print progress for people.
    files: ['tests/**', 'scripts/**', 'demo/**'],
    rules: { 'no-console': 'off' },
  },
);
