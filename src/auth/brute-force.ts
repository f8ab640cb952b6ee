/**
 * Brute-force protection for logins and API keys, per account (or key) and per IP address.
 * Failures are counted in the control database (rate-limiter-flexible's Mongo store), so
 * every api process sees the same counts. After `delayAfter` failures each further attempt
 * must wait 1, 2, 4… seconds; at `lockAfter` the account is locked for `lockSeconds`; an IP
 * with `ipLockAfter` failures (any accounts) is locked likewise. A correct login clears the
 * account's count. Keys are HMACs of the address or IP, so the database holds neither, and
 * unknown accounts are counted exactly like real ones.
 *
 * FerretDB has no TTL indexes: the store already ignores expired records at read time, and a
 * sweep deletes them every few minutes.
 */
import { createHmac } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { RateLimiterMongo } from 'rate-limiter-flexible';
import type { Sweep } from '../sweeps';
import { tooMany } from '../errors';

/** Thresholds, from configuration. */
export interface BruteForceSettings {
  delayAfter: number;
  lockAfter: number;
  lockSeconds: number;
  ipLockAfter: number;
}

/** The protection a process uses. */
export type BruteForce = ReturnType<typeof createBruteForce>;

/** How long failures are remembered when no success clears them. */
const FAILURE_WINDOW_SECONDS = 24 * 3600;
const SWEEP_INTERVAL_MS = 5 * 60_000;

/** 429 with Retry-After; the same for existing and unknown accounts. */
export const tooManyAttempts = (seconds: number) =>
  tooMany('too_many_attempts', 'too many failed attempts; try again later', seconds);

const TABLES = ['auth_failures', 'auth_blocks'];

/** Creates the unique index the store relies on (once per process, at start). */
export async function prepareBruteForceStore(mongo: MongoClient, dbName: string): Promise<void> {
  await Promise.all(
    TABLES.map((name) =>
      mongo.db(dbName).collection(name).createIndex({ key: 1 }, { unique: true }),
    ),
  );
}

/** Creates the protection over the shared client; `secret` keys the record names. */
export function createBruteForce(deps: {
  mongo: MongoClient;
  dbName: string;
  secret: string;
  settings: BruteForceSettings;
}) {
  const { settings } = deps;
  const store = (tableName: string, points: number, duration: number) =>
    new RateLimiterMongo({
      storeClient: deps.mongo,
      dbName: deps.dbName,
      tableName,
      keyPrefix: tableName,
      points,
      duration,
      disableIndexesCreation: true, // its TTL index fails on FerretDB; see prepare()
    });
  const failures = store('auth_failures', settings.lockAfter, FAILURE_WINDOW_SECONDS);
  const blocks = store('auth_blocks', 1, 1);
  const collections = TABLES.map((name) => deps.mongo.db(deps.dbName).collection(name));
  const name = (kind: string, value: string) =>
    `${kind}:${createHmac('sha256', deps.secret).update(`${kind}:${value}`).digest('base64url')}`;

  async function failAndMaybeBlock(key: string, delayAfter: number, lockAfter: number) {
    const count = (await failures.penalty(key, 1)).consumedPoints;
    if (count >= lockAfter) {
      await blocks.block(key, settings.lockSeconds);
      return true;
    }
    if (count >= delayAfter) {
      await blocks.block(key, Math.min(2 ** (count - delayAfter), settings.lockSeconds));
    }
    return false;
  }

  return {
    /** The record name of an account (normalised email or `key:<id>`). */
    accountKey: (account: string) => name('account', account),
    /** The record name of an IP address. */
    ipKey: (ip: string) => name('ip', ip),

    /** Throws 429 when any of the keys must still wait; otherwise returns. */
    async assertAllowed(keys: string[]): Promise<void> {
      const waits = await Promise.all(keys.map((key) => blocks.get(key)));
      const ms = Math.max(
        0,
        ...waits.map((res) => (res && res.consumedPoints > 0 ? res.msBeforeNext : 0)),
      );
      if (ms > 0) throw tooManyAttempts(Math.ceil(ms / 1000));
    },

    /** Counts a failure for the account and the IP; says whether the account is now locked. */
    async fail(account: string, ip: string): Promise<{ locked: boolean }> {
      const [locked] = await Promise.all([
        failAndMaybeBlock(account, settings.delayAfter, settings.lockAfter),
        failAndMaybeBlock(ip, settings.ipLockAfter, settings.ipLockAfter),
      ]);
      return { locked };
    },

    /** Clears the account's failures after a correct login. */
    async succeed(account: string): Promise<void> {
      await Promise.all([failures.delete(account), blocks.delete(account)]);
    },

    /** Deletes expired records (what a TTL index would do). */
    async sweep(): Promise<void> {
      await Promise.all(collections.map((c) => c.deleteMany({ expire: { $lt: new Date() } })));
    },

    /** The sweep the entry point runs (src/sweeps.ts). */
    get periodicSweep(): Sweep {
      return { name: 'brute-force records', everyMs: SWEEP_INTERVAL_MS, run: () => this.sweep() };
    },
  };
}
