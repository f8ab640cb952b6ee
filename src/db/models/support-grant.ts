/**
 * A support-access request of platform staff (control database): to see one tenant's personal
 * data, for a reason and a number of hours. The tenant's admin approves or denies it; an
 * approved grant ends by itself at `approvedUntil` (its workflow, workflows/support-access.ts),
 * or earlier when an admin revokes it. Every credential minted under it expires with it, and
 * every request made with one is in the tenant's access log with the grant's id.
 *
 * `requestedBy` is a staff handle (letters, digits, `.`, `_`, `-`: never an address), so the
 * record holds no personal data and needs no encryption.
 */
import { Schema, type Connection } from 'mongoose';

/** Where a request stands. */
export const supportGrantStatuses = [
  'pending',
  'approved',
  'denied',
  'revoked',
  'expired',
] as const;
export type SupportGrantStatus = (typeof supportGrantStatuses)[number];

/** A support-access request and, once approved, grant. */
export interface SupportGrantDocument {
  /** `g` and 20 hex digits. */
  _id: string;
  tenantId: string;
  reason: string;
  requestedBy: string;
  hours: number;
  /** The features credentials under the grant may use (read-only ones: see support-access.ts). */
  scopes: string[];
  status: SupportGrantStatus;
  requestedAt: Date;
  /** The admin (user id) who approved, denied or revoked it, and when. */
  decidedBy?: string;
  decidedAt?: Date;
  approvedUntil?: Date;
  endedAt?: Date;
}

const supportGrantSchema = new Schema<SupportGrantDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    reason: { type: String, required: true, maxlength: 500 },
    requestedBy: { type: String, required: true, maxlength: 64 },
    hours: { type: Number, required: true },
    scopes: { type: [String], required: true },
    status: { type: String, enum: supportGrantStatuses, required: true },
    requestedAt: { type: Date, required: true },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    approvedUntil: { type: Date },
    endedAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

/** The support grants model on the control database. */
export const supportGrantModel = (control: Connection) =>
  control.model('SupportGrant', supportGrantSchema, 'support_grants');
