/**
 * The steps of a campaign's send (workflows/campaign-send.ts): opening it (when it is due),
 * resolving its audience (src/campaigns/audience.ts), sending one batch of recipients and
 * recording how it ended.
 *
 * A batch re-checks each recipient as the message is built: still an active member of the
 * list, not restricted; anyone else is skipped with the reason. Each message is sent once: the
 * mailer's send key is the recipient's (`campaign:<campaignId>:<contactId>`), and the
 * recipient's record is marked sent after, so a batch retried after a crash sends only what
 * the relay never took. Tracking is added only where `mayTrack` allows it.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { resolveAudience } from '../src/campaigns/audience';
import {
  deleteRecipientPages,
  nextRecipients,
  writeRecipientPages,
} from '../src/campaigns/recipient-pages';
import { reserveSendSlot } from '../src/campaigns/send-pace';
import { renderTemplate, type MergeContact } from '../src/campaigns/template';
import { mayTrack } from '../src/campaigns/tracking';
import type { RecipientLinks } from '../src/consent/recipient-links';
import type { CampaignDocument, CampaignRecipientDocument } from '../src/db/models/campaign';
import type { ContactDocument } from '../src/db/models/contact';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import { bulkWriteBatched } from '../src/db/bulk-write';
import type { Mailer, TenantMessage } from '../src/mail/mailer';
import { AppError } from '../src/errors';
import type { CampaignBatchResult } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the campaign steps need. */
export interface CampaignDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  /** Messages per second a tenant may send, all its campaigns together. */
  campaignRatePerSecond: number;
}

interface CampaignRef {
  tenantId: string;
  campaignId: string;
}

/** The decrypted personal fields of a contact, as merge fields see them. */
interface ContactDetails {
  firstName?: string;
  lastName?: string;
  custom?: Record<string, string>;
}

/** Creates the campaign steps. */
export function createCampaignActivities(deps: CampaignDeps) {
  const { tenants, mailer, links } = deps;

  async function load(ref: CampaignRef) {
    const tenant = await tenants.forTenant(ref.tenantId);
    const campaign = await tenant.models.Campaign.findById(ref.campaignId).lean<CampaignDocument>();
    if (!campaign)
      throw ApplicationFailure.nonRetryable(
        `campaign ${ref.campaignId} not found`,
        activityFailures.campaignMissing,
      );
    return { tenant, campaign };
  }

  /** The template version the campaign sends. */
  async function versionOf(tenant: TenantScope, campaign: CampaignDocument) {
    const version = await tenant.models.TemplateVersion.findById(
      `${campaign.templateId}:v${campaign.templateVersion}`,
    ).lean();
    if (!version)
      throw ApplicationFailure.nonRetryable(
        `template ${campaign.templateId} v${campaign.templateVersion} not found`,
        activityFailures.campaignMissing,
      );
    return version;
  }

  /** The message of one recipient, or why it gets none. */
  async function messageFor(
    tenant: TenantScope,
    campaign: CampaignDocument,
    version: Awaited<ReturnType<typeof versionOf>>,
    recipient: CampaignRecipientDocument,
    contactId: string,
    lists: Map<string, { tracking: boolean } | null>,
    postalAddress: string | undefined,
  ): Promise<Omit<TenantMessage, 'tenantId'> | { skip: string }> {
    const contact = (await tenant.models.Contact.collection.findOne({
      _id: contactId as never,
    })) as ContactDocument | null;
    const { listId } = recipient;
    if (!contact || typeof contact.email !== 'string') return { skip: 'contact_gone' };
    if (contact.lists?.[listId]?.status !== 'active') return { skip: 'not_subscribed' };
    if (contact.restrictedAt) return { skip: 'restricted' };
    // Bounced for good or complained since the audience was resolved.
    if (contact.undeliverable) return { skip: 'undeliverable' };
    const details = (contact.details ?? {}) as ContactDetails;
    const merge: MergeContact = {
      email: contact.email,
      firstName: details.firstName,
      lastName: details.lastName,
      custom: { ...details.custom },
    };
    if (!lists.has(listId))
      lists.set(listId, await tenant.models.List.findById(listId, { tracking: 1 }).lean());
    const tracked = mayTrack(campaign, lists.get(listId), contact, listId);
    const { tenantId } = tenant;
    const targets = tracked
      ? await Promise.all(
          version.links.map((_, i) => links.click(tenantId, contactId, listId, campaign._id, i)),
        )
      : version.links;
    const pixel = tracked ? await links.open(tenantId, contactId, listId, campaign._id) : undefined;
    const rendered = await renderTemplate(version, merge, { links: targets, pixel });
    return {
      sendKey: `campaign:${campaign._id}:${contactId}`,
      to: contact.email,
      ...rendered,
      listId,
      unsubscribeUrl: await links.unsubscribe(tenantId, contactId, listId, campaign._id),
      profileUrl: await links.profile(tenantId, contactId),
      feedbackToken: await links.feedback(tenantId, contactId, listId, campaign._id),
      ...(postalAddress ? { postalAddress } : {}),
    };
  }

  return {
    /** Marks the campaign as sending (or waiting for its time); when it is to be sent. */
    async openCampaignSend(ref: CampaignRef): Promise<{ sendAt?: string }> {
      const { campaign } = await load(ref);
      return campaign.sendAt ? { sendAt: campaign.sendAt.toISOString() } : {};
    },

    /** Resolves the audience into recipient records; how many there are. */
    async resolveCampaignAudience(ref: CampaignRef): Promise<{ recipients: number }> {
      const { tenant, campaign } = await load(ref);
      const beat = () => Context.current().heartbeat();
      const recipients = await resolveAudience(tenant, campaign, beat);
      const pages = await writeRecipientPages(tenant, campaign._id, beat);
      await tenant.models.Campaign.updateOne(
        { _id: campaign._id },
        {
          $set: {
            status: 'sending',
            recipients,
            pages,
            startedAt: new Date(),
            updatedAt: new Date(),
          },
        },
      );
      return { recipients };
    },

    /** Sends the next `limit` queued recipients after `after`. */
    async sendCampaignBatch(
      ref: CampaignRef & { after?: string; limit: number },
    ): Promise<CampaignBatchResult> {
      const { tenant, campaign } = await load(ref);
      const version = await versionOf(tenant, campaign);
      const { Campaign, CampaignRecipient } = tenant.models;
      const prefix = `${campaign._id}:`;
      const next = await nextRecipients(tenant, campaign, ref.after, ref.limit);
      const { queued } = next;
      const owner = await tenants.control.Tenant.findById(ref.tenantId, {
        postalAddress: 1,
      }).lean();
      const postalAddress =
        typeof owner?.postalAddress === 'string' ? owner.postalAddress : undefined;
      const lists = new Map<string, { tracking: boolean } | null>();
      const built = await Promise.all(
        queued.map((r) =>
          messageFor(
            tenant,
            campaign,
            version,
            r,
            r._id.slice(prefix.length),
            lists,
            postalAddress,
          ),
        ),
      );
      Context.current().heartbeat();
      const skipped = queued.filter((_, i) => 'skip' in built[i]!);
      const messages = built.filter((m): m is Omit<TenantMessage, 'tenantId'> => !('skip' in m));
      const outcomes = await mailer
        .sendBatch(
          ref.tenantId,
          messages,
          campaign.sendingDomainId ? { sendingDomainId: campaign.sendingDomainId } : {},
        )
        .catch((err: unknown) => {
          // Its sending domain deleted (or the tenant gone) during the send: no retry brings
          // it back, and the platform's domain must not stand in for the tenant's.
          if (
            err instanceof AppError &&
            ['not_found', 'sending_domain_unverified'].includes(err.id)
          )
            throw ApplicationFailure.nonRetryable(
              `campaign ${campaign._id}: its sending domain is gone or not verified`,
              activityFailures.campaignMissing,
            );
          throw err;
        });
      Context.current().heartbeat();
      const now = new Date();
      const sentIds = queued
        .filter((_, i) => !('skip' in built[i]!))
        .filter((_, i) => outcomes[i] !== 'failed')
        .map((r) => r._id);
      const writes = [
        ...sentIds.map((id) => ({
          updateOne: { filter: { _id: id }, update: { $set: { status: 'sent', sentAt: now } } },
        })),
        ...skipped.map((r) => ({
          updateOne: {
            filter: { _id: r._id },
            update: {
              $set: {
                status: 'skipped',
                reason: (built[queued.indexOf(r)] as { skip: string }).skip,
              },
            },
          },
        })),
      ];
      // In commands of WRITE_BATCH (src/db/bulk-write.ts): a batch may hold 100 recipients.
      await bulkWriteBatched(CampaignRecipient, writes);
      await Campaign.updateOne({ _id: campaign._id }, { $set: { updatedAt: now } });
      if (outcomes.includes('failed'))
        throw ApplicationFailure.retryable(
          'the relay refused messages of the batch',
          activityFailures.relayRefused,
        );
      return {
        sent: sentIds.length,
        skipped: skipped.length,
        ...(next.last ? { last: next.last } : {}),
        done: next.done,
        ratePerSecond: deps.campaignRatePerSecond,
      };
    },

    /**
     * Reserves the next batch's slot on the tenant's timeline (src/campaigns/send-pace.ts):
     * when it may start, `now` being the workflow's time.
     */
    async reserveCampaignSlot(
      ref: CampaignRef & { messages: number; now: string },
    ): Promise<{ startAt: string }> {
      const startAt = await reserveSendSlot(tenants.control, ref.tenantId, {
        messages: ref.messages,
        ratePerSecond: deps.campaignRatePerSecond,
        now: new Date(ref.now),
      });
      return { startAt: startAt.toISOString() };
    },

    /** Records that the send is paused or sending again. */
    async recordCampaignStatus(ref: CampaignRef & { status: 'paused' | 'sending' }): Promise<void> {
      const { tenant } = await load(ref);
      await tenant.models.Campaign.updateOne(
        { _id: ref.campaignId, status: { $in: ['sending', 'paused'] } },
        { $set: { status: ref.status, updatedAt: new Date() } },
      );
    },

    /** Records how the send ended. */
    async finishCampaignSend(
      ref: CampaignRef & { outcome: 'sent' | 'cancelled'; sent: number; skipped: number },
    ): Promise<void> {
      const { tenant, campaign } = await load(ref);
      const now = new Date();
      await tenant.models.Campaign.updateOne(
        { _id: ref.campaignId },
        { $set: { status: ref.outcome, finishedAt: now, updatedAt: now } },
      );
      await deleteRecipientPages(tenant, campaign);
    },
  };
}
