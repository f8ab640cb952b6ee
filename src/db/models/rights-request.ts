/**
 * A data-subject rights request (GDPR Art. 15–21): what was asked, by whom, by when it is due,
 * and what was done. The subject's address is kept encrypted only while the request needs it
 * (to mail the verification link and the answer) and removed when the request closes; the
 * evidence trail holds opaque ids, times and fixed vocabulary only, so the record may outlive
 * an erasure.
 */
import { Encrypted } from '../encrypted-field';
import { Schema, type Connection } from 'mongoose';
import type { Binary } from 'mongodb';

/** The rights a request exercises. */
export const rightsRequestTypes = [
  'access',
  'portability',
  'erasure',
  'restriction',
  'objection',
  'rectification',
] as const;
export type RightsRequestType = (typeof rightsRequestTypes)[number];

/** Where a request is in its life. */
export const rightsRequestStatuses = ['verifying', 'in_progress', 'completed', 'rejected'] as const;
export type RightsRequestStatus = (typeof rightsRequestStatuses)[number];

/** Who did something to a request: a console user, an API key, the subject or the product. */
export interface RightsActor {
  kind: 'user' | 'api_key' | 'subject' | 'system';
  /** User or API key id; absent for the subject and the system. */
  id?: string;
}

/** One step of the evidence trail. */
export interface RightsEvidence {
  at: Date;
  action: string;
  by: RightsActor;
  /** Counts and opaque ids, never personal data. */
  details?: Record<string, string | number | boolean>;
}

/** A rights request as stored. */
export interface RightsRequestDocument {
  _id: string;
  type: RightsRequestType;
  status: RightsRequestStatus;
  origin: 'staff' | 'api' | 'subject';
  /** The contact the request concerns; absent when the tenant holds nothing of the address. */
  contactId?: string;
  /** The subject's address (random encryption) while the request is open. */
  email?: Binary | string;
  /** Rectification: the changes asked for (random encryption of the JSON). */
  changes?: Binary | string;
  /** Restriction and objection: the list it concerns (absent: every list), or a lift. */
  scope?: { listId?: string; lift?: boolean };
  receivedAt: Date;
  dueAt: Date;
  /** Months added to the one-month deadline (Art. 12(3): at most two). */
  extendedMonths: number;
  /** Staff's words to the subject (random encryption), kept while the request is open. */
  extensionReason?: Binary | string;
  verifiedAt?: Date;
  verifiedBy?: RightsActor;
  completedAt?: Date;
  /** What the execution did, in counts (`held: false` when nothing was held). */
  result?: Record<string, string | number | boolean>;
  /** Access and portability: the archive's chunk count and size, once built. */
  archive?: { chunks: number; bytes: number; expiresAt: Date };
  evidence: RightsEvidence[];
  createdBy: RightsActor;
}

const actorSchema = new Schema(
  { kind: { type: String, required: true }, id: { type: String } },
  { _id: false, strict: 'throw' },
);

const rightsRequestSchema = new Schema<RightsRequestDocument>(
  {
    _id: { type: String, required: true },
    type: { type: String, enum: rightsRequestTypes, required: true },
    status: { type: String, enum: rightsRequestStatuses, required: true },
    origin: { type: String, enum: ['staff', 'api', 'subject'], required: true },
    contactId: { type: String },
    email: { type: Encrypted },
    changes: { type: Encrypted },
    scope: { listId: { type: String }, lift: { type: Boolean } },
    receivedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    extendedMonths: { type: Number, required: true },
    extensionReason: { type: Encrypted },
    verifiedAt: { type: Date },
    verifiedBy: { type: actorSchema },
    completedAt: { type: Date },
    result: { type: Schema.Types.Mixed },
    archive: { chunks: Number, bytes: Number, expiresAt: Date },
    evidence: {
      type: [
        new Schema(
          {
            at: { type: Date, required: true },
            action: { type: String, required: true },
            by: { type: actorSchema, required: true },
            details: { type: Schema.Types.Mixed },
          },
          { _id: false },
        ),
      ],
      required: true,
    },
    createdBy: { type: actorSchema, required: true },
  },
  { strict: 'throw', versionKey: false },
);
rightsRequestSchema.index({ dueAt: 1 });
rightsRequestSchema.index({ contactId: 1 });

/** The rights requests model on a tenant database. */
export const rightsRequestModel = (tenantDb: Connection) =>
  tenantDb.model('RightsRequest', rightsRequestSchema, 'rights_requests');

/**
 * One chunk of an access or portability archive (a zip), its base64 text encrypted under the
 * tenant's key: the archive dies with the tenant's key like every other personal datum.
 */
export interface RightsArchiveChunkDocument {
  _id: string;
  requestId: string;
  n: number;
  data: Binary | string;
}

const archiveChunkSchema = new Schema<RightsArchiveChunkDocument>(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true },
    n: { type: Number, required: true },
    data: { type: Encrypted, required: true },
  },
  { strict: 'throw', versionKey: false },
);
archiveChunkSchema.index({ requestId: 1, n: 1 });

/** The archive chunks model on a tenant database. */
export const rightsArchiveChunkModel = (tenantDb: Connection) =>
  tenantDb.model('RightsArchiveChunk', archiveChunkSchema, 'rights_archives');
