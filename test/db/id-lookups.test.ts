/**
 * Lookups by `_id` use the `_id` index on the database server the tests run against. Every
 * hot path of the product (contacts, subscriptions, sends, counters) finds, updates or
 * deletes by `_id`, often with a condition besides (`{_id, status: 'pending'}`); a server that
 * scanned the collection for these would slow down with every contact stored.
 *
 * On the embedded FerretDB this holds only with the fix in
 * scripts/provision/ferretdb/patches/, which this test guards: a binary built without it
 * plans these queries as `SCAN`.
 */
import { MongoClient, type Collection } from 'mongodb';
import { testServices, uniqueSuffix } from '../helpers/services';

/** The plan lines or stages of an explain answer, as one string. */
function planOf(explain: Record<string, unknown>): string {
  return JSON.stringify(explain.queryPlanner ?? explain);
}

describe('lookups by _id', () => {
  let client: MongoClient;
  let things: Collection<{ _id: string; status: string }>;
  let ferret: boolean;
  beforeAll(async () => {
    client = await new MongoClient(testServices().mongoUri).connect();
    things = client.db(`ids${uniqueSuffix()}`).collection('things');
    await things.insertMany(
      Array.from({ length: 50 }, (_, i) => ({ _id: `t${i}`, status: i % 2 ? 'pending' : 'done' })),
    );
    const info = await client.db('admin').command({ buildInfo: 1 });
    ferret = typeof info.ferretdbVersion === 'string';
  });
  afterAll(() => client?.close());

  const usesIdIndex = (plan: string) =>
    ferret
      ? /USING INDEX \S+__id_/.test(plan) && !/\bSCAN\b/.test(plan)
      : /IDHACK|EXPRESS|IXSCAN/.test(plan);

  it('plans an equality on _id alone as an index search', async () => {
    const plan = planOf(await things.find({ _id: 't7' }).explain());
    expect(usesIdIndex(plan)).toBe(true);
  });

  it('plans an equality on _id with further conditions as an index search', async () => {
    const plan = planOf(await things.find({ _id: 't7', status: 'pending' }).explain());
    expect(usesIdIndex(plan)).toBe(true);
  });

  it('still applies the further conditions', async () => {
    expect(await things.findOne({ _id: 't7', status: 'pending' })).toEqual({
      _id: 't7',
      status: 'pending',
    });
    expect(await things.findOne({ _id: 't7', status: 'done' })).toBeNull();
    const miss = await things.updateOne(
      { _id: 't8', status: 'pending' },
      { $set: { status: 'x' } },
    );
    expect(miss.matchedCount).toBe(0);
    const hit = await things.updateOne({ _id: 't9', status: 'pending' }, { $set: { status: 'x' } });
    expect(hit.modifiedCount).toBe(1);
    expect(await things.deleteOne({ _id: 't9', status: 'pending' })).toMatchObject({
      deletedCount: 0,
    });
    expect(await things.deleteOne({ _id: 't9', status: 'x' })).toMatchObject({ deletedCount: 1 });
    expect(await things.countDocuments()).toBe(49);
  });
});
