/**
 * A tenant's double opt-in sweep (run by its Schedule every few minutes): wakes the double
 * opt-in workflow of every list with work left, which repairs a wake that never came.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DoubleOptInSweepInput } from './definitions';

const { wakeListsWithWork } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Wakes the lists with double opt-in work. */
export async function doubleOptInSweepWorkflow(
  input: DoubleOptInSweepInput,
): Promise<{ woken: number }> {
  return wakeListsWithWork({ tenantId: input.tenantId });
}
