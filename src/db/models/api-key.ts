/**
 * An integrator's API key. Only a SHA-256 hash of the secret is stored: keys are 256-bit
 * random values, so a slow hash adds nothing but latency to every request.
 */
import { Schema, type Connection, type InferSchemaType } from 'mongoose';

const apiKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    name: { type: String, required: true, maxlength: 100 },
    secretHash: { type: String, required: true },
    scopes: { type: [String], required: true }, // feature names
    lists: { type: Schema.Types.Mixed }, // 'all' or list ids: the creator's
    fields: { type: Schema.Types.Mixed }, // field name -> none | view | edit: the creator's
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    lastUsedAt: { type: Date },
    revokedAt: { type: Date },
    /** A key that works until then only: one minted under a support grant ends with it. */
    expiresAt: { type: Date },
    /** The support grant it was minted under (src/tenants/support-access.ts). */
    grantId: { type: String },
  },
  { strict: 'throw', versionKey: false },
);

/** An API key document. */
export type ApiKeyDocument = InferSchemaType<typeof apiKeySchema>;

/** The API keys model on the control database. */
export const apiKeyModel = (control: Connection) =>
  control.model('ApiKey', apiKeySchema, 'api_keys');
