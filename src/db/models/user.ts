/**
 * A console user of a tenant. The email is encrypted deterministically under the platform
 * key (logins arrive without a tenant, so lookup must work across tenants); the password is
 * a bcrypt hash, the TOTP secret is encrypted under the platform key, recovery codes are
 * hashed. `sessionVersion` changes whenever existing sessions must end (password reset,
 * disabling), so every process drops them at their next request.
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** A user's stored permissions (`features: ['*']` means every feature of the registry). */
export interface StoredPermissions {
  features: string[];
  lists: 'all' | string[];
  fields: Record<string, 'none' | 'view' | 'edit'>;
}

/** A user document (encrypted fields decrypted on read). */
export interface UserDocument {
  _id: string;
  tenantId: string;
  email: Binary | string;
  passwordHash: string;
  /** Hashes of earlier passwords, newest first, for the policy's no-reuse rule. */
  passwordHistory?: string[];
  passwordChangedAt?: Date;
  /**
   * Days after which this user's password must change, over the tenant policy's maximum age
   * (0: never); unset or null: the tenant policy decides.
   */
  passwordMaxAgeDays?: number | null;
  mustChangePassword: boolean;
  permissions: StoredPermissions;
  createdAt: Date;
  createdBy?: string;
  disabledAt?: Date;
  /** The last successful login (access reviews flag accounts unused for long). */
  lastLoginAt?: Date;
  sessionVersion?: number;
  totp?: {
    /** Base32 secret, encrypted under the platform key. */
    secret: Binary | string;
    /** Unset until the user confirms enrolment with a first code. */
    enabledAt?: Date;
    /** Last accepted time step: a code is never accepted twice. */
    lastTimeStep?: number;
  };
  /** SHA-256 hashes of one-time recovery codes not used yet. */
  recoveryCodes?: string[];
}

const userSchema = new Schema<UserDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    email: { type: Encrypted, required: true },
    passwordHash: { type: String, required: true },
    passwordHistory: { type: [String], default: undefined },
    passwordChangedAt: { type: Date },
    passwordMaxAgeDays: { type: Number },
    mustChangePassword: { type: Boolean, required: true },
    permissions: {
      features: { type: [String], required: true },
      lists: { type: Schema.Types.Mixed, required: true }, // 'all' or list ids
      fields: { type: Schema.Types.Mixed, required: true }, // field name -> none | view | edit
    },
    createdAt: { type: Date, required: true },
    createdBy: { type: String },
    disabledAt: { type: Date },
    lastLoginAt: { type: Date },
    sessionVersion: { type: Number },
    totp: {
      type: new Schema(
        { secret: Encrypted, enabledAt: Date, lastTimeStep: Number },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    recoveryCodes: { type: [String], default: undefined },
  },
  { strict: 'throw', versionKey: false },
);
userSchema.index({ email: 1 }, { unique: true });

/** The users model on the control database. */
export const userModel = (control: Connection) => control.model('User', userSchema, 'users');
