/**
 * The pages behind the links in recipients' mail: `GET|POST /c/:token` (confirm a subscription
 * or renew consent: GET shows the button, POST acts), `GET|POST /k/:token` (stay subscribed, for
 * re-permission: the same) and `GET|POST /u/:token` (unsubscribe; POST is RFC 8058 one-click).
 * The profile center is in profile-center.ts.
 * A tampered token gets 400, an expired one 410, a used one 409 or 410: each a page saying
 * so, and nothing changes.
 */
import type { SignalDefinition } from '@temporalio/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  LinkTokenError,
  type LinkClaims,
  type LinkPurpose,
  type LinkTokens,
} from '../../consent/link-tokens';
import type { RecipientLinks } from '../../consent/recipient-links';
import { confirmSubscription } from '../../consent/subscription/confirm';
import { unsubscribeContact } from '../../consent/unsubscribe';
import { readableStatuses } from '../../db/models/tenant';
import { UnknownTenantError, type TenantAccess, type TenantScope } from '../../db/tenant-access';
import type { WorkflowGateway, WorkflowKind } from '../../temporal/workflows';
import { keepSignal, renewSignal, type LinkUse } from '../../../workflows/definitions';
import { AppError } from '../../errors';
import type { WebhookEmitDeps } from '../../webhooks/emit';
import type { AutomationTriggers } from '../../automations/triggers';
import type { HttpProblem } from '../middleware/error-handler';
import { esc, page, pageQuery, sendLinkProblem, sendPage, tokenParams } from '../pages/page';
import { defineRoute } from '../route';
import { recordCampaignEvent } from '../../campaigns/campaigns';
import { campaignIdPattern } from '../../campaigns/tracking';

/** How long a link page waits for the workflow to record the click (the proof, say). */
const SETTLE_MS = 10_000;

/** What the link pages need. */
export interface RecipientLinkDeps {
  tenants: TenantAccess;
  workflows: WorkflowGateway;
  tokens: LinkTokens;
  links: RecipientLinks;
  /** Tells the tenant's webhooks of confirmations and unsubscriptions. */
  webhooks: WebhookEmitDeps;
  /** Enters contacts into automations that start on a confirmation or an unsubscribe. */
  automations?: AutomationTriggers;
}

const linkUse = (req: Request): LinkUse => ({
  at: new Date().toISOString(),
  ...(req.ip ? { ip: req.ip } : {}),
  ...(req.get('user-agent') ? { userAgent: req.get('user-agent')!.slice(0, 500) } : {}),
});

/** A refused link: the page says why, and that nothing changed. */
const refused = (kind: 'invalid' | 'conflict' | 'gone', message: string) =>
  new AppError(kind, kind === 'conflict' ? 'link_used' : 'link_refused', message);

const INVALID = 'This link is not valid. Please use the complete link from your email.';

const gone = () =>
  refused('gone', 'This subscription request no longer exists: it expired without confirmation.');
const alreadyConfirmed = () =>
  refused('conflict', 'This subscription was already confirmed with this link.');

/** Every failure of a link page is a page; invalid input of any kind reads as a bad link. */
const renderLinkProblem = (error: HttpProblem, _req: Request, res: Response) =>
  sendLinkProblem(res, error.status, error.status === 400 ? INVALID : error.message);

/** The responses every link page may give besides its own success page. */
const refusals = {
  400: page('a tampered or malformed link'),
  410: page('an expired or used link, or one whose subject no longer exists'),
};

/** RFC 8058's one-click body; anything else a mail client adds is ignored. */
const oneClickBody = z.looseObject({
  'List-Unsubscribe': z.string().max(100).optional().meta({ description: '`One-Click`' }),
});

/** The link pages. */
export function recipientLinkRoutes(deps: RecipientLinkDeps) {
  /** Verifies the token and opens its tenant; throws a refusal otherwise. */
  async function open(token: string, purposes: LinkPurpose[]) {
    let claims: LinkClaims;
    try {
      claims = await deps.tokens.verify(token, purposes);
    } catch (err) {
      if (!(err instanceof LinkTokenError)) throw err;
      if (err.problem === 'expired') throw refused('gone', 'This link has expired.');
      throw refused('invalid', INVALID);
    }
    let tenant: TenantScope;
    try {
      // Unsubscribing and the profile page work also while the tenant is frozen after its
      // contract's end: an objection is honoured whatever the contract's state.
      const evenFrozen = purposes.every((p) => p === 'unsubscribe' || p === 'profile');
      tenant = await deps.tenants.forTenant(
        claims.tenantId,
        evenFrozen ? readableStatuses : undefined,
      );
    } catch (err) {
      // Only a tenant that is gone makes the link lead nowhere; a database that does not
      // answer right now is an error the recipient can retry (5xx), never "gone".
      if (err instanceof UnknownTenantError)
        throw refused('gone', 'This link no longer leads anywhere.');
      throw err;
    }
    return { claims, tenant };
  }

  /**
   * Hands the click to the workflow waiting for this link (its id's opaque part is the link's
   * ref), then waits up to SETTLE_MS for its result, so the page reflects the recorded state
   * within reason. False when no workflow waits for it any more.
   */
  const click = <K extends WorkflowKind>(
    kind: K,
    claims: LinkClaims,
    def: SignalDefinition<[LinkUse]>,
    req: Request,
  ) =>
    claims.ref
      ? deps.workflows.signalAndSettle(
          kind,
          claims.tenantId,
          claims.ref,
          def,
          linkUse(req),
          SETTLE_MS,
        )
      : Promise.resolve(false as const);

  const linkPage = {
    tag: 'recipient pages',
    auth: 'none',
    request: { params: tokenParams, query: pageQuery },
    renderError: renderLinkProblem,
  } as const;

  return [
    defineRoute({
      ...linkPage,
      method: 'get',
      path: '/c/:token',
      summary: 'The confirmation page of a subscription or a consent renewal',
      description:
        'Shows a button that posts the confirmation (or renewal) to the same address; changes nothing itself, so a mail scanner that opens links confirms nothing. A request already confirmed, expired or withdrawn gets its page at once.',
      responses: {
        200: page('the confirm button'),
        ...refusals,
        409: page('this subscription was already confirmed with this link'),
      },
      async handler({ params }, _req, res) {
        const { claims, tenant } = await open(params.token, ['confirm', 'renew']);
        if (claims.purpose === 'confirm') {
          if (!claims.ref) throw refused('invalid', INVALID);
          // Not the encrypted fields: nothing to decrypt.
          const subscription = await tenant.models.Subscription.findById(claims.ref, {
            contactId: 1,
            status: 1,
          }).lean();
          if (subscription?.contactId !== claims.contactId) throw gone();
          if (subscription.status === 'confirmed') throw alreadyConfirmed();
          if (subscription.status === 'erasing') throw gone();
        }
        const what = claims.purpose === 'confirm' ? 'subscription' : 'consent';
        sendPage(
          res,
          200,
          claims.purpose === 'confirm' ? 'Confirm your subscription' : 'Renew your consent',
          `<form method="post" action="/c/${esc(params.token)}"><p>Please confirm your ${what} with the button below.</p><button type="submit">Confirm</button></form>`,
        );
      },
    }),

    defineRoute({
      ...linkPage,
      method: 'post',
      path: '/c/:token',
      summary: 'Confirm a subscription, or renew consent',
      description:
        'The button of the confirmation page confirms the pending subscription: the page records the consent proof with this request’s IP and user agent and answers once it is written. The button of a renewal page renews consent. The body is ignored.',
      request: { ...linkPage.request, body: z.looseObject({}), bodyType: 'form' },
      responses: {
        200: page('confirmed (the proof is written), or renewed'),
        ...refusals,
        409: page('this subscription was already confirmed with this link'),
      },
      async handler({ params }, req, res) {
        const { claims, tenant } = await open(params.token, ['confirm', 'renew']);
        if (claims.purpose === 'confirm') {
          if (!claims.ref || !claims.listId) throw refused('invalid', INVALID);
          const outcome = await confirmSubscription(
            tenant,
            { subscriptionId: claims.ref, contactId: claims.contactId, listId: claims.listId },
            linkUse(req),
            deps,
          );
          if (outcome === 'already-confirmed') throw alreadyConfirmed();
          if (outcome === 'withdrawn')
            throw refused('gone', 'This subscription request was withdrawn.');
          if (outcome === 'gone') throw gone();
          return sendPage(
            res,
            200,
            'Subscription confirmed',
            '<p>Thank you: your subscription is confirmed.</p>',
          );
        }
        if (!(await click('consentRenewal', claims, renewSignal, req)))
          throw refused(
            'gone',
            'This renewal link was already used or its renewal period is over.',
          );
        sendPage(res, 200, 'Consent renewed', '<p>Thank you: you stay subscribed.</p>');
      },
    }),

    defineRoute({
      ...linkPage,
      method: 'get',
      path: '/k/:token',
      summary: 'The stay-subscribed page (re-permission)',
      description:
        'Shows a button that posts “keep me subscribed” to the same address; changes nothing itself.',
      responses: { 200: page('the keep button'), ...refusals },
      async handler({ params }, _req, res) {
        await open(params.token, ['keep']);
        sendPage(
          res,
          200,
          'Stay subscribed',
          `<form method="post" action="/k/${esc(params.token)}"><p>Would you like to keep receiving this list's emails?</p><button type="submit">Keep me subscribed</button></form>`,
        );
      },
    }),

    defineRoute({
      ...linkPage,
      method: 'post',
      path: '/k/:token',
      summary: 'Stay subscribed (re-permission)',
      description: 'The button of the stay-subscribed page. The body is ignored.',
      request: { ...linkPage.request, body: z.looseObject({}), bodyType: 'form' },
      responses: { 200: page('the recipient stays subscribed'), ...refusals },
      async handler({ params }, req, res) {
        const { claims } = await open(params.token, ['keep']);
        if (!(await click('rePermission', claims, keepSignal, req)))
          throw refused('gone', 'This link was already used or its waiting period is over.');
        sendPage(res, 200, 'You stay subscribed', '<p>Thank you: you stay subscribed.</p>');
      },
    }),

    defineRoute({
      ...linkPage,
      method: 'get',
      path: '/u/:token',
      summary: 'The unsubscribe page',
      description: 'Shows a button that posts the one-click unsubscribe; changes nothing itself.',
      responses: { 200: page('the unsubscribe button'), ...refusals },
      async handler({ params }, _req, res) {
        await open(params.token, ['unsubscribe']);
        sendPage(
          res,
          200,
          'Unsubscribe',
          `<form method="post" action="/u/${esc(params.token)}"><p>Stop receiving this list's emails?</p><button type="submit">Unsubscribe</button></form>`,
        );
      },
    }),

    // RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click`; no other step.
    defineRoute({
      ...linkPage,
      method: 'post',
      path: '/u/:token',
      summary: 'Unsubscribe (RFC 8058 one-click)',
      description:
        'Mail clients post `List-Unsubscribe=One-Click` (urlencoded; a multipart body is accepted as empty). The membership becomes `unsubscribed` and a `withdrawn` consent record is appended; repeating it changes nothing more.',
      request: { ...linkPage.request, body: oneClickBody, bodyType: 'form' },
      responses: { 200: page('unsubscribed'), ...refusals },
      async handler({ params }, req, res) {
        const { claims, tenant } = await open(params.token, ['unsubscribe']);
        const changed = await unsubscribeContact(
          tenant,
          claims.contactId,
          claims.listId!,
          linkUse(req),
          deps,
        );
        // From a campaign's message: counted in its statistics.
        if (changed && claims.ref && campaignIdPattern.test(claims.ref))
          await recordCampaignEvent(tenant, claims.ref, claims.contactId, 'unsubscribe');
        sendPage(
          res,
          200,
          'Unsubscribed',
          '<p>You will receive no more emails from this list.</p>',
        );
      },
    }),
  ];
}
