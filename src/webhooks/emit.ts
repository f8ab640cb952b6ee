/**
 * Emitting a webhook event: one delivery per webhook of the tenant subscribed to its type,
 * stored first (the body as it will be signed and sent, opaque ids only), then handed to its
 * own delivery workflow, so one slow or failing receiver holds up nothing else. Emitting
 * never fails its caller: the event's cause (a confirmation, an unsubscription) has happened
 * whatever becomes of its webhooks. A delivery whose workflow could not be started stays
 * `pending` without attempts; the tenant's webhook sweep starts it (workflow id = delivery
 * id, so a start is never doubled).
 *
 * With a `key` (what made the event happen, e.g. a subscription request), the event id and
 * its deliveries' ids derive from it: emitting again (a retried step, the repair of an
 * interrupted confirmation) stores and sends nothing twice.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKey } from '../db/duplicate-key';
import type { WebhookDeliveryDocument } from '../db/models/webhook';
import type { TenantScope } from '../db/tenant-access';
import type { WebhookEventData, WebhookEventType } from '../domain/webhook-events';
import type { Logger } from '../logger';
import type { WorkflowGateway } from '../temporal/workflows';
import type { WebhookSubscribers } from './subscribers';

/** What emitting needs; built once per process by the wiring. */
export interface WebhookEmitDeps {
  /** Starts delivery workflows (src/temporal/workflows.ts). */
  workflows: Pick<WorkflowGateway, 'startOnce'>;
  subscribers: Pick<WebhookSubscribers, 'subscribedTo'>;
  logger: Pick<Logger, 'warn'>;
}

/** The error's kind only: a message may quote what the event's cause carried. */
const errorKind = (err: unknown) => (err instanceof Error ? err.name : typeof err);

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** The id of a delivery: one per event and webhook. */
export const deliveryIdOf = (eventId: string, webhookId: string) =>
  `d${digest(`${eventId}:${webhookId}`)}`;

/** Starts a delivery's workflow unless it was started before; false when it was. */
export const startDelivery = (
  workflows: Pick<WorkflowGateway, 'startOnce'>,
  tenantId: string,
  deliveryId: string,
) => workflows.startOnce('webhookDelivery', { tenantId, deliveryId });

/**
 * Emits an event to the tenant's webhooks subscribed to `type`; resolves once every delivery
 * is stored and its workflow started (or the failure logged). `data` holds opaque ids only.
 */
export async function emitWebhookEvent(
  deps: WebhookEmitDeps,
  tenant: TenantScope,
  type: WebhookEventType,
  data: WebhookEventData,
  options: { key?: string } = {},
): Promise<void> {
  const { tenantId } = tenant;
  let eventId: string | undefined;
  try {
    const webhooks = await deps.subscribers.subscribedTo(tenant, type);
    if (webhooks.length === 0) return;
    eventId = `e${options.key ? digest(`${type}:${options.key}`) : randomBytes(12).toString('hex')}`;
    const createdAt = new Date();
    const body = JSON.stringify({ id: eventId, type, createdAt: createdAt.toISOString(), data });
    const stored = await Promise.all(
      webhooks.map(async (webhook) => {
        const delivery: WebhookDeliveryDocument = {
          _id: deliveryIdOf(eventId!, webhook.id),
          webhookId: webhook.id,
          eventId: eventId!,
          type,
          createdAt,
          body,
          status: 'pending',
          attempts: [],
        };
        try {
          await tenant.models.WebhookDelivery.create(delivery);
          return delivery._id;
        } catch (err) {
          if (isDuplicateKey(err)) return undefined; // emitted before: its workflow is started
          throw err;
        }
      }),
    );
    await Promise.all(
      stored
        .filter((id): id is string => id !== undefined)
        .map((deliveryId) =>
          startDelivery(deps.workflows, tenantId, deliveryId).catch((err: unknown) =>
            deps.logger.warn(
              { tenantId, eventId, deliveryId, err: errorKind(err) },
              'webhook delivery not started; the webhook sweep will start it',
            ),
          ),
        ),
    );
  } catch (err) {
    // The event's cause stands; its deliveries could not be stored (the database is away).
    deps.logger.warn({ tenantId, type, eventId, err: errorKind(err) }, 'webhook event not stored');
  }
}
