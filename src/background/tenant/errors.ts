/**
 * Why a tenant policy document was not taken: one code per rule of docs/admin.md §3.5, so the popup can say it in
 * the extension's own words and tests can assert the exact rule that fired. Messages carry only what CallSeal
 * itself measured (an HTTP status, two serials), never text from the server.
 */

export const TENANT_POLICY_ERROR_CODES = [
  'malformed',
  'bad-signature',
  'wrong-tenant',
  'expired',
  'rollback',
  'serial-reused',
  'unreachable',
] as const;
export type TenantPolicyErrorCode = (typeof TENANT_POLICY_ERROR_CODES)[number];

/** For `unreachable`: what CallSeal measured, so the popup can say it in its own words. */
export interface UnreachableDetail {
  timedOut?: boolean;
  httpStatus?: number;
}

export class TenantPolicyError extends Error {
  override readonly name = 'TenantPolicyError';
  constructor(
    readonly code: TenantPolicyErrorCode,
    message: string,
    readonly detail: UnreachableDetail = {},
  ) {
    super(message);
  }
}

export function isTenantPolicyError(value: unknown): value is TenantPolicyError {
  return value instanceof TenantPolicyError;
}

/** Throws `malformed` with `message` unless `condition` holds. */
export function requireWellFormed(condition: boolean, message: string): asserts condition {
  if (!condition) throw new TenantPolicyError('malformed', message);
}
