/**
 * The inactivity sweep of a list (run by its Schedule): ask or prune every member inactive
 * past the threshold of the list's current inactivity policy.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { InactivitySweepResult } from '../activities/inactivity';
import type { ListRef } from './definitions';

const { sweepInactive } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // Pages heartbeat; a silent worker is presumed dead and the sweep resumes from the last page.
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/** Sweeps a list for inactive members. */
export async function inactivitySweepWorkflow(input: ListRef): Promise<InactivitySweepResult> {
  return sweepInactive(input);
}
