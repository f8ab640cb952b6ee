/** A mailing list and its policies. Lists act as independent environments within a tenant. */
import { Schema, type Connection, type InferSchemaType } from 'mongoose';

const listSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, maxlength: 200 },
    doubleOptIn: { type: Schema.Types.Mixed },
    consentPolicy: {
      type: new Schema(
        {
          validityDays: { type: Number, required: true },
          reminderDaysBefore: { type: [Number], required: true },
          onExpiry: { type: String, enum: ['unsubscribe', 'anonymize', 'delete'], required: true },
        },
        { _id: false, strict: 'throw' },
      ),
      required: false,
    },
    inactivityPolicy: { type: Schema.Types.Mixed },
    tracking: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** A list document. */
export type ListDocument = InferSchemaType<typeof listSchema>;

/** The lists model on a tenant database. */
export const listModel = (tenantDb: Connection) => tenantDb.model('List', listSchema, 'lists');
