/**
 * One message a workflow step sends, keyed `<workflowId>/<runId>:<step>`: the activity claims
 * the key before handing the message to the relay and marks it sent after, so a retried
 * activity does not send again. No personal data: ids and the stable Message-ID only.
 */
import { Schema, type Connection } from 'mongoose';

/** A send document. */
export interface SendDocument {
  _id: string;
  messageId: string;
  status: 'sending' | 'sent';
  claimedAt: Date;
  sentAt?: Date;
}

const sendSchema = new Schema<SendDocument>(
  {
    _id: { type: String, required: true },
    messageId: { type: String, required: true },
    status: { type: String, enum: ['sending', 'sent'], required: true },
    claimedAt: { type: Date, required: true },
    sentAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

/** The sends model on a tenant database. */
export const sendModel = (tenantDb: Connection) => tenantDb.model('Send', sendSchema, 'sends');
