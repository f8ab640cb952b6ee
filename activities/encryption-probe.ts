/**
 * Encryption probe: proves, on a live install, that a tenant's personal fields are written
 * encrypted and read back decrypted. The probe value is a random canary, never personal
 * data, and only its fingerprint leaves the activity, so the workflow history holds nothing
 * readable even before payloads are encrypted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { MongoClient } from 'mongodb';
import type { FieldEncryption } from '../src/db/encryption';
import type { DatabaseNames } from '../src/db/names';
import { activityFailures } from '../workflows/failures';

/** Where the probe documents live in a tenant database. */
export const probeCollection = 'encryption_probes';

/** Identifies one probe run. */
export interface ProbeRef {
  tenantId: string;
  probeId: string;
}

/** What a probe step reports: the canary's fingerprint, never the canary. */
export interface ProbeFingerprint {
  fingerprint: string;
}

/** What the probe activities need. */
export interface EncryptionProbeDeps {
  mongo: MongoClient;
  names: DatabaseNames;
  encryption: FieldEncryption;
}

const fingerprintOf = (value: string) => createHash('sha256').update(value).digest('hex');

/** Creates the probe activities over their dependencies. */
export function createEncryptionProbeActivities({ mongo, names, encryption }: EncryptionProbeDeps) {
  const probes = (tenantId: string) =>
    mongo.db(names.tenant(tenantId)).collection<ProbeDocument>(probeCollection);

  return {
    /** Writes a fresh canary encrypted with the tenant's key. Idempotent: keyed by probe id. */
    async writeEncryptedProbe({ tenantId, probeId }: ProbeRef): Promise<ProbeFingerprint> {
      await encryption.ensureTenantKey(tenantId);
      const canary = `canary-${randomBytes(16).toString('hex')}`;
      const secret = await encryption.encryptPrivate(canary, tenantId);
      await probes(tenantId).updateOne(
        { _id: probeId },
        { $set: { secret, writtenAt: new Date() } },
        { upsert: true },
      );
      return { fingerprint: fingerprintOf(canary) };
    },

    /** Reads the canary back through the decrypting client and fingerprints what it got. */
    async readEncryptedProbe({ tenantId, probeId }: ProbeRef): Promise<ProbeFingerprint> {
      const doc = await probes(tenantId).findOne({ _id: probeId });
      if (!doc)
        throw ApplicationFailure.nonRetryable(
          'probe document missing',
          activityFailures.probeMissing,
        );
      if (typeof doc.secret !== 'string') {
        throw ApplicationFailure.nonRetryable(
          'probe field did not decrypt',
          activityFailures.probeNotDecrypted,
        );
      }
      return { fingerprint: fingerprintOf(doc.secret) };
    },
  };
}

interface ProbeDocument {
  _id: string;
  secret: unknown;
  writtenAt: Date;
}
