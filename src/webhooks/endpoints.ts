/**
 * A tenant's webhook endpoints: creating one (its URL checked, its secret generated, shown
 * once and stored encrypted), listing, deleting (with its deliveries: a delivery still being
 * retried finds nothing at its next attempt and ends), and reading an endpoint's deliveries.
 * Creating one also ensures the tenant's webhook sweep, which starts deliveries whose start
 * failed.
 */
import { randomBytes } from 'node:crypto';
import type { WebhookDeliveryDocument, WebhookDocument } from '../db/models/webhook';
import type { TenantScope } from '../db/tenant-access';
import type { WebhookEventType } from '../domain/webhook-events';
import { conflict } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import type { WebhookSubscribers } from './subscribers';
import { assertWebhookTarget } from './target';

/** Most webhooks one tenant may have: each event becomes one delivery workflow per webhook. */
export const MAX_WEBHOOKS = 20;

/** How many deliveries of an endpoint its listing shows, newest first. */
export const DELIVERIES_SHOWN = 100;

/** How often a tenant's webhook sweep runs: the longest a delivery whose start failed waits. */
export const WEBHOOK_SWEEP_EVERY = '5 minutes';

/** What managing endpoints needs. */
export interface WebhookEndpointDeps {
  subscribers: Pick<WebhookSubscribers, 'forget'>;
  workflows: Pick<WorkflowGateway, 'ensureSchedule'>;
  /** Private, loopback and reserved addresses allowed (development and tests only). */
  allowPrivate: boolean;
}

/** Creates an endpoint; its secret is in this answer only. */
export async function createWebhook(
  deps: WebhookEndpointDeps,
  tenant: TenantScope,
  input: { url: string; events: WebhookEventType[]; createdBy: WebhookDocument['createdBy'] },
): Promise<{ id: string; secret: string }> {
  const { Webhook } = tenant.models;
  const url = await assertWebhookTarget(input.url, { allowPrivate: deps.allowPrivate });
  if ((await Webhook.countDocuments()) >= MAX_WEBHOOKS)
    throw conflict('webhook_limit', `a tenant has at most ${MAX_WEBHOOKS} webhooks`);
  const id = `w${randomBytes(12).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  await Webhook.create({
    _id: id,
    url: url.href,
    events: [...new Set(input.events)],
    secret: await tenant.private(secret),
    createdAt: new Date(),
    createdBy: input.createdBy,
  });
  deps.subscribers.forget(tenant.tenantId);
  await deps.workflows.ensureSchedule(
    'webhookSweep',
    { tenantId: tenant.tenantId },
    WEBHOOK_SWEEP_EVERY,
  );
  return { id, secret };
}

/** The tenant's endpoints, oldest first, without their secrets. */
export function listWebhooks(tenant: TenantScope) {
  return tenant.models.Webhook.find({}, { secret: 0 })
    .sort({ createdAt: 1 })
    .lean<Omit<WebhookDocument, 'secret'>[]>();
}

/** Deletes an endpoint and its deliveries; false when there is none with this id. */
export async function deleteWebhook(
  deps: Pick<WebhookEndpointDeps, 'subscribers'>,
  tenant: TenantScope,
  id: string,
): Promise<boolean> {
  const { deletedCount } = await tenant.models.Webhook.deleteOne({ _id: id });
  deps.subscribers.forget(tenant.tenantId);
  if (deletedCount === 0) return false;
  await tenant.models.WebhookDelivery.deleteMany({ webhookId: id });
  return true;
}

/** An endpoint's latest deliveries, newest first; null when there is no such endpoint. */
export async function listDeliveries(
  tenant: TenantScope,
  webhookId: string,
): Promise<WebhookDeliveryDocument[] | null> {
  if (!(await tenant.models.Webhook.exists({ _id: webhookId }))) return null;
  return tenant.models.WebhookDelivery.find({ webhookId })
    .sort({ createdAt: -1, _id: 1 })
    .limit(DELIVERIES_SHOWN)
    .lean();
}
