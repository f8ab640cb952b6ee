/**
 * The brute-force store on the real MongoDB-wire server (FerretDB here: no TTL indexes):
 * counts, blocks that expire at read time, re-blocking over an expired record, the sweep
 * that deletes expired records, and a success that clears an account.
 */
import { MongoClient } from 'mongodb';
import { toHttpProblem } from '../../src/api/middleware/error-handler';
import { createBruteForce, prepareBruteForceStore } from '../../src/auth/brute-force';
import { testServices, uniqueSuffix } from '../helpers/services';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('brute-force store', () => {
  let mongo: MongoClient;
  const dbName = `bf_${uniqueSuffix()}`;
  beforeAll(async () => {
    mongo = await new MongoClient(testServices().mongoUri).connect();
    await prepareBruteForceStore(mongo, dbName);
  });
  afterAll(async () => {
    await mongo?.db(dbName).dropDatabase();
    await mongo?.close();
  });

  const retryAfter = (promise: Promise<void>) =>
    promise.then(
      () => 0,
      (err: unknown) => Number(toHttpProblem(err)?.headers['Retry-After']),
    );

  it('blocks, lets blocks lapse, blocks again over the lapsed record, and sweeps what expired', async () => {
    const guard = createBruteForce({
      mongo,
      dbName,
      secret: 'test secret',
      settings: { delayAfter: 1, lockAfter: 3, lockSeconds: 1, ipLockAfter: 100 },
    });
    const account = guard.accountKey(`someone-${uniqueSuffix()}@example.test`);
    const ip = guard.ipKey('192.0.2.1');
    expect(await retryAfter(guard.assertAllowed([account, ip]))).toBe(0);

    expect(await guard.fail(account, ip)).toEqual({ locked: false }); // 1st: 1 s delay
    expect(await retryAfter(guard.assertAllowed([account, ip]))).toBe(1);
    await sleep(1100);
    expect(await retryAfter(guard.assertAllowed([account, ip]))).toBe(0);
    expect(await guard.fail(account, ip)).toEqual({ locked: false }); // over the lapsed block
    expect(await retryAfter(guard.assertAllowed([account]))).toBe(1);
    await sleep(1100);
    expect(await guard.fail(account, ip)).toEqual({ locked: true }); // 3rd: lockout

    const blocks = mongo.db(dbName).collection('auth_blocks');
    const failures = mongo.db(dbName).collection('auth_failures');
    // Neither the address nor the IP is stored, only keyed hashes.
    const stored = JSON.stringify(await failures.find().toArray());
    expect(stored).not.toContain('example.test');
    expect(stored).not.toContain('192.0.2.1');

    await sleep(1100);
    expect(await blocks.countDocuments({ key: { $regex: 'account' } })).toBe(1);
    await guard.sweep();
    expect(await blocks.countDocuments({ key: { $regex: 'account' } })).toBe(0);
    expect(await failures.countDocuments()).toBe(2); // account and IP, still within their window

    await guard.succeed(account);
    expect(await failures.countDocuments()).toBe(1); // the IP's count stays
  });
});
