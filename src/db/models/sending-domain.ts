/**
 * A tenant's own sending domain (control database, `_id` = `sd` + a digest of tenant and
 * domain, so adding one twice collides on the `_id`, the one filter every server indexes).
 * Each domain has its own DKIM key pair: the private key is encrypted (random) under the
 * tenant's data key, so crypto-shredding the tenant destroys it too. A domain is not
 * personal data; the document holds none.
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** `pending` until its DKIM record resolved as expected. */
export type SendingDomainStatus = 'pending' | 'verified';

/** A sending domain document; `privateKey` reads back decrypted (PEM). */
export interface SendingDomainDocument {
  _id: string;
  tenantId: string;
  domain: string;
  selector: string;
  publicKey: string;
  privateKey: Binary | string;
  status: SendingDomainStatus;
  createdAt: Date;
  verifiedAt?: Date;
}

const sendingDomainSchema = new Schema<SendingDomainDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    domain: { type: String, required: true },
    selector: { type: String, required: true },
    publicKey: { type: String, required: true },
    privateKey: { type: Encrypted, required: true },
    status: { type: String, enum: ['pending', 'verified'], required: true },
    createdAt: { type: Date, required: true },
    verifiedAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

/** The sending domains model on the control database. */
export const sendingDomainModel = (control: Connection) =>
  control.model('SendingDomain', sendingDomainSchema, 'sending_domains');
