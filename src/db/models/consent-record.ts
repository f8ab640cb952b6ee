/**
 * Consent proof, append-only: one record per event (requested, confirmed, renewed,
 * withdrawn, expired). IP and user agent are personal data and stored encrypted.
 */
import { Encrypted } from '../encrypted-field';
import { Schema, type Connection } from 'mongoose';
import type { Binary } from 'mongodb';

/** Consent events. */
export const consentActions = [
  'requested',
  'confirmed',
  'renewed',
  'withdrawn',
  'expired',
] as const;

/** One consent record. */
/** Where a consent record came from: every kind the presenters and exports show. */
export const consentSourceKinds = [
  'form',
  'api',
  'import',
  'automation',
  'link',
  'policy',
] as const;
export type ConsentSourceKind = (typeof consentSourceKinds)[number];

export interface ConsentRecordDocument {
  _id: string;
  contactId: string;
  listId: string;
  action: (typeof consentActions)[number];
  at: Date;
  ip?: Binary | string;
  userAgent?: Binary | string;
  /** `link`: a recipient's confirm/renew/unsubscribe link; `policy`: the list's own policy. */
  source: {
    kind: ConsentSourceKind;
    id: string;
    detail?: Binary | string;
  };
  textVersion?: string;
  textHash?: string;
}

const consentRecordSchema = new Schema<ConsentRecordDocument>(
  {
    _id: { type: String, required: true },
    contactId: { type: String, required: true },
    listId: { type: String, required: true },
    action: { type: String, enum: consentActions, required: true },
    at: { type: Date, required: true },
    ip: { type: Encrypted },
    userAgent: { type: Encrypted },
    source: {
      kind: {
        type: String,
        enum: consentSourceKinds,
        required: true,
      },
      id: { type: String, required: true },
      detail: { type: Encrypted },
    },
    textVersion: { type: String },
    textHash: { type: String },
  },
  { strict: 'throw', versionKey: false },
);
consentRecordSchema.index({ contactId: 1, at: 1 });
consentRecordSchema.index({ listId: 1, contactId: 1 });

/** The consent records model on a tenant database. */
export const consentRecordModel = (tenantDb: Connection) =>
  tenantDb.model('ConsentRecord', consentRecordSchema, 'consent_records');
