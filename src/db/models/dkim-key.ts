/**
 * A tenant's DKIM signing key (control database, `_id` = tenant id). The private key is
 * encrypted (random algorithm) under the tenant's data key, so crypto-shredding the tenant
 * also destroys its signing key; the public key is public by design (it goes into DNS).
 */
import { Encrypted } from '../encrypted-field';
import type { Binary } from 'mongodb';
import { Schema, type Connection } from 'mongoose';

/** A DKIM key document; `privateKey` reads back decrypted (PEM). */
export interface DkimKeyDocument {
  _id: string;
  domain: string;
  selector: string;
  publicKey: string;
  privateKey: Binary | string;
  createdAt: Date;
}

const dkimKeySchema = new Schema<DkimKeyDocument>(
  {
    _id: { type: String, required: true },
    domain: { type: String, required: true },
    selector: { type: String, required: true },
    publicKey: { type: String, required: true },
    privateKey: { type: Encrypted, required: true },
    createdAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The DKIM keys model on the control database. */
export const dkimKeyModel = (control: Connection) =>
  control.model('DkimKey', dkimKeySchema, 'dkim_keys');
