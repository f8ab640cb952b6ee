/**
 * A deletion certificate (control database): the record that a tenant's data was deleted at
 * its contract's end, what was destroyed and when, for the customer and auditors. It names
 * the tenant and holds no personal data; `digest` is the SHA-256 of the other fields in a
 * fixed order, so a copy handed out can be checked against the record.
 */
import { Schema, type Connection } from 'mongoose';

/** A certificate as stored. */
export interface DeletionCertificateDocument {
  _id: string;
  tenantId: string;
  tenantName: string;
  contractEndsAt: Date;
  scheduledFor: Date;
  startedAt: Date;
  completedAt: Date;
  /** What was destroyed, in order. */
  destroyed: string[];
  digest: string;
}

const deletionCertificateSchema = new Schema<DeletionCertificateDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    tenantName: { type: String, required: true },
    contractEndsAt: { type: Date, required: true },
    scheduledFor: { type: Date, required: true },
    startedAt: { type: Date, required: true },
    completedAt: { type: Date, required: true },
    destroyed: { type: [String], required: true },
    digest: { type: String, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The certificate model on the control database. */
export const deletionCertificateModel = (control: Connection) =>
  control.model<DeletionCertificateDocument>(
    'DeletionCertificate',
    deletionCertificateSchema,
    'deletion_certificates',
  );
