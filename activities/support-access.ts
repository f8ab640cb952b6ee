/**
 * The steps of a support-access request: tell the tenant's admins, open the grant on
 * approval, end it (denied, revoked, expired) with every key minted under it. Each is
 * idempotent and logged in the tenant's access log.
 */
import { randomBytes } from 'node:crypto';
import type { AccessEvent } from '../src/db/models/access-log';
import type { SupportGrantStatus } from '../src/db/models/support-grant';
import type { TenantAccess } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import { findTenantAdmins } from '../src/tenants/tenant-admins';

/** What the steps need. */
export interface SupportAccessActivityDeps {
  tenants: TenantAccess;
  mailer: Mailer;
}

/** A request's reference. */
interface GrantRef {
  tenantId: string;
  grantId: string;
}

/** Creates the support-access activities. */
export function createSupportAccessActivities({ tenants, mailer }: SupportAccessActivityDeps) {
  const { SupportGrant, ApiKey, AccessLog } = tenants.control;
  const log = (ref: GrantRef, event: AccessEvent, by?: string) =>
    AccessLog.create({
      _id: `a${randomBytes(10).toString('hex')}`,
      tenantId: ref.tenantId,
      at: new Date(),
      event,
      actor: by ? { kind: 'user', id: by } : { kind: 'platform', id: 'platform' },
      details: { grantId: ref.grantId },
    });

  return {
    /** Logs the request and mails it to the tenant's admins, once each. */
    async announceSupportRequest(ref: GrantRef): Promise<void> {
      const grant = await SupportGrant.findById(ref.grantId).lean();
      if (!grant) return;
      const logged = await tenants.control.AccessLog.exists({
        tenantId: ref.tenantId,
        event: 'support_access.requested',
        'details.grantId': ref.grantId,
      });
      if (!logged) await log(ref, 'support_access.requested');
      const admins = await findTenantAdmins(tenants.control, ref.tenantId);
      const outcomes = await mailer.sendStaffNotices(
        ref.tenantId,
        admins.map((admin) => ({
          sendKey: `support-access:${ref.grantId}:${admin.userId}`,
          to: admin.email,
          subject: 'Consentflow support asks for access to your data',
          text: [
            `${grant.requestedBy} of Consentflow support asks to see your account's personal data for ${grant.hours} hours (${grant.scopes.join(', ')}).`,
            `Reason: ${grant.reason}`,
            `Nobody at Consentflow sees your contacts' data unless you approve. Approve or deny request ${grant._id} in the console, or with POST /api/v1/support-access/${grant._id}/approve or /deny. An approved grant ends by itself after ${grant.hours} hours, and you can revoke it sooner; every request made under it is in your access log.`,
            'The request expires in 7 days if nobody decides.',
          ].join('\n\n'),
        })),
      );
      if (outcomes.includes('failed')) throw new Error('the relay refused a support-access notice');
    },

    /** Opens the grant until `until` (ISO), as approved by `by`. */
    async openSupportGrant(ref: GrantRef & { by: string; until: string }): Promise<void> {
      const { modifiedCount } = await SupportGrant.updateOne(
        { _id: ref.grantId, status: 'pending' },
        {
          $set: {
            status: 'approved',
            decidedBy: ref.by,
            decidedAt: new Date(),
            approvedUntil: new Date(ref.until),
          },
        },
      );
      if (modifiedCount === 1) await log(ref, 'support_access.approved', ref.by);
    },

    /** Ends the request or grant; every key minted under it stops working now. */
    async closeSupportGrant(
      ref: GrantRef & {
        outcome: Extract<SupportGrantStatus, 'denied' | 'revoked' | 'expired'>;
        by?: string;
      },
    ): Promise<void> {
      const now = new Date();
      const { modifiedCount } = await SupportGrant.updateOne(
        { _id: ref.grantId, status: { $in: ['pending', 'approved'] } },
        {
          $set: {
            status: ref.outcome,
            endedAt: now,
            ...(ref.by ? { decidedBy: ref.by, decidedAt: now } : {}),
          },
        },
      );
      // Other processes trust a cached key for up to 5 s (src/auth/api-key-cache.ts).
      await ApiKey.updateMany(
        { grantId: ref.grantId, expiresAt: { $gt: now } },
        { $set: { expiresAt: now } },
      );
      if (modifiedCount === 1) await log(ref, `support_access.${ref.outcome}`, ref.by);
    },
  };
}
