/**
 * The pages behind the links in recipients' mail: `GET /c/:token` (confirm a subscription or
 * renew consent), `GET /k/:token` (stay subscribed, for re-permission), `GET|POST /u/:token`
 * (unsubscribe; POST is RFC 8058 one-click) and `GET /p/:token` (profile center, minimal).
 * A tampered token gets 400, an expired one 410, a used one 409 or 410: each a page saying
 * so, and nothing changes.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import express, { Router, type Request, type Response } from 'express';
import {
  LinkTokenError,
  type LinkClaims,
  type LinkPurpose,
  type LinkTokens,
} from '../../consent/link-tokens';
import type { RecipientLinks } from '../../consent/recipient-links';
import { unsubscribeContact } from '../../consent/unsubscribe';
import type { TenantAccess, TenantScope } from '../../db/tenant-access';
import {
  confirmSignal,
  keepSignal,
  renewSignal,
  workflowId,
  workflowKinds,
  type LinkUse,
} from '../../../workflows/definitions';
import { esc, sendLinkProblem, sendPage } from '../pages/page';

/** How long the confirmation page waits for the workflow to record the proof. */
const SETTLE_MS = 10_000;

/** What the link pages need. */
export interface RecipientLinkDeps {
  tenants: TenantAccess;
  temporal: Client;
  tokens: LinkTokens;
  links: RecipientLinks;
}

const linkUse = (req: Request): LinkUse => ({
  at: new Date().toISOString(),
  ...(req.ip ? { ip: req.ip } : {}),
  ...(req.get('user-agent') ? { userAgent: req.get('user-agent')!.slice(0, 500) } : {}),
});

/** Builds the link pages. */
export function recipientLinkRoutes(deps: RecipientLinkDeps): Router {
  const router = Router();

  /** Verifies the token and opens its tenant; answers the problem page and returns undefined when refused. */
  async function open(req: Request, res: Response, purposes: LinkPurpose[]) {
    let claims: LinkClaims;
    try {
      claims = await deps.tokens.verify(String(req.params.token), purposes);
    } catch (err) {
      if (!(err instanceof LinkTokenError)) throw err;
      if (err.problem === 'expired') sendLinkProblem(res, 410, 'This link has expired.');
      else
        sendLinkProblem(
          res,
          400,
          'This link is not valid. Please use the complete link from your email.',
        );
      return undefined;
    }
    let tenant: TenantScope;
    try {
      tenant = await deps.tenants.forTenant(claims.tenantId);
    } catch {
      sendLinkProblem(res, 410, 'This link no longer leads anywhere.');
      return undefined;
    }
    return { claims, tenant };
  }

  /** Signals a workflow waiting for this link; false when it no longer waits. */
  async function signal(id: string, def: typeof confirmSignal, use: LinkUse, settle = false) {
    const handle = deps.temporal.workflow.getHandle(id);
    try {
      await handle.signal(def, use);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
    // The page then reflects the recorded state (proof written), within reason.
    if (settle) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        handle.result().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, SETTLE_MS))),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  router.get('/c/:token', async (req, res) => {
    const opened = await open(req, res, ['confirm', 'renew']);
    if (!opened) return;
    const { claims, tenant } = opened;
    if (claims.purpose === 'confirm') {
      const subscription = claims.ref
        ? await tenant.models.Subscription.findById(claims.ref).lean()
        : null;
      if (!subscription || subscription.contactId !== claims.contactId)
        return sendLinkProblem(
          res,
          410,
          'This subscription request no longer exists: it expired without confirmation.',
        );
      if (subscription.status === 'confirmed')
        return sendLinkProblem(res, 409, 'This subscription was already confirmed with this link.');
      const contact = await tenant.models.Contact.findById(claims.contactId, { lists: 1 }).lean();
      if (contact?.lists?.[subscription.listId]?.status !== 'pending')
        return sendLinkProblem(res, 410, 'This subscription request was withdrawn.');
      if (!(await signal(subscription.workflowId, confirmSignal, linkUse(req), true)))
        return sendLinkProblem(res, 410, 'This subscription request has expired.');
      return sendPage(
        res,
        200,
        'Subscription confirmed',
        '<p>Thank you: your subscription is confirmed.</p>',
      );
    }
    const id = workflowId(workflowKinds.consentRenewal, claims.tenantId, claims.ref ?? '');
    if (!claims.ref || !(await signal(id, renewSignal, linkUse(req), true)))
      return sendLinkProblem(
        res,
        410,
        'This renewal link was already used or its renewal period is over.',
      );
    sendPage(res, 200, 'Consent renewed', '<p>Thank you: you stay subscribed.</p>');
  });

  router.get('/k/:token', async (req, res) => {
    const opened = await open(req, res, ['keep']);
    if (!opened) return;
    const { claims } = opened;
    const id = workflowId(workflowKinds.rePermission, claims.tenantId, claims.ref ?? '');
    if (!claims.ref || !(await signal(id, keepSignal, linkUse(req), true)))
      return sendLinkProblem(res, 410, 'This link was already used or its waiting period is over.');
    sendPage(res, 200, 'You stay subscribed', '<p>Thank you: you stay subscribed.</p>');
  });

  router.get('/u/:token', async (req, res) => {
    const opened = await open(req, res, ['unsubscribe']);
    if (!opened) return;
    sendPage(
      res,
      200,
      'Unsubscribe',
      `<form method="post" action="/u/${esc(req.params.token)}"><p>Stop receiving this list's emails?</p><button type="submit">Unsubscribe</button></form>`,
    );
  });

  // RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click`; no other step.
  router.post(
    '/u/:token',
    express.urlencoded({ extended: false, limit: '2kb' }),
    async (req, res) => {
      const opened = await open(req, res, ['unsubscribe']);
      if (!opened) return;
      const { claims, tenant } = opened;
      await unsubscribeContact(tenant, claims.contactId, claims.listId!, linkUse(req));
      sendPage(res, 200, 'Unsubscribed', '<p>You will receive no more emails from this list.</p>');
    },
  );

  router.get('/p/:token', async (req, res) => {
    const opened = await open(req, res, ['profile']);
    if (!opened) return;
    const { claims, tenant } = opened;
    // A profile visit counts as activity (inactivity pruning). Update then read: FerretDB
    // cannot findAndModify with a projection.
    await tenant.models.Contact.updateOne(
      { _id: claims.contactId },
      { $set: { lastActivityAt: new Date() } },
    );
    const contact = await tenant.models.Contact.findById(claims.contactId, { lists: 1 }).lean();
    if (!contact) return sendLinkProblem(res, 410, 'We hold no data about you any more.');
    const ids = Object.keys(contact.lists ?? {});
    const lists = await tenant.models.List.find({ _id: { $in: ids } }, { name: 1 }).lean();
    const names = new Map(lists.map((l) => [l._id, l.name]));
    const rows = await Promise.all(
      Object.entries(contact.lists ?? {}).map(async ([listId, m]) => {
        const action =
          m.status === 'unsubscribed'
            ? ''
            : `<form method="post" action="${esc(await deps.links.unsubscribe(claims.tenantId, claims.contactId, listId))}" style="display:inline"><button type="submit">Unsubscribe</button></form>`;
        return `<li>${esc(names.get(listId) ?? listId)}: ${esc(m.status)} ${action}</li>`;
      }),
    );
    sendPage(res, 200, 'Your subscriptions', `<ul>${rows.join('')}</ul>`);
  });

  return router;
}
