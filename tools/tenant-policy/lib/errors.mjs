/**
 * The CLI's two kinds of failure: a usage error (wrong verb, option or value: exit 2, with a pointer to --help) and
 * a failure of the operation itself (a missing file, a refused overwrite: exit 1). Messages never contain key
 * material.
 */

export class UsageError extends Error {
  name = 'UsageError';
}

export class CliError extends Error {
  name = 'CliError';
}
