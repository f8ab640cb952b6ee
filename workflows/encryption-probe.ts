/**
 * Encryption probe: write a canary encrypted with the tenant's key, read it back through the
 * decrypting client, and fail loudly if the two differ. Ops run it after an install or a key
 * change to prove client-side encryption works end to end.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EncryptionProbeInput, EncryptionProbeResult } from './definitions';
import { activityFailures, workflowFailures } from './failures';

const { writeEncryptedProbe, readEncryptedProbe } = proxyActivities<Activities>({
  // A single database round trip; a worker that dies mid-write is noticed within this time.
  startToCloseTimeout: '15 seconds',
  retry: {
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [activityFailures.probeMissing, activityFailures.probeNotDecrypted],
  },
});

/** Proves a tenant's data is encrypted on write and decrypted on read. */
export async function encryptionProbeWorkflow(
  input: EncryptionProbeInput,
): Promise<EncryptionProbeResult> {
  const written = await writeEncryptedProbe(input);
  const read = await readEncryptedProbe(input);
  if (read.fingerprint !== written.fingerprint) {
    throw ApplicationFailure.nonRetryable(
      'decrypted value differs from the value written',
      workflowFailures.encryptionProbeMismatch,
    );
  }
  return { probeId: input.probeId, verified: true };
}
