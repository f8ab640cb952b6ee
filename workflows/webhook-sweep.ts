/**
 * A tenant's webhook sweep (run by its Schedule every few minutes): starts the workflow of
 * every delivery stored without one (its start failed, or the process died first), so no
 * event stored for a webhook is lost.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookSweepInput } from './definitions';

const { startPendingWebhookDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Starts the deliveries left without a workflow. */
export async function webhookSweepWorkflow(input: WebhookSweepInput): Promise<{ started: number }> {
  return startPendingWebhookDeliveries({ tenantId: input.tenantId });
}
