/** Control record of a tenant: lifecycle status and contract dates. No contact data. */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** Tenant lifecycle. `deleted` tenants have no data key left: their data is unreadable. */
export const tenantStatuses = ['provisioning', 'active', 'failed', 'deleted'] as const;

/** A tenant's status. */
export type TenantStatus = (typeof tenantStatuses)[number];

/** A tenant control document. */
export interface TenantDocument {
  _id: string;
  name: string;
  status: TenantStatus;
  contractEndsAt?: Date;
  createdAt: Date;
  activatedAt?: Date;
  deletedAt?: Date;
  pendingAdmin?: { userId: string; email: Binary | string; passwordHash: string };
}

const tenantSchema = new Schema<TenantDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, maxlength: 200 },
    status: { type: String, enum: tenantStatuses, required: true },
    contractEndsAt: { type: Date },
    createdAt: { type: Date, required: true },
    activatedAt: { type: Date },
    deletedAt: { type: Date },
    /** Held only until provisioning creates the admin account; email already encrypted. */
    pendingAdmin: {
      type: new Schema(
        { userId: String, email: Encrypted, passwordHash: String },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
  },
  { strict: 'throw', versionKey: false },
);

/** The tenants model on the control database. */
export const tenantModel = (control: Connection) =>
  control.model('Tenant', tenantSchema, 'tenants');
