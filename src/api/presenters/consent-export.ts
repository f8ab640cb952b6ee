/**
 * One row of a list's consent export (CSV). Personal values pass through the caller's field
 * mask (src/auth/field-masking.ts): the address under the `email` field permission, the
 * proof's IP address and user agent under `consentIp`, as in the contact's consent timeline.
 */
import { CONSENT_IP_FIELD, type FieldMask } from '../../auth/field-masking';
import type { ListMembership } from '../../db/models/contact';

/** The CSV columns, in order. */
export const consentExportColumns = [
  'contactId',
  'email',
  'status',
  'subscribedAt',
  'confirmedAt',
  'renewedAt',
  'unsubscribedAt',
  'ip',
  'userAgent',
  'textVersion',
  'textHash',
] as const;

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** Presents one membership with its registration proof; absent values are empty cells. */
export function presentConsentExportRow(
  mask: FieldMask,
  contact: { _id: string; email?: unknown },
  membership: ListMembership,
  proof: { ip?: unknown; userAgent?: unknown; textVersion?: string; textHash?: string } | undefined,
): Record<(typeof consentExportColumns)[number], string> {
  return {
    contactId: contact._id,
    email: mask.show('email', text(contact.email)) ?? '',
    status: membership.status,
    subscribedAt: membership.subscribedAt.toISOString(),
    confirmedAt: membership.confirmedAt?.toISOString() ?? '',
    renewedAt: membership.renewedAt?.toISOString() ?? '',
    unsubscribedAt: membership.unsubscribedAt?.toISOString() ?? '',
    ip: mask.show(CONSENT_IP_FIELD, text(proof?.ip)) ?? '',
    userAgent: mask.show(CONSENT_IP_FIELD, text(proof?.userAgent)) ?? '',
    textVersion: proof?.textVersion ?? '',
    textHash: proof?.textHash ?? '',
  };
}
