/**
 * Opens the data layer for a process: master key, the one shared MongoClient, the key vault
 * and the field encryption bound to it. Used by the api and the worker entry points.
 */
import type { MongoClient } from 'mongodb';
import type { Config } from '../config';
import { reach, redactUrl } from '../startup';
import { connectMongo } from './connection';
import { createFieldEncryption, prepareKeyVault, type FieldEncryption } from './encryption';
import { loadKmsSettings } from './kms';
import { databaseNames, type DatabaseNames } from './names';

/** The opened data layer. */
export interface DataLayer {
  mongo: MongoClient;
  names: DatabaseNames;
  encryption: FieldEncryption;
}

/** Connects to MongoDB with client-side encryption set up; fails with a clear message. */
export async function openDataLayer(config: Config): Promise<DataLayer> {
  const names = databaseNames(config.mongo.dbPrefix);
  const kms = await loadKmsSettings(config);
  const advice = config.mongo.embedded
    ? '`npm start` starts the embedded server; check MONGODB_PORT'
    : 'check MONGODB_URI and that the server is running';
  const mongo = await reach('MongoDB', redactUrl(config.mongo.uri), advice, () =>
    connectMongo({ uri: config.mongo.uri, names, kmsProviders: kms.kmsProviders }),
  );
  await prepareKeyVault(mongo, names);
  return { mongo, names, encryption: createFieldEncryption(mongo, names, kms) };
}
