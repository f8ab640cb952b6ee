/**
 * The subject's side of a rights request: `GET /r/:token` shows what was asked and a button,
 * `POST /r/:token` confirms it was the subject who asked (the identity check), and
 * `GET /r/:token/export` downloads the access archive until it expires. A mail scanner that
 * opens the verification link confirms nothing. Tokens carry opaque ids only; a tampered,
 * expired or other request's token changes nothing and gets a page saying so.
 */
import { z } from 'zod';
import type { LinkPurpose, LinkTokens } from '../../consent/link-tokens';
import type { TenantAccess } from '../../db/tenant-access';
import { readArchive } from '../../rights/archive';
import { rightsAskedFor } from '../../rights/words';
import { findRequest, verifyRightsRequest, type RightsRequestDeps } from '../../rights/requests';
import {
  INVALID_LINK,
  linkPageRoute,
  linkRefusals,
  linkRefused,
  verifyLinkToken,
} from '../pages/link-pages';
import { esc, page, sendPage } from '../pages/page';
import { defineRoute } from '../route';

/** What the pages need. */
export interface RightsPageDeps extends RightsRequestDeps {
  tenants: TenantAccess;
  tokens: LinkTokens;
}

/** The rights request pages. */
export function rightsPageRoutes(deps: RightsPageDeps) {
  async function open(token: string, purpose: LinkPurpose) {
    const claims = await verifyLinkToken(deps.tokens, token, [purpose]);
    if (!claims.ref) throw linkRefused('invalid', INVALID_LINK);
    const tenant = await deps.tenants.forTenant(claims.tenantId).catch(() => {
      throw linkRefused('gone', 'This link no longer leads anywhere.');
    });
    const request = await findRequest(tenant, claims.ref).catch(() => {
      throw linkRefused('gone', 'This request no longer exists.');
    });
    return { tenant, request };
  }

  const pageRoute = linkPageRoute;
  const refusals = linkRefusals('an expired link, or a request that no longer exists');

  return [
    defineRoute({
      ...pageRoute,
      method: 'get',
      path: '/r/:token',
      summary: 'The confirmation page of a rights request',
      description:
        'Says what was asked and shows a button that posts the confirmation; changes nothing itself.',
      responses: {
        200: page('the confirm button'),
        ...refusals,
        409: page('the request is closed'),
      },
      async handler({ params }, _req, res) {
        const { request } = await open(params.token, 'rights-verify');
        if (request.status === 'completed' || request.status === 'rejected')
          throw linkRefused('conflict', 'This request is closed.');
        if (request.status !== 'verifying')
          return sendPage(
            res,
            200,
            'Request confirmed',
            '<p>Your request is confirmed; we are working on it.</p>',
          );
        sendPage(
          res,
          200,
          'Confirm your request',
          `<form method="post" action="/r/${esc(params.token)}"><p>We received a request for ${esc(rightsAskedFor[request.type])}. If you made it, please confirm it.</p><button type="submit">Confirm my request</button></form><p>If you did not make it, close this page: nothing will happen.</p>`,
        );
      },
    }),

    defineRoute({
      ...pageRoute,
      method: 'post',
      path: '/r/:token',
      summary: 'Confirm a rights request (the identity check)',
      description:
        'Following the link from the mail proves the request came from the address; the request then runs. The body is ignored.',
      request: { ...pageRoute.request, body: z.looseObject({}), bodyType: 'form' },
      responses: { 200: page('confirmed'), ...refusals, 409: page('the request is closed') },
      async handler({ params }, _req, res) {
        const { tenant, request } = await open(params.token, 'rights-verify');
        if (request.status === 'completed' || request.status === 'rejected')
          throw linkRefused('conflict', 'This request is closed.');
        await verifyRightsRequest(deps, tenant, request._id, { kind: 'subject' });
        sendPage(
          res,
          200,
          'Request confirmed',
          '<p>Thank you: your request is confirmed. We will answer by email within one month.</p>',
        );
      },
    }),

    defineRoute({
      ...pageRoute,
      method: 'get',
      path: '/r/:token/export',
      summary: 'Download the archive of an access or portability request',
      description:
        'The zip of the data held, until the link expires; each download is recorded in the request’s evidence.',
      responses: {
        200: { description: 'the archive', contentType: 'application/zip' },
        ...refusals,
      },
      async handler({ params }, _req, res) {
        const { tenant, request } = await open(params.token, 'rights-export');
        if (!request.archive || request.archive.expiresAt.getTime() < Date.now())
          throw linkRefused('gone', 'This download has expired.');
        const zip = await readArchive(tenant, request._id);
        if (!zip) throw linkRefused('gone', 'This download has expired.');
        await tenant.models.RightsRequest.updateOne(
          { _id: request._id },
          {
            $push: {
              evidence: { at: new Date(), action: 'archive_downloaded', by: { kind: 'subject' } },
            },
          },
        );
        res
          .type('application/zip')
          .set('Cache-Control', 'no-store')
          .attachment('my-data.zip')
          .send(zip);
      },
    }),
  ];
}
