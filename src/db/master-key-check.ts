/**
 * Start-up check that every master key the key vault refers to is loaded. Without it a data
 * key whose master key was retired too early (or never copied to this host) would surface
 * later as one tenant's unreadable data; at start it is one clear line instead.
 */
import type { MongoClient } from 'mongodb';
import type { KmsSettings } from './kms';
import type { DatabaseNames } from './names';

/** Data keys wrapped by one master key provider. */
export interface ProviderUsage {
  provider: string;
  dataKeys: number;
}

/** Counts data keys per master key provider (`local:g2`, `aws`, …). */
export async function masterKeyUsage(
  client: MongoClient,
  names: DatabaseNames,
): Promise<ProviderUsage[]> {
  const rows = await client
    .db(names.keyVault)
    .collection('datakeys')
    .aggregate<{ _id: string; n: number }>([
      { $group: { _id: '$masterKey.provider', n: { $sum: 1 } } },
    ])
    .toArray();
  return rows.map((row) => ({ provider: String(row._id), dataKeys: row.n }));
}

/** Describes the master keys data keys need but `kms` lacks; undefined when none. */
export async function findUnloadedMasterKeys(
  client: MongoClient,
  names: DatabaseNames,
  kms: KmsSettings,
  keyringDir: string,
): Promise<string | undefined> {
  const loaded = new Set(Object.keys(kms.kmsProviders));
  const missing = (await masterKeyUsage(client, names)).filter((u) => !loaded.has(u.provider));
  if (missing.length === 0) return undefined;
  const list = missing.map((u) => `${u.dataKeys} by ${u.provider}`).join(', ');
  return (
    `data keys are wrapped by master keys this process has not loaded (${list}); ` +
    `restore the key file into ${keyringDir} or configure that provider, or run ` +
    '`npm run rotate-master-key`, which still reads retired local keys and rewraps them'
  );
}
