/**
 * The hosted subscribe form of a list: `GET /f/:listId` shows it (with the list's consent
 * text, whose version and hash become part of the proof), `POST /f/:listId` subscribes with
 * double opt-in. The same POST endpoint serves the embeddable snippet (docs/API.md) that
 * tenants paste into their own sites. Public: limited per IP and per address.
 */
import type { Client } from '@temporalio/client';
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { resolveDoubleOptIn } from '../../consent/double-opt-in-settings';
import { subscribe } from '../../consent/subscribe';
import { SubscribeLimitError, type SubscribeLimits } from '../../consent/subscribe-limits';
import type { TenantAccess } from '../../db/tenant-access';
import { HttpError } from '../errors';
import { esc, sendPage } from '../pages/page';
import { subscriberRow } from './subscriptions';

const formBody = z.strictObject({
  email: z.string().max(320),
  consent: z.literal('yes', { message: 'please tick the consent box' }),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  /** Which form on the tenant's site (embedded snippets name theirs); opaque. */
  formId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
});

/** Builds the hosted form routes. */
export function formRoutes(deps: {
  tenants: TenantAccess;
  temporal: Client;
  taskQueue: string;
  limits: SubscribeLimits;
}): Router {
  const router = Router();

  async function listOf(req: Request) {
    const listId = String(req.params.listId);
    const entry = await deps.tenants.control.ListDirectory.findById(listId).lean();
    if (!entry) return undefined;
    const tenant = await deps.tenants.forTenant(entry.tenantId).catch(() => undefined);
    const list = await tenant?.models.List.findById(listId, { name: 1, doubleOptIn: 1 }).lean();
    return tenant && list ? { tenant, list } : undefined;
  }

  router.get('/f/:listId', async (req, res) => {
    const found = await listOf(req);
    if (!found)
      return sendPage(res, 404, 'Form not found', '<p>There is no such subscription form.</p>');
    const { list } = found;
    const { consentText } = resolveDoubleOptIn(list.name, list.doubleOptIn);
    sendPage(
      res,
      200,
      `Subscribe to ${list.name}`,
      `<form method="post" action="/f/${esc(list._id)}">` +
        `<p><label>Email <input type="email" name="email" required maxlength="320"></label></p>` +
        `<p><label><input type="checkbox" name="consent" value="yes" required> ${esc(consentText)}</label></p>` +
        `<p><button type="submit">Subscribe</button></p></form>`,
    );
  });

  router.post(
    '/f/:listId',
    express.urlencoded({ extended: false, limit: '10kb' }),
    async (req, res) => {
      const found = await listOf(req);
      if (!found)
        return sendPage(res, 404, 'Form not found', '<p>There is no such subscription form.</p>');
      const { tenant, list } = found;
      const parsed = formBody.safeParse(req.body);
      const problem = (message: string, status = 400) =>
        sendPage(
          res,
          status,
          'Subscription not possible',
          `<p>${esc(message)}</p><p><a href="/f/${esc(list._id)}">Back to the form</a></p>`,
        );
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return problem(`${first?.path.join('.') || 'form'}: ${first?.message ?? 'invalid'}`);
      }
      const { email, firstName, lastName, formId } = parsed.data;
      try {
        const row = subscriberRow(email, {
          ...(firstName ? { firstName } : {}),
          ...(lastName ? { lastName } : {}),
        });
        await deps.limits.checkIp(tenant.tenantId, req.ip);
        await subscribe(
          {
            tenant,
            temporal: deps.temporal,
            taskQueue: deps.taskQueue,
            guard: (contactId) => deps.limits.checkAddress(tenant.tenantId, contactId),
          },
          {
            list,
            row,
            ip: req.ip,
            userAgent: req.get('user-agent')?.slice(0, 500),
            source: { kind: 'form', id: formId ?? 'hosted' },
          },
        );
      } catch (err) {
        if (err instanceof HttpError) return problem(err.message);
        if (err instanceof SubscribeLimitError) {
          res.set('Retry-After', String(err.retryAfterS));
          return problem('Too many requests. Please try again later.', 429);
        }
        throw err;
      }
      sendPage(
        res,
        200,
        'Almost done',
        '<p>Please check your inbox and open the link in the email we sent you to confirm.</p>',
      );
    },
  );

  return router;
}
