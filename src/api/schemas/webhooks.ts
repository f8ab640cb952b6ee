/**
 * The body of `POST /api/v1/webhooks`, shared by the route and the web console's form, so
 * both validate with one schema and offer the same event types.
 */
import { z } from 'zod';
import { webhookEventTypes } from '../../domain/webhook-events';

/** The endpoint's URL (checked further by the server: http(s), public addresses) and events. */
export const createWebhookBody = z.strictObject({
  url: z.string().trim().min(1).max(2000).meta({ format: 'uri' }),
  events: z.array(z.enum(webhookEventTypes)).min(1).max(webhookEventTypes.length),
});
