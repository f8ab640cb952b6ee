/**
 * Which tenant a list belongs to (control database, `_id` = list id). Public pages such as
 * the hosted subscribe form `/f/:listId` arrive with a list id only; this maps it to the
 * tenant scope without searching every tenant database.
 */
import { Schema, type Connection } from 'mongoose';

const listDirectorySchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** The list directory model on the control database. */
export const listDirectoryModel = (control: Connection) =>
  control.model('ListDirectory', listDirectorySchema, 'list_directory');
