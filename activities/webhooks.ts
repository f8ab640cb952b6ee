/**
 * Webhook delivery steps: one signed POST of a stored delivery, recorded as an attempt, with a
 * failure thrown for the workflow's retry when the receiver did not take it; marking a
 * delivery failed once its retries ran out; and the tenant's sweep, which starts the workflow
 * of every delivery stored without one. A POST is at least once: a retry after a crash
 * between the answer and its record sends the same body again (same event id, which is how
 * receivers recognise a repeat).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { TenantAccess } from '../src/db/tenant-access';
import type { WorkflowGateway } from '../src/temporal/workflows';
import { startDelivery } from '../src/webhooks/emit';
import type { WebhookSender } from '../src/webhooks/send';
import type {
  WebhookDeliveryInput,
  WebhookDeliveryResult,
  WebhookSweepInput,
} from '../workflows/definitions';

/** A delivery this old without an attempt has no workflow, or its start failed: the sweep starts it. */
export const UNSTARTED_AFTER_MS = 60_000;

/** Deliveries the sweep starts in one run at most; the next run takes the rest. */
const SWEEP_BATCH = 500;

/** What the webhook activities need. */
export interface WebhookActivityDeps {
  tenants: TenantAccess;
  /** Starts delivery workflows (the sweep). */
  workflows: WorkflowGateway;
  /** Signs and POSTs, checking the address at connection time (src/webhooks/send.ts). */
  webhookSender: WebhookSender;
}

const isSuccess = (status: number | undefined) =>
  status !== undefined && status >= 200 && status < 300;

/** Creates the webhook activities. */
export function createWebhookActivities({
  tenants,
  workflows,
  webhookSender,
}: WebhookActivityDeps) {
  return {
    /**
     * POSTs a pending delivery once and records the attempt. Delivered on a 2xx answer; a
     * refused address (a public host now resolving to a private address) fails it for good;
     * anything else throws for a retry. An endpoint deleted meanwhile ends it (`gone`).
     */
    async deliverWebhook({
      tenantId,
      deliveryId,
    }: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
      const tenant = await tenants.forTenant(tenantId);
      const { Webhook, WebhookDelivery } = tenant.models;
      const delivery = await WebhookDelivery.findById(deliveryId, {
        webhookId: 1,
        body: 1,
        status: 1,
      }).lean();
      if (!delivery) return { outcome: 'gone' }; // deleted with its endpoint
      if (delivery.status !== 'pending') return { outcome: delivery.status }; // done by an earlier attempt
      const webhook = await Webhook.findById(delivery.webhookId, { url: 1, secret: 1 }).lean();
      if (!webhook) {
        await WebhookDelivery.deleteOne({ _id: deliveryId });
        return { outcome: 'gone' };
      }
      // Still ciphertext: the tenant's key is gone (shredding, which ends this workflow too).
      if (typeof webhook.secret !== 'string')
        throw new Error(`webhook ${webhook._id}: secret not readable`);

      const attempt = await webhookSender.send({
        url: webhook.url,
        secret: webhook.secret,
        body: delivery.body,
      });
      const delivered = isSuccess(attempt.statusCode);
      const refused = attempt.error === 'address_refused';
      await WebhookDelivery.updateOne(
        { _id: deliveryId, status: 'pending' },
        {
          $push: { attempts: attempt },
          ...(delivered || refused ? { $set: { status: delivered ? 'delivered' : 'failed' } } : {}),
        },
      );
      if (delivered) return { outcome: 'delivered' };
      if (refused) return { outcome: 'failed' };
      // Ids and the answer's status only: the message is kept in the workflow's history.
      const answer =
        attempt.statusCode !== undefined ? `HTTP ${attempt.statusCode}` : attempt.error;
      throw ApplicationFailure.retryable(
        `webhook delivery ${deliveryId} not taken: ${answer}`,
        'WebhookNotDelivered',
      );
    },

    /** Marks a delivery failed: its retries ran out. */
    async markWebhookFailed({ tenantId, deliveryId }: WebhookDeliveryInput): Promise<void> {
      const tenant = await tenants.forTenant(tenantId);
      await tenant.models.WebhookDelivery.updateOne(
        { _id: deliveryId, status: 'pending' },
        { $set: { status: 'failed' } },
      );
    },

    /**
     * Starts the workflow of each pending delivery that has had no attempt for a minute; one
     * already started (it waits for a busy worker) is left as it is. Says how many it started.
     */
    async startPendingWebhookDeliveries({
      tenantId,
    }: WebhookSweepInput): Promise<{ started: number }> {
      const tenant = await tenants.forTenant(tenantId);
      const unstarted = await tenant.models.WebhookDelivery.find(
        {
          status: 'pending',
          attempts: { $size: 0 },
          createdAt: { $lt: new Date(Date.now() - UNSTARTED_AFTER_MS) },
        },
        { _id: 1 },
      )
        .sort({ createdAt: 1 })
        .limit(SWEEP_BATCH)
        .lean();
      let started = 0;
      for (const { _id } of unstarted)
        if (await startDelivery(workflows, tenantId, _id)) started += 1;
      return { started };
    },
  };
}
