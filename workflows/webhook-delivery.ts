/**
 * Delivers one webhook event to one endpoint: a signed POST of the stored body, tried again
 * with exponential backoff (after 10 s, doubling, at most an hour apart) while the receiver
 * fails, answers non-2xx or does not answer within 10 s, for up to 3 days (about 80
 * attempts); then the delivery is marked failed. Each delivery is its own workflow, so a slow
 * or failing receiver holds up no other delivery. Ids in, ids out: the body and the
 * endpoint's URL and secret stay in the tenant's database.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookDeliveryInput, WebhookDeliveryResult } from './definitions';

const { deliverWebhook } = proxyActivities<Activities>({
  // The 10 s request and the writes that record it.
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

const { markWebhookFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '5 minutes' },
});

/** POSTs the delivery until the receiver takes it or the retries run out. */
export async function webhookDeliveryWorkflow(
  input: WebhookDeliveryInput,
): Promise<WebhookDeliveryResult> {
  try {
    return await deliverWebhook(input); // delivered, or its endpoint is gone
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await markWebhookFailed(input); // every attempt failed: the integrator sees it in the list
    return { outcome: 'failed' };
  }
}
