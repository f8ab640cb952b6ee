/**
 * Client-side field level encryption with one data key per tenant. Fields that must be
 * found by equality (email, phone) use the deterministic algorithm; everything else uses
 * the random one. Deleting a tenant's data key makes every copy of its data unreadable.
 */
import { BSON, ClientEncryption, MongoServerError, type Binary, type MongoClient } from 'mongodb';
import type { MongoCrypt } from 'mongodb-client-encryption';
import type { KmsSettings } from './kms';
import type { DatabaseNames } from './names';
import { isDuplicateKey } from './duplicate-key';

const DETERMINISTIC = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RANDOM = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
type Algorithm = typeof DETERMINISTIC | typeof RANDOM;

/**
 * How long a process keeps an unwrapped data key in memory. After crypto-shredding, a
 * running process can still decrypt for at most this long; new processes never can.
 */
export const DATA_KEY_CACHE_MS = 10_000;
const UNSUPPORTED_INDEX_OPTION = 238;

/** Values the encryption layer accepts. */
export type Plain = string | number | boolean | Date;

/** A document of plain values, encrypted as one value (random algorithm only). */
export interface PlainDocument {
  [field: string]: Plain | PlainDocument | undefined;
}

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
    keyExpirationMS: DATA_KEY_CACHE_MS,
  });
  const encryptNow = cachedKeyEncryption(clientEncryption);

  /** Per tenant, the driver's `encrypt` that is fetching the data key into the cache. */
  const fetchingKey = new Map<string, Promise<Binary>>();

  /**
   * Encrypts under a tenant's key: at once if libmongocrypt holds the key, else through the
   * driver. While one value fetches the key (first use, and again every DATA_KEY_CACHE_MS),
   * the others wait for it instead of each sending the key vault a query of its own.
   */
  async function encryptForTenant(
    value: Plain | PlainDocument,
    algorithm: Algorithm,
    tenantId: string,
  ): Promise<Binary> {
    const keyId = await tenantKeyId(tenantId);
    const now = encryptNow(value, algorithm, keyId);
    if (now) return now;
    const fetching = fetchingKey.get(tenantId);
    if (fetching) {
      await fetching.catch(() => undefined);
      return (
        encryptNow(value, algorithm, keyId) ?? clientEncryption.encrypt(value, { algorithm, keyId })
      );
    }
    const encrypted = clientEncryption.encrypt(value, { algorithm, keyId });
    fetchingKey.set(tenantId, encrypted);
    try {
      return await encrypted;
    } finally {
      fetchingKey.delete(tenantId);
    }
  }

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
      if (!isDuplicateKey(err)) throw err;
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
    encryptSearchable(value: Plain, tenantId: string): Promise<Binary> {
      return encryptForTenant(value, DETERMINISTIC, tenantId);
    },

    /**
     * Encrypts a value that is never searched (names, custom fields, IPs, user agents); a
     * document is encrypted whole and decrypts back to the document.
     */
    encryptPrivate(value: Plain | PlainDocument, tenantId: string): Promise<Binary> {
      return encryptForTenant(value, RANDOM, tenantId);
    },

    /** Decrypts one value explicitly (reads through the shared client decrypt on their own). */
    decrypt<T = unknown>(value: Binary): Promise<T> {
      return clientEncryption.decrypt(value);
    },
  };
}

/** libmongocrypt context states (mongocrypt_ctx_state_t) the shortcut below acts on. */
const CONTEXT_ERROR = 0;
const CONTEXT_READY = 5;

/**
 * Explicit encryption without the driver's asynchronous state machine, for when none of its
 * I/O is needed. `ClientEncryption.encrypt` creates a libmongocrypt context and then runs a
 * state machine that fetches the data key from the key vault and unwraps it through the KMS
 * if libmongocrypt does not hold it yet; with the key cached the context is ready at once,
 * and the promises, timeout context and state machine around it cost as much again as the
 * encryption itself (an import encrypts three values per contact). So: make the context on
 * the driver's own libmongocrypt handle, the same way the driver does, and finalise it
 * synchronously if it is ready; otherwise return undefined and the caller goes through
 * `encrypt`, which fetches the key into the same cache. Same library, key, algorithm and
 * ciphertext as `encrypt`; the handle is an internal of the driver, so where it is missing
 * every value takes the driver's path.
 */
export function cachedKeyEncryption(clientEncryption: ClientEncryption) {
  const crypt = (clientEncryption as unknown as { _mongoCrypt?: MongoCrypt })._mongoCrypt;
  return (
    value: Plain | PlainDocument,
    algorithm: Algorithm,
    keyId: Binary,
  ): Binary | undefined => {
    if (!crypt) return undefined;
    const context = crypt.makeExplicitEncryptionContext(BSON.serialize({ v: value }), {
      keyId: keyId.buffer,
      algorithm,
      expressionMode: false,
    });
    const state = () => context.state; // changes with every call on the context
    if (state() !== CONTEXT_READY) return undefined;
    const result = context.finalize();
    if (state() === CONTEXT_ERROR) throw new Error(context.status.message || 'encryption failed');
    return BSON.deserialize(result).v as Binary;
  };
}
