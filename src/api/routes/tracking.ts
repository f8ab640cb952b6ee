/**
 * A tracked message's open pixel (`GET /t/o/:token`) and links (`GET /t/c/:token`), for
 * campaigns and automations' send steps. The token is signed and names the message (a
 * campaign, or an automation's step in one published version) and the link's index, never a
 * URL, so this is no open redirect: the target is the link of the campaign's template version
 * or of the step as published. An automation's open or click is told to its runs, which may
 * wait for it. An open and a
 * click are recorded once per recipient (an opaque id, no IP or user agent kept) and count as
 * the contact's activity for inactivity pruning; nothing is recorded for a subject who objected
 * to tracking since, or whose list stopped tracking. A tampered or expired token gets 404 and
 * records nothing.
 */
import type { Request, Response } from 'express';
import {
  linkOfStep,
  parseAutomationMessageRef,
  type AutomationMessage,
} from '../../automations/tracking';
import { publishedDefinition } from '../../automations/store';
import type { AutomationTriggers } from '../../automations/triggers';
import { recordCampaignEvent } from '../../campaigns/campaigns';
import { mayTrack } from '../../campaigns/tracking';
import { LinkTokenError, type LinkClaims, type LinkTokens } from '../../consent/link-tokens';
import type { CampaignDocument } from '../../db/models/campaign';
import { UnknownTenantError, type TenantAccess, type TenantScope } from '../../db/tenant-access';
import { AppError } from '../../errors';
import type { HttpProblem } from '../middleware/error-handler';
import { page, sendLinkProblem, tokenParams } from '../pages/page';
import { defineRoute } from '../route';

/** What the tracking routes need. */
export interface TrackingDeps {
  tenants: TenantAccess;
  tokens: LinkTokens;
  /** Tells an automation's runs of an open or click of its mails. */
  automations: Pick<AutomationTriggers, 'contactEvent'>;
}

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const unknownLink = () => new AppError('not_found', 'link_not_found', 'This link is not known.');

const renderProblem = (error: HttpProblem, _req: Request, res: Response) =>
  sendLinkProblem(
    res,
    404,
    error.status === 404 || error.status === 400 ? 'This link is not known.' : error.message,
  );

/** The tracking routes. */
export function trackingRoutes(deps: TrackingDeps) {
  /** The token's claims and tenant; 404 for anything that does not check out. */
  async function verified(token: string, purpose: 'open' | 'click') {
    let claims: LinkClaims;
    try {
      claims = await deps.tokens.verify(token, [purpose]);
    } catch (err) {
      if (err instanceof LinkTokenError) throw unknownLink();
      throw err;
    }
    let tenant: TenantScope;
    try {
      tenant = await deps.tenants.forTenant(claims.tenantId);
    } catch (err) {
      // A database that does not answer is no unknown link: the client may retry.
      if (err instanceof UnknownTenantError) throw unknownLink();
      throw err;
    }
    if (!claims.ref || !claims.listId) throw unknownLink();
    return { claims, tenant, listId: claims.listId };
  }

  /** The message a token names (the ref without a click's `:<index>`), and the index. */
  function messageOf(claims: LinkClaims, purpose: 'open' | 'click') {
    const ref = claims.ref!;
    const cut = purpose === 'click' ? ref.lastIndexOf(':') : -1;
    return {
      message: cut < 0 ? ref : ref.slice(0, cut),
      index: cut < 0 ? undefined : Number(ref.slice(cut + 1)),
    };
  }

  async function campaignOf(tenant: TenantScope, campaignId: string) {
    const campaign = await tenant.models.Campaign.findById(campaignId).lean<CampaignDocument>();
    if (!campaign) throw unknownLink();
    return campaign;
  }

  /** Records the open or click when tracking still may, and counts it as activity. */
  async function record(
    tenant: TenantScope,
    campaign: CampaignDocument,
    claims: LinkClaims,
    listId: string,
    kind: 'open' | 'click',
  ) {
    const [contact, list] = await Promise.all([
      tenant.models.Contact.findById(claims.contactId, { trackingObjection: 1 }).lean(),
      tenant.models.List.findById(listId, { tracking: 1 }).lean(),
    ]);
    if (!contact || !mayTrack(campaign, list, contact, listId)) return;
    const at = new Date();
    if (await recordCampaignEvent(tenant, campaign._id, claims.contactId, kind, at))
      await tenant.models.Contact.updateOne(
        { _id: claims.contactId },
        { $set: { lastActivityAt: at } },
      );
  }

  /**
   * An automation mail's open or click, when tracking still may: activity, and the event
   * its automation's runs may be waiting for.
   */
  async function recordAutomation(
    tenant: TenantScope,
    message: AutomationMessage,
    claims: LinkClaims,
    listId: string,
    kind: 'open' | 'click',
  ) {
    const [contact, list] = await Promise.all([
      tenant.models.Contact.findById(claims.contactId, { trackingObjection: 1 }).lean(),
      tenant.models.List.findById(listId, { tracking: 1 }).lean(),
    ]);
    if (!contact || !mayTrack({ tracking: true }, list, contact, listId)) return;
    await tenant.models.Contact.updateOne(
      { _id: claims.contactId },
      { $set: { lastActivityAt: new Date() } },
    );
    await deps.automations.contactEvent(tenant, claims.contactId!, {
      type: kind === 'open' ? 'email_opened' : 'email_clicked',
      automationId: message.automationId,
      node: message.node,
    });
  }

  /** The send step of an automation's published version, or 404. */
  async function stepOf(tenant: TenantScope, message: AutomationMessage) {
    const definition = await publishedDefinition(tenant, message.automationId, message.version);
    const step = definition?.nodes.find((n) => n.id === message.node);
    if (step?.type !== 'send_email') throw unknownLink();
    return step;
  }

  const common = {
    tag: 'recipient pages',
    auth: 'none',
    request: { params: tokenParams },
    renderError: renderProblem,
  } as const;

  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/t/o/:token',
      summary: 'A tracked message’s open pixel',
      description:
        'A transparent 1×1 GIF; the first fetch records the recipient’s open (once), when tracking is still allowed for them.',
      responses: {
        200: { description: 'the pixel', contentType: 'image/gif' },
        404: page('a tampered, expired or unknown link'),
      },
      async handler({ params }, _req, res) {
        const { claims, tenant, listId } = await verified(params.token, 'open');
        const { message } = messageOf(claims, 'open');
        const automation = parseAutomationMessageRef(message);
        if (automation) {
          await stepOf(tenant, automation);
          await recordAutomation(tenant, automation, claims, listId, 'open');
        } else {
          await record(tenant, await campaignOf(tenant, message), claims, listId, 'open');
        }
        res.status(200).type('image/gif').set('Cache-Control', 'no-store').send(PIXEL);
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/t/c/:token',
      summary: 'A tracked message’s link',
      description:
        'Redirects (302) to the link the token names in the campaign’s template version, recording the recipient’s click (once) when tracking is still allowed for them.',
      responses: {
        302: { description: 'to the link’s target' },
        404: page('a tampered, expired or unknown link'),
      },
      async handler({ params }, _req, res) {
        const { claims, tenant, listId } = await verified(params.token, 'click');
        const { message, index } = messageOf(claims, 'click');
        if (index === undefined || !Number.isInteger(index)) throw unknownLink();
        const automation = parseAutomationMessageRef(message);
        let target: string | undefined;
        if (automation) {
          target = linkOfStep((await stepOf(tenant, automation)).html, index);
          if (!target) throw unknownLink();
          await recordAutomation(tenant, automation, claims, listId, 'click');
        } else {
          const campaign = await campaignOf(tenant, message);
          const version = await tenant.models.TemplateVersion.findById(
            `${campaign.templateId}:v${campaign.templateVersion}`,
            { links: 1 },
          ).lean();
          target = version?.links[index];
          if (!target) throw unknownLink();
          await record(tenant, campaign, claims, listId, 'click');
        }
        res.status(302).location(target).set('Cache-Control', 'no-store').end();
      },
    }),
  ];
}
