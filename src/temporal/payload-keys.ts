/**
 * Per-tenant keys of the Temporal payload codec: 32 random bytes per tenant, stored in the
 * control database (`payload_keys`, `_id` = tenant id) encrypted with client-side field level
 * encryption under the tenant's data key. The payload key is thus wrapped like every other
 * tenant secret: deleting the tenant's data key (crypto-shredding) makes its workflow
 * histories unreadable too. Keys are created on first encode and cached for a short time,
 * so a shredded tenant stops being decodable within a bounded time.
 *
 * One more key, `platform`, is wrapped under the platform's data key instead: it seals the
 * workflows that destroy a tenant (src/temporal/payload-key-owner.ts), which must stay
 * readable after the tenant's keys are gone.
 */
import { randomBytes } from 'node:crypto';
import type { Binary } from 'mongodb';
import type { FieldEncryption } from '../db/encryption';
import { tenantIdPattern, type DatabaseNames } from '../db/names';
import type { DataLayer } from '../db/open';
import { isDuplicateKey } from '../db/duplicate-key';

/** The control database collection holding the wrapped payload keys. */
export const payloadKeyCollection = 'payload_keys';

/**
 * How long a key stays cached. The driver also caches unwrapped data keys (see
 * src/db/connection.ts), so a running process can decode a shredded tenant for up to this
 * plus that time.
 */
export const PAYLOAD_KEY_TTL_MS = 60_000;

/**
 * The id of the platform's payload key, stored as `_id: 'platform'` beside the tenants'.
 * It never names a tenant: tenant ids are `t` + 19 hex digits (newTenantId in
 * src/tenants/provision-tenant.ts), and this id is 8 characters with letters beyond hex.
 */
export const PLATFORM_PAYLOAD_KEY_ID = 'platform';

const KEY_BYTES = 32;

/** Why a payload key cannot be used. */
export type PayloadKeyProblem = 'missing' | 'unreadable' | 'invalid-tenant';

/** Thrown when a payload key does not exist or can no longer be unwrapped. */
export class PayloadKeyUnavailableError extends Error {
  constructor(
    /** The key id: a tenant id, or PLATFORM_PAYLOAD_KEY_ID. */
    readonly tenantId: string,
    readonly problem: PayloadKeyProblem,
    options?: { cause?: unknown },
  ) {
    const owner = tenantId === PLATFORM_PAYLOAD_KEY_ID ? 'the platform' : `tenant ${tenantId}`;
    super(
      `payload key of ${owner} is ${problem === 'missing' ? 'missing' : 'unavailable'}`,
      options,
    );
    this.name = 'PayloadKeyUnavailableError';
  }
}

/** Where the codec gets keys from; a key id is a tenant id or PLATFORM_PAYLOAD_KEY_ID. */
export interface PayloadKeySource {
  /** The key, created on first use; for encoding. */
  ensureKey(keyId: string): Promise<Buffer>;
  /** The existing key, never creating one; for decoding. */
  findKey(keyId: string): Promise<Buffer>;
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
  /** Base64 of the key, encrypted (random algorithm) under the tenant's (or platform's) data key. */
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

  async function read(keyId: string): Promise<Buffer> {
    let doc: PayloadKeyDocument | null;
    try {
      // The shared client decrypts on read; it fails here once the data key is gone.
      doc = await collection().findOne({ _id: keyId });
    } catch (err) {
      throw new PayloadKeyUnavailableError(keyId, 'unreadable', { cause: err });
    }
    if (!doc) throw new PayloadKeyUnavailableError(keyId, 'missing');
    const key = typeof doc.key === 'string' ? Buffer.from(doc.key, 'base64') : undefined;
    if (key?.length !== KEY_BYTES) throw new PayloadKeyUnavailableError(keyId, 'unreadable');
    return key;
  }

  /** Wraps a new tenant key under the tenant's data key. */
  async function wrapForTenant(tenantId: string, key: Buffer): Promise<Binary> {
    // A shredded tenant's record is deleted on purpose: creating one would also create a
    // fresh data key for it (ensureTenantKey) and bring the tenant's encryption back.
    const tenant = await data.mongo
      .db(data.names.control)
      .collection<{ _id: string; status?: string }>('tenants')
      .findOne({ _id: tenantId }, { projection: { status: 1 } });
    if (tenant?.status === 'deleted') throw new PayloadKeyUnavailableError(tenantId, 'unreadable');
    await data.encryption.ensureTenantKey(tenantId);
    return data.encryption.encryptPrivate(key.toString('base64'), tenantId);
  }

  /** Wraps the platform key under the platform's data key, which no tenant's fate touches. */
  async function wrapForPlatform(key: Buffer): Promise<Binary> {
    await data.encryption.ensurePlatformKey();
    return data.encryption.encryptPlatformPrivate(key.toString('base64'));
  }

  async function create(keyId: string): Promise<Buffer> {
    const key = randomBytes(KEY_BYTES);
    const wrapped =
      keyId === PLATFORM_PAYLOAD_KEY_ID
        ? await wrapForPlatform(key)
        : await wrapForTenant(keyId, key);
    try {
      await collection().insertOne({ _id: keyId, key: wrapped, createdAt: new Date() });
      return key;
    } catch (err) {
      // Another process created it between our read and write: use theirs.
      if (!isDuplicateKey(err)) throw err;
      return read(keyId);
    }
  }

  /** One lookup per key id at a time; failures are not cached. */
  function cached(keyId: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = cache.get(keyId);
    if (hit && hit.expiresAt > now()) return hit.key;
    const entry = { key: load(), expiresAt: now() + ttlMs };
    cache.set(keyId, entry);
    entry.key.catch(() => {
      if (cache.get(keyId) === entry) cache.delete(keyId);
    });
    return entry.key;
  }

  function checkKeyId(keyId: string): void {
    // Key ids come from payload metadata, i.e. from outside: never echo a malformed one.
    if (keyId !== PLATFORM_PAYLOAD_KEY_ID && !tenantIdPattern.test(keyId)) {
      throw new PayloadKeyUnavailableError('(invalid)', 'invalid-tenant');
    }
  }

  const store: PayloadKeyStore = {
    async ensureKey(keyId) {
      try {
        return await store.findKey(keyId);
      } catch (err) {
        // Only a key that never existed is created; an unreadable one stays unreadable.
        if (!(err instanceof PayloadKeyUnavailableError) || err.problem !== 'missing') throw err;
      }
      return cached(keyId, () => create(keyId));
    },

    async findKey(keyId) {
      checkKeyId(keyId);
      return cached(keyId, () => read(keyId));
    },

    clearCache() {
      cache.clear();
    },
  };
  return store;
}
