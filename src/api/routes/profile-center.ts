/**
 * The profile management center (`/p/:token`, linked from every message) and the tenant's
 * public rights request page (`/t/:tenantId/rights`).
 *
 * The profile center shows the subject what the tenant holds (fields, and per list the status
 * and consent proof: when, how, from which IP, which consent text) and lets them act on it:
 * download their data, restrict processing, stop tracking, unsubscribe from one list or all,
 * erase everything. Each action is a POST of a form (a mail scanner opening the link changes
 * nothing) and, but for unsubscribing, a rights request with its deadline and evidence. The
 * link came to the subject's mailbox, so the request counts as verified (by the subject).
 *
 * The public page lets a subject without a mail link start a request by address: it answers
 * the same whatever the address, and the request runs only once the link mailed to the
 * address is followed.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { LinkTokens } from '../../consent/link-tokens';
import type { RecipientLinks } from '../../consent/recipient-links';
import { unsubscribeContact } from '../../consent/unsubscribe';
import type { ContactDetails, ContactDocument } from '../../db/models/contact';
import { readableStatuses } from '../../db/models/tenant';
import { UnknownTenantError, type TenantAccess, type TenantScope } from '../../db/tenant-access';
import type { WebhookEmitDeps } from '../../webhooks/emit';
import type { AutomationTriggers } from '../../automations/triggers';
import { receiveRightsRequest, type RightsRequestDeps } from '../../rights/requests';
import type { HttpProblem } from '../middleware/error-handler';
import { linkPageRoute, linkRefusals, linkRefused, verifyLinkToken } from '../pages/link-pages';
import { esc, page, pageQuery, sendLinkProblem, sendPage } from '../pages/page';
import { defineRoute } from '../route';

/** What the pages need. */
export interface ProfileCenterDeps extends RightsRequestDeps {
  tenants: TenantAccess;
  tokens: LinkTokens;
  links: RecipientLinks;
  /** Tells the tenant's webhooks of unsubscriptions. */
  webhooks?: WebhookEmitDeps;
  automations?: AutomationTriggers;
}

/** The public request page's failures: a bad address is not a bad link. */
const renderFormProblem = (error: HttpProblem, _req: Request, res: Response) =>
  error.status === 400
    ? sendPage(
        res,
        400,
        'Please check your request',
        '<p>Please give a valid email address and choose what you ask for.</p>',
      )
    : sendLinkProblem(res, error.status, error.message);

/** What each profile center button does, and what its page then says. */
const actions = {
  access: {
    type: 'access',
    done: 'We are preparing a copy of your data; you will receive a download link by email.',
  },
  restrict: {
    type: 'restriction',
    done: 'Your data is kept, but no longer used: no mail, no profiling, no export, until you lift the restriction.',
  },
  'lift-restriction': { type: 'restriction', lift: true, done: 'The restriction is lifted.' },
  'stop-tracking': {
    type: 'objection',
    done: 'No opens, clicks or activity are recorded for you any more.',
  },
  'resume-tracking': { type: 'objection', lift: true, done: 'Tracking is allowed again.' },
  erase: {
    type: 'erasure',
    done: 'Everything we hold about you is being erased, and your address will not be added again.',
  },
} as const;
type Action = keyof typeof actions | 'unsubscribe-all';

const when = (d: Date | undefined) =>
  d ? esc(new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC') : '';
const button = (action: string, label: string, token: string) =>
  `<form method="post" action="/p/${esc(token)}" style="display:inline"><input type="hidden" name="action" value="${esc(action)}"><button type="submit">${esc(label)}</button></form>`;

/** The profile center and the public request page. */
export function profileCenterRoutes(deps: ProfileCenterDeps) {
  async function open(token: string) {
    const claims = await verifyLinkToken(deps.tokens, token, ['profile']);
    let tenant: TenantScope;
    try {
      // Also while the tenant is frozen after its contract's end: objections are honoured.
      tenant = await deps.tenants.forTenant(claims.tenantId, readableStatuses);
    } catch (err) {
      // A database that does not answer is no gone tenant: the recipient may retry.
      if (err instanceof UnknownTenantError)
        throw linkRefused('gone', 'This link no longer leads anywhere.');
      throw err;
    }
    return { claims, tenant };
  }

  const linkPage = linkPageRoute;
  const refusals = linkRefusals('an expired link, or nothing held any more');

  return [
    defineRoute({
      ...linkPage,
      method: 'get',
      path: '/p/:token',
      summary: 'The profile center',
      description:
        'The data held about the recipient, each list with its status and consent proof, and buttons (each a form post) to download the data, restrict processing, stop tracking, unsubscribe and erase. A visit counts as activity for inactivity pruning, unless the recipient objected to tracking.',
      responses: { 200: page('the recipient’s data and choices'), ...refusals },
      async handler({ params }, _req, res) {
        const { claims, tenant } = await open(params.token);
        const m = tenant.models;
        // Update then read: FerretDB cannot findAndModify with a projection.
        await m.Contact.updateOne(
          { _id: claims.contactId, trackingObjection: { $ne: '*' } },
          { $set: { lastActivityAt: new Date() } },
        );
        const contact = (await m.Contact.findById(
          claims.contactId,
        ).lean()) as ContactDocument | null;
        if (!contact) throw linkRefused('gone', 'We hold no data about you any more.');
        const listIds = Object.keys(contact.lists ?? {});
        const [lists, proof] = await Promise.all([
          m.List.find({ _id: { $in: listIds } }, { name: 1 }).lean(),
          m.ConsentRecord.find({ contactId: contact._id }).sort({ at: 1 }).lean(),
        ]);
        const names = new Map(lists.map((l) => [l._id, l.name]));
        const details = (contact.details ?? {}) as ContactDetails;
        const fields = [
          ['Email', contact.email],
          ['Phone', contact.phone],
          ['First name', details.firstName],
          ['Last name', details.lastName],
          ...Object.entries(details.custom ?? {}),
        ].filter(([, v]) => v !== undefined && v !== null);
        const listRows = await Promise.all(
          Object.entries(contact.lists ?? {}).map(async ([listId, ms]) => {
            const events = proof
              .filter((p) => p.listId === listId)
              .map(
                (p) =>
                  `<li>${esc(p.action)} ${when(p.at)} · ${esc(p.source.kind)}${p.ip ? ` · IP ${esc(p.ip)}` : ''}${p.textVersion ? ` · consent text ${esc(p.textVersion)}` : ''}</li>`,
              )
              .join('');
            const unsubscribe =
              ms.status === 'unsubscribed'
                ? ''
                : `<form method="post" action="${esc(await deps.links.unsubscribe(claims.tenantId, claims.contactId, listId))}" style="display:inline"><button type="submit">Unsubscribe</button></form>`;
            return `<li><strong>${esc(names.get(listId) ?? listId)}</strong>: ${esc(ms.status)} ${unsubscribe}<ul>${events}</ul></li>`;
          }),
        );
        const t = params.token;
        const restricted = contact.restrictedAt !== undefined;
        const untracked = (contact.trackingObjection ?? []).includes('*');
        sendPage(
          res,
          200,
          'Your data and your choices',
          `<h2>What we hold</h2><dl>${fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` +
            `<h2>Your subscriptions</h2><ul>${listRows.join('')}</ul>` +
            `<h2>Your rights</h2><p>${button('access', 'Download my data', t)}</p>` +
            `<p>${restricted ? button('lift-restriction', 'Lift the restriction', t) : button('restrict', 'Restrict the use of my data', t)}</p>` +
            `<p>${untracked ? button('resume-tracking', 'Allow tracking again', t) : button('stop-tracking', 'Stop tracking me', t)}</p>` +
            `<p>${button('unsubscribe-all', 'Unsubscribe from everything', t)}</p>` +
            `<p>${button('erase', 'Erase all my data', t)}</p>`,
        );
      },
    }),

    defineRoute({
      ...linkPage,
      method: 'post',
      path: '/p/:token',
      summary: 'Act on the profile center',
      description:
        '`action`: `access`, `restrict`, `lift-restriction`, `stop-tracking`, `resume-tracking`, `erase` (each a rights request, verified by the link) or `unsubscribe-all`.',
      request: {
        ...linkPage.request,
        bodyType: 'form',
        body: z.strictObject({
          action: z.enum([
            'access',
            'restrict',
            'lift-restriction',
            'stop-tracking',
            'resume-tracking',
            'erase',
            'unsubscribe-all',
          ]),
        }),
      },
      responses: { 200: page('what was done'), ...refusals },
      async handler({ params, body }, req, res) {
        const { claims, tenant } = await open(params.token);
        const action = body.action as Action;
        const contact = await tenant.models.Contact.findById(claims.contactId, { lists: 1 }).lean();
        if (!contact) throw linkRefused('gone', 'We hold no data about you any more.');
        if (action === 'unsubscribe-all') {
          const use = { at: new Date().toISOString(), ...(req.ip ? { ip: req.ip } : {}) };
          for (const [listId, ms] of Object.entries(contact.lists ?? {}))
            if (ms.status !== 'unsubscribed')
              await unsubscribeContact(tenant, claims.contactId, listId, use, deps);
          return sendPage(
            res,
            200,
            'Unsubscribed',
            '<p>You will receive no more emails from any of our lists.</p>',
          );
        }
        const chosen = actions[action];
        await receiveRightsRequest(deps, tenant, {
          type: chosen.type,
          contactId: claims.contactId,
          identityVerified: true,
          origin: 'subject',
          by: { kind: 'subject' },
          ...('lift' in chosen ? { scope: { lift: true } } : {}),
        });
        sendPage(res, 200, 'Request received', `<p>${esc(chosen.done)}</p>`);
      },
    }),

    defineRoute({
      tag: 'recipient pages',
      auth: 'none',
      renderError: renderFormProblem,
      method: 'get',
      path: '/t/:tenantId/rights',
      summary: 'The public rights request page',
      description: 'A form for a subject without a mail link: their address and what they ask for.',
      request: {
        params: z.strictObject({ tenantId: z.string().regex(/^[a-z0-9]{6,32}$/) }),
        query: pageQuery,
      },
      responses: {
        200: page('the request form'),
        400: page('a malformed address'),
        410: page('no such tenant'),
      },
      async handler({ params }, _req, res) {
        await deps.tenants.forTenant(params.tenantId).catch(() => {
          throw linkRefused('gone', 'This page no longer leads anywhere.');
        });
        const options = [
          ['access', 'A copy of my data'],
          ['portability', 'My data in a portable format'],
          ['erasure', 'Erase my data'],
          ['restriction', 'Restrict the use of my data'],
          ['objection', 'Stop tracking and profiling'],
        ]
          .map(([v, l]) => `<option value="${v}">${esc(l)}</option>`)
          .join('');
        sendPage(
          res,
          200,
          'Your data protection rights',
          `<form method="post" action="/t/${esc(params.tenantId)}/rights"><p><label>Your email address<br><input type="email" name="email" required maxlength="254" autocomplete="email"></label></p><p><label>What you ask for<br><select name="type">${options}</select></label></p><p><button type="submit">Send my request</button></p></form><p>We will email you a link to confirm the request before anything is done.</p>`,
        );
      },
    }),

    defineRoute({
      tag: 'recipient pages',
      auth: 'none',
      renderError: renderFormProblem,
      method: 'post',
      path: '/t/:tenantId/rights',
      summary: 'Start a rights request by address',
      description:
        'Answers the same whether or not the address is held; the request runs once the link mailed to the address is followed.',
      request: {
        params: z.strictObject({ tenantId: z.string().regex(/^[a-z0-9]{6,32}$/) }),
        query: pageQuery,
        bodyType: 'form',
        body: z.strictObject({
          email: z.string().max(254),
          type: z.enum(['access', 'portability', 'erasure', 'restriction', 'objection']),
        }),
      },
      responses: {
        200: page('check your mailbox'),
        400: page('not an address'),
        410: page('no such tenant'),
      },
      async handler({ params, body }, _req, res) {
        const tenant = await deps.tenants.forTenant(params.tenantId).catch(() => {
          throw linkRefused('gone', 'This page no longer leads anywhere.');
        });
        await receiveRightsRequest(deps, tenant, {
          type: body.type,
          email: body.email,
          origin: 'subject',
          by: { kind: 'subject' },
        });
        sendPage(
          res,
          200,
          'Check your mailbox',
          '<p>We sent a link to the address you gave. Follow it to confirm your request; nothing happens until you do.</p>',
        );
      },
    }),
  ];
}
