/**
 * The subscription flood counters on the real MongoDB-wire server (FerretDB here: no TTL
 * index): each counter is keyed by `_id`, counts up to the limit, and the sweep deletes the
 * counters whose hour is over while live ones keep counting.
 */
import { MongoClient } from 'mongodb';
import {
  createSubscribeLimits,
  SubscribeLimitError,
} from '../../src/consent/subscription/flood-limits';
import { databaseNames } from '../../src/db/names';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('subscription flood counters', () => {
  let mongo: MongoClient;
  const names = databaseNames(`sl${uniqueSuffix()}_`);
  beforeAll(async () => {
    mongo = await new MongoClient(testServices().mongoUri).connect();
  });
  afterAll(async () => {
    await mongo?.db(names.control).dropDatabase();
    await mongo?.close();
  });

  it('counts per address under the counter key as _id, refuses over the limit, and sweeps lapsed counters', async () => {
    // A counter from before counters were keyed by `_id` would never match again: it goes.
    await mongo
      .db(names.control)
      .collection('rate_limits')
      .insertOne({
        key: 'sub-address:tenant1:contact-a',
        points: 1,
        expire: new Date(Date.now() + 3_600_000),
      });
    const limits = await createSubscribeLimits(mongo, names, {
      perAddressPerHour: 2,
      perIpPerHour: 100,
      secret: 'test secret',
    });
    const counters = mongo
      .db(names.control)
      .collection<{ _id: string; expire: Date }>('rate_limits');
    await limits.checkAddress('tenant1', 'contact-a');
    await limits.checkAddress('tenant1', 'contact-a');
    const refused = await limits.checkAddress('tenant1', 'contact-a').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SubscribeLimitError);
    expect((refused as SubscribeLimitError).retryAfterS).toBeGreaterThan(3500);
    await limits.checkAddress('tenant1', 'contact-b');
    expect((await counters.find().toArray()).map((c) => c._id).sort()).toEqual([
      'sub-address:tenant1:contact-a',
      'sub-address:tenant1:contact-b',
    ]);

    // contact-a's hour is over: the sweep deletes its counter, not contact-b's.
    await counters.updateOne(
      { _id: 'sub-address:tenant1:contact-a' },
      { $set: { expire: new Date(Date.now() - 1000) } },
    );
    expect(await limits.sweep()).toBe(1);
    expect((await counters.find().toArray()).map((c) => c._id)).toEqual([
      'sub-address:tenant1:contact-b',
    ]);
    await limits.checkAddress('tenant1', 'contact-a'); // counts afresh
    await limits.checkAddress('tenant1', 'contact-b');
    await expect(limits.checkAddress('tenant1', 'contact-b')).rejects.toBeInstanceOf(
      SubscribeLimitError,
    );
  });
});
