/**
 * Master key rotation: rewraps every data key in the key vault under a new master key. The
 * data keys themselves do not change, so every ciphertext (and every deterministic one used
 * for equality search) stays valid. The procedure is safe to interrupt and to repeat:
 *
 * 1. choose the target: a new local generation (or the one an interrupted run created), or
 *    the configured cloud/KMIP master key; record it as active so new data keys use it;
 * 2. rewrap every data key not yet wrapped by the target (src/db/data-key-rewrap.ts), reading
 *    the old wrapping with any key still known (keyring, retired keys, configured providers);
 * 3. verify each data key unwraps with a client that holds the target master key only;
 * 4. only then move the old local key files aside (never delete them).
 */
import {
  ClientEncryption,
  type ClientEncryptionOptions,
  type KMSProviders,
  type MongoClient,
} from 'mongodb';
import type { Config } from '../config';
import {
  dataKeyFields,
  isWrappedBy,
  rewrapKeys,
  verifyKeys,
  type DataKeyInfo,
  type WrappingTarget,
} from './data-key-rewrap';
import { lockKeyring } from './keyring-lock';
import {
  clearActiveGeneration,
  createGeneration,
  generationProvider,
  localProviders,
  newestGeneration,
  nextGeneration,
  readKeyring,
  readRetiredKeys,
  retireKeys,
  setActiveGeneration,
} from './master-keyring';
import type { DatabaseNames } from './names';

/** What a rotation needs. */
export interface RotationOptions {
  /** A client of the install's database (no auto-encryption needed). */
  client: MongoClient;
  names: DatabaseNames;
  kms: Config['kms'];
  /** One line per event; never receives key material or personal data. */
  log: (line: string) => void;
  now?: () => Date;
}

/** The outcome; `failures` has one line per data key that could not be moved. */
export interface RotationResult {
  target: string;
  rewrapped: number;
  unchanged: number;
  failures: string[];
  /** Where retired local key files went. */
  retired: string[];
}

function onlyCredentials(credentials: KMSProviders, provider: string): KMSProviders {
  const kept: KMSProviders = { ...credentials };
  for (const name of Object.keys(kept) as (keyof KMSProviders)[]) {
    if (name !== provider) delete kept[name];
  }
  return kept;
}

const dataKeys = (n: number) => `${n} data key${n === 1 ? '' : 's'}`;

/** Rotates the master key of every data key; see the module comment for the steps. */
export async function rotateMasterKey(options: RotationOptions): Promise<RotationResult> {
  const { client, names, kms, log } = options;
  const now = options.now ?? (() => new Date());
  const vault = client.db(names.keyVault).collection<DataKeyInfo>('datakeys');
  const release = await lockKeyring(kms.keyringDir);
  try {
    const target = await chooseTarget(options);
    const keyring = await readKeyring(kms.keyringDir, kms.legacyKeyFile);
    const retiredBefore = await readRetiredKeys(kms.keyringDir);
    const clientFor = (kmsProviders: ClientEncryptionOptions['kmsProviders']) =>
      new ClientEncryption(client, {
        keyVaultNamespace: names.keyVaultNamespace,
        kmsProviders,
        tlsOptions: kms.tlsOptions,
      });
    // Every key that may still wrap something: the keyring wins over a retired copy.
    const rewrapper = clientFor({
      ...localProviders(retiredBefore),
      ...localProviders(keyring.keys),
      ...kms.credentials,
    });
    const result: RotationResult = {
      target: target.provider,
      rewrapped: 0,
      unchanged: 0,
      failures: [],
      retired: [],
    };

    const keys = await vault.find({}, { projection: dataKeyFields }).toArray();
    const pending = keys.filter((key) => !isWrappedBy(key.masterKey, target));
    result.unchanged = keys.length - pending.length;
    const rewrap = await rewrapKeys(rewrapper, pending, target);
    result.rewrapped = rewrap.rewrapped;
    result.failures.push(...rewrap.failures);
    log(
      `${dataKeys(result.rewrapped)} rewrapped to ${target.provider}, ${result.unchanged} already were`,
    );
    if (result.failures.length === 0) {
      const onlyTarget: KMSProviders =
        kms.provider === 'local'
          ? localProviders(keyring.keys.filter((k) => k.provider === target.provider))
          : onlyCredentials(kms.credentials, kms.provider);
      result.failures.push(...(await verifyKeys(clientFor(onlyTarget), vault, target)));
    }
    if (result.failures.length > 0) {
      for (const line of result.failures) log(line);
      log(
        `${dataKeys(result.failures.length)} not verified on ${target.provider}; no old master key was retired. Fix the lines above and run again.`,
      );
      return result;
    }
    log(`verified: every data key unwraps with ${target.provider} alone`);

    const old = keyring.keys.filter((k) => k.provider !== target.provider);
    if (old.length > 0) {
      const when = now();
      result.retired = await retireKeys(kms.keyringDir, old, when);
      for (const file of result.retired) {
        log(
          `retired ${file}: keep it as long as you keep key vault backups from before ${when.toISOString()}, then delete it`,
        );
      }
    }
    if (kms.provider !== 'local') await clearActiveGeneration(kms.keyringDir);
    return result;
  } finally {
    await release();
  }
}

async function chooseTarget(options: RotationOptions): Promise<WrappingTarget> {
  const { kms, log } = options;
  if (kms.provider !== 'local') {
    log(`target: the configured ${kms.provider} master key`);
    return { provider: kms.provider, masterKey: kms.masterKey };
  }
  const keyring = await readKeyring(kms.keyringDir, kms.legacyKeyFile);
  const newest = newestGeneration(keyring.keys);
  // Older key files still in the keyring, or a newest generation not yet recorded as active,
  // mean an earlier run stopped halfway: finish it instead of starting another rotation.
  const unfinished = newest !== undefined && (keyring.keys.length > 1 || keyring.active !== newest);
  let generation: number;
  if (unfinished && newest !== undefined) {
    generation = newest;
    log(`resuming the rotation to master key generation ${generationProvider(generation)}`);
  } else {
    generation = await nextGeneration(kms.keyringDir);
    const file = await createGeneration(kms.keyringDir, generation);
    log(`created master key generation ${generationProvider(generation)} in ${file}`);
  }
  // New data keys (tenants provisioned from now on, by processes started from now on) use it.
  await setActiveGeneration(kms.keyringDir, generation);
  return { provider: generationProvider(generation) };
}
