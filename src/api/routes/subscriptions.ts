/**
 * `POST /api/v1/lists/:listId/subscriptions`: subscribe an address with double opt-in. The
 * subscriber's IP and user agent, when the integrator passes them, become part of the
 * consent proof and count against the per-IP flood limit.
 */
import { z } from 'zod';
import { canSeeList } from '../../auth/principal';
import type { SubscriptionCommand } from '../../consent/subscription/command';
import { notFound } from '../../errors';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const body = z.strictObject({
  email: z
    .string()
    .max(320)
    .meta({ format: 'email', description: 'mailbox syntax; internationalized domains accepted' }),
  fields: z
    .record(z.string().max(40), z.union([z.string().max(1000), z.number(), z.boolean()]))
    .optional(),
  ip: z
    .union([z.ipv4(), z.ipv6()])
    .optional()
    .meta({ description: "the subscriber's IP: consent proof, and counted by the per-IP limit" }),
  userAgent: z.string().max(500).optional().meta({ description: "the subscriber's user agent" }),
  source: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'free text stored (encrypted) with the proof, e.g. a campaign' }),
});

const subscribed = z
  .strictObject({
    subscriptionId: z.string(),
    contactId: z.string(),
    workflowId: z.string(),
    status: z.enum(['pending', 'active']).meta({
      description: '`active`: the address had already confirmed; nothing new was started',
    }),
  })
  .meta({ id: 'Subscription' });

/** The subscription route. */
export const subscriptionRoutes = (deps: { subscriptions: SubscriptionCommand }) => [
  defineRoute({
    method: 'post',
    path: '/api/v1/lists/:listId/subscriptions',
    tag: 'subscriptions',
    summary: 'Subscribe an address with double opt-in',
    description:
      'Stores the contact as pending and starts the double opt-in workflow, which mails the confirmation link (the answer comes once the request is stored; the workflow starts right after it). Re-subscribing a pending or active address returns the same ids and starts nothing. Limited per address and per subscriber IP (429 with `Retry-After`).',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { body },
    responses: {
      202: { description: 'pending confirmation, or already active', schema: subscribed },
      429: { description: 'too many requests for this address or from this IP' },
    },
    async handler({ params, body: input }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const { listId } = params;
      if (!canSeeList(principal.permissions, listId)) throw notFound('list');
      await deps.subscriptions.request(
        tenant,
        {
          list: listId,
          email: input.email,
          fields: input.fields,
          ip: input.ip,
          userAgent: input.userAgent,
          // Through the API either way; the id tells an API key (16 hex digits) from a
          // console user (`u…`), so the proof names who entered the address.
          source: {
            kind: 'api',
            id: principal.id,
            ...(input.source ? { detail: input.source } : {}),
          },
        },
        (result) => res.status(202).json(result),
      );
    },
  }),
];
