/**
 * Opens the data layer for a process: master key, the one shared MongoClient, the key vault
 * the field encryption bound to it, and the tenant accessor every route and activity uses.
 * Used by the api and the worker entry points.
 */
import type { MongoClient } from 'mongodb';
import type { Config } from '../config';
import { reach, redactUrl, StartupError } from '../startup';
import { connectMongo } from './connection';
import { createFieldEncryption, prepareKeyVault, type FieldEncryption } from './encryption';
import { loadKmsSettings } from './kms';
import { findUnloadedMasterKeys } from './master-key-check';
import { databaseNames, type DatabaseNames } from './names';
import { createOdm } from './odm';
import { createTenantAccess, type TenantAccess } from './tenant-access';

/** The opened data layer. */
export interface DataLayer {
  mongo: MongoClient;
  names: DatabaseNames;
  encryption: FieldEncryption;
  tenants: TenantAccess;
}

/** Connects to MongoDB with client-side encryption set up; fails with a clear message. */
export async function openDataLayer(config: Config): Promise<DataLayer> {
  const names = databaseNames(config.mongo.dbPrefix);
  const kms = await loadKmsSettings(config);
  const advice = config.mongo.embedded
    ? '`npm start` starts the embedded server; check MONGODB_PORT'
    : 'check MONGODB_URI and that the server is running';
  const mongo = await reach('MongoDB', redactUrl(config.mongo.uri), advice, () =>
    connectMongo({
      uri: config.mongo.uri,
      names,
      kmsProviders: kms.kmsProviders,
      kmsTlsOptions: kms.tlsOptions,
    }),
  );
  await prepareKeyVault(mongo, names);
  const unloaded = await findUnloadedMasterKeys(mongo, names, kms, config.kms.keyringDir);
  if (unloaded) {
    await mongo.close();
    throw new StartupError(unloaded);
  }
  const encryption = createFieldEncryption(mongo, names, kms);
  await encryption.ensurePlatformKey(); // staff emails are encrypted under it from the first login on
  const tenants = createTenantAccess({ odm: createOdm(mongo), names, encryption });
  await Promise.all(Object.values(tenants.control).map((model) => model.createIndexes()));
  return { mongo, names, encryption, tenants };
}
