/**
 * A tenant's campaign sending rate, shared by all its campaigns and every worker: each batch
 * reserves its slot on the tenant's timeline before it sends, so two campaigns of one tenant
 * sending at once share the rate instead of doubling it.
 *
 * The timeline is the tenant's sequence of reserved slots (src/db/models/send-slot.ts). A
 * reservation reads the last one and inserts the next, starting when that one ends or now,
 * whichever is later, and lasting `messages / rate` seconds. The insert of the next sequence
 * number is the atomic step (a conditional update is not a compare-and-set on FerretDB, which
 * reads and writes apart); a reservation that lost the race reads again. The send workflow
 * then waits for its slot on a durable timer. (An in-process limiter such as
 * rate-limiter-flexible's `execEvenly` delays in memory, which neither survives a worker's
 * restart nor spans workers; a fixed-window counter lets a whole window's messages out at once.)
 */
import { isDuplicateKey } from '../db/duplicate-key';
import type { ControlModels } from '../db/tenant-access';

/** Slots kept behind the last: enough for a reader that read an older last to lose its race. */
const KEPT_SLOTS = 16;

/** Reserves a slot of `messages` for a tenant; returns when the batch may start. */
export async function reserveSendSlot(
  control: Pick<ControlModels, 'SendSlot'>,
  tenantId: string,
  { messages, ratePerSecond, now }: { messages: number; ratePerSecond: number; now: Date },
): Promise<Date> {
  if (!(ratePerSecond > 0)) throw new Error('the sending rate must be positive');
  const { SendSlot } = control;
  // As many tries as campaigns racing at once: a handful.
  for (let attempt = 0; attempt < 100; attempt++) {
    const last = await SendSlot.findOne({ tenantId }, { seq: 1, endsAt: 1 })
      .sort({ seq: -1 })
      .lean();
    const seq = (last?.seq ?? 0) + 1;
    const startAt = new Date(Math.max(now.getTime(), last?.endsAt.getTime() ?? 0));
    const endsAt = new Date(startAt.getTime() + Math.ceil((messages * 1000) / ratePerSecond));
    try {
      await SendSlot.create({ _id: `${tenantId}:${seq}`, tenantId, seq, endsAt });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    if (seq > KEPT_SLOTS) await SendSlot.deleteMany({ tenantId, seq: { $lte: seq - KEPT_SLOTS } });
    return startAt;
  }
  throw new Error(`the sending timeline of tenant ${tenantId} stayed contended`);
}
