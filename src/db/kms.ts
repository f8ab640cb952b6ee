/**
 * Key management settings for client-side encryption: which KMS providers the driver may
 * use to unwrap data keys, and which provider and master key wrap new ones. The local
 * keyring (src/db/master-keyring.ts) is the default; AWS, Azure, GCP and KMIP come from
 * configuration and are passed through to the driver unchanged.
 */
import type { CSFLEKMSTlsOptions, KMSProviders } from 'mongodb';
import type { Config } from '../config';
import { generationProvider, localProviders, openKeyring, readKeyring } from './master-keyring';

/** What the driver needs to create and unwrap data keys. */
export interface KmsSettings {
  kmsProviders: KMSProviders;
  /** Provider that wraps new data keys, e.g. `local:g2` or `aws`. */
  provider: string;
  /** Master key options for that provider (none for local keys). */
  masterKey?: Record<string, unknown>;
  /** TLS options for the KMS connections (KMIP needs a client certificate). */
  tlsOptions?: CSFLEKMSTlsOptions;
}

/**
 * Loads the KMS settings: every local key generation still in the keyring (data keys may be
 * wrapped by any of them until a rotation finishes) plus the configured cloud providers.
 * With the local provider the first generation is created on first start.
 */
export async function loadKmsSettings(config: Pick<Config, 'kms'>): Promise<KmsSettings> {
  const { kms } = config;
  if (kms.provider === 'local') {
    const keyring = await openKeyring(kms.keyringDir, kms.legacyKeyFile);
    return {
      kmsProviders: { ...kms.credentials, ...localProviders(keyring.keys) },
      provider: generationProvider(keyring.active),
      tlsOptions: kms.tlsOptions,
    };
  }
  // A cloud provider wraps new keys; local generations are only read, so that data keys
  // wrapped before a switch stay readable until the rotation moves them.
  const keyring = await readKeyring(kms.keyringDir, kms.legacyKeyFile);
  return {
    kmsProviders: { ...localProviders(keyring.keys), ...kms.credentials },
    provider: kms.provider,
    masterKey: kms.masterKey,
    tlsOptions: kms.tlsOptions,
  };
}
