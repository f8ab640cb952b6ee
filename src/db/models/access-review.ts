/**
 * An access review (control database): one look at every console user and API key of a
 * tenant, what each may do and when it was last used, with the ones unused for too long
 * flagged. Admins confirm the flagged entries they want kept before `dueAt`; the review's
 * workflow (workflows/access-review.ts) then disables every flagged entry not confirmed and
 * records each entry's outcome. Entries hold opaque ids, feature names and dates only: the
 * addresses of the users stay on their user records.
 */
import { Schema, type Connection } from 'mongoose';

/** What happened to an entry when the review completed. */
export const accessReviewOutcomes = [
  /** Not flagged: left as it was. */
  'kept',
  /** Flagged and confirmed by an admin: left enabled. */
  'confirmed',
  /** Flagged, not confirmed: the user was disabled or the key revoked. */
  'disabled',
  /** Flagged, not confirmed, but the tenant's last enabled admin: left enabled. */
  'kept_last_admin',
  /** Gone, disabled or revoked by other means before the review completed. */
  'gone',
] as const;

/** An entry's outcome. */
export type AccessReviewOutcome = (typeof accessReviewOutcomes)[number];

/** Who confirmed an entry, or started a review. */
export interface AccessReviewActor {
  kind: 'user' | 'schedule';
  id?: string;
}

/** One console user as the review saw it. */
export interface AccessReviewUserEntry {
  id: string;
  features: string[];
  /** `all`, or the ids of the lists the user may see. */
  lists: 'all' | string[];
  fields: Record<string, string>;
  status: 'enabled' | 'disabled';
  createdAt: Date;
  lastLoginAt?: Date;
  /** Unused (never logged in: since creation) for the review's period. */
  flagged: boolean;
  confirmedAt?: Date;
  confirmedBy?: string;
  outcome?: AccessReviewOutcome;
}

/** One API key as the review saw it (revoked keys are not listed). */
export interface AccessReviewKeyEntry {
  id: string;
  scopes: string[];
  /** The user (or `platform`, `tests`…) that created it. */
  createdBy: string;
  createdAt: Date;
  lastUsedAt?: Date;
  flagged: boolean;
  confirmedAt?: Date;
  confirmedBy?: string;
  outcome?: AccessReviewOutcome;
}

/** A review as stored. */
export interface AccessReviewDocument {
  _id: string;
  tenantId: string;
  createdAt: Date;
  /** Flagged entries not confirmed by then are disabled. */
  dueAt: Date;
  status: 'open' | 'completed';
  startedBy: AccessReviewActor;
  /** The opaque part of the review's workflow id (confirmations are sent to it). */
  workflowRef: string;
  /** Entries unused this many days were flagged. */
  staleAfterDays: number;
  users: AccessReviewUserEntry[];
  apiKeys: AccessReviewKeyEntry[];
  /** Admins the review was mailed to (their count; the addresses are not kept). */
  mailedTo?: number;
  completedAt?: Date;
  /** Counts of the outcome. */
  outcome?: { usersDisabled: number; apiKeysRevoked: number; confirmed: number };
}

const confirmable = {
  flagged: { type: Boolean, required: true },
  confirmedAt: { type: Date },
  confirmedBy: { type: String },
  outcome: { type: String, enum: accessReviewOutcomes },
};

const userEntrySchema = new Schema<AccessReviewUserEntry>(
  {
    id: { type: String, required: true },
    features: { type: [String], required: true },
    lists: { type: Schema.Types.Mixed, required: true },
    fields: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: ['enabled', 'disabled'], required: true },
    createdAt: { type: Date, required: true },
    lastLoginAt: { type: Date },
    ...confirmable,
  },
  { _id: false, strict: 'throw' },
);

const keyEntrySchema = new Schema<AccessReviewKeyEntry>(
  {
    id: { type: String, required: true },
    scopes: { type: [String], required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date },
    ...confirmable,
  },
  { _id: false, strict: 'throw' },
);

const accessReviewSchema = new Schema<AccessReviewDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    createdAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    status: { type: String, enum: ['open', 'completed'], required: true },
    startedBy: {
      type: new Schema(
        { kind: { type: String, required: true }, id: { type: String } },
        { _id: false, strict: 'throw' },
      ),
      required: true,
    },
    workflowRef: { type: String, required: true },
    staleAfterDays: { type: Number, required: true },
    users: { type: [userEntrySchema], required: true },
    apiKeys: { type: [keyEntrySchema], required: true },
    mailedTo: { type: Number },
    completedAt: { type: Date },
    outcome: {
      type: new Schema(
        {
          usersDisabled: { type: Number, required: true },
          apiKeysRevoked: { type: Number, required: true },
          confirmed: { type: Number, required: true },
        },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
  },
  { strict: 'throw', versionKey: false },
);

/** The access review model on the control database. */
export const accessReviewModel = (control: Connection) =>
  control.model<AccessReviewDocument>('AccessReview', accessReviewSchema, 'access_reviews');
