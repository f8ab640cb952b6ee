/**
 * A campaign message's open pixel (`GET /t/o/:token`) and tracked links (`GET /t/c/:token`).
 * The token is signed and names the campaign and the link's index, never a URL, so this is no
 * open redirect: the target is the link of the campaign's template version. An open and a
 * click are recorded once per recipient (an opaque id, no IP or user agent kept) and count as
 * the contact's activity for inactivity pruning; nothing is recorded for a subject who objected
 * to tracking since, or whose list stopped tracking. A tampered or expired token gets 404 and
 * records nothing.
 */
import type { Request, Response } from 'express';
import { recordCampaignEvent } from '../../campaigns/campaigns';
import { mayTrack } from '../../campaigns/tracking';
import { LinkTokenError, type LinkClaims, type LinkTokens } from '../../consent/link-tokens';
import type { CampaignDocument } from '../../db/models/campaign';
import type { TenantAccess, TenantScope } from '../../db/tenant-access';
import { AppError } from '../../errors';
import type { HttpProblem } from '../middleware/error-handler';
import { page, sendLinkProblem, tokenParams } from '../pages/page';
import { defineRoute } from '../route';

/** What the tracking routes need. */
export interface TrackingDeps {
  tenants: TenantAccess;
  tokens: LinkTokens;
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
  /** The token's claims, tenant and campaign; 404 for anything that does not check out. */
  async function open(token: string, purpose: 'open' | 'click') {
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
    } catch {
      throw unknownLink();
    }
    const campaignId = claims.ref?.split(':')[0];
    const campaign = campaignId
      ? await tenant.models.Campaign.findById(campaignId).lean<CampaignDocument>()
      : null;
    if (!campaign || !claims.listId) throw unknownLink();
    return { claims, tenant, campaign, listId: claims.listId };
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
      summary: 'A campaign message’s open pixel',
      description:
        'A transparent 1×1 GIF; the first fetch records the recipient’s open (once), when tracking is still allowed for them.',
      responses: {
        200: { description: 'the pixel', contentType: 'image/gif' },
        404: page('a tampered, expired or unknown link'),
      },
      async handler({ params }, _req, res) {
        const { claims, tenant, campaign, listId } = await open(params.token, 'open');
        await record(tenant, campaign, claims, listId, 'open');
        res.status(200).type('image/gif').set('Cache-Control', 'no-store').send(PIXEL);
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/t/c/:token',
      summary: 'A campaign message’s tracked link',
      description:
        'Redirects (302) to the link the token names in the campaign’s template version, recording the recipient’s click (once) when tracking is still allowed for them.',
      responses: {
        302: { description: 'to the link’s target' },
        404: page('a tampered, expired or unknown link'),
      },
      async handler({ params }, _req, res) {
        const { claims, tenant, campaign, listId } = await open(params.token, 'click');
        const index = Number(claims.ref!.split(':')[1]);
        const version = await tenant.models.TemplateVersion.findById(
          `${campaign.templateId}:v${campaign.templateVersion}`,
          { links: 1 },
        ).lean();
        const target = Number.isInteger(index) ? version?.links[index] : undefined;
        if (!target) throw unknownLink();
        await record(tenant, campaign, claims, listId, 'click');
        res.status(302).location(target).set('Cache-Control', 'no-store').end();
      },
    }),
  ];
}
