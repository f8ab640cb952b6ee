/**
 * A console user of a tenant. The email is encrypted deterministically under the platform
 * key (logins arrive without a tenant, so lookup must work across tenants); the password is
 * a bcrypt hash.
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** A user document (email encrypted on write, decrypted on read). */
export interface UserDocument {
  _id: string;
  tenantId: string;
  email: Binary | string;
  passwordHash: string;
  mustChangePassword: boolean;
  permissions: {
    features: string[];
    lists: 'all' | string[];
    fields: Record<string, 'none' | 'view' | 'edit'>;
  };
  createdAt: Date;
}

const userSchema = new Schema<UserDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    email: { type: Encrypted, required: true },
    passwordHash: { type: String, required: true },
    mustChangePassword: { type: Boolean, required: true },
    permissions: {
      features: { type: [String], required: true },
      lists: { type: Schema.Types.Mixed, required: true }, // 'all' or list ids
      fields: { type: Schema.Types.Mixed, required: true }, // field name -> none | view | edit
    },
    createdAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);
userSchema.index({ email: 1 }, { unique: true });

/** The users model on the control database. */
export const userModel = (control: Connection) => control.model('User', userSchema, 'users');
