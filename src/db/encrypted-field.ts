/**
 * A mongoose schema type for personal fields that only ever accepts ciphertext (BSON binary
 * subtype 6) on write. Reads return the decrypted value (the shared client decrypts), which
 * makes a read-modify-write an easy way to store plaintext by accident; this type turns that
 * mistake into an error instead of a privacy breach.
 */
import { Binary } from 'mongodb';
import { Schema, SchemaType } from 'mongoose';

/** BSON binary subtype of client-side encrypted values. */
const ENCRYPTED_SUBTYPE = 6;

/** Whether a value is client-side encrypted ciphertext. */
export const isCiphertext = (value: unknown): value is Binary =>
  value instanceof Binary && value.sub_type === ENCRYPTED_SUBTYPE;

/** Refuses plaintext in writes and queries; documents read from the database pass through. */
export class Encrypted extends SchemaType {
  constructor(path: string, options?: Record<string, unknown>) {
    super(path, options, 'Encrypted');
  }

  override cast(value: unknown, _doc?: unknown, init?: boolean): unknown {
    if (init || isCiphertext(value)) return value;
    throw new Error(`refusing to store or query unencrypted data in encrypted field ${this.path}`);
  }
}

(Schema.Types as unknown as Record<string, unknown>).Encrypted = Encrypted;
