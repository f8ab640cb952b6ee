/**
 * A tenant's sending timeline on the real database: reservations made at once from many
 * campaigns get slots one after the other, none overlapping and none lost; a timeline in the
 * past starts again from now; one tenant's reservations leave another's alone; old slots are deleted.
 */
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { reserveSendSlot } from '../../src/campaigns/send-pace';
import { sendSlotModel } from '../../src/db/models/send-slot';
import { createOdm } from '../../src/db/odm';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('tenant sending timeline', () => {
  let client: MongoClient;
  let SendSlot: ReturnType<typeof sendSlotModel>;
  const tenants = () => ({ SendSlot });
  /** The end of the tenant's last slot. */
  const timelineEnd = async (tenantId: string) =>
    (await SendSlot.findOne({ tenantId }).sort({ seq: -1 }).lean())?.endsAt;
  beforeAll(async () => {
    client = await new MongoClient(testServices().mongoUri).connect();
    SendSlot = sendSlotModel(createOdm(client).useDb(`pace${uniqueSuffix()}`));
    await SendSlot.init();
  });
  afterAll(async () => {
    await SendSlot.db.dropDatabase();
    await client?.close();
    await mongoose.disconnect();
  });

  it('queues reservations made at once one after the other at the rate', async () => {
    const now = new Date('2026-06-01T10:00:00Z');
    // Ten campaigns' batches of 100 at 50 messages a second: 2 s each.
    const starts = await Promise.all(
      Array.from({ length: 10 }, () =>
        reserveSendSlot(tenants(), 'ta', { messages: 100, ratePerSecond: 50, now }),
      ),
    );
    const offsets = starts.map((s) => s.getTime() - now.getTime()).sort((a, b) => a - b);
    expect(offsets).toEqual([0, 2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000]);
    expect((await timelineEnd('ta'))?.getTime()).toBe(now.getTime() + 20_000);
    expect(await timelineEnd('tb')).toBeUndefined();
  });

  it('starts from now once the timeline lies in the past, keeps only the last slots, and refuses a rate of zero', async () => {
    const later = new Date('2026-06-02T10:00:00Z');
    const start = await reserveSendSlot(tenants(), 'ta', {
      messages: 3,
      ratePerSecond: 2,
      now: later,
    });
    expect(start).toEqual(later);
    expect(await timelineEnd('ta')).toEqual(new Date(later.getTime() + 1500));
    await expect(
      reserveSendSlot(tenants(), 'tb', { messages: 1, ratePerSecond: 0, now: later }),
    ).rejects.toThrow(/rate must be positive/);
    for (let i = 0; i < 20; i++)
      await reserveSendSlot(tenants(), 'tb', { messages: 1, ratePerSecond: 1, now: later });
    expect(await SendSlot.countDocuments({ tenantId: 'tb' })).toBeLessThanOrEqual(16);
    expect(await timelineEnd('tb')).toEqual(new Date(later.getTime() + 20_000));
  });
});
