/**
 * The events integrators can subscribe webhooks to: one vocabulary for the api (validation,
 * the OpenAPI document), the stored webhooks and the code that emits them. An event's data
 * holds opaque ids and fixed words only, never an address, a name or an IP.
 */

/** Every webhook event type. */
export const webhookEventTypes = [
  'rights_request.received',
  'rights_request.verified',
  'rights_request.completed',
  'rights_request.rejected',
  'rights_request.overdue',
  'subscription.confirmed',
  'contact.unsubscribed',
  'consent.expired',
  'contact.erased',
  'automation.step',
] as const;

/** A webhook event type. */
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** What an event says: opaque ids (contact, list, request…) and fixed vocabulary. */
export type WebhookEventData = Readonly<Record<string, string>>;
