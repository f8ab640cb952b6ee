/**
 * Expired console sessions on the real MongoDB-wire server (FerretDB here: no TTL index): the
 * session sweep deletes the records whose expiry has passed and keeps live ones.
 */
import { MongoClient } from 'mongodb';
import { sessionSweep } from '../../src/auth/sessions';
import { databaseNames } from '../../src/db/names';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('session sweep', () => {
  let mongo: MongoClient;
  const names = databaseNames(`ss${uniqueSuffix()}_`);
  beforeAll(async () => {
    mongo = await new MongoClient(testServices().mongoUri).connect();
  });
  afterAll(async () => {
    await mongo?.db(names.control).dropDatabase();
    await mongo?.close();
  });

  it('deletes expired session records and keeps live ones', async () => {
    const sessions = mongo.db(names.control).collection<{ _id: string; expires: Date }>('sessions');
    await sessions.insertMany([
      { _id: 'expired', expires: new Date(Date.now() - 1000) },
      { _id: 'live', expires: new Date(Date.now() + 3_600_000) },
    ]);
    const sweep = sessionSweep(mongo, names.control);
    expect(sweep.everyMs).toBe(10 * 60_000);
    await sweep.run();
    expect((await sessions.find().toArray()).map((s) => s._id)).toEqual(['live']);
  });
});
