/**
 * Double opt-in steps: send the confirmation (or its reminder), activate a confirmed
 * subscription with its consent proof, or erase an unconfirmed one leaving only a trace
 * without personal data. Each is idempotent, keyed by the workflow run and step.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { confirmationMail } from '../src/consent/double-opt-in-settings';
import type { RecipientLinks } from '../src/consent/recipient-links';
import * as consentRecords from '../src/db/consent-records';
import * as memberships from '../src/db/memberships';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { DoubleOptInInput, LinkUse, RequestProof } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the double opt-in activities need. */
export interface DoubleOptInDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
}

/** `<workflowId>/<runId>`: the key of this run's idempotent steps. */
export function runKey(): string {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution)
    throw ApplicationFailure.nonRetryable(
      'runs only as a workflow activity',
      activityFailures.notInWorkflow,
    );
  return `${workflowExecution.workflowId}/${workflowExecution.runId}`;
}

/** The proof fields of a stored request (workflows started without them in their input). */
async function storedProof(tenant: TenantScope, subscriptionId: string): Promise<RequestProof> {
  // Not the encrypted fields: nothing to decrypt.
  const subscription = await tenant.models.Subscription.findById(subscriptionId, {
    'source.kind': 1,
    'source.id': 1,
    textVersion: 1,
    textHash: 1,
  }).lean();
  if (!subscription)
    throw ApplicationFailure.nonRetryable(
      `subscription ${subscriptionId} missing`,
      activityFailures.subscriptionMissing,
    );
  return {
    sourceKind: subscription.source.kind,
    sourceId: subscription.source.id,
    textVersion: subscription.textVersion,
    textHash: subscription.textHash,
  };
}

/** Creates the double opt-in activities. */
export function createDoubleOptInActivities({ tenants, mailer, links }: DoubleOptInDeps) {
  return {
    /** Sends the confirmation mail, or its reminder; skipped once the request is gone. */
    async sendConfirmation(
      input: DoubleOptInInput & { step: 'confirmation' | 'reminder'; expiresAt: string },
    ): Promise<'sent' | 'already-sent' | 'skipped'> {
      const tenant = await tenants.forTenant(input.tenantId);
      const { Contact, List, Subscription } = tenant.models;
      const [contact, list, pending] = await Promise.all([
        Contact.findById(input.contactId, { email: 1 }).lean(),
        List.findById(input.listId).lean(),
        // The first step also tells the sweep that this request's workflow runs, in the same
        // round trip as the status check it replaces (a match means pending).
        input.step === 'confirmation'
          ? Subscription.updateOne(
              { _id: input.subscriptionId, status: 'pending' },
              { $unset: { startPendingSince: 1 } },
            ).then((r) => r.matchedCount === 1)
          : Subscription.exists({ _id: input.subscriptionId, status: 'pending' }).then(Boolean),
      ]);
      if (!contact || !list || !pending) return 'skipped';
      if (typeof contact.email !== 'string') return 'skipped'; // key gone: nothing to send to
      const link = await links.action(
        {
          tenantId: input.tenantId,
          purpose: 'confirm',
          contactId: input.contactId,
          listId: input.listId,
          ref: input.subscriptionId,
        },
        new Date(input.expiresAt),
      );
      const mail = confirmationMail(list.name, list.doubleOptIn, link, input.step === 'reminder');
      return mailer.sendOnce({
        tenantId: input.tenantId,
        sendKey: `${runKey()}:${input.step}`,
        to: contact.email,
        ...mail,
        listId: input.listId,
        unsubscribeUrl: await links.unsubscribe(input.tenantId, input.contactId, input.listId),
        profileUrl: await links.profile(input.tenantId, input.contactId),
      });
    },

    /**
     * Activates the membership and appends the consent proof of the confirmation; `withdrawn`
     * when the request was unsubscribed (or erased) before the click, which then confirms
     * nothing.
     */
    async activateSubscription(
      input: DoubleOptInInput & { confirmation: LinkUse },
    ): Promise<'activated' | 'withdrawn'> {
      const tenant = await tenants.forTenant(input.tenantId);
      const { Contact, Subscription } = tenant.models;
      const at = new Date(input.confirmation.at);
      const proof = input.proof ?? (await storedProof(tenant, input.subscriptionId));
      const { matched } = await memberships.activate(tenant, input, at);
      if (!matched) {
        // Not pending: activated by an earlier attempt (go on and finish its record), or
        // unsubscribed before the click (then the click confirms nothing).
        const now = await Contact.findById(input.contactId, { lists: 1 }).lean();
        if (now?.lists?.[input.listId]?.status !== 'active') return 'withdrawn';
      }
      // Once per run: a retry after an attempt that appended it writes nothing.
      await consentRecords.recordConfirmed(tenant, {
        ...input,
        key: runKey(),
        use: input.confirmation,
        proof,
      });
      await Subscription.updateOne(
        { _id: input.subscriptionId, status: 'pending' },
        { $set: { status: 'confirmed', confirmedAt: at } },
      );
      return 'activated';
    },

    /**
     * Data minimisation for a request never confirmed: the contact (or, if it belongs to other
     * lists, its membership of this one), the request and its consent records go; a trace with
     * the list, the times and the source kind stays.
     */
    async eraseUnconfirmed(input: DoubleOptInInput): Promise<void> {
      const tenant = await tenants.forTenant(input.tenantId);
      const { Contact, Subscription, ConsentTrace } = tenant.models;
      const subscription = await Subscription.findById(input.subscriptionId, {
        status: 1,
        requestedAt: 1,
        erasingSince: 1,
        'source.kind': 1,
      }).lean();
      if (subscription?.status === 'confirmed') return; // confirmed meanwhile
      // Marked first: a repeat of the address arriving meanwhile is then a new request (it
      // replaces the mark) instead of a repeat of this one, and what this erasure deletes is
      // bounded by the mark's time.
      const erasingSince = subscription?.erasingSince ?? new Date();
      if (subscription?.status === 'pending')
        await Subscription.updateOne(
          { _id: input.subscriptionId, status: 'pending' },
          { $set: { status: 'erasing', erasingSince } },
        );
      const contact = await Contact.findById(input.contactId, { lists: 1 }).lean();
      // Pending, or unsubscribed from the confirmation mail itself: never confirmed either way.
      if (contact && Object.keys(contact.lists ?? {}).every((id) => id === input.listId)) {
        await memberships.erase(tenant, input, 'unconfirmed');
      } else if (contact) {
        await memberships.removeUnconfirmed(tenant, input);
      }
      // This request's records (requested, and a withdrawal from its mail); proof of an
      // earlier, confirmed period of the same address stays.
      await consentRecords.deleteRequestRecords(tenant, input, {
        subscriptionId: input.subscriptionId,
        requestedAt: subscription?.requestedAt,
        until: erasingSince,
      });
      const traceId = `t${createHash('sha256').update(runKey()).digest('hex').slice(0, 24)}`;
      await ConsentTrace.updateOne(
        { _id: traceId },
        {
          $setOnInsert: {
            listId: input.listId,
            outcome: 'unconfirmed-erased',
            ...(subscription?.source ? { sourceKind: subscription.source.kind } : {}),
            ...(subscription?.requestedAt ? { startedAt: subscription.requestedAt } : {}),
            at: new Date(),
          },
        },
        { upsert: true },
      );
      await Subscription.deleteOne({ _id: input.subscriptionId, status: 'erasing' });
      // The send records name the workflow, whose id derives from the contact: gone too.
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      await tenant.models.Send.deleteMany({ _id: { $regex: `^${workflowId}/` } });
    },
  };
}
