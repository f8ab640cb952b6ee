/**
 * Campaigns: created as drafts naming lists, a template and whether to track; sent once, by a
 * workflow that resolves the audience when it starts (src/campaigns/audience.ts); paused,
 * resumed and cancelled through that workflow, which answers with where it stands; counted
 * from the recipients' records and their events.
 */
import type { ListScope } from '../auth/principal';
import { randomBytes } from 'node:crypto';
import type { CampaignActor, CampaignDocument, CampaignEventKind } from '../db/models/campaign';
import type { TenantScope } from '../db/tenant-access';
import { AppError, conflict, invalid, notFound } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import {
  campaignControlUpdate,
  type CampaignProgress,
  type CampaignSendInput,
} from '../../workflows/definitions';
import type { SendingDomains } from '../mail/sending-domains';
import type { LinkChecker, LinkVerdict } from './link-check';
import type { Condition } from '../domain/automation-definition';
import { assertSegmentLists } from './segment';
import { campaignEventIdOf } from './tracking';

/** What sending and controlling campaigns need. */
export interface CampaignCommandDeps {
  workflows: Pick<WorkflowGateway, 'start' | 'update'>;
  /** Checks a campaign's own sending domain; needed only by campaigns that name one. */
  sendingDomains?: Pick<SendingDomains, 'assertUsable'>;
}

/** Refuses a sending domain that is unknown or not verified (422). */
async function assertSendingDomain(
  deps: Pick<CampaignCommandDeps, 'sendingDomains'>,
  tenant: TenantScope,
  id: string | undefined,
) {
  if (id === undefined) return;
  if (!deps.sendingDomains) throw new Error('sending domains are not wired here');
  await deps.sendingDomains.assertUsable(tenant.tenantId, id);
}

/** A campaign as received. */
export interface CampaignInput {
  name: string;
  listIds: string[];
  templateId: string;
  tracking?: boolean;
  /** Narrows the audience to the contacts it holds for (src/campaigns/segment.ts). */
  segment?: Condition;
  sendAt?: Date;
  /** A verified sending domain of the tenant to send from; the platform's when left out. */
  sendingDomainId?: string;
}

/** A campaign's statistics. */
export interface CampaignStats {
  recipients: number;
  sent: number;
  delivered: number;
  skipped: number;
  opens: number;
  clicks: number;
  unsubscribes: number;
  bounces: number;
  complaints: number;
}

/** Creates a draft; the lists must exist and be the caller's, the template must exist. */
export async function createCampaign(
  tenant: TenantScope,
  input: CampaignInput,
  lists: ListScope,
  by: CampaignActor,
  now = new Date(),
  deps: Pick<CampaignCommandDeps, 'sendingDomains'> = {},
): Promise<CampaignDocument> {
  const listIds = [...new Set(input.listIds)];
  const found = await tenant.models.List.find({ _id: { $in: listIds } }, { _id: 1 }).lean();
  const missing = listIds.filter(
    (id) => !found.some((l) => l._id === id) || (lists !== 'all' && !lists.includes(id)),
  );
  if (missing.length > 0) throw notFound(`list ${missing.join(', ')}`);
  await assertSegmentLists(tenant, input.segment, lists);
  if (!(await tenant.models.Template.exists({ _id: input.templateId }))) throw notFound('template');
  if (input.sendAt && input.sendAt.getTime() < now.getTime() - 60_000)
    throw invalid('sendAt: in the past; leave it out to send at once');
  await assertSendingDomain(deps, tenant, input.sendingDomainId);
  const doc: CampaignDocument = {
    _id: `k${randomBytes(12).toString('hex')}`,
    name: input.name,
    listIds,
    templateId: input.templateId,
    tracking: input.tracking ?? true,
    ...(input.segment ? { segment: input.segment } : {}),
    ...(input.sendingDomainId ? { sendingDomainId: input.sendingDomainId } : {}),
    ...(input.sendAt ? { sendAt: input.sendAt } : {}),
    status: 'draft',
    createdAt: now,
    createdBy: by,
    updatedAt: now,
  };
  await tenant.models.Campaign.create(doc);
  return doc;
}

/** A campaign the caller may see (every list of it theirs), or 404. */
export async function findCampaign(
  tenant: TenantScope,
  id: string,
  lists: ListScope,
): Promise<CampaignDocument> {
  const doc = await tenant.models.Campaign.findById(id).lean<CampaignDocument>();
  if (!doc || (lists !== 'all' && !doc.listIds.every((l) => lists.includes(l))))
    throw notFound('campaign');
  return doc;
}

/**
 * Starts the campaign's send with its template's current version; 409 unless it is a draft,
 * or when the tenant has no postal address for the footer. The workflow's id.
 */
export async function startCampaignSend(
  deps: CampaignCommandDeps,
  tenant: TenantScope,
  campaign: CampaignDocument,
  postalAddress: string | undefined,
  now = new Date(),
  /** How the send batches (tests use small batches). */
  options: Pick<CampaignSendInput, 'batchSize' | 'batchesPerRun'> = {},
): Promise<string> {
  if (!postalAddress)
    throw conflict(
      'postal_address_missing',
      'set the postal address for the footer of marketing messages first (PUT /api/v1/settings/postal-address)',
    );
  const template = await tenant.models.Template.findById(campaign.templateId, {
    version: 1,
  }).lean();
  if (!template) throw notFound('template');
  await assertSendingDomain(deps, tenant, campaign.sendingDomainId);
  const claimed = await tenant.models.Campaign.updateOne(
    { _id: campaign._id, status: 'draft' },
    {
      $set: {
        status: campaign.sendAt && campaign.sendAt > now ? 'scheduled' : 'sending',
        templateVersion: template.version,
        updatedAt: now,
      },
    },
  );
  if (claimed.modifiedCount !== 1)
    throw conflict('not_draft', `the campaign is ${campaign.status}: it is sent once`);
  const { workflowId } = await deps.workflows.start('campaignSend', {
    tenantId: tenant.tenantId,
    campaignId: campaign._id,
    ...options,
  });
  return workflowId;
}

/** Pauses, resumes or cancels a send; where it then stands. 409 when nothing is being sent. */
export async function controlCampaignSend(
  deps: CampaignCommandDeps,
  tenant: TenantScope,
  campaign: CampaignDocument,
  action: 'pause' | 'resume' | 'cancel',
): Promise<CampaignProgress> {
  if (!['scheduled', 'sending', 'paused'].includes(campaign.status))
    throw conflict('not_sending', `the campaign is ${campaign.status}`);
  return deps.workflows.update(
    'campaignSend',
    tenant.tenantId,
    campaign._id,
    campaignControlUpdate,
    { args: [{ action }], waitMs: 10_000 },
  );
}

/** A campaign's statistics, from its recipients' records and their events. */
export async function campaignStats(
  tenant: TenantScope,
  campaign: CampaignDocument,
): Promise<CampaignStats> {
  const range = { $gt: `${campaign._id}:`, $lt: `${campaign._id};` };
  const { CampaignRecipient, CampaignEvent } = tenant.models;
  const [sent, skipped, events] = await Promise.all([
    CampaignRecipient.countDocuments({ _id: range, status: 'sent' }),
    CampaignRecipient.countDocuments({ _id: range, status: 'skipped' }),
    CampaignEvent.find({ _id: range }, { kind: 1 }).lean(),
  ]);
  const count = (kind: string) => events.filter((e) => e.kind === kind).length;
  return {
    recipients: campaign.recipients ?? 0,
    sent,
    // What the relay took, less what came back as a permanent failure (src/campaigns/feedback.ts).
    delivered: sent - count('bounce'),
    skipped,
    opens: count('open'),
    clicks: count('click'),
    unsubscribes: count('unsubscribe'),
    bounces: count('bounce'),
    complaints: count('complaint'),
  };
}

/** Records an open, a click or an unsubscribe of a recipient, once; whether it was new. */
export async function recordCampaignEvent(
  tenant: TenantScope,
  campaignId: string,
  contactId: string,
  kind: CampaignEventKind,
  at = new Date(),
): Promise<boolean> {
  try {
    await tenant.models.CampaignEvent.create({
      _id: campaignEventIdOf(campaignId, contactId, kind),
      kind,
      at,
    });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}

/** The verdict on every link of the template version a campaign sends (or would send now). */
export async function checkCampaignLinks(
  checker: Pick<LinkChecker, 'check'>,
  tenant: TenantScope,
  campaign: CampaignDocument,
): Promise<LinkVerdict[]> {
  const template = await tenant.models.Template.findById(campaign.templateId, {
    version: 1,
  }).lean();
  if (!template) throw notFound('template');
  const version = await tenant.models.TemplateVersion.findById(
    `${campaign.templateId}:v${campaign.templateVersion ?? template.version}`,
    { links: 1, linkTexts: 1 },
  ).lean();
  if (!version) throw notFound('template version');
  return checker.check(
    version.links.map((url, i) => ({ url, text: version.linkTexts?.[i] || undefined })),
    { tenantId: tenant.tenantId },
  );
}

/** Refuses (422 `links_blocked`) a send with a blocked link, naming each with its reason. */
export function assertNoBlockedLinks(verdicts: readonly LinkVerdict[]): void {
  const blocked = verdicts.filter((v) => v.verdict === 'blocked');
  if (blocked.length === 0) return;
  throw new AppError(
    'unprocessable',
    'links_blocked',
    `${blocked.length} link${blocked.length === 1 ? '' : 's'} blocked: ${blocked
      .map((v) => `${v.url} (${v.reason})`)
      .join('; ')}`,
    {
      problems: blocked.map((v) => ({
        node: 'links',
        field: v.url,
        message: [v.reason, ...(v.hops.length ? [`via ${v.hops.join(' → ')}`] : [])].join(', '),
      })),
    },
  );
}
