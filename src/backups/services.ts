/**
 * The backup services a process opens from the config: the backup store (the folder store;
 * an object store would be chosen here) and a MongoDB client without auto-encryption, the
 * only one in the product, so that what a backup reads stays ciphertext.
 */
import { MongoClient } from 'mongodb';
import type { Config } from '../config';
import { createFolderBackupStore, type BackupStore } from './store';

/** What the api and the worker back up and restore with. */
export interface BackupServices {
  backupStore: BackupStore;
  rawMongo: MongoClient;
  close(): Promise<void>;
}

/** Opens the backup services; the client connects on first use. */
export function openBackupServices(config: Config): BackupServices {
  const rawMongo = new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: 10_000 });
  return {
    backupStore: createFolderBackupStore(config.backups.dir),
    rawMongo,
    close: () => rawMongo.close(),
  };
}
