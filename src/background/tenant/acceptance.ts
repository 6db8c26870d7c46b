/**
 * Whether a verified document may replace the one in force (docs/admin.md §3.5): for this tenant, not expired,
 * not older (rollback), and an equal serial only for the very same bytes. Pure: the clock and the document in
 * force are arguments.
 */
import { equalBytes } from '../../shared/bytes';
import { TenantPolicyError } from './errors';
import type { VerifiedDocument } from './envelope';

interface AcceptanceContext {
  /** The managed `TenantId`, if set. Compared case-insensitively. */
  tenantId: string | undefined;
  now: number;
  inForce: VerifiedDocument | undefined;
}

/** 'new' to take the document, 'same' when it is the one in force; throws TenantPolicyError otherwise. */
export function acceptDocument(candidate: VerifiedDocument, context: AcceptanceContext): 'new' | 'same' {
  const { document } = candidate;
  if (context.tenantId !== undefined && document.tenantId.toLowerCase() !== context.tenantId.toLowerCase()) {
    throw new TenantPolicyError('wrong-tenant', `the document is for tenant ${document.tenantId}, not ${context.tenantId}`);
  }
  if (isExpired(candidate, context.now)) {
    throw new TenantPolicyError('expired', `the document (serial ${document.serial}) expired at ${new Date(document.notAfter ?? 0).toISOString()}`);
  }
  const inForce = context.inForce;
  if (!inForce) return 'new';
  const serialInForce = inForce.document.serial;
  if (document.serial < serialInForce) {
    throw new TenantPolicyError('rollback', `serial ${document.serial} is older than serial ${serialInForce} in force`);
  }
  if (document.serial === serialInForce) {
    if (equalBytes(candidate.payload, inForce.payload)) return 'same';
    throw new TenantPolicyError('serial-reused', `serial ${document.serial} is in force with different content`);
  }
  return 'new';
}

function isExpired(verified: VerifiedDocument, now: number): boolean {
  return verified.document.notAfter !== undefined && now >= verified.document.notAfter;
}
