/**
 * The daily renewal sweep of a list (run by its Schedule): start a renewal cycle for every
 * member entering the renewal window, under the list's current consent policy.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ListRef } from './definitions';

const { startDueRenewals } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // Pages heartbeat; a silent worker is presumed dead and the sweep resumes from the last page.
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/** Starts the renewal cycles that are due on a list. */
export async function consentRenewalSweepWorkflow(input: ListRef): Promise<{ started: number }> {
  return startDueRenewals(input);
}
