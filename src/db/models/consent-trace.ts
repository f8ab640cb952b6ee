/**
 * What remains of a subscription that was never confirmed, or of a contact pruned or deleted
 * by policy: the list, the outcome and the times, and nothing that identifies the person
 * (no contact id, no address, no IP). It lets the tenant show that the process ran.
 */
import { Schema, type Connection } from 'mongoose';

/** A trace document. */
export interface ConsentTraceDocument {
  _id: string;
  listId: string;
  outcome:
    | 'unconfirmed-erased'
    | 'expired-deleted'
    | 'expired-anonymized'
    | 'inactive-deleted'
    | 'inactive-anonymized';
  sourceKind?: 'form' | 'api' | 'import' | 'automation';
  startedAt?: Date;
  at: Date;
}

const consentTraceSchema = new Schema<ConsentTraceDocument>(
  {
    _id: { type: String, required: true },
    listId: { type: String, required: true },
    outcome: { type: String, required: true },
    sourceKind: { type: String },
    startedAt: { type: Date },
    at: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The consent traces model on a tenant database. */
export const consentTraceModel = (tenantDb: Connection) =>
  tenantDb.model('ConsentTrace', consentTraceSchema, 'consent_traces');
