/**
 * Flood protection for subscriptions, with counters in the database (shared by every api
 * process, surviving restarts): per address (keyed by the opaque contact id) and per
 * subscriber IP (keyed by an HMAC of the address, never the address itself), per tenant and
 * hour. A refused request changes nothing, so subscriptions already made are never lost.
 *
 * rate-limiter-flexible's Mongo store wants a TTL index, which FerretDB lacks (code 238): the
 * store replaces an expired counter on its next use anyway, so only the unique key index is
 * created here, and the api sweeps expired counters every few minutes (`periodicSweep`), as a
 * TTL index would.
 *
 * Each counter's `_id` is its key (the store's `attrs`, which it adds to both the lookup and
 * the inserted document): a subscription then finds its counters through the `_id` index,
 * while the store's own `{key}` lookup is an index only on MongoDB, not on the embedded
 * FerretDB, where it would read every counter of every address on each request.
 */
import { createHmac } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { DatabaseNames } from '../../db/names';
import type { Sweep } from '../../sweeps';
import { AppError } from '../../errors';

const HOUR_S = 3600;
const SWEEP_INTERVAL_MS = 10 * 60_000;

/** Thrown when a limit is reached (429 `rate_limited`, `retryAfterS` in `Retry-After`). */
export class SubscribeLimitError extends AppError {
  declare readonly retryAfterS: number;

  constructor(
    readonly scope: 'address' | 'ip',
    retryAfterS: number,
  ) {
    super(
      'too_many',
      'rate_limited',
      scope === 'address'
        ? 'too many subscription requests for this address; retry later'
        : 'too many subscription requests from this address of origin; retry later',
      { retryAfterS },
    );
    this.name = 'SubscribeLimitError';
  }
}

/** The limiter. */
export type SubscribeLimits = Awaited<ReturnType<typeof createSubscribeLimits>>;

/** Creates the limiter over the control database. */
export async function createSubscribeLimits(
  mongo: MongoClient,
  names: DatabaseNames,
  options: { perAddressPerHour: number; perIpPerHour: number; secret: string },
) {
  const collection = 'rate_limits';
  const counters = mongo.db(names.control).collection(collection);
  await counters.createIndex({ key: 1 }, { unique: true });
  // Counters from before they were keyed by `_id` are found only through the store's slow
  // `{key}` fallback: they hold at most an hour's counts, so they go.
  await counters.deleteMany({ _id: { $type: 'objectId' } });
  const common = {
    storeClient: mongo,
    dbName: names.control,
    tableName: collection,
    disableIndexesCreation: true,
    duration: HOUR_S,
  };
  const byAddress = new RateLimiterMongo({
    ...common,
    keyPrefix: 'sub-address',
    points: options.perAddressPerHour,
  });
  const byIp = new RateLimiterMongo({
    ...common,
    keyPrefix: 'sub-ip',
    points: options.perIpPerHour,
  });
  const ipKey = (ip: string) =>
    createHmac('sha256', options.secret).update(ip).digest('base64url').slice(0, 22);

  const take = async (limiter: RateLimiterMongo, key: string, scope: 'address' | 'ip') => {
    try {
      await limiter.consume(key, 1, { attrs: { _id: limiter.getKey(key) } });
    } catch (err) {
      if (err instanceof RateLimiterRes)
        throw new SubscribeLimitError(scope, Math.ceil(err.msBeforeNext / 1000));
      throw err;
    }
  };

  return {
    /** Counts a request from `ip` (the subscriber's, when known); throws when over the limit. */
    async checkIp(tenantId: string, ip: string | undefined): Promise<void> {
      if (ip) await take(byIp, `${tenantId}:${ipKey(ip)}`, 'ip');
    },
    /** Counts a request for the address with this contact id; throws when over the limit. */
    async checkAddress(tenantId: string, contactId: string): Promise<void> {
      await take(byAddress, `${tenantId}:${contactId}`, 'address');
    },
    /** Deletes the counters whose hour is over; says how many. */
    async sweep(): Promise<number> {
      return (await counters.deleteMany({ expire: { $lt: new Date() } })).deletedCount;
    },
    /** The sweep the entry point runs (src/sweeps.ts). */
    get periodicSweep(): Sweep {
      return {
        name: 'subscription flood counters',
        everyMs: SWEEP_INTERVAL_MS,
        run: () => this.sweep(),
      };
    },
  };
}
