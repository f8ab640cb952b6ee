/** Control record of a tenant: lifecycle status and contract dates. No contact data. */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/**
 * Tenant lifecycle. `ending`: the contract's end is scheduled, service goes on until then;
 * `frozen`: the contract has ended, the tenant is read-only during its export window;
 * `deleted` tenants have no data key left: their data is unreadable.
 */
export const tenantStatuses = [
  'provisioning',
  'active',
  'ending',
  'frozen',
  'failed',
  'deleted',
] as const;

/** A tenant's status. */
export type TenantStatus = (typeof tenantStatuses)[number];

/** The statuses in which a tenant is served in full. */
export const servingStatuses: TenantStatus[] = ['active', 'ending'];

/** The statuses in which a tenant's data is there to read: served, or frozen after its end. */
export const readableStatuses: TenantStatus[] = [...servingStatuses, 'frozen'];

/** The deletion a contract's end scheduled, and how it went. */
export interface TenantDeletion {
  /** When deletion starts: the end of the export window, at most 20 days after the end. */
  scheduledFor: Date;
  exportWindowDays: number;
  frozenAt?: Date;
  startedAt?: Date;
  completedAt?: Date;
  certificateId?: string;
  /** The backups the deletion destroyed (recorded before each goes; the certificate lists them). */
  backupsDestroyed?: { id: string; createdAt: Date }[];
}

/** Which users must use a second factor. */
export const twoFactorRules = ['optional', 'admins', 'all'] as const;

/** A tenant's password policy as stored; unset fields take the defaults of src/auth/password-policy.ts. */
export interface StoredPasswordPolicy {
  minLength?: number;
  requiredClasses?: string[];
  rejectCommon?: boolean;
  historyCount?: number;
  maxAgeDays?: number;
}

/** A tenant control document. */
export interface TenantDocument {
  _id: string;
  name: string;
  status: TenantStatus;
  contractEndsAt?: Date;
  /** The sender's postal address, in the footer of every marketing message (not personal). */
  postalAddress?: string;
  deletion?: TenantDeletion;
  createdAt: Date;
  activatedAt?: Date;
  deletedAt?: Date;
  /**
   * The tenant's database when a restore replaced the one named after it (`t_<id>`);
   * src/backups/restore.ts switches it once a restore is complete.
   */
  database?: string;
  pendingAdmin?: { userId: string; email: Binary | string; passwordHash: string };
  security?: { passwordPolicy?: StoredPasswordPolicy; twoFactor?: (typeof twoFactorRules)[number] };
  /** Domains and URLs no link of the tenant's mail may lead to (src/campaigns/deny-list.ts). */
  linkDenylist?: string[];
}

const tenantSchema = new Schema<TenantDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, maxlength: 200 },
    status: { type: String, enum: tenantStatuses, required: true },
    contractEndsAt: { type: Date },
    postalAddress: { type: String },
    deletion: {
      type: new Schema(
        {
          scheduledFor: { type: Date, required: true },
          exportWindowDays: { type: Number, required: true },
          frozenAt: Date,
          startedAt: Date,
          completedAt: Date,
          certificateId: String,
          backupsDestroyed: {
            type: [new Schema({ id: String, createdAt: Date }, { _id: false, strict: 'throw' })],
            default: undefined,
          },
        },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    createdAt: { type: Date, required: true },
    activatedAt: { type: Date },
    deletedAt: { type: Date },
    database: { type: String },
    /** Held only until provisioning creates the admin account; email already encrypted. */
    pendingAdmin: {
      type: new Schema(
        { userId: String, email: Encrypted, passwordHash: String },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    /** Account security settings the tenant's admins choose. */
    security: {
      type: new Schema(
        {
          passwordPolicy: {
            type: new Schema(
              {
                minLength: Number,
                requiredClasses: { type: [String], default: undefined },
                rejectCommon: Boolean,
                historyCount: Number,
                maxAgeDays: Number,
              },
              { _id: false, strict: 'throw' },
            ),
          },
          twoFactor: { type: String, enum: twoFactorRules },
        },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    linkDenylist: { type: [String], default: undefined },
  },
  { strict: 'throw', versionKey: false },
);

/** The tenants model on the control database. */
export const tenantModel = (control: Connection) =>
  control.model('Tenant', tenantSchema, 'tenants');
