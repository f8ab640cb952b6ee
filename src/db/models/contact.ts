/**
 * A contact (data subject). Every personal field is stored as client-side encrypted binary:
 * email and phone deterministically (exact-match search, dedupe), each on its own; the
 * fields nobody searches by (names, custom fields) together as one randomly encrypted
 * document, `details`. Reads through the shared client return them decrypted, `details` as
 * the plain object again, so readers still get every field on its own.
 *
 * One value rather than one per field: each encrypted value costs libmongocrypt a context
 * and the document the ciphertext's fixed overhead (key id, IV, MAC), which made encryption
 * most of an import's time. Custom field names are encrypted with their values, too. The
 * price is that changing one of these fields rewrites `details` whole (see
 * mergeContactDetails and src/db/contact-changes.ts).
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

/** The personal fields that are never searched, stored as one encrypted document. */
export interface ContactDetails {
  firstName?: string;
  lastName?: string;
  /** Custom fields by name. */
  custom?: Record<string, string>;
}

/** Why an address is no longer mailed: a permanent delivery failure, or a spam complaint. */
export const undeliverableReasons = ['hard_bounce', 'complaint'] as const;
export type UndeliverableReason = (typeof undeliverableReasons)[number];

/** A contact as stored: personal fields encrypted (Binary) or, once read, decrypted. */
export interface ContactDocument {
  _id: string;
  email: Binary | string;
  phone?: Binary | string;
  details?: Binary | ContactDetails;
  /**
   * Memberships keyed by list id: "add unless present" is then a `$exists` check on one path,
   * which every MongoDB-wire server evaluates the same way (array element matching is not).
   */
  lists: Record<string, ListMembership>;
  /** Last open, click or profile center visit; inactivity pruning counts from it. */
  lastActivityAt?: Date;
  /**
   * Processing restricted (GDPR Art. 18) since then: stored, but left out of every send,
   * sweep and marketing export until lifted.
   */
  restrictedAt?: Date;
  /** Lists whose tracking and profiling the subject objected to (`*`: every list). */
  trackingObjection?: string[];
  /**
   * The address bounced for good or its owner complained (src/campaigns/feedback.ts): left out
   * of every campaign and sweep mail from then on; the address is suppressed too.
   */
  undeliverable?: { reason: UndeliverableReason; at: Date };
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
    details: { type: Encrypted },
    lists: { type: Map, of: membershipSchema, required: true },
    lastActivityAt: { type: Date },
    restrictedAt: { type: Date },
    trackingObjection: { type: [String], default: undefined },
    undeliverable: {
      type: new Schema(
        { reason: { type: String, enum: undeliverableReasons, required: true }, at: Date },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** A change to details: a value sets the field, null removes it, a field left out stays. */
export interface ContactDetailsChange {
  firstName?: string | null;
  lastName?: string | null;
  /** Custom fields by name, each set or (null) removed on its own. */
  custom?: Record<string, string | null>;
}

/**
 * `current` details with `update` applied: fields `update` has replace those of `current`
 * (custom fields one by one), fields it sets to null are removed, the rest are kept.
 */
export function mergeContactDetails(
  current: ContactDetails | undefined,
  update: ContactDetailsChange,
): ContactDetails {
  const merged: ContactDetails = {};
  for (const field of ['firstName', 'lastName'] as const) {
    const value = update[field] === undefined ? current?.[field] : update[field];
    if (value !== undefined && value !== null) merged[field] = value;
  }
  const custom = { ...current?.custom };
  for (const [name, value] of Object.entries(update.custom ?? {})) {
    if (value === null) delete custom[name];
    else custom[name] = value;
  }
  if (Object.keys(custom).length > 0) merged.custom = custom;
  return merged;
}

/** Whether the details hold no field at all (then none are stored). */
export const hasDetails = (details: ContactDetails): boolean =>
  details.firstName !== undefined ||
  details.lastName !== undefined ||
  Object.keys(details.custom ?? {}).length > 0;

/** The contact id for an email's deterministic ciphertext. */
export function contactIdFor(encryptedEmail: Binary): string {
  return `c${createHash('sha256').update(encryptedEmail.buffer).digest('hex').slice(0, 24)}`;
}

/** The contacts model on a tenant database. */
export const contactModel = (tenantDb: Connection) =>
  tenantDb.model('Contact', contactSchema, 'contacts');
