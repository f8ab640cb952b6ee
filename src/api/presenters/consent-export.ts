/**
 * One row of a list's consent export (CSV). Personal values pass through field permissions:
 * a caller without view access to `email` (or to `ip`, consent proof) gets them masked.
 */
import { fieldAccess, type Permissions } from '../../auth/principal';
import type { ListMembership } from '../../db/models/contact';

/** The CSV columns, in order. */
export const consentExportColumns = [
  'contactId',
  'email',
  'status',
  'subscribedAt',
  'confirmedAt',
  'renewedAt',
  'ip',
  'userAgent',
  'textVersion',
] as const;

const MASK = '***';
const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** Presents one membership with its registration proof. */
export function presentConsentExportRow(
  permissions: Permissions,
  contact: { _id: string; email: unknown },
  membership: ListMembership,
  proof: { ip?: unknown; userAgent?: unknown; textVersion?: string } | undefined,
): Record<(typeof consentExportColumns)[number], string> {
  const visible = (field: string, value: unknown) =>
    fieldAccess(permissions, field) === 'none' ? MASK : text(value);
  return {
    contactId: contact._id,
    email: visible('email', contact.email),
    status: membership.status,
    subscribedAt: membership.subscribedAt.toISOString(),
    confirmedAt: membership.confirmedAt?.toISOString() ?? '',
    renewedAt: membership.renewedAt?.toISOString() ?? '',
    ip: visible('ip', proof?.ip),
    userAgent: visible('userAgent', proof?.userAgent),
    textVersion: proof?.textVersion ?? '',
  };
}
