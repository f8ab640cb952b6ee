/**
 * The process's single MongoClient, shared by every tenant. Auto-encryption is configured
 * with `bypassAutoEncryption`: writes are encrypted explicitly field by field (no mongocryptd
 * or crypt_shared needed, so MongoDB Community works), while reads decrypt transparently.
 */
import { MongoClient, type CSFLEKMSTlsOptions, type KMSProviders } from 'mongodb';
import { DATA_KEY_CACHE_MS } from './encryption';
import type { DatabaseNames } from './names';

/** Options for opening the shared client. */
export interface MongoOptions {
  uri: string;
  names: DatabaseNames;
  kmsProviders: KMSProviders;
  /** TLS options for KMS connections (KMIP client certificates). */
  kmsTlsOptions?: CSFLEKMSTlsOptions;
  serverSelectionTimeoutMS?: number;
}

/** Opens the shared client and checks the server answers. */
export async function connectMongo(options: MongoOptions): Promise<MongoClient> {
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    autoEncryption: {
      keyVaultNamespace: options.names.keyVaultNamespace,
      kmsProviders: options.kmsProviders,
      tlsOptions: options.kmsTlsOptions,
      bypassAutoEncryption: true,
      keyExpirationMS: DATA_KEY_CACHE_MS,
    },
  });
  await client.connect();
  return client;
}

/** Answers whether the database server responds to a ping. */
export async function pingMongo(client: MongoClient): Promise<void> {
  await client.db('admin').command({ ping: 1 });
}
