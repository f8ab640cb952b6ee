/**
 * The synchronous shortcut for encrypting under a cached data key gives exactly what the
 * driver's `encrypt` gives, and is in use: a driver update that moves its libmongocrypt
 * handle would make every value take the slow path, and this test fail.
 */
import { randomBytes } from 'node:crypto';
import { Binary, ClientEncryption, MongoClient } from 'mongodb';
import { cachedKeyEncryption } from '../../src/db/encryption';
import { testServices, uniqueSuffix } from '../helpers/services';

const DETERMINISTIC = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RANDOM = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

describe('encryption under a cached data key', () => {
  let client: MongoClient;
  let encryption: ClientEncryption;
  let keyId: Binary;
  beforeAll(async () => {
    client = await new MongoClient(testServices().mongoUri).connect();
    encryption = new ClientEncryption(client, {
      keyVaultNamespace: `cache${uniqueSuffix()}.datakeys`,
      kmsProviders: { local: { key: randomBytes(96) } },
    });
    keyId = await encryption.createDataKey('local');
  });
  afterAll(() => client?.close());

  it('waits for the driver to fetch a key it does not hold, then encrypts at once', async () => {
    const encryptNow = cachedKeyEncryption(encryption);
    expect(encryptNow('ada@example.test', DETERMINISTIC, keyId)).toBeUndefined();

    const byDriver = await encryption.encrypt('ada@example.test', {
      algorithm: DETERMINISTIC,
      keyId,
    });
    const now = encryptNow('ada@example.test', DETERMINISTIC, keyId);
    expect(now).toBeInstanceOf(Binary);
    expect(now!.sub_type).toBe(6);
    expect(Buffer.from(now!.buffer).equals(Buffer.from(byDriver.buffer))).toBe(true);

    const details = { firstName: 'Ada', custom: { team: 'analytical engines' } };
    const sealed = encryptNow(details, RANDOM, keyId)!;
    expect(Buffer.from(sealed.buffer).includes('Ada')).toBe(false);
    expect(await encryption.decrypt(sealed)).toEqual(details);
    expect(await encryption.decrypt(encryptNow('Lovelace', RANDOM, keyId)!)).toBe('Lovelace');
  });

  it('refuses a key that does not exist through the driver, not silently', async () => {
    const encryptNow = cachedKeyEncryption(encryption);
    const unknown = new Binary(randomBytes(16), 4);
    expect(encryptNow('x', RANDOM, unknown)).toBeUndefined();
    await expect(encryption.encrypt('x', { algorithm: RANDOM, keyId: unknown })).rejects.toThrow();
  });
});
