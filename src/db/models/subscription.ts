/**
 * A subscription request of one contact to one list and its double opt-in state. The id is
 * derived from the contact id and list id, so a repeated request finds the same record. The
 * subscriber's IP and user agent of both steps are personal data and stored encrypted.
 *
 * The double opt-in's deadlines are data here, not timers of one workflow per request: `dueAt`
 * is when the next step falls due (`dueStep`: the reminder, the erasure of a request never
 * confirmed, or the repair of a confirmation interrupted mid-way), and the list's double
 * opt-in workflow acts on whatever is due (workflows/double-opt-in.ts).
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** Where a subscription came from; `id` is the form, API key or import id. */
export interface ConsentSource {
  kind: 'form' | 'api' | 'import' | 'automation';
  id: string;
  detail?: Binary | string;
}

/** Where a request is in its double opt-in. */
export type SubscriptionStatus = 'pending' | 'confirming' | 'confirmed' | 'erasing';

/** The step `dueAt` is the time of. */
export type DueStep = 'reminder' | 'expiry' | 'repair';

/** A subscription document. */
export interface SubscriptionDocument {
  _id: string;
  contactId: string;
  listId: string;
  /**
   * `confirming`: the link was followed and the proof is being written; `erasing`: never
   * confirmed, its erasure under way (a new request may replace it).
   */
  status: SubscriptionStatus;
  /** The list's double opt-in workflow, which mails and watches the deadlines. */
  workflowId: string;
  requestedAt: Date;
  /** When the confirmation link stops working and the request is erased unconfirmed. */
  expiresAt?: Date;
  /** When the next step falls due; absent once confirmed. */
  dueAt?: Date;
  dueStep?: DueStep;
  /** The click being recorded (`confirming`): kept so that a crash mid-way can be finished. */
  confirmation?: { at: Date; ip?: Binary | string; userAgent?: Binary | string };
  confirmedAt?: Date;
  /** When its erasure began: records of this request are those up to then. */
  erasingSince?: Date;
  ip?: Binary | string;
  userAgent?: Binary | string;
  source: ConsentSource;
  textVersion: string;
  textHash: string;
}

const subscriptionSchema = new Schema<SubscriptionDocument>(
  {
    _id: { type: String, required: true },
    contactId: { type: String, required: true },
    listId: { type: String, required: true },
    status: {
      type: String,
      enum: ['pending', 'confirming', 'confirmed', 'erasing'],
      required: true,
    },
    workflowId: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    expiresAt: { type: Date },
    dueAt: { type: Date },
    dueStep: { type: String, enum: ['reminder', 'expiry', 'repair'] },
    confirmation: {
      type: new Schema(
        {
          at: { type: Date, required: true },
          ip: { type: Encrypted },
          userAgent: { type: Encrypted },
        },
        { _id: false, strict: 'throw' },
      ),
    },
    confirmedAt: { type: Date },
    erasingSince: { type: Date },
    ip: { type: Encrypted },
    userAgent: { type: Encrypted },
    source: {
      kind: { type: String, enum: ['form', 'api', 'import', 'automation'], required: true },
      id: { type: String, required: true },
      detail: { type: Encrypted },
    },
    textVersion: { type: String, required: true },
    textHash: { type: String, required: true },
  },
  { strict: 'throw', versionKey: false },
);

// The double opt-in's deadline query: a list's requests by when their next step is due.
subscriptionSchema.index({ listId: 1, dueAt: 1 });

/** The subscriptions model on a tenant database. */
export const subscriptionModel = (tenantDb: Connection) =>
  tenantDb.model('Subscription', subscriptionSchema, 'subscriptions');
