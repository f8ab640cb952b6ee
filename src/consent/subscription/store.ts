/**
 * Storing a subscription request, and taking it back when it cannot be stored whole.
 *
 * A pending or active address never gets a second request: a repeat answers with the stored
 * one (repairing its proof record if a failure left it out), an active member gets
 * `active` and nothing new; a subscription that expired or was withdrawn can start afresh.
 * A new address is inserted pending with its fields; a known contact only gets the membership
 * (an unconfirmed request must not change its data). The request carries its deadlines
 * (src/consent/subscription/deadlines.ts) and its confirmation mail is queued in the outbox in
 * the same round trip; the list's double opt-in workflow sends it. If a write fails, what this
 * request wrote is taken back, so nothing is left that no workflow would ever erase.
 */
import { assertNotSuppressed } from '../../rights/suppression';
import type { Binary } from 'mongodb';
import * as consentRecords from '../../db/consent-records';
import { isDuplicateKey } from '../../db/duplicate-key';
import type { PlainDocument } from '../../db/encryption';
import * as memberships from '../../db/memberships';
import { hasDetails, type ListMembership } from '../../db/models/contact';
import type { SubscriptionStatus } from '../../db/models/subscription';
import { outboxIdOf, queueMail } from '../../db/models/double-opt-in-outbox';
import type { TenantScope } from '../../db/tenant-access';
import { rowDetails, type ContactRow } from '../../imports/contact-row';
import { workflowIdOf } from '../../temporal/workflows';
import { resolveDoubleOptIn } from '../double-opt-in-settings';
import { requestDeadlines } from './deadlines';
import { contactIdOf, subscriptionIdFor, type SubscribeList } from './ids';

/** Where a subscription came from. */
export interface SubscribeSource {
  kind: 'form' | 'api' | 'import' | 'automation';
  /** Form id, API key id or import id: opaque. */
  id: string;
  /** Free text the integrator passed (`source`); personal data possibly, stored encrypted. */
  detail?: string;
}

/** A subscription request, validated. */
export interface SubscribeRequest {
  list: SubscribeList;
  /** The validated row: normalised address and fields. */
  row: ContactRow;
  ip?: string;
  userAgent?: string;
  source: SubscribeSource;
}

/** What the caller gets back. */
export interface SubscribeResult {
  subscriptionId: string;
  contactId: string;
  workflowId: string;
  status: 'pending' | 'active';
}

/**
 * A stored subscription; `queued` when a confirmation mail waits in the outbox (the caller
 * then wakes the list's double opt-in workflow), false for an active member.
 */
export interface SubscribeOutcome {
  result: SubscribeResult;
  queued: boolean;
}

/** What storing needs. */
export interface StoreDeps {
  tenant: TenantScope;
  /** Called with the contact id before anything is written (flood limits); may throw. */
  guard?: (contactId: string) => Promise<void>;
  /** The request's time (default: now); the deadlines count from it. */
  now?: Date;
}

/**
 * Stores the subscription (or finds the existing one). The caller then wakes the list's double
 * opt-in workflow (src/consent/subscription/wake.ts; after answering, or at once) when `queued`.
 */
export async function storeSubscription(
  deps: StoreDeps,
  request: SubscribeRequest,
): Promise<SubscribeOutcome> {
  const { tenant } = deps;
  const { Contact, Subscription, Outbox } = tenant.models;
  const listId = request.list._id;
  const { id: contactId, encrypted: email } = await contactIdOf(tenant, request.row.email);
  const subscriptionId = subscriptionIdFor(contactId, listId);
  const wfId = workflowIdOf('doubleOptIn', tenant.tenantId, listId);
  const result = { subscriptionId, contactId, workflowId: wfId };
  const settings = resolveDoubleOptIn(request.list.name, request.list.doubleOptIn);
  const queue = (at: Date, fresh = false) => {
    const { updateOne } = queueMail(subscriptionId, listId, 'confirmation', at, fresh);
    return Outbox.updateOne(updateOne.filter, updateOne.update, { upsert: true });
  };

  /**
   * The answer to a repeat of a stored pending request: the stored one stands, with its proof.
   * If a failure between its writes left its `requested` record or its mail out, they are
   * written now (a mail already sent is not sent again: its key is the stored request's).
   */
  const repeatOf = async (
    stored: consentRecords.StoredRequest & { status: string },
  ): Promise<SubscribeOutcome> => {
    if (stored.status === 'pending')
      await Promise.all([consentRecords.ensureRequested(tenant, stored), queue(new Date())]);
    return { result: { ...result, status: 'pending' }, queued: stored.status === 'pending' };
  };

  // A refused request writes nothing.
  await deps.guard?.(contactId);
  const now = deps.now ?? new Date();
  // An address erased at its owner's request is refused before anything is written; the
  // check runs beside the encryption of what the request would store.
  const [ip, userAgent, detail, fields] = await Promise.all([
    request.ip ? tenant.private(request.ip) : undefined,
    request.userAgent ? tenant.private(request.userAgent) : undefined,
    request.source.detail ? tenant.private(request.source.detail) : undefined,
    encryptFields(tenant, request.row),
    assertNotSuppressed(tenant, request.row.email),
  ]);
  // Most requests are for a new address: inserting it is the lookup (a duplicate key says
  // the address is known), one round trip instead of a read and a write.
  const inserted = await insertPendingContact(tenant, { contactId, listId, email, fields, now });
  /** A known contact's membership before this request set it pending (null: none). */
  let previousMembership: ListMembership | null | undefined;
  if (!inserted) {
    const existing = await Contact.findById(contactId, { lists: 1 }).lean();
    const membership = existing?.lists?.[listId];
    if (membership?.status === 'active')
      return { result: { ...result, status: 'active' }, queued: false };
    const stored =
      membership?.status === 'pending'
        ? await Subscription.findOne({ _id: subscriptionId, status: { $in: live } }).lean()
        : null;
    // Pending already: the earlier request is the one, with its proof.
    if (stored) return repeatOf(stored);
    // A known contact only gets the membership: an unconfirmed request must not change its
    // data.
    // Pending for a request whose erasure runs: this request takes the membership over, so
    // that the erasure (bounded by its mark's time) leaves it.
    if (membership?.status === 'pending')
      await memberships.restartPending(tenant, { contactId, listId }, membership.subscribedAt, now);
    else await memberships.setPending(tenant, { contactId, listId }, now);
    previousMembership = membership ?? null;
  }

  const source = {
    kind: request.source.kind,
    id: request.source.id,
    ...(detail ? { detail } : {}),
  };
  const member = { contactId, listId };
  /** Undoes this request's writes: the ones named, and the membership it set. */
  const takeBack = async (wrote: { subscription: boolean; record: boolean }) => {
    if (wrote.subscription) {
      await Subscription.deleteOne({ _id: subscriptionId, status: 'pending', requestedAt: now });
      await Outbox.deleteOne({ _id: outboxIdOf(subscriptionId, 'confirmation') });
    }
    if (wrote.record) await consentRecords.takeBackRequested(tenant, subscriptionId, now);
    if (inserted) {
      // The contact goes unless a simultaneous request gave it another list meanwhile.
      await memberships.restore(tenant, member, now, null);
      await memberships.eraseUnlisted(tenant, contactId, now);
    } else if (previousMembership !== undefined) {
      await memberships.restore(tenant, member, now, previousMembership);
    }
  };
  const deadlines = requestDeadlines(settings, now);
  // The subscription and its `requested` proof are independent writes, side by side; the mail
  // is queued once the subscription is stored, so that a drain reading the entry finds the
  // request it names (an entry without its request is dropped as done).
  const storing = (async () => {
    try {
      await Subscription.updateOne(
        // A request being confirmed or still pending is never replaced.
        { _id: subscriptionId, status: { $nin: live } },
        {
          $set: {
            contactId,
            listId,
            status: 'pending',
            workflowId: wfId,
            requestedAt: now,
            ...deadlines,
            ...(ip ? { ip } : {}),
            ...(userAgent ? { userAgent } : {}),
            source,
            textVersion: settings.textVersion,
            textHash: settings.textHash,
          },
          $unset: {
            confirmedAt: 1,
            confirmation: 1,
            ...(ip ? {} : { ip: 1 }),
            ...(userAgent ? {} : { userAgent: 1 }),
          },
        },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return false;
    }
  })();
  const [subscriptionWrite, recordWrite, mailWrite] = await Promise.allSettled([
    storing,
    // false when a repeat's repair wrote it meanwhile: the same record
    consentRecords.recordRequested(tenant, {
      ...member,
      subscriptionId,
      at: now,
      ip,
      userAgent,
      source,
      textVersion: settings.textVersion,
      textHash: settings.textHash,
    }),
    storing.then(async (stored) => {
      if (stored) await queue(now, true);
    }),
  ]);
  if (
    subscriptionWrite.status === 'rejected' ||
    recordWrite.status === 'rejected' ||
    mailWrite.status === 'rejected'
  ) {
    // The caller gets an error, not an answer: what this request wrote is taken back (best
    // effort), so nothing is left that no workflow would ever erase.
    await takeBack({
      subscription: subscriptionWrite.status === 'fulfilled' && subscriptionWrite.value,
      record: recordWrite.status === 'fulfilled' && recordWrite.value,
    }).catch(() => undefined);
    throw [subscriptionWrite, recordWrite, mailWrite].find(
      (w): w is PromiseRejectedResult => w.status === 'rejected',
    )!.reason;
  }
  if (!subscriptionWrite.value) {
    // A concurrent request stored the same pending subscription first: it is the one, and
    // this one's proof record is taken back.
    await consentRecords.takeBackRequested(tenant, subscriptionId, now);
    const stored = await Subscription.findOne({
      _id: subscriptionId,
      status: { $in: live },
    }).lean();
    if (stored) return repeatOf(stored);
  }
  return { result: { ...result, status: 'pending' }, queued: true };
}

/** The statuses of a request still in its double opt-in: a repeat of the address is the same. */
const live: SubscriptionStatus[] = ['pending', 'confirming'];

/**
 * Inserts a new contact, pending on the list, with its fields; false when the address is
 * already a contact (nothing written).
 */
async function insertPendingContact(
  tenant: TenantScope,
  c: {
    contactId: string;
    listId: string;
    email: Binary;
    fields: Record<string, unknown>;
    now: Date;
  },
): Promise<boolean> {
  try {
    await tenant.models.Contact.create({
      _id: c.contactId,
      email: c.email,
      ...c.fields,
      lists: memberships.soleMembership(c.listId, memberships.pendingMembership(c.now)),
      createdAt: c.now,
      updatedAt: c.now,
    });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return false;
  }
}

/**
 * The row's personal fields, encrypted: phone searchable, names and custom fields together
 * as the contact's one random `details` value (src/db/models/contact.ts).
 */
async function encryptFields(
  tenant: TenantScope,
  row: ContactRow,
): Promise<Record<string, unknown>> {
  const details = rowDetails(row);
  const [phone, sealed] = await Promise.all([
    row.phone ? tenant.searchable(row.phone) : undefined,
    hasDetails(details) ? tenant.private(details as PlainDocument) : undefined,
  ]);
  return { ...(phone ? { phone } : {}), ...(sealed ? { details: sealed } : {}) };
}
