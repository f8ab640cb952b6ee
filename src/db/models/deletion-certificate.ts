/**
 * A deletion certificate (control database): the record that a tenant's data was deleted at
 * its contract's end, what was destroyed and when, for the customer and auditors. It names
 * the tenant (its id, and its name as the platform knows it: for a sole trader, a person's
 * name, kept as the proof of deletion requires) and holds nothing of the tenant's data.
 * `digest` is the SHA-256 of the JSON of `{ id, tenantId, tenantName, contractEndsAt,
 * scheduledFor, startedAt, completedAt, destroyed, backupsDestroyed }` in that order, dates as
 * ISO strings, so a copy handed out can be checked against the record (certificates issued
 * before backups existed have no `backupsDestroyed`, and their digest does not cover it).
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
  /** The tenant's backups, each deleted from the backup store (ids and the times they were taken). */
  backupsDestroyed?: { id: string; createdAt: Date }[];
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
    backupsDestroyed: {
      type: [new Schema({ id: String, createdAt: Date }, { _id: false, strict: 'throw' })],
      default: undefined,
    },
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
