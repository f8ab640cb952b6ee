/**
 * Master key rotation against the real database server: data keys of two tenants encrypt
 * deterministic and random values; after a rotation a client holding only the new master
 * key reads every value unchanged and finds the deterministic ones by equality, and the old
 * master key unwraps nothing. Interrupted, repeated and failing rotations are safe.
 */
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClientEncryption, MongoClient, type Binary, type KMSProviders } from 'mongodb';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../src/config';
import { connectMongo } from '../../src/db/connection';
import { createFieldEncryption, prepareKeyVault, tenantKeyAltName } from '../../src/db/encryption';
import { loadKmsSettings } from '../../src/db/kms';
import { loadOrCreateLocalMasterKey } from '../../src/db/master-key';
import { rotateMasterKey } from '../../src/db/master-key-rotation';
import {
  createGeneration,
  generationPath,
  readKeyring,
  setActiveGeneration,
} from '../../src/db/master-keyring';
import { databaseNames } from '../../src/db/names';
import { openDataLayer } from '../../src/db/open';
import { StartupError } from '../../src/startup';
import { spawnEntry } from '../helpers/processes';
import { testServices, uniqueSuffix } from '../helpers/services';
import { testConfig } from '../helpers/stack';

const DETERMINISTIC = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';

interface StoredContact {
  tenantId: string;
  email: string;
  name: string;
  cipher: { email: Binary; name: Binary };
}

/** An install with two tenants whose contacts hold an encrypted email and name each. */
async function installWithTwoTenants(overrides: Record<string, string> = {}) {
  const { config, env } = await testConfig(overrides);
  const names = databaseNames(config.mongo.dbPrefix);
  const kms = await loadKmsSettings(config);
  const mongo = await connectMongo({
    uri: config.mongo.uri,
    names,
    kmsProviders: kms.kmsProviders,
  });
  await prepareKeyVault(mongo, names);
  const encryption = createFieldEncryption(mongo, names, kms);
  const contacts: StoredContact[] = [];
  for (const tenantId of [`ten${uniqueSuffix()}`, `ten${uniqueSuffix()}`]) {
    await encryption.ensureTenantKey(tenantId);
    const email = `contact-${uniqueSuffix()}@example.org`;
    const name = `Name ${uniqueSuffix()}`;
    const cipher = {
      email: await encryption.encryptSearchable(email, tenantId),
      name: await encryption.encryptPrivate(name, tenantId),
    };
    await mongo
      .db(names.tenant(tenantId))
      .collection('contacts')
      .insertOne({ _id: 'c1' as never, ...cipher });
    contacts.push({ tenantId, email, name, cipher });
  }
  await mongo.close();
  return { config, env, names, contacts, firstKey: await keyFile(config, 1) };
}

const keyFile = (config: Config, generation: number) =>
  loadOrCreateLocalMasterKey(generationPath(config.kms.keyringDir, generation));

const rotate = async (config: Config, client: MongoClient) => {
  const lines: string[] = [];
  const result = await rotateMasterKey({
    client,
    names: databaseNames(config.mongo.dbPrefix),
    kms: config.kms,
    log: (line) => lines.push(line),
  });
  return { ...result, lines };
};

/** Checks every value through a client that has exactly the master keys the config loads. */
async function expectReadableWithLoadedKeysOnly(config: Config, contacts: StoredContact[]) {
  const names = databaseNames(config.mongo.dbPrefix);
  const kms = await loadKmsSettings(config);
  const mongo = await connectMongo({
    uri: config.mongo.uri,
    names,
    kmsProviders: kms.kmsProviders,
  });
  try {
    const encryption = createFieldEncryption(mongo, names, kms);
    for (const contact of contacts) {
      const contactsOf = mongo.db(names.tenant(contact.tenantId)).collection('contacts');
      // Reads decrypt transparently, exactly as the api and worker read.
      expect(await contactsOf.findOne({ _id: 'c1' as never })).toMatchObject({
        email: contact.email,
        name: contact.name,
      });
      // Equality search: the same value encrypts to the same bytes as before the rotation.
      const probe = await encryption.encryptSearchable(contact.email, contact.tenantId);
      expect(Buffer.from(probe.buffer).equals(Buffer.from(contact.cipher.email.buffer))).toBe(true);
      expect(await contactsOf.countDocuments({ email: probe })).toBe(1);
    }
  } finally {
    await mongo.close();
  }
}

/** KMS providers holding the given local master keys under the given provider names. */
function localKeys(keys: Record<string, Buffer>): KMSProviders {
  const providers: KMSProviders = {};
  for (const [name, key] of Object.entries(keys)) providers[name as `local:${string}`] = { key };
  return providers;
}

/** A client-side encryption object holding exactly `kmsProviders`, over a plain client. */
const encryptionWith = (raw: MongoClient, config: Config, kmsProviders: KMSProviders) =>
  new ClientEncryption(raw, {
    keyVaultNamespace: databaseNames(config.mongo.dbPrefix).keyVaultNamespace,
    kmsProviders,
  });

describe('master key rotation', () => {
  let raw: MongoClient;
  beforeAll(async () => {
    raw = await new MongoClient(testServices().mongoUri).connect();
  });
  afterAll(async () => {
    await raw?.close();
  });

  it('rewraps every data key so only the new master key reads the data', async () => {
    const { config, contacts, firstKey } = await installWithTwoTenants();

    const result = await rotate(config, raw);

    expect(result).toMatchObject({ target: 'local:g2', rewrapped: 2, unchanged: 0, failures: [] });
    expect(result.retired.map((f) => path.relative(config.kms.keyringDir, f))).toEqual([
      path.join('retired', 'g1.key'),
    ]);
    const keyring = await readKeyring(config.kms.keyringDir, config.kms.legacyKeyFile);
    expect(keyring.active).toBe(2);
    expect(keyring.keys.map((k) => k.provider)).toEqual(['local:g2']);
    expect(Object.keys((await loadKmsSettings(config)).kmsProviders)).toEqual(['local:g2']);
    await expectReadableWithLoadedKeysOnly(config, contacts);

    // The old master key unwraps nothing, under its own name or posing as the new one.
    for (const name of ['local:g1', 'local:g2']) {
      const oldOnly = encryptionWith(raw, config, localKeys({ [name]: firstKey }));
      for (const { cipher } of contacts) {
        await expect(oldOnly.decrypt(cipher.email)).rejects.toThrow();
        await expect(oldOnly.decrypt(cipher.name)).rejects.toThrow();
      }
    }
    expect(result.lines.join('\n')).not.toMatch(/example\.org|Name /);
  });

  it('runs as `npm run rotate-master-key` and can be repeated', async () => {
    const { config, env, contacts } = await installWithTwoTenants();

    const command = spawnEntry('src/commands/rotate-master-key.ts', env);
    expect(await command.exit).toBe(0);
    const output = command.output();
    expect(output).toMatch(/created master key generation local:g2/);
    expect(output).toMatch(/2 data keys rewrapped to local:g2, 0 already were/);
    expect(output).toMatch(/verified: every data key unwraps with local:g2 alone/);
    expect(output).toMatch(/retired .*g1\.key: keep it as long as you keep key vault backups/);
    expect(output).toMatch(/restart the api and the worker/);
    for (const contact of contacts) expect(output).not.toContain(contact.email);

    const second = await rotate(config, raw);
    expect(second).toMatchObject({ target: 'local:g3', rewrapped: 2, failures: [] });
    await expectReadableWithLoadedKeysOnly(config, contacts);
    const retired = await readdir(path.join(config.kms.keyringDir, 'retired'));
    expect(retired.filter((f) => f.endsWith('.key')).sort()).toEqual(['g1.key', 'g2.key']);
  });

  it('finishes a rotation that was interrupted halfway instead of starting another', async () => {
    const { config, contacts, firstKey } = await installWithTwoTenants();
    // What a run killed after rewrapping the first key leaves behind: generation 2 active,
    // one data key on it, one still on generation 1, and its lock file.
    const dir = config.kms.keyringDir;
    await createGeneration(dir, 2);
    await setActiveGeneration(dir, 2);
    const both = encryptionWith(
      raw,
      config,
      localKeys({ 'local:g1': firstKey, 'local:g2': await keyFile(config, 2) }),
    );
    await both.rewrapManyDataKey(
      { keyAltNames: tenantKeyAltName(contacts[0]!.tenantId) },
      {
        provider: 'local:g2' as 'local',
      },
    );
    await writeFile(path.join(dir, 'rotation.lock'), `999999999@${os.hostname()}`);

    const resumed = await rotate(config, raw);

    expect(resumed.lines[0]).toBe('resuming the rotation to master key generation local:g2');
    expect(resumed).toMatchObject({ target: 'local:g2', rewrapped: 1, unchanged: 1, failures: [] });
    expect(resumed.retired.map((f) => path.basename(f))).toEqual(['g1.key']);
    await expectReadableWithLoadedKeysOnly(config, contacts);

    // Run again right after: a fresh rotation, still consistent.
    expect(await rotate(config, raw)).toMatchObject({ target: 'local:g3', failures: [] });
    await expectReadableWithLoadedKeysOnly(config, contacts);
  });

  it('reports a data key it cannot unwrap on one line, exits non-zero and retires nothing', async () => {
    const { config, env, contacts } = await installWithTwoTenants();
    const stranger = `str${uniqueSuffix()}`;
    // A data key wrapped by a master key this install never had.
    const foreign = encryptionWith(raw, config, localKeys({ 'local:g7': randomBytes(96) }));
    const foreignId = await foreign.createDataKey('local:g7' as 'local', {
      keyAltNames: [tenantKeyAltName(stranger)],
    });

    const command = spawnEntry('src/commands/rotate-master-key.ts', env);
    expect(await command.exit).toBe(1);
    const failures = command
      .output()
      .split('\n')
      .filter((l) => /cannot rewrap/.test(l));
    expect(failures).toEqual([
      `rotate-master-key: data key ${foreignId.toUUID().toHexString()} (tenant:${stranger}): ` +
        'cannot rewrap from local:g7: KMS provider `local:g7` is not configured',
    ]);
    expect(command.output()).toMatch(/no old master key was retired/);
    const keyring = await readKeyring(config.kms.keyringDir, config.kms.legacyKeyFile);
    expect(keyring.keys.map((k) => k.provider)).toEqual(['local:g1', 'local:g2']);

    // Once the stray key is dealt with (here: shredded), a rerun completes the rotation.
    await foreign.deleteKey(foreignId);
    const rerun = await rotate(config, raw);
    expect(rerun).toMatchObject({ target: 'local:g2', rewrapped: 0, unchanged: 2, failures: [] });
    expect(rerun.retired.map((f) => path.basename(f))).toEqual(['g1.key']);
    await expectReadableWithLoadedKeysOnly(config, contacts);
  });

  it('moves the data keys of a pre-keyring key file into the keyring', async () => {
    const { config: probe } = await testConfig();
    const legacy = probe.kms.legacyKeyFile;
    const legacyKey = await loadOrCreateLocalMasterKey(legacy);
    // Data keys written by a version that wrapped them with the single key file as `local`.
    const tenantId = `old${uniqueSuffix()}`;
    const old = encryptionWith(raw, probe, { local: { key: legacyKey } });
    await old.createDataKey('local', { keyAltNames: [tenantKeyAltName(tenantId)] });
    const cipher = await old.encrypt('legacy@example.org', {
      algorithm: DETERMINISTIC,
      keyAltName: tenantKeyAltName(tenantId),
    });
    // The current version reads them next to its own first generation.
    const kms = await loadKmsSettings(probe);
    expect(Object.keys(kms.kmsProviders).sort()).toEqual(['local', 'local:g1']);

    const result = await rotate(probe, raw);
    expect(result).toMatchObject({ target: 'local:g1', rewrapped: 1, failures: [] });
    expect(result.retired.map((f) => path.basename(f))).toEqual([
      expect.stringMatching(/^legacy-.*\.key$/),
    ]);
    const after = await loadKmsSettings(probe);
    expect(Object.keys(after.kmsProviders)).toEqual(['local:g1']);
    expect(await encryptionWith(raw, probe, after.kmsProviders).decrypt(cipher)).toBe(
      'legacy@example.org',
    );
  });

  it('refuses to start while a data key needs a retired master key, and a rerun repairs it', async () => {
    const { config, contacts, firstKey } = await installWithTwoTenants();
    await rotate(config, raw);
    // A process started before the rotation created a key with the old master key after it.
    const late = `late${uniqueSuffix()}`;
    const stale = encryptionWith(raw, config, localKeys({ 'local:g1': firstKey }));
    await stale.createDataKey('local:g1' as 'local', { keyAltNames: [tenantKeyAltName(late)] });

    const refused = openDataLayer(config);
    await expect(refused).rejects.toThrow(StartupError);
    await expect(refused).rejects.toThrow(/\(1 by local:g1\).*npm run rotate-master-key/);

    // A rerun reads the retired key to rewrap the straggler along with every other key.
    const repair = await rotate(config, raw);
    expect(repair).toMatchObject({ target: 'local:g3', rewrapped: 3, failures: [] });
    const data = await openDataLayer(config);
    await data.mongo.close();
    await expectReadableWithLoadedKeysOnly(config, contacts);
  });
});
