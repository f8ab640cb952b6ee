/**
 * A tenant's reserved campaign sending slots (control database), the tenant's sending timeline
 * (src/campaigns/send-pace.ts). `_id` = `<tenantId>:<seq>`: the unique id makes the next
 * slot's insert the one atomic step, on every MongoDB-wire server. No contact data.
 */
import { Schema, type Connection } from 'mongoose';

/** A reserved slot: the tenant's `seq`th, ending when the next may start. */
export interface SendSlotDocument {
  _id: string;
  tenantId: string;
  seq: number;
  endsAt: Date;
}

const sendSlotSchema = new Schema<SendSlotDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    seq: { type: Number, required: true },
    endsAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);
sendSlotSchema.index({ tenantId: 1, seq: -1 });

/** The send slots model on the control database. */
export const sendSlotModel = (control: Connection) =>
  control.model('SendSlot', sendSlotSchema, 'send_slots');
