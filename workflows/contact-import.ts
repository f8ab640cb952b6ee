/**
 * Contact import: import every row of an uploaded file, then delete the file. A worker crash
 * resumes from the last committed batch; a permanent failure is recorded on the import.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportOutcome } from '../activities/imports';
import type { ImportRef } from './definitions';
import { activityFailures, workflowFailures } from './failures';

const { importContacts } = proxyActivities<Activities>({
  startToCloseTimeout: '4 hours',
  // A batch takes seconds; a silent worker is presumed dead after this and the import resumes elsewhere.
  heartbeatTimeout: '1 minute',
  retry: {
    maximumAttempts: 20,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [activityFailures.importMissing, activityFailures.listMissing],
  },
});
const { finishImport } = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes' });

/** Imports an uploaded contact file into a list. */
export async function contactImportWorkflow(input: ImportRef): Promise<ImportOutcome> {
  try {
    const outcome = await importContacts(input);
    await finishImport(input);
    return outcome;
  } catch (err) {
    await finishImport({ ...input, failure: 'the import could not be completed' });
    throw ApplicationFailure.nonRetryable('import failed', workflowFailures.importFailed, {
      cause: err instanceof Error ? err.name : 'unknown',
    });
  }
}
