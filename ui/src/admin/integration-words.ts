/**
 * The states the webhook, support-access and access-review routes answer with. They are
 * defined in src/db/models (mongoose), which the console cannot import, so they are written
 * out here; the e2e test of these pages checks that they match the server's.
 */

/** How a webhook delivery stands (src/db/models/webhook.ts). */
export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;
/** A webhook delivery's state. */
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** Why a delivery attempt got no HTTP answer (src/db/models/webhook.ts). */
export const webhookAttemptErrors = [
  'timeout',
  'network',
  'unresolvable',
  'address_refused',
] as const;
/** Why an attempt got no answer. */
export type WebhookAttemptError = (typeof webhookAttemptErrors)[number];

/** How a support-access request stands (src/db/models/support-grant.ts). */
export const supportGrantStatuses = [
  'pending',
  'approved',
  'denied',
  'revoked',
  'expired',
] as const;
/** A support-access request's state. */
export type SupportGrantStatus = (typeof supportGrantStatuses)[number];

/** What became of a reviewed user or key (src/db/models/access-review.ts). */
export const accessReviewOutcomes = [
  'kept',
  'confirmed',
  'disabled',
  'kept_last_admin',
  'gone',
] as const;
/** A reviewed entry's outcome. */
export type AccessReviewOutcome = (typeof accessReviewOutcomes)[number];
