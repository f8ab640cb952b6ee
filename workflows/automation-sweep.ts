/**
 * A tenant's daily automation sweep (run by its Schedule): every active automation whose
 * entry no event announces (consent expiring, inactivity, a date field) gets the members of
 * its list that are due.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AutomationSweepInput, AutomationSweepResult } from './definitions';

const { sweepTimedEntries } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // Pages heartbeat; a silent worker is presumed dead and the sweep resumes from the last page.
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/** Sweeps a tenant's time-based automation entries. */
export async function automationSweepWorkflow(
  input: AutomationSweepInput,
): Promise<AutomationSweepResult> {
  return sweepTimedEntries(input);
}
