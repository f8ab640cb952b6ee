/**
 * Consent renewal steps: the daily sweep of a list (start a renewal cycle for every member
 * entering the renewal window), the reminder mail with its renewal link, the renewal itself,
 * and the list's action when consent lapses.
 */
import { createHash } from 'node:crypto';
import { applyLapse } from '../src/consent/lapse';
import type { RecipientLinks } from '../src/consent/recipient-links';
import { recordRenewed } from '../src/db/consent-records';
import * as memberships from '../src/db/memberships';
import type { ListMembership } from '../src/db/models/contact';
import type { TenantAccess } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { WebhookEmitDeps } from '../src/webhooks/emit';
import type {
  ConsentPolicy,
  ConsentRenewalInput,
  LinkUse,
  ListRef,
} from '../workflows/definitions';
import { runKey } from './run-key';
import { sendMemberActionMail, sweepActiveMembers } from './member-sweep';

const DAY = 86_400_000;

/** What the renewal activities need. */
export interface ConsentRenewalDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  /** Starts the renewal cycles. */
  workflows: WorkflowGateway;
  /** Tells the tenant's webhooks of a lapse. */
  webhooks: WebhookEmitDeps;
}

/** When a membership's consent lapses under a policy (counted from the last renewal or confirmation). */
export function consentExpiry(m: ListMembership, policy: ConsentPolicy): Date {
  const base = m.renewedAt ?? m.confirmedAt ?? m.subscribedAt;
  return new Date(base.getTime() + policy.validityDays * DAY);
}

/** The id of one renewal cycle: opaque, the same for the same contact, list and expiry. */
export const renewalCycleRef = (contactId: string, listId: string, expiresAt: Date) =>
  `r${createHash('sha256').update(`${contactId}:${listId}:${expiresAt.toISOString()}`).digest('hex').slice(0, 24)}`;

/** Creates the renewal activities. */
export function createConsentRenewalActivities({
  tenants,
  mailer,
  links,
  workflows,
  webhooks,
}: ConsentRenewalDeps) {
  return {
    /**
     * Starts a renewal cycle for each active member whose consent lapses within the longest
     * reminder offset. Pages by contact id and heartbeats the last one done, so a retry
     * resumes there; a cycle already started (same id) is not started again. A member whose
     * consent lapsed before the policy existed gets a full cycle from now, never a lapse
     * without reminders.
     */
    async startDueRenewals(ref: ListRef): Promise<{ started: number }> {
      const tenant = await tenants.forTenant(ref.tenantId);
      const list = await tenant.models.List.findById(ref.listId, { consentPolicy: 1 }).lean();
      const policy = list?.consentPolicy as ConsentPolicy | undefined;
      if (!policy) return { started: 0 };
      const lead = Math.max(0, ...policy.reminderDaysBefore) * DAY;
      const now = Date.now();
      let started = 0;
      await sweepActiveMembers(tenant, ref.listId, { lists: 1 }, async (contact) => {
        const membership = contact.lists[ref.listId]!;
        const lapses = consentExpiry(membership, policy).getTime();
        if (lapses - lead > now) return; // not in the window yet
        const expiresAt = new Date(Math.max(lapses, now + lead));
        const cycle = renewalCycleRef(contact._id, ref.listId, new Date(lapses));
        const input: ConsentRenewalInput = {
          ...ref,
          contactId: contact._id,
          expiresAt: expiresAt.toISOString(),
          policy: {
            validityDays: policy.validityDays,
            reminderDaysBefore: [...policy.reminderDaysBefore],
            onExpiry: policy.onExpiry,
          },
        };
        // The cycle's id is derived from it, so a rerun sweep (or a retried page) never
        // starts a second one.
        const isNew = await workflows.startOnce('consentRenewal', input, { opaqueId: cycle });
        if (isNew) started += 1;
      });
      return { started };
    },

    /** Sends the reminder due `daysBefore` the lapse, with the renewal link; skipped for a non-member. */
    async sendRenewalReminder(
      input: ConsentRenewalInput & { daysBefore: number },
    ): Promise<'sent' | 'already-sent' | 'skipped'> {
      const until = input.expiresAt.slice(0, 10);
      return sendMemberActionMail({ tenants, mailer, links }, input, 'renew', (listName, link) => ({
        step: `reminder-${input.daysBefore}`,
        subject: `Do you still want to receive "${listName}"?`,
        text: `Hello,\n\nyour consent to receive "${listName}" ends on ${until}. To keep receiving it, open this link:\n\n${link}\n\nWithout renewal we stop sending on that day.`,
      }));
    },

    /** Records the renewal: the consent period starts again from the click. */
    async renewConsent(input: ConsentRenewalInput & { renewal: LinkUse }): Promise<void> {
      const tenant = await tenants.forTenant(input.tenantId);
      await memberships.renew(tenant, input, new Date(input.renewal.at));
      // Once per run: a retry after an attempt that recorded it writes nothing.
      await recordRenewed(tenant, input, { key: runKey(), use: input.renewal, via: 'renewal' });
    },

    /** Applies the policy's action to a member whose consent lapsed. */
    async applyConsentExpiry(input: ConsentRenewalInput): Promise<boolean> {
      const tenant = await tenants.forTenant(input.tenantId);
      return applyLapse(
        tenant,
        {
          ...input,
          action: input.policy.onExpiry,
          reason: 'expired',
          key: runKey(),
        },
        { webhooks },
      );
    },
  };
}
