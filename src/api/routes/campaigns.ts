/**
 * Campaigns: create a draft (`campaigns.create`), list and read them with their statistics
 * (shown to callers with `stats.view`), send once (`campaigns.send`), and pause, resume or
 * cancel a send in progress (`campaigns.send`). A caller limited to some lists sees and sends
 * only campaigns whose lists are all theirs.
 */
import type { Response } from 'express';
import { documentedSegment, parseSegment } from '../../campaigns/segment';
import { z } from 'zod';
import type { LinkChecker } from '../../campaigns/link-check';
import {
  assertNoBlockedLinks,
  checkCampaignLinks,
  campaignStats,
  controlCampaignSend,
  createCampaign,
  findCampaign,
  startCampaignSend,
} from '../../campaigns/campaigns';
import { campaignIdPattern } from '../../campaigns/tracking';
import { templateIdPattern } from '../../campaigns/templates';
import type { CampaignActor, CampaignDocument } from '../../db/models/campaign';
import type { ControlModels } from '../../db/tenant-access';
import type { WorkflowGateway } from '../../temporal/workflows';
import { tenantOf } from '../middleware/tenant-auth';
import { listIdParams } from '../schemas/list-id';
import type { SendingDomains } from '../../mail/sending-domains';
import { defineRoute } from '../route';

/** What the campaign routes need. */
export interface CampaignRouteDeps {
  workflows: WorkflowGateway;
  control: ControlModels;
  linkChecker: LinkChecker;
  sendingDomains: SendingDomains;
}

const idParams = z.strictObject({ id: z.string().regex(campaignIdPattern, 'not a campaign id') });
const listId = listIdParams.shape.listId;
const createBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  listIds: z.array(listId).min(1).max(50),
  templateId: z.string().regex(templateIdPattern, 'not a template id'),
  tracking: z.boolean().optional(),
  segment: documentedSegment.optional(),
  sendingDomainId: z
    .string()
    .regex(/^sd[0-9a-f]{24}$/, 'not a sending domain id')
    .optional()
    .meta({
      description:
        'a verified sending domain to send from (From at that domain, DKIM d= it); the platform’s when left out',
    }),
  sendAt: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'when to send (ISO 8601 with its offset); now when left out' }),
});

const statsSchema = z.strictObject({
  recipients: z.number(),
  sent: z.number(),
  delivered: z.number(),
  skipped: z.number(),
  opens: z.number(),
  clicks: z.number(),
  unsubscribes: z.number(),
  bounces: z.number(),
  complaints: z.number(),
});
const progressSchema = z.strictObject({
  status: z.enum(['scheduled', 'sending', 'paused', 'sent', 'cancelled']),
  recipients: z.number(),
  sent: z.number(),
  skipped: z.number(),
  cursor: z.string().optional(),
});
const campaignSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    status: z.enum(['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled']),
    listIds: z.array(z.string()),
    templateId: z.string(),
    templateVersion: z.number().nullable(),
    tracking: z.boolean(),
    segment: documentedSegment.nullable(),
    sendingDomainId: z.string().nullable(),
    sendAt: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    stats: statsSchema.optional().meta({ description: 'with `stats.view` only' }),
  })
  .meta({ id: 'Campaign' });

const iso = (d: Date | undefined) => d?.toISOString() ?? null;

const present = (doc: CampaignDocument) => ({
  id: doc._id,
  name: doc.name,
  status: doc.status,
  listIds: doc.listIds,
  templateId: doc.templateId,
  templateVersion: doc.templateVersion ?? null,
  tracking: doc.tracking,
  segment: doc.segment ?? null,
  sendingDomainId: doc.sendingDomainId ?? null,
  sendAt: iso(doc.sendAt),
  createdAt: doc.createdAt.toISOString(),
  startedAt: iso(doc.startedAt),
  finishedAt: iso(doc.finishedAt),
});

const actorOf = (res: Response): CampaignActor => {
  const { principal } = tenantOf(res);
  return { kind: principal.kind, id: principal.id };
};
const scopeOf = (res: Response) => tenantOf(res).principal.permissions.lists;
const mayViewStats = (res: Response) => {
  const { features } = tenantOf(res).principal.permissions;
  return features.includes('stats.view') || (features as readonly string[]).includes('*');
};

/** The campaign routes. */
export function campaignRoutes(deps: CampaignRouteDeps) {
  /** The campaign as shown (its send's workflow stores its status as it changes). */
  async function shown(res: Response, doc: CampaignDocument) {
    const { tenant } = tenantOf(res);
    return {
      ...present(doc),
      ...(mayViewStats(res) ? { stats: await campaignStats(tenant, doc) } : {}),
    };
  }

  const control = (action: 'pause' | 'resume' | 'cancel') =>
    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.send',
      method: 'post',
      path: `/api/v1/campaigns/:id/${action}`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign’s send`,
      description:
        action === 'cancel'
          ? 'Stops before the next batch; messages sent stay sent. 409 `not_sending` unless scheduled, sending or paused.'
          : `${action === 'pause' ? 'Holds the send after the batch in progress' : 'Goes on where the send was paused'}. 409 \`not_sending\` unless scheduled, sending or paused.`,
      request: { params: idParams },
      responses: { 200: { description: 'where the send stands', schema: progressSchema } },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findCampaign(tenant, params.id, scopeOf(res));
        res.json(await controlCampaignSend(deps, tenant, doc, action));
      },
    });

  return [
    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.create',
      method: 'post',
      path: '/api/v1/campaigns',
      summary: 'Create a campaign',
      description:
        'A draft to one or more of your lists with a template; tracking (opens and clicks) is on unless `tracking: false`, and off anyway for a list whose tracking is off and for a subject who objected. The audience is resolved when the send starts: active members only, not restricted, once each.',
      request: { body: createBody },
      responses: {
        201: { description: 'the draft', schema: campaignSchema },
        422: { description: 'the sending domain is unknown or not verified' },
      },
      async handler({ body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await createCampaign(
          tenant,
          {
            ...body,
            // Checked here, not by the body's schema: see documentedSegment.
            segment: body.segment === undefined ? undefined : parseSegment(body.segment),
            sendAt: body.sendAt ? new Date(body.sendAt) : undefined,
          },
          scopeOf(res),
          actorOf(res),
          undefined,
          deps,
        );
        res.status(201).json(present(doc));
      },
    }),

    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.create',
      method: 'get',
      path: '/api/v1/campaigns',
      summary: 'List campaigns',
      description:
        'Those whose lists are all yours, newest first (at most 500), without statistics.',
      responses: { 200: { description: 'the campaigns', schema: z.array(campaignSchema) } },
      async handler(_input, _req, res) {
        const { tenant } = tenantOf(res);
        const lists = scopeOf(res);
        const docs = await tenant.models.Campaign.find()
          .sort({ createdAt: -1 })
          .limit(500)
          .lean<CampaignDocument[]>();
        res.json(
          docs
            .filter((d) => lists === 'all' || d.listIds.every((l) => lists.includes(l)))
            .map(present),
        );
      },
    }),

    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.create',
      method: 'get',
      path: '/api/v1/campaigns/:id',
      summary: 'Read a campaign',
      description:
        'With `stats` (recipients, sent, delivered, skipped, opens, clicks, unsubscribes, bounces, complaints) for callers with `stats.view`. Opens and clicks count recipients, once each.',
      request: { params: idParams },
      responses: { 200: { description: 'the campaign', schema: campaignSchema } },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        res.json(await shown(res, await findCampaign(tenant, params.id, scopeOf(res))));
      },
    }),

    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.send',
      method: 'post',
      path: '/api/v1/campaigns/:id/send',
      summary: 'Send a campaign',
      description:
        'Checks every link first (as `POST …/check`): 422 `links_blocked` names each blocked link with its reason and redirect chain. Then starts its send with the template’s current version, now or at its `sendAt`. 409 `not_draft` once sent, 409 `postal_address_missing` until the tenant’s postal address is set; 422 `sending_domain_unverified` or `sending_domain_unknown` when its sending domain is no longer usable.',
      request: { params: idParams },
      responses: {
        202: {
          description: 'the send started',
          schema: z.strictObject({ workflowId: z.string() }),
        },
      },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findCampaign(tenant, params.id, scopeOf(res));
        const owner = await deps.control.Tenant.findById(tenant.tenantId, {
          postalAddress: 1,
        }).lean();
        if (doc.status === 'draft')
          assertNoBlockedLinks(await checkCampaignLinks(deps.linkChecker, tenant, doc));
        const workflowId = await startCampaignSend(deps, tenant, doc, owner?.postalAddress);
        res.status(202).json({ workflowId });
      },
    }),

    defineRoute({
      tag: 'campaigns',
      auth: 'tenant',
      feature: 'campaigns.create',
      method: 'post',
      path: '/api/v1/campaigns/:id/check',
      summary: 'Check every link of a campaign',
      description:
        'Follows each link of the template version the campaign sends (at most 5 redirects) and judges every hop: `blocked` for a scheme other than http(s), an IP address as host, a host on the blocklist (`CONSENTFLOW_LINK_BLOCKLIST`), an address that is not public, or a link text showing another domain; `unreachable` for no answer or an error status. A send with a blocked link is refused (422 `links_blocked`).',
      request: { params: idParams },
      responses: {
        200: {
          description: 'the verdict on each link',
          schema: z.strictObject({
            links: z.array(
              z.strictObject({
                url: z.string(),
                finalUrl: z.string(),
                hops: z.array(z.string()),
                verdict: z.enum(['ok', 'blocked', 'unreachable']),
                reason: z.string().optional(),
              }),
            ),
          }),
        },
      },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findCampaign(tenant, params.id, scopeOf(res));
        res.json({ links: await checkCampaignLinks(deps.linkChecker, tenant, doc) });
      },
    }),

    control('pause'),
    control('resume'),
    control('cancel'),
  ];
}
