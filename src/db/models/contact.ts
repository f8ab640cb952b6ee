/**
 * A contact (data subject). Every personal field is stored as client-side encrypted binary:
 * email and phone deterministically (exact-match search, dedupe), names and custom fields
 * randomly. Reads through the shared client return them decrypted.
 *
 * The `_id` is derived from the email's deterministic ciphertext (see contactIdFor): lookup
 * and dedupe by email become a primary-key lookup, which every server indexes, instead of an
 * equality match on binary (a full scan on FerretDB). It reveals nothing the stored
 * ciphertext does not, and after crypto-shredding nobody can compute it from an address.
 */
import { Encrypted } from '../encrypted-field';
import { Schema, type Connection } from 'mongoose';
import { createHash } from 'node:crypto';
import type { Binary } from 'mongodb';

/** Membership of a contact in one list (the list id is its key in `lists`). */
export interface ListMembership {
  status: 'pending' | 'active' | 'unsubscribed';
  subscribedAt: Date;
  confirmedAt?: Date;
  /** Last renewal of consent; the consent policy counts validity from it (else confirmedAt). */
  renewedAt?: Date;
  unsubscribedAt?: Date;
}

/** A contact as stored: personal fields encrypted (Binary) or, once read, decrypted. */
export interface ContactDocument {
  _id: string;
  email: Binary | string;
  phone?: Binary | string;
  firstName?: Binary | string;
  lastName?: Binary | string;
  custom?: Record<string, Binary | string>;
  /**
   * Memberships keyed by list id: "add unless present" is then a `$exists` check on one path,
   * which every MongoDB-wire server evaluates the same way (array element matching is not).
   */
  lists: Record<string, ListMembership>;
  /** Last open, click or profile center visit; inactivity pruning counts from it. */
  lastActivityAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const membershipSchema = new Schema(
  {
    status: { type: String, enum: ['pending', 'active', 'unsubscribed'], required: true },
    subscribedAt: { type: Date, required: true },
    confirmedAt: { type: Date },
    renewedAt: { type: Date },
    unsubscribedAt: { type: Date },
  },
  { _id: false, strict: 'throw' },
);

const contactSchema = new Schema<ContactDocument>(
  {
    _id: { type: String, required: true },
    email: { type: Encrypted, required: true },
    phone: { type: Encrypted },
    firstName: { type: Encrypted },
    lastName: { type: Encrypted },
    custom: { type: Map, of: Encrypted },
    lists: { type: Map, of: membershipSchema, required: true },
    lastActivityAt: { type: Date },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The contact id for an email's deterministic ciphertext. */
export function contactIdFor(encryptedEmail: Binary): string {
  return `c${createHash('sha256').update(encryptedEmail.buffer).digest('hex').slice(0, 24)}`;
}

/** The contacts model on a tenant database. */
export const contactModel = (tenantDb: Connection) =>
  tenantDb.model('Contact', contactSchema, 'contacts');
