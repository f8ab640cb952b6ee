/**
 * A tenant's webhook endpoints and their deliveries. An endpoint's signing secret is stored
 * encrypted (random) under the tenant's key, so crypto-shredding destroys it too. A delivery
 * keeps the body exactly as it is signed and sent (opaque ids only: no personal data), its
 * status and every attempt with the receiver's answer.
 */
import { Schema, type Connection } from 'mongoose';
import type { Binary } from 'mongodb';
import { webhookEventTypes, type WebhookEventType } from '../../domain/webhook-events';
import { Encrypted } from '../encrypted-field';

/** A webhook endpoint. */
export interface WebhookDocument {
  /** `w` + 24 hex digits. */
  _id: string;
  url: string;
  events: WebhookEventType[];
  /** Ciphertext on write; reads return the 64 hex digits. */
  secret: Binary | string;
  createdAt: Date;
  createdBy: { kind: 'user' | 'api_key'; id: string };
}

/** Where a delivery stands. */
export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;

/** Why an attempt got no HTTP answer. */
export const webhookAttemptErrors = [
  'timeout',
  'network',
  'unresolvable',
  'address_refused',
] as const;

/** One POST of a delivery: the receiver's status code, or why there was none. */
export interface WebhookAttempt {
  at: Date;
  statusCode?: number;
  error?: (typeof webhookAttemptErrors)[number];
  durationMs: number;
}

/** One event for one endpoint. */
export interface WebhookDeliveryDocument {
  /** `d` + 24 hex digits, derived from the event and the endpoint. */
  _id: string;
  webhookId: string;
  eventId: string;
  type: WebhookEventType;
  createdAt: Date;
  /** The JSON body as signed and sent: `{ id, type, createdAt, data }`. */
  body: string;
  status: (typeof webhookDeliveryStatuses)[number];
  attempts: WebhookAttempt[];
}

const webhookSchema = new Schema<WebhookDocument>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [{ type: String, enum: webhookEventTypes }], required: true },
    secret: { type: Encrypted, required: true },
    createdAt: { type: Date, required: true },
    createdBy: {
      kind: { type: String, enum: ['user', 'api_key'], required: true },
      id: { type: String, required: true },
    },
  },
  { strict: 'throw', versionKey: false },
);

const attemptSchema = new Schema<WebhookAttempt>(
  {
    at: { type: Date, required: true },
    statusCode: { type: Number },
    error: { type: String, enum: webhookAttemptErrors },
    durationMs: { type: Number, required: true },
  },
  { _id: false, strict: 'throw' },
);

const deliverySchema = new Schema<WebhookDeliveryDocument>(
  {
    _id: { type: String, required: true },
    webhookId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, enum: webhookEventTypes, required: true },
    createdAt: { type: Date, required: true },
    body: { type: String, required: true },
    status: { type: String, enum: webhookDeliveryStatuses, required: true },
    attempts: { type: [attemptSchema], default: [] },
  },
  { strict: 'throw', versionKey: false },
);
deliverySchema.index({ webhookId: 1, createdAt: -1 });
deliverySchema.index({ status: 1, createdAt: 1 });

/** The webhooks model on a tenant database. */
export const webhookModel = (tenantDb: Connection) =>
  tenantDb.model('Webhook', webhookSchema, 'webhooks');

/** The webhook deliveries model on a tenant database. */
export const webhookDeliveryModel = (tenantDb: Connection) =>
  tenantDb.model('WebhookDelivery', deliverySchema, 'webhook_deliveries');
