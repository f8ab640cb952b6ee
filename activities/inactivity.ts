/**
 * Inactive pruning: the sweep of a list (members with no open, click or profile visit for
 * the policy's threshold), the optional re-permission mail with its keep-me link, keeping a
 * member who clicked it, and pruning one who did not.
 */
import { createHash } from 'node:crypto';
import { applyLapse } from '../src/consent/lapse';
import type { RecipientLinks } from '../src/consent/recipient-links';
import { recordRenewed } from '../src/db/consent-records';
import type { ContactDocument } from '../src/db/models/contact';
import type { TenantAccess } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { WebhookEmitDeps } from '../src/webhooks/emit';
import type {
  InactivityPolicy,
  LinkUse,
  ListRef,
  RePermissionInput,
} from '../workflows/definitions';
import { runKey } from './run-key';
import { sendMemberActionMail, sweepActiveMembers } from './member-sweep';

const DAY = 86_400_000;

/** What the inactivity activities need. */
export interface InactivityDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  /** Starts the re-permission requests. */
  workflows: WorkflowGateway;
  /** Tells the tenant's webhooks of a member pruned. */
  webhooks: WebhookEmitDeps;
}

/** A member's last sign of life on a list: activity, else renewal, confirmation or subscription. */
export function lastSignOfLife(
  contact: Pick<ContactDocument, 'lastActivityAt' | 'lists'>,
  listId: string,
): Date {
  const m = contact.lists[listId]!;
  const dates = [contact.lastActivityAt, m.renewedAt, m.confirmedAt, m.subscribedAt].filter(
    (d): d is Date => d instanceof Date,
  );
  return new Date(Math.max(...dates.map((d) => d.getTime())));
}

/** Counts of one sweep. */
export interface InactivitySweepResult {
  pruned: number;
  asked: number;
}

/** Creates the inactivity activities. */
export function createInactivityActivities({
  tenants,
  mailer,
  links,
  workflows,
  webhooks,
}: InactivityDeps) {
  return {
    /**
     * Pages through a list's active members; each inactive past the threshold is asked for
     * re-permission (a workflow per member) or pruned at once, per the current policy. Heartbeats
     * the last contact id of each page, so a retry resumes after it.
     */
    async sweepInactive(ref: ListRef): Promise<InactivitySweepResult> {
      const tenant = await tenants.forTenant(ref.tenantId);
      const list = await tenant.models.List.findById(ref.listId, { inactivityPolicy: 1 }).lean();
      const policy = list?.inactivityPolicy as InactivityPolicy | undefined;
      const result = { pruned: 0, asked: 0 };
      if (!policy) return result;
      const threshold = Date.now() - policy.thresholdDays * DAY;
      await sweepActiveMembers(
        tenant,
        ref.listId,
        { lists: 1, lastActivityAt: 1 },
        async (contact) => {
          const last = lastSignOfLife(contact, ref.listId);
          if (last.getTime() > threshold) return;
          // The same inactivity episode always has the same key: a rerun asks or prunes once.
          const episode = `p${createHash('sha256').update(`${contact._id}:${ref.listId}:${last.toISOString()}`).digest('hex').slice(0, 24)}`;
          if (!policy.rePermission) {
            if (
              await applyLapse(
                tenant,
                {
                  contactId: contact._id,
                  listId: ref.listId,
                  action: policy.action,
                  reason: 'inactive',
                  key: `inactivity/${episode}`,
                },
                { webhooks },
              )
            )
              result.pruned += 1;
            return;
          }
          const input: RePermissionInput = { ...ref, contactId: contact._id, policy };
          const isNew = await workflows.startOnce('rePermission', input, { opaqueId: episode });
          if (isNew) result.asked += 1;
        },
      );
      return result;
    },

    /** Asks an inactive member whether to stay, with a keep-me link valid until `expiresAt`. */
    async sendRePermission(
      input: RePermissionInput & { expiresAt: string },
    ): Promise<'sent' | 'already-sent' | 'skipped'> {
      return sendMemberActionMail({ tenants, mailer, links }, input, 'keep', (listName, link) => ({
        step: 're-permission',
        subject: `Do you want to keep receiving "${listName}"?`,
        text: `Hello,\n\nwe have not heard from you for a while. To keep receiving "${listName}", open this link by ${input.expiresAt.slice(0, 10)}:\n\n${link}\n\nOtherwise we stop sending to you.`,
      }));
    },

    /** The member clicked: active again, and the renewed permission is on the record. */
    async keepMember(input: RePermissionInput & { use: LinkUse }): Promise<void> {
      const tenant = await tenants.forTenant(input.tenantId);
      const at = new Date(input.use.at);
      await tenant.models.Contact.updateOne(
        { _id: input.contactId },
        { $set: { lastActivityAt: at, updatedAt: new Date() } },
      );
      await recordRenewed(tenant, input, { key: runKey(), use: input.use, via: 're-permission' });
    },

    /** No answer: the policy's action. */
    async pruneInactive(input: RePermissionInput): Promise<boolean> {
      const tenant = await tenants.forTenant(input.tenantId);
      return applyLapse(
        tenant,
        {
          ...input,
          action: input.policy.action,
          reason: 'inactive',
          key: runKey(),
        },
        { webhooks },
      );
    },
  };
}
