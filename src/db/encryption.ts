/**
 * Client-side field level encryption with one data key per tenant. Fields that must be
 * found by equality (email, phone) use the deterministic algorithm; everything else uses
 * the random one. Deleting a tenant's data key makes every copy of its data unreadable.
 */
import { ClientEncryption, MongoServerError, type Binary, type MongoClient } from 'mongodb';
import type { KmsSettings } from './kms';
import type { DatabaseNames } from './names';

const DETERMINISTIC = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RANDOM = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const DUPLICATE_KEY = 11000;

/**
 * How long a process keeps an unwrapped data key in memory. After crypto-shredding, a
 * running process can still decrypt for at most this long; new processes never can.
 */
export const DATA_KEY_CACHE_MS = 10_000;
const UNSUPPORTED_INDEX_OPTION = 238;

/** Values the encryption layer accepts. */
export type Plain = string | number | boolean | Date;

/** Encryption operations bound to one install's key vault. */
export type FieldEncryption = ReturnType<typeof createFieldEncryption>;

/** The key vault alternate name of the platform's data key (staff accounts, not contacts). */
export const PLATFORM_KEY_ALT_NAME = 'platform';

/** The key vault alternate name of a tenant's data key. */
export const tenantKeyAltName = (tenantId: string) => `tenant:${tenantId}`;

/**
 * Prepares the key vault: a unique index on keyAltNames, so concurrent provisioning cannot
 * create two keys for one tenant. MongoDB's recommended partial index is used where the
 * server supports it; FerretDB rejects partial indexes, and there every key has a name.
 */
export async function prepareKeyVault(client: MongoClient, names: DatabaseNames): Promise<void> {
  const keys = client.db(names.keyVault).collection('datakeys');
  try {
    await keys.createIndex(
      { keyAltNames: 1 },
      {
        unique: true,
        name: 'keyAltNames_unique',
        partialFilterExpression: { keyAltNames: { $exists: true } },
      },
    );
  } catch (err) {
    if (!(err instanceof MongoServerError) || err.code !== UNSUPPORTED_INDEX_OPTION) throw err;
    await keys.createIndex({ keyAltNames: 1 }, { unique: true, name: 'keyAltNames_unique' });
  }
}

/** Creates the encryption operations over a connected client. */
export function createFieldEncryption(client: MongoClient, names: DatabaseNames, kms: KmsSettings) {
  const clientEncryption = new ClientEncryption(client, {
    keyVaultNamespace: names.keyVaultNamespace,
    kmsProviders: kms.kmsProviders,
    tlsOptions: kms.tlsOptions,
  });

  /** Returns the id of the data key named `altName`, creating it on first use. Idempotent. */
  async function ensureKey(altName: string): Promise<Binary> {
    const existing = await clientEncryption.getKeyByAltName(altName);
    if (existing) return existing._id;
    try {
      return await clientEncryption.createDataKey(kms.provider as 'local', {
        keyAltNames: [altName],
        masterKey: kms.masterKey as never,
      });
    } catch (err) {
      // Another process created it between our read and write: use theirs.
      if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) throw err;
      const winner = await clientEncryption.getKeyByAltName(altName);
      if (!winner) throw err;
      return winner._id;
    }
  }

  /**
   * Tenant key ids, looked up once per process. Encrypting by id rather than by name lets
   * the driver's key cache answer, where a name costs a key vault query per value (and a
   * burst of them when a batch of thousands of values is encrypted at once).
   */
  const keyIds = new Map<string, Promise<Binary>>();
  function tenantKeyId(tenantId: string): Promise<Binary> {
    let id = keyIds.get(tenantId);
    if (!id) {
      id = clientEncryption.getKeyByAltName(tenantKeyAltName(tenantId)).then((key) => {
        if (!key) throw new Error('the tenant has no data key');
        return key._id;
      });
      id.catch(() => keyIds.delete(tenantId));
      keyIds.set(tenantId, id);
    }
    return id;
  }

  return {
    /** Returns the tenant's data key id, creating the key on first use. Idempotent. */
    ensureTenantKey: (tenantId: string) => ensureKey(tenantKeyAltName(tenantId)),

    /** Returns the platform's own data key id (staff accounts), creating it on first use. */
    ensurePlatformKey: () => ensureKey(PLATFORM_KEY_ALT_NAME),

    /**
     * Deletes the tenant's data key: crypto-shredding. Every copy of data encrypted under
     * it, backups included, becomes unreadable once the key vault no longer holds it.
     */
    async deleteTenantKey(tenantId: string): Promise<boolean> {
      keyIds.delete(tenantId);
      const key = await clientEncryption.getKeyByAltName(tenantKeyAltName(tenantId));
      if (!key) return false;
      await clientEncryption.deleteKey(key._id);
      return true;
    },

    /** Encrypts a platform-level value that must be found by exact match (staff emails). */
    encryptPlatformSearchable(value: Plain): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: DETERMINISTIC,
        keyAltName: PLATFORM_KEY_ALT_NAME,
      });
    },

    /** Encrypts a never-searched platform-level value (TOTP secrets, IPs of unknown callers). */
    encryptPlatformPrivate(value: Plain): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: RANDOM,
        keyAltName: PLATFORM_KEY_ALT_NAME,
      });
    },

    /** Encrypts a value that must stay searchable by exact match (email, phone). */
    async encryptSearchable(value: Plain, tenantId: string): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: DETERMINISTIC,
        keyId: await tenantKeyId(tenantId),
      });
    },

    /** Encrypts a value that is never searched (names, custom fields, IPs, user agents). */
    async encryptPrivate(value: Plain, tenantId: string): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: RANDOM,
        keyId: await tenantKeyId(tenantId),
      });
    },

    /** Decrypts one value explicitly (reads through the shared client decrypt on their own). */
    decrypt<T = unknown>(value: Binary): Promise<T> {
      return clientEncryption.decrypt(value);
    },
  };
}
