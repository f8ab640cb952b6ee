/**
 * The hosted subscribe form of a list: `GET /f/:listId` shows it (with the list's consent
 * text, whose version and hash become part of the proof), `POST /f/:listId` subscribes with
 * double opt-in. The same POST endpoint serves the embeddable snippet (docs/API.md) that
 * tenants paste into their own sites. Public: limited per IP and per address. Every failure
 * is a page, since a person in a browser sees it.
 */
import { SuppressedError } from '../../rights/suppression';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { resolveDoubleOptIn } from '../../consent/double-opt-in-settings';
import type { SubscriptionCommand } from '../../consent/subscription/command';
import { SubscribeLimitError } from '../../consent/subscription/flood-limits';
import { subscribeListFields } from '../../consent/subscription/ids';
import type { TenantAccess } from '../../db/tenant-access';
import { AppError, tooMany } from '../../errors';
import type { HttpProblem } from '../middleware/error-handler';
import { esc, page, pageQuery, sendPage } from '../pages/page';
import { defineRoute } from '../route';

const formBody = z.strictObject({
  email: z.string().max(320),
  consent: z.literal('yes', { message: 'please tick the consent box' }),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  /** Which form on the tenant's site (embedded snippets name theirs); opaque. */
  formId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional()
    .meta({ description: 'which form on the tenant’s site; recorded as the proof’s source' }),
});

const formNotFound = () =>
  new AppError('not_found', 'not_found', 'There is no such subscription form.');

/** A failure of the form: the missing form, or what was wrong, with a way back. */
function renderFormProblem(error: HttpProblem, req: Request, res: Response) {
  if (error.status === 404)
    return sendPage(res, 404, 'Form not found', `<p>${esc(error.message)}</p>`);
  sendPage(
    res,
    error.status,
    'Subscription not possible',
    `<p>${esc(error.message)}</p><p><a href="/f/${esc(req.params.listId)}">Back to the form</a></p>`,
  );
}

const formPage = {
  tag: 'recipient pages',
  auth: 'none',
  renderError: renderFormProblem,
} as const;

/** The hosted form routes. */
export function formRoutes(deps: { tenants: TenantAccess; subscriptions: SubscriptionCommand }) {
  /** The list behind a public form id and its tenant; a 404 when there is none. */
  async function listOf(listId: string) {
    const entry = await deps.tenants.control.ListDirectory.findById(listId).lean();
    if (!entry) throw formNotFound();
    const tenant = await deps.tenants.forTenant(entry.tenantId).catch(() => undefined);
    const list = await tenant?.models.List.findById(listId, subscribeListFields).lean();
    if (!tenant || !list) throw formNotFound();
    return { tenant, list };
  }

  return [
    defineRoute({
      ...formPage,
      method: 'get',
      path: '/f/:listId',
      summary: 'A list’s hosted subscribe form',
      description: 'Address and a consent checkbox with the list’s consent text.',
      request: { query: pageQuery },
      responses: {
        200: page('the form'),
        400: page('a malformed address'),
        404: page('no such form'),
      },
      async handler({ params }, _req, res) {
        const { list } = await listOf(params.listId);
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
      },
    }),

    defineRoute({
      ...formPage,
      method: 'post',
      path: '/f/:listId',
      summary: 'Subscribe through the hosted or an embedded form',
      description:
        'Subscribes with double opt-in; the proof’s source is `{ kind: "form", id: <formId or "hosted"> }`, with the request’s IP and user agent. Limited per address and per IP (429 page with `Retry-After`).',
      request: { query: pageQuery, body: formBody, bodyType: 'form' },
      responses: {
        200: page('“check your inbox”'),
        400: page('what was wrong, with a link back to the form'),
        404: page('no such form'),
        413: page('a form post over 10 kB'),
        429: page('too many requests for this address or from this IP'),
      },
      async handler({ params, body }, req, res) {
        const { tenant, list } = await listOf(params.listId);
        const { email, firstName, lastName, formId } = body;
        try {
          await deps.subscriptions.request(
            tenant,
            {
              list,
              email,
              fields: { ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}) },
              ip: req.ip,
              userAgent: req.get('user-agent')?.slice(0, 500),
              source: { kind: 'form', id: formId ?? 'hosted' },
            },
            // Stored: the person has the answer; the workflow (and its mail) starts next.
            () =>
              sendPage(
                res,
                200,
                'Almost done',
                '<p>Please check your inbox and open the link in the email we sent you to confirm.</p>',
              ),
          );
        } catch (err) {
          // A suppressed address gets the page every address gets: the form must not tell
          // a visitor that someone had their data erased. Nothing is stored or sent.
          if (err instanceof SuppressedError)
            return sendPage(
              res,
              200,
              'Almost done',
              '<p>Please check your inbox and open the link in the email we sent you to confirm.</p>',
            );
          if (err instanceof SubscribeLimitError)
            throw tooMany(
              'rate_limited',
              'Too many requests. Please try again later.',
              err.retryAfterS,
            );
          throw err;
        }
      },
    }),
  ];
}
