/**
 * The access log: who did what to which account, when and from where. Kept in the control
 * database so login failures of unknown accounts have a place too; the caller's IP is
 * encrypted (random) under the tenant's key, or the platform key when no tenant is known,
 * so shredding a tenant also makes its log's addresses unreadable.
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** Every event the access log records. */
export const accessEvents = [
  'login.success',
  'login.failure',
  'login.lockout',
  'login.totp_failure',
  'logout',
  'password.changed',
  'password.reset',
  'totp.enrolled',
  'totp.disabled',
  'recovery_code.used',
  'user.created',
  'user.disabled',
  'user.enabled',
  'permissions.changed',
  'settings.changed',
  'api_key.created',
  'api_key.revoked',
  'api_key.used',
  'api_key.failure',
  'api_key.lockout',
  'personal_data.read',
  /** A change by a tenant's user or key (details: the route and the ids in its path). */
  'data.changed',
  /** A call of the platform operator (details: the route and ids). */
  'platform.action',
  /** Workflow payloads of the tenant opened by the codec server (details: count, via). */
  'payload.decoded',
  'support_access.requested',
  'support_access.approved',
  'support_access.denied',
  'support_access.revoked',
  'support_access.expired',
  'support_access.key_created',
  /** A request made with a credential minted under a support grant (details: grantId, route). */
  'support_access.used',
  'access_review.created',
  'access_review.confirmed',
  'access_review.completed',
] as const;

/** An access log event name. */
export type AccessEvent = (typeof accessEvents)[number];

/** An access log document (IP decrypted on read). */
export interface AccessLogDocument {
  _id: string;
  /** Unset for attempts on accounts that do not exist. */
  tenantId?: string;
  at: Date;
  event: AccessEvent;
  actor?: { kind: 'user' | 'api_key' | 'platform'; id: string };
  /** The user or key the event is about, when not the actor itself. */
  subjectId?: string;
  ip?: Binary | string;
  /** Opaque details: counts, feature names, ids. Never personal data. */
  details?: Record<string, unknown>;
}

const accessLogSchema = new Schema<AccessLogDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String },
    at: { type: Date, required: true },
    event: { type: String, enum: accessEvents, required: true },
    actor: {
      type: new Schema(
        { kind: { type: String, required: true }, id: { type: String, required: true } },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    subjectId: { type: String },
    ip: { type: Encrypted },
    details: { type: Schema.Types.Mixed },
  },
  { strict: 'throw', versionKey: false },
);
accessLogSchema.index({ tenantId: 1, at: -1 });

/** The access log model on the control database. */
export const accessLogModel = (control: Connection) =>
  control.model('AccessLog', accessLogSchema, 'access_log');
