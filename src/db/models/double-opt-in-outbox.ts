/**
 * The double opt-in's mail outbox: one entry per confirmation mail or reminder still to send,
 * written beside the request (or by the deadline round for a reminder) and deleted once the
 * relay took the message. The list's double opt-in workflow drains it in batches. It holds
 * only what is in flight, so a poll reads a handful of documents whatever the size of the
 * subscriptions collection. An entry names its request and nothing else: the request (status,
 * time, deadline) and the address are read when the mail is built, so a duplicate entry (two
 * simultaneous requests of one address) sends nothing twice, the mail's idempotency key being
 * the request's.
 */
import { Schema, type Connection } from 'mongoose';

/** An outbox entry; `_id` is `<subscriptionId>:<step>`. */
export interface OutboxDocument {
  _id: string;
  subscriptionId: string;
  listId: string;
  step: 'confirmation' | 'reminder';
  queuedAt: Date;
}

const outboxSchema = new Schema<OutboxDocument>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    listId: { type: String, required: true },
    step: { type: String, enum: ['confirmation', 'reminder'], required: true },
    queuedAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

outboxSchema.index({ listId: 1, queuedAt: 1 });

/** The outbox model on a tenant database. */
export const outboxModel = (tenantDb: Connection) =>
  tenantDb.model('DoubleOptInOutbox', outboxSchema, 'double_opt_in_outbox');

/** The entry id of a request's mail. */
export const outboxIdOf = (subscriptionId: string, step: OutboxDocument['step']) =>
  `${subscriptionId}:${step}`;

/**
 * The write that queues a request's mail. A repeat of the same request changes nothing; a new
 * request (`fresh`) dates the entry anew, so that the erasure of an earlier request of the
 * address, which deletes only entries queued by its mark, leaves it.
 */
export const queueMail = (
  subscriptionId: string,
  listId: string,
  step: OutboxDocument['step'],
  at: Date,
  fresh = false,
) => ({
  updateOne: {
    filter: { _id: outboxIdOf(subscriptionId, step) },
    update: fresh
      ? { $set: { subscriptionId, listId, step, queuedAt: at } }
      : { $setOnInsert: { subscriptionId, listId, step, queuedAt: at } },
    upsert: true,
  },
});
