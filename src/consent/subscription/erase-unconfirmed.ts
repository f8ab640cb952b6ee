/**
 * Data minimisation for a request never confirmed: the contact (or, if it belongs to other
 * lists, its membership of this one), the request, its consent records, its queued mail and
 * its send records go; a trace with the list, the times and the source kind stays. Run by the
 * list's double opt-in workflow at the deadline, and by the confirmation page for a request
 * withdrawn from its own mail. Idempotent: a retry finishes what an interrupted run began.
 */
import { createHash } from 'node:crypto';
import * as consentRecords from '../../db/consent-records';
import * as memberships from '../../db/memberships';
import { outboxIdOf } from '../../db/models/double-opt-in-outbox';
import type { TenantScope } from '../../db/tenant-access';
import { sendKeyOf, sendKeyPrefix } from './mail';

/** The request to erase. */
export interface UnconfirmedRef {
  subscriptionId: string;
  contactId: string;
  listId: string;
}

/**
 * Erases the request unless it was confirmed or is being confirmed; whether it did. With
 * `dueBy` (the workflow's time), only a request whose deadline had come by then: one asked
 * again meanwhile has a new deadline.
 */
export async function eraseUnconfirmed(
  tenant: TenantScope,
  ref: UnconfirmedRef,
  options: { dueBy?: Date } = {},
): Promise<boolean> {
  const { Contact, Subscription, ConsentTrace, Outbox, Send } = tenant.models;
  const subscription = await Subscription.findById(ref.subscriptionId, {
    status: 1,
    requestedAt: 1,
    erasingSince: 1,
    dueAt: 1,
    'source.kind': 1,
  }).lean();
  if (subscription && subscription.status !== 'pending' && subscription.status !== 'erasing')
    return false; // confirmed, or being confirmed, meanwhile
  if (
    subscription?.status === 'pending' &&
    options.dueBy &&
    !(subscription.dueAt && subscription.dueAt <= options.dueBy)
  )
    return false; // asked again meanwhile: a new request with its own deadline
  // Marked first: a repeat of the address arriving meanwhile is then a new request (it
  // replaces the mark) instead of a repeat of this one, and what this erasure deletes is
  // bounded by the mark's time.
  // Not before the workflow's time either (a skipped clock in tests runs ahead of this one).
  const erasingSince =
    subscription?.erasingSince ?? new Date(Math.max(Date.now(), options.dueBy?.getTime() ?? 0));
  if (subscription?.status === 'pending') {
    const marked = await Subscription.updateOne(
      { _id: ref.subscriptionId, status: 'pending', requestedAt: subscription.requestedAt },
      { $set: { status: 'erasing', erasingSince } },
    );
    if (marked.matchedCount === 0) return false; // confirmed or asked again just now
  }
  const contact = await Contact.findById(ref.contactId, { lists: 1 }).lean();
  // Pending, or unsubscribed from the confirmation mail itself: never confirmed either way.
  // Only a membership made by the mark: a new request of the address arriving meanwhile
  // (which replaced the mark) keeps its contact, its mail and its send records.
  if (contact && Object.keys(contact.lists ?? {}).every((id) => id === ref.listId)) {
    await memberships.erase(tenant, ref, 'unconfirmed', erasingSince);
  } else if (contact) {
    await memberships.removeUnconfirmed(tenant, ref, erasingSince);
  }
  // This request's records (requested, and a withdrawal from its mail); proof of an
  // earlier, confirmed period of the same address stays.
  await consentRecords.deleteRequestRecords(tenant, ref, {
    subscriptionId: ref.subscriptionId,
    requestedAt: subscription?.requestedAt,
    until: erasingSince,
  });
  // One trace per request, whatever the retries: its id hashes the request and its time.
  const traceKey = `${ref.subscriptionId}:${subscription?.requestedAt?.getTime() ?? 'gone'}`;
  const traceId = `t${createHash('sha256').update(traceKey).digest('hex').slice(0, 24)}`;
  await ConsentTrace.updateOne(
    { _id: traceId },
    {
      $setOnInsert: {
        listId: ref.listId,
        outcome: 'unconfirmed-erased',
        ...(subscription?.source ? { sourceKind: subscription.source.kind } : {}),
        ...(subscription?.requestedAt ? { startedAt: subscription.requestedAt } : {}),
        at: new Date(),
      },
    },
    { upsert: true },
  );
  // The queued mail and the send records name the request, whose id derives from the
  // contact: gone too.
  const requestedAt = subscription?.requestedAt;
  await Promise.all([
    Outbox.deleteMany({
      _id: {
        $in: [
          outboxIdOf(ref.subscriptionId, 'confirmation'),
          outboxIdOf(ref.subscriptionId, 'reminder'),
        ],
      },
      queuedAt: { $lte: erasingSince },
    }),
    Send.deleteMany(
      requestedAt
        ? {
            _id: {
              $in: [
                sendKeyOf(ref.subscriptionId, requestedAt, 'confirmation'),
                sendKeyOf(ref.subscriptionId, requestedAt, 'reminder'),
              ],
            },
          }
        : { _id: { $regex: `^${sendKeyPrefix(ref.subscriptionId)}` } },
    ),
  ]);
  await Subscription.deleteOne({ _id: ref.subscriptionId, status: 'erasing' });
  return true;
}
