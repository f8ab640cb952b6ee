/**
 * A subscription request of one contact to one list and its double opt-in state. The id is
 * derived from the contact id and list id, so a repeated request finds the same record. The
 * subscriber's IP and user agent of both steps are personal data and stored encrypted.
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** Where a subscription came from; `id` is the form, API key or import id. */
export interface ConsentSource {
  kind: 'form' | 'api' | 'import';
  id: string;
  detail?: Binary | string;
}

/** A subscription document. */
export interface SubscriptionDocument {
  _id: string;
  contactId: string;
  listId: string;
  /** `erasing`: never confirmed, its erasure under way (a new request may replace it). */
  status: 'pending' | 'confirmed' | 'erasing';
  workflowId: string;
  requestedAt: Date;
  confirmedAt?: Date;
  /** Stored, workflow not known to run yet: set with the request, cleared by its first step. */
  startPendingSince?: Date;
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
    status: { type: String, enum: ['pending', 'confirmed', 'erasing'], required: true },
    workflowId: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    confirmedAt: { type: Date },
    startPendingSince: { type: Date },
    erasingSince: { type: Date },
    ip: { type: Encrypted },
    userAgent: { type: Encrypted },
    source: {
      kind: { type: String, enum: ['form', 'api', 'import'], required: true },
      id: { type: String, required: true },
      detail: { type: Encrypted },
    },
    textVersion: { type: String, required: true },
    textHash: { type: String, required: true },
  },
  { strict: 'throw', versionKey: false },
);

// The double opt-in sweep's query: requests whose workflow start is not known to have happened.
subscriptionSchema.index({ startPendingSince: 1 });

/** The subscriptions model on a tenant database. */
export const subscriptionModel = (tenantDb: Connection) =>
  tenantDb.model('Subscription', subscriptionSchema, 'subscriptions');
