/**
 * Double opt-in steps: send the confirmation (or its reminder), activate a confirmed
 * subscription with its consent proof, or erase an unconfirmed one leaving only a trace
 * without personal data. Each is idempotent, keyed by the workflow run and step.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { confirmationMail } from '../src/consent/double-opt-in-settings';
import type { RecipientLinks } from '../src/consent/recipient-links';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { DoubleOptInInput, LinkUse, RequestProof } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';
import { isDuplicateKey } from '../src/db/duplicate-key';

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

/** Encrypts what a link use recorded (IP, user agent) under the tenant's key. */
export async function encryptLinkUse(tenant: TenantScope, use: LinkUse) {
  return {
    ...(use.ip ? { ip: await tenant.private(use.ip) } : {}),
    ...(use.userAgent ? { userAgent: await tenant.private(use.userAgent) } : {}),
  };
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
      const { Contact, Subscription, ConsentRecord } = tenant.models;
      const at = new Date(input.confirmation.at);
      const proof = input.proof ?? (await storedProof(tenant, input.subscriptionId));
      const { matchedCount } = await Contact.updateOne(
        { _id: input.contactId, [`lists.${input.listId}.status`]: 'pending' },
        {
          $set: {
            [`lists.${input.listId}.status`]: 'active',
            [`lists.${input.listId}.confirmedAt`]: at,
            lastActivityAt: at,
            updatedAt: new Date(),
          },
        },
      );
      if (matchedCount === 0) {
        // Not pending: activated by an earlier attempt (go on and finish its record), or
        // unsubscribed before the click (then the click confirms nothing).
        const now = await Contact.findById(input.contactId, { lists: 1 }).lean();
        if (now?.lists?.[input.listId]?.status !== 'active') return 'withdrawn';
      }
      try {
        // The request's own record keeps what only it knows (its IP, user agent and the
        // integrator's free-text source); this one names the source by its opaque id.
        await ConsentRecord.create({
          _id: `${input.subscriptionId}:confirmed:${runKey()}`,
          contactId: input.contactId,
          listId: input.listId,
          action: 'confirmed',
          at,
          ...(await encryptLinkUse(tenant, input.confirmation)),
          source: { kind: proof.sourceKind, id: proof.sourceId },
          textVersion: proof.textVersion,
          textHash: proof.textHash,
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // appended by an earlier attempt
      }
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
      const { Contact, Subscription, ConsentRecord, ConsentTrace } = tenant.models;
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
      const unconfirmedHere = {
        _id: input.contactId,
        [`lists.${input.listId}.status`]: { $in: ['pending', 'unsubscribed'] },
        [`lists.${input.listId}.confirmedAt`]: { $exists: false },
      };
      if (contact && Object.keys(contact.lists ?? {}).every((id) => id === input.listId)) {
        await Contact.deleteOne(unconfirmedHere);
      } else if (contact) {
        await Contact.updateOne(unconfirmedHere, { $unset: { [`lists.${input.listId}`]: 1 } });
      }
      // This request's records (requested, and a withdrawal from its mail); proof of an
      // earlier, confirmed period of the same address stays.
      await ConsentRecord.deleteMany({
        contactId: input.contactId,
        listId: input.listId,
        ...(subscription?.requestedAt
          ? { at: { $gte: subscription.requestedAt, $lte: erasingSince } }
          : { _id: { $regex: `^${input.subscriptionId}:requested:` } }),
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
