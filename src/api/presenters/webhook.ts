/**
 * Webhooks and their deliveries as the API shows them: never the secret (it is shown once, at
 * creation); a delivery with its body as sent and each attempt's answer.
 */
import { z } from 'zod';
import {
  webhookAttemptErrors,
  webhookDeliveryStatuses,
  type WebhookDeliveryDocument,
  type WebhookDocument,
} from '../../db/models/webhook';
import { webhookEventTypes } from '../../domain/webhook-events';

/** A webhook endpoint. */
export const webhookSchema = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    createdAt: z.string(),
    createdBy: z.strictObject({ kind: z.enum(['user', 'api_key']), id: z.string() }),
  })
  .meta({ id: 'Webhook' });

/** A new endpoint: its id and its secret, shown only in this answer. */
export const createdWebhookSchema = z
  .strictObject({
    id: z.string(),
    secret: z.string().meta({
      description:
        'the signing secret (64 hex digits), shown only in this answer: the HMAC-SHA256 key of `Consentflow-Signature`, used as text',
    }),
  })
  .meta({ id: 'CreatedWebhook' });

/** One delivery of an event to an endpoint. */
export const webhookDeliverySchema = z
  .strictObject({
    id: z.string(),
    eventId: z.string(),
    type: z.enum(webhookEventTypes),
    createdAt: z.string(),
    status: z.enum(webhookDeliveryStatuses),
    body: z.string().meta({ description: 'the JSON body as signed and sent' }),
    attempts: z.array(
      z.strictObject({
        at: z.string(),
        statusCode: z.number().int().optional().meta({ description: "the receiver's answer" }),
        error: z
          .enum(webhookAttemptErrors)
          .optional()
          .meta({ description: 'why there was no answer' }),
        durationMs: z.number(),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });

/** An endpoint as shown. */
export const presentWebhook = (
  w: Omit<WebhookDocument, 'secret'>,
): z.infer<typeof webhookSchema> => ({
  id: w._id,
  url: w.url,
  events: w.events,
  createdAt: w.createdAt.toISOString(),
  createdBy: { kind: w.createdBy.kind, id: w.createdBy.id },
});

/** A delivery as shown. */
export const presentDelivery = (
  d: WebhookDeliveryDocument,
): z.infer<typeof webhookDeliverySchema> => ({
  id: d._id,
  eventId: d.eventId,
  type: d.type,
  createdAt: d.createdAt.toISOString(),
  status: d.status,
  body: d.body,
  attempts: d.attempts.map((a) => ({
    at: a.at.toISOString(),
    ...(a.statusCode !== undefined && a.statusCode !== null ? { statusCode: a.statusCode } : {}),
    ...(a.error ? { error: a.error } : {}),
    durationMs: a.durationMs,
  })),
});
