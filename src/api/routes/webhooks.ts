/**
 * Webhooks of the caller's tenant (users.manage, API key or session): create one for some
 * event types (its signing secret shown once), list them, delete one (its deliveries with
 * it), and read an endpoint's latest deliveries with their attempts. The URL must be http(s)
 * and, unless the install allows private addresses, resolve to public addresses only.
 */
import { z } from 'zod';
import { notFound } from '../../errors';
import {
  createWebhook,
  deleteWebhook,
  DELIVERIES_SHOWN,
  listDeliveries,
  listWebhooks,
  type WebhookEndpointDeps,
} from '../../webhooks/endpoints';
import { tenantOf } from '../middleware/tenant-auth';
import {
  createdWebhookSchema,
  presentDelivery,
  presentWebhook,
  webhookDeliverySchema,
  webhookSchema,
} from '../presenters/webhook';
import { defineRoute } from '../route';
import { createWebhookBody } from '../schemas/webhooks';

const webhookId = z.strictObject({
  id: z.string().regex(/^w[0-9a-f]{24}$/, 'not a webhook id'),
});

const common = { tag: 'webhooks', auth: 'tenant', feature: 'users.manage' } as const;

/** The webhook routes. */
export function webhookRoutes(deps: WebhookEndpointDeps) {
  return [
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/webhooks',
      summary: 'Create a webhook',
      description:
        'Each event of the listed types is POSTed to the URL as JSON `{ id, type, createdAt, data }` (data: opaque ids only) with the header `Consentflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`, retried with backoff for up to 3 days until it gets a 2xx. The URL must be http(s); in production its host must resolve to public addresses only (checked again at every delivery).',
      request: { body: createWebhookBody },
      responses: {
        201: { description: 'the webhook and its secret', schema: createdWebhookSchema },
      },
      async handler({ body }, _req, res) {
        const { tenant, principal } = tenantOf(res);
        const created = await createWebhook(deps, tenant, {
          ...body,
          createdBy: { kind: principal.kind, id: principal.id },
        });
        res.status(201).json(created);
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/webhooks',
      summary: 'List the webhooks',
      responses: {
        200: {
          description: 'every webhook of the tenant, oldest first, without secrets',
          schema: z.strictObject({ webhooks: z.array(webhookSchema) }),
        },
      },
      async handler(_input, _req, res) {
        const webhooks = await listWebhooks(tenantOf(res).tenant);
        res.json({ webhooks: webhooks.map(presentWebhook) });
      },
    }),

    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/webhooks/:id',
      summary: 'Delete a webhook',
      description:
        'Its deliveries go with it; one waiting for a retry is not sent again. Other api and worker processes may emit to it for up to 5 seconds more (their cache of webhooks); those deliveries are dropped unsent.',
      request: { params: webhookId },
      responses: { 204: { description: 'deleted' } },
      async handler({ params }, _req, res) {
        if (!(await deleteWebhook(deps, tenantOf(res).tenant, params.id)))
          throw notFound('webhook');
        res.status(204).end();
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/webhooks/:id/deliveries',
      summary: 'The deliveries of a webhook',
      description: `The latest ${DELIVERIES_SHOWN}, newest first, each with its attempts and the receiver's answers.`,
      request: { params: webhookId },
      responses: {
        200: {
          description: 'the deliveries',
          schema: z.strictObject({ deliveries: z.array(webhookDeliverySchema) }),
        },
      },
      async handler({ params }, _req, res) {
        const deliveries = await listDeliveries(tenantOf(res).tenant, params.id);
        if (!deliveries) throw notFound('webhook');
        res.json({ deliveries: deliveries.map(presentDelivery) });
      },
    }),
  ];
}
