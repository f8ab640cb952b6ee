/**
 * The suppression list: addresses erased at their owner's request, or that bounced for good or
 * drew a spam complaint (src/campaigns/feedback.ts), each as an HMAC under the
 * tenant's suppression secret (tenant-secret.ts), never the address or its ciphertext. A later
 * subscription, import row or contact create of the address computes the same HMAC and is
 * refused. The secret is stored encrypted under the tenant's data key, so the list becomes
 * meaningless with the tenant's crypto-shredding.
 */
import { Encrypted } from '../encrypted-field';
import { Schema, type Connection } from 'mongoose';
import type { Binary } from 'mongodb';

/** A suppressed address. */
export interface SuppressionDocument {
  /** HMAC-SHA256 (hex) of the normalised address under the tenant's secret. */
  _id: string;
  at: Date;
  /** The erasure request that put it here, or the campaign whose message bounced or drew a complaint. */
  requestId: string;
  /** Absent: an erasure. */
  reason?: 'hard_bounce' | 'complaint';
}

const suppressionSchema = new Schema<SuppressionDocument>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    reason: { type: String, enum: ['hard_bounce', 'complaint'] },
  },
  { strict: 'throw', versionKey: false },
);

/** The suppression list model on a tenant database. */
export const suppressionModel = (tenantDb: Connection) =>
  tenantDb.model('Suppression', suppressionSchema, 'suppressions');

/** The collection of a tenant's secrets (a restore copies the suppression secret raw). */
export const TENANT_SECRETS = 'tenant_secrets';

/** A tenant secret (random bytes, hex), encrypted under the tenant's data key. */
export interface TenantSecretDocument {
  _id: 'suppression';
  value: Binary | string;
  createdAt: Date;
}

const tenantSecretSchema = new Schema<TenantSecretDocument>(
  {
    _id: { type: String, required: true },
    value: { type: Encrypted, required: true },
    createdAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The tenant secrets model on a tenant database. */
export const tenantSecretModel = (tenantDb: Connection) =>
  tenantDb.model('TenantSecret', tenantSecretSchema, TENANT_SECRETS);
