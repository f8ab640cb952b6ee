/**
 * Moving data keys between master keys: rewrapping them in the key vault (the data key
 * material stays the same) and proving afterwards that each one unwraps with the target
 * master key alone. Failures are reported one line per data key, naming it by id and
 * alternate name (`tenant:<opaque id>` or `platform`), never by anything personal.
 */
import type { Binary, ClientEncryption, Collection, Document } from 'mongodb';

const RANDOM = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
// The driver writes each rewrap call as one `update` command, and FerretDB 1.24 never
// answers an update of 100 or more statements: stay well below that.
const REWRAP_BATCH = 50;
const VERIFY_CONCURRENCY = 4;
/** The projection of `DataKeyInfo`. */
export const dataKeyFields = { _id: 1, masterKey: 1, keyAltNames: 1 };

/** The master key data keys are moved to: a provider name and its key options. */
export interface WrappingTarget {
  provider: string;
  masterKey?: Record<string, unknown>;
}

/** The fields of a key vault document the rotation reads (never the key material). */
export interface DataKeyInfo {
  _id: Binary;
  masterKey?: Document;
  keyAltNames?: string[];
}

/** Whether a data key is already wrapped by the target master key. */
export function isWrappedBy(masterKey: Document | undefined, target: WrappingTarget): boolean {
  if (masterKey?.provider !== target.provider) return false;
  return Object.entries(target.masterKey ?? {}).every(
    ([field, value]) => masterKey[field] === value,
  );
}

const describeKey = (key: DataKeyInfo) => {
  const id = key._id.sub_type === 4 ? key._id.toUUID().toHexString() : key._id.toString('hex');
  const names = key.keyAltNames?.length ? ` (${key.keyAltNames.join(', ')})` : '';
  return `data key ${id}${names}`;
};

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/**
 * Rewraps `keys` in batches; when a batch fails (the driver unwraps the whole batch before
 * writing any of it), its keys are retried one by one so that each failure gets its line.
 */
export async function rewrapKeys(
  rewrapper: ClientEncryption,
  keys: DataKeyInfo[],
  target: WrappingTarget,
): Promise<{ rewrapped: number; failures: string[] }> {
  const options = { provider: target.provider as 'local', masterKey: target.masterKey as never };
  // A key deleted meanwhile (a tenant shredded) matches nothing and is simply not counted.
  const rewrap = async (filter: object) =>
    (await rewrapper.rewrapManyDataKey(filter, options)).bulkWriteResult?.matchedCount ?? 0;
  let rewrapped = 0;
  const failures: string[] = [];
  for (let start = 0; start < keys.length; start += REWRAP_BATCH) {
    const batch = keys.slice(start, start + REWRAP_BATCH);
    try {
      rewrapped += await rewrap({ _id: { $in: batch.map((key) => key._id) } });
      continue;
    } catch {
      // Found out below, key by key.
    }
    for (const key of batch) {
      try {
        rewrapped += await rewrap({ _id: key._id });
      } catch (err) {
        const from = key.masterKey?.provider ?? 'unknown provider';
        failures.push(`${describeKey(key)}: cannot rewrap from ${from}: ${reason(err)}`);
      }
    }
  }
  return { rewrapped, failures };
}

/**
 * Proves every data key unwraps with the target master key alone: encrypting with a key
 * forces the verifying client (which has no cache of its own yet) to unwrap it.
 */
export async function verifyKeys(
  verifier: ClientEncryption,
  vault: Collection<DataKeyInfo>,
  target: WrappingTarget,
): Promise<string[]> {
  const failures: string[] = [];
  const check = async (key: DataKeyInfo) => {
    if (!isWrappedBy(key.masterKey, target)) {
      failures.push(
        `${describeKey(key)}: still wrapped by ${key.masterKey?.provider ?? 'unknown provider'}` +
          ' (created by a process started before the rotation? restart the api and worker, then run again)',
      );
      return;
    }
    try {
      await verifier.decrypt(
        await verifier.encrypt('rotation-check', { keyId: key._id, algorithm: RANDOM }),
      );
    } catch (err) {
      failures.push(`${describeKey(key)}: does not unwrap with ${target.provider}: ${reason(err)}`);
    }
  };
  const keys = await vault.find({}, { projection: dataKeyFields }).toArray();
  // A few lookups in flight hide the key vault's round trips (and a cloud KMS's latency).
  const workers = Array.from({ length: VERIFY_CONCURRENCY }, async () => {
    for (let key = keys.shift(); key; key = keys.shift()) await check(key);
  });
  await Promise.all(workers);
  return failures;
}
