/**
 * A tenant's double opt-in sweep (run by its Schedule): start the workflow of every
 * subscription request that was stored but whose workflow never ran, e.g. because the api
 * process died between answering the request and starting it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DoubleOptInSweepInput } from './definitions';

const { startUnstartedSubscriptions } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/**
 * Long enough that a request answered a moment ago, whose start is under way, is left to it
 * (starting it twice would be harmless, only wasted).
 */
const GRACE_SECONDS = 120;

/** Starts the double opt-in of stored requests that have none running. */
export async function doubleOptInSweepWorkflow(
  input: DoubleOptInSweepInput,
): Promise<{ started: number }> {
  return startUnstartedSubscriptions({
    tenantId: input.tenantId,
    graceSeconds: input.graceSeconds ?? GRACE_SECONDS,
  });
}
