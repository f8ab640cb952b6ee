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
const UNSUPPORTED_INDEX_OPTION = 238;

/** Values the encryption layer accepts. */
export type Plain = string | number | boolean | Date;

/** Encryption operations bound to one install's key vault. */
export type FieldEncryption = ReturnType<typeof createFieldEncryption>;

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
  });

  return {
    /** Returns the tenant's data key id, creating the key on first use. Idempotent. */
    async ensureTenantKey(tenantId: string): Promise<Binary> {
      const altName = tenantKeyAltName(tenantId);
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
    },

    /** Encrypts a value that must stay searchable by exact match (email, phone). */
    encryptSearchable(value: Plain, tenantId: string): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: DETERMINISTIC,
        keyAltName: tenantKeyAltName(tenantId),
      });
    },

    /** Encrypts a value that is never searched (names, custom fields, IPs, user agents). */
    encryptPrivate(value: Plain, tenantId: string): Promise<Binary> {
      return clientEncryption.encrypt(value, {
        algorithm: RANDOM,
        keyAltName: tenantKeyAltName(tenantId),
      });
    },

    /** Decrypts one value explicitly (reads through the shared client decrypt on their own). */
    decrypt<T = unknown>(value: Binary): Promise<T> {
      return clientEncryption.decrypt(value);
    },
  };
}
