/**
 * Which webhooks a tenant has and what each listens to, cached per process for a few
 * seconds: events happen on hot paths (a confirmation click), and most tenants have no
 * webhook, so the usual answer, "none", costs no database round trip. The process that
 * creates or deletes a webhook forgets its tenant at once; others see the change within
 * the cache's time.
 */
import { LRUCache } from 'lru-cache';
import type { TenantScope } from '../db/tenant-access';
import type { WebhookEventType } from '../domain/webhook-events';

/** How long a process trusts what it read of a tenant's webhooks. */
export const WEBHOOK_SUBSCRIBERS_TTL_MS = 5_000;

/** A webhook as events see it: its id and the events it wants. */
export interface WebhookSubscriber {
  id: string;
  events: readonly WebhookEventType[];
}

/** The per-process cache of tenants' webhooks. */
export type WebhookSubscribers = ReturnType<typeof createWebhookSubscribers>;

/** Creates the cache. */
export function createWebhookSubscribers(ttlMs = WEBHOOK_SUBSCRIBERS_TTL_MS) {
  const cache = new LRUCache<string, WebhookSubscriber[]>({ max: 10_000, ttl: ttlMs });
  return {
    /** The tenant's webhooks subscribed to `type`. */
    async subscribedTo(tenant: TenantScope, type: WebhookEventType): Promise<WebhookSubscriber[]> {
      let all = cache.get(tenant.tenantId);
      if (!all) {
        const found = await tenant.models.Webhook.find({}, { events: 1 }).lean();
        all = found.map((w) => ({ id: w._id, events: w.events }));
        cache.set(tenant.tenantId, all);
      }
      return all.filter((w) => w.events.includes(type));
    },

    /** Reads the tenant's webhooks again on the next event (one was created or deleted). */
    forget: (tenantId: string) => void cache.delete(tenantId),
  };
}
