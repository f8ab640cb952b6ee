/**
 * Per-tenant keys of the Temporal payload codec: 32 random bytes per tenant, stored in the
 * control database (`payload_keys`, `_id` = tenant id) encrypted with client-side field level
 * encryption under the tenant's data key. The payload key is thus wrapped like every other
 * tenant secret: deleting the tenant's data key (crypto-shredding) makes its workflow
 * histories unreadable too. Keys are created on first encode and cached for a short time,
 * so a shredded tenant stops being decodable within a bounded time.
 */
import { randomBytes } from 'node:crypto';
import { MongoServerError, type Binary } from 'mongodb';
import type { FieldEncryption } from '../db/encryption';
import { tenantIdPattern, type DatabaseNames } from '../db/names';
import type { DataLayer } from '../db/open';

/** The control database collection holding the wrapped payload keys. */
export const payloadKeyCollection = 'payload_keys';

/**
 * How long a key stays cached. The driver also caches unwrapped data keys (see
 * src/db/connection.ts), so a running process can decode a shredded tenant for up to this
 * plus that time.
 */
export const PAYLOAD_KEY_TTL_MS = 60_000;

const KEY_BYTES = 32;
const DUPLICATE_KEY = 11000;

/** Why a payload key cannot be used. */
export type PayloadKeyProblem = 'missing' | 'unreadable' | 'invalid-tenant';

/** Thrown when a tenant's payload key does not exist or can no longer be unwrapped. */
export class PayloadKeyUnavailableError extends Error {
  constructor(
    readonly tenantId: string,
    readonly problem: PayloadKeyProblem,
    options?: { cause?: unknown },
  ) {
    super(
      `payload key of tenant ${tenantId} is ${problem === 'missing' ? 'missing' : 'unavailable'}`,
      options,
    );
    this.name = 'PayloadKeyUnavailableError';
  }
}

/** Where the codec gets keys from. */
export interface PayloadKeySource {
  /** The tenant's key, created on first use; for encoding. */
  ensureKey(tenantId: string): Promise<Buffer>;
  /** The tenant's existing key, never creating one; for decoding. */
  findKey(tenantId: string): Promise<Buffer>;
}

/** The store: a key source whose cache tests (and a process that shredded a tenant) can drop. */
export interface PayloadKeyStore extends PayloadKeySource {
  /** Forgets every cached key, so the next use reads the database again. */
  clearCache(): void;
}

/** Options for the store; tests shorten the cache or move the clock. */
export interface PayloadKeyStoreOptions {
  ttlMs?: number;
  now?: () => number;
}

interface PayloadKeyDocument {
  _id: string;
  /** Base64 of the key, encrypted (random algorithm) under the tenant's data key. */
  key: Binary | string;
  createdAt: Date;
}

/** Creates the store over the data layer's shared (decrypting) client. */
export function createPayloadKeyStore(
  data: { mongo: DataLayer['mongo']; names: DatabaseNames; encryption: FieldEncryption },
  options: PayloadKeyStoreOptions = {},
): PayloadKeyStore {
  const ttlMs = options.ttlMs ?? PAYLOAD_KEY_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { key: Promise<Buffer>; expiresAt: number }>();
  const collection = () =>
    data.mongo.db(data.names.control).collection<PayloadKeyDocument>(payloadKeyCollection);

  async function read(tenantId: string): Promise<Buffer> {
    let doc: PayloadKeyDocument | null;
    try {
      // The shared client decrypts on read; it fails here once the data key is gone.
      doc = await collection().findOne({ _id: tenantId });
    } catch (err) {
      throw new PayloadKeyUnavailableError(tenantId, 'unreadable', { cause: err });
    }
    if (!doc) throw new PayloadKeyUnavailableError(tenantId, 'missing');
    const key = typeof doc.key === 'string' ? Buffer.from(doc.key, 'base64') : undefined;
    if (key?.length !== KEY_BYTES) throw new PayloadKeyUnavailableError(tenantId, 'unreadable');
    return key;
  }

  async function create(tenantId: string): Promise<Buffer> {
    // A shredded tenant's record is deleted on purpose: creating one would also create a
    // fresh data key for it (ensureTenantKey) and bring the tenant's encryption back.
    const tenant = await data.mongo
      .db(data.names.control)
      .collection<{ _id: string; status?: string }>('tenants')
      .findOne({ _id: tenantId }, { projection: { status: 1 } });
    if (tenant?.status === 'deleted') throw new PayloadKeyUnavailableError(tenantId, 'unreadable');
    await data.encryption.ensureTenantKey(tenantId);
    const key = randomBytes(KEY_BYTES);
    const wrapped = await data.encryption.encryptPrivate(key.toString('base64'), tenantId);
    try {
      await collection().insertOne({ _id: tenantId, key: wrapped, createdAt: new Date() });
      return key;
    } catch (err) {
      // Another process created it between our read and write: use theirs.
      if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) throw err;
      return read(tenantId);
    }
  }

  /** One lookup per tenant at a time; failures are not cached. */
  function cached(tenantId: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = cache.get(tenantId);
    if (hit && hit.expiresAt > now()) return hit.key;
    const entry = { key: load(), expiresAt: now() + ttlMs };
    cache.set(tenantId, entry);
    entry.key.catch(() => {
      if (cache.get(tenantId) === entry) cache.delete(tenantId);
    });
    return entry.key;
  }

  function checkTenant(tenantId: string): void {
    // Key ids come from payload metadata, i.e. from outside: never echo a malformed one.
    if (!tenantIdPattern.test(tenantId)) {
      throw new PayloadKeyUnavailableError('(invalid)', 'invalid-tenant');
    }
  }

  const store: PayloadKeyStore = {
    async ensureKey(tenantId) {
      try {
        return await store.findKey(tenantId);
      } catch (err) {
        // Only a key that never existed is created; an unreadable one stays unreadable.
        if (!(err instanceof PayloadKeyUnavailableError) || err.problem !== 'missing') throw err;
      }
      return cached(tenantId, () => create(tenantId));
    },

    async findKey(tenantId) {
      checkTenant(tenantId);
      return cached(tenantId, () => read(tenantId));
    },

    clearCache() {
      cache.clear();
    },
  };
  return store;
}
